#!/usr/bin/env bash
# Reproduce models/*.onnx from MediaPipe's npm package @mediapipe/pose.
#
# Creates (or reuses) a Python venv outside the repository, downloads the npm
# package and the test image (ultralytics' bus.jpg, from its PyPI wheel) into a
# temporary directory, and runs scripts/convert_models.py, which verifies the
# checksums, converts, compares ONNX with TFLite and writes models/.
# Needs python3 (3.10-3.12), npm, and access to PyPI and the npm registry.
# CI does not run this: TensorFlow alone is ~1.8 GB.
#
# Usage: scripts/convert_models.sh [convert_models.py options, e.g. --out-dir DIR]
# Environment: GAITCUE_CONVERT_VENV (default ~/.cache/gaitcue-convert-venv),
#              PYTHON (default python3).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${GAITCUE_CONVERT_VENV:-$HOME/.cache/gaitcue-convert-venv}"

if [ ! -x "$venv/bin/python" ]; then
    "${PYTHON:-python3}" -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
    tensorflow-cpu==2.20.0 tf2onnx==1.17.0 ai-edge-litert==2.3.0 \
    onnxruntime==1.32.0 onnx==1.23.2

work="$(mktemp -d "${TMPDIR:-/tmp}/gaitcue-models.XXXXXX")"
trap 'rm -rf "$work"' EXIT

(cd "$work" && npm pack --silent @mediapipe/pose@0.5.1675469404 >/dev/null)
"$venv/bin/python" -m pip download --quiet --disable-pip-version-check \
    --no-deps --only-binary=:all: ultralytics==8.4.190 -d "$work"
"$venv/bin/python" -c '
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as wheel:
    open(sys.argv[2], "wb").write(wheel.read("ultralytics/assets/bus.jpg"))
' "$work"/ultralytics-8.4.190-py3-none-any.whl "$work/bus.jpg"

"$venv/bin/python" "$repo/scripts/convert_models.py" \
    --tarball "$work"/mediapipe-pose-0.5.1675469404.tgz \
    --image "$work/bus.jpg" "$@"
