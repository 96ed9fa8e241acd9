#!/usr/bin/env bash
# Regenerate tests/fixtures/{bus,demo}_reference.json from the original MediaPipe
# pipeline (mediapipe==0.10.14, model_complexity=1). Not run by CI; the fixtures
# are committed. Needs network access to PyPI only.
#
#   scripts/make_reference_fixtures.sh [--check-dir /tmp/refcheck]
#
# Environment: GAITCUE_MP_VENV (default ~/.cache/gaitcue-mediapipe-venv),
#              GAITCUE_INPUTS  (default ~/.cache/gaitcue-inputs).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="${GAITCUE_MP_VENV:-$HOME/.cache/gaitcue-mediapipe-venv}"
inputs="${GAITCUE_INPUTS:-$HOME/.cache/gaitcue-inputs}"

# Expected input files (sha256).
BUS_SHA=c02019c4979c191eb739ddd944445ef408dad5679acab6fd520ef9d434bfbc63
DEMO_SHA=d9a66417185647b112304b57093f0c180f37a768e6a14daca75ca541f3b78039

if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet "mediapipe==0.10.14" "numpy<2" opencv-python-headless
fi

mkdir -p "$inputs"
if [ ! -f "$inputs/demo.mp4" ]; then
    "$venv/bin/pip" download --quiet --no-deps --only-binary=:all: sports2d==0.8.34 -d "$inputs"
    unzip -o -j -q "$inputs"/sports2d-0.8.34-py3-none-any.whl 'Sports2D/Demo/demo.mp4' -d "$inputs"
fi
if [ ! -f "$inputs/bus.jpg" ]; then
    "$venv/bin/pip" download --quiet --no-deps ultralytics==8.4.190 -d "$inputs"
    unzip -o -j -q "$inputs"/ultralytics-8.4.190-py3-none-any.whl 'ultralytics/assets/bus.jpg' -d "$inputs"
fi
echo "$BUS_SHA  $inputs/bus.jpg" | sha256sum -c --quiet
echo "$DEMO_SHA  $inputs/demo.mp4" | sha256sum -c --quiet

"$venv/bin/python" "$here/make_reference_fixtures.py" \
    --bus "$inputs/bus.jpg" --demo "$inputs/demo.mp4" \
    --out-dir "$here/../tests/fixtures" "$@"
