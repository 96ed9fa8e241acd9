#!/usr/bin/env bash
# Times MediaPipe's own Python pose pipeline and gaitcue's pose stage on the same clip,
# one after the other on this machine, and prints gaitcue's per-stage medians with the
# speed-up. Needs the MediaPipe venv of scripts/make_reference_fixtures.sh (PyPI only).
# Not run by CI. Run it with nothing else going on.
#
#   scripts/bench_compare.sh [--threads N]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
venv="${GAITCUE_MP_VENV:-$HOME/.cache/gaitcue-mediapipe-venv}"
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet "mediapipe==0.10.14" "numpy<2" opencv-python-headless
fi
bash scripts/setup.sh >/dev/null
cargo build --release --quiet
baseline="$("$venv/bin/python" scripts/bench_mediapipe.py data/demo.mp4 | tee /dev/stderr |
    sed -n 's/^median \([0-9.]*\) ms.*/\1/p')"
[ -n "$baseline" ] || { echo "bench_compare: no MediaPipe median" >&2; exit 1; }
./target/release/gaitcue bench data/demo.mp4 --zone 0,0.45,1,1 --baseline-ms "$baseline" "$@"
