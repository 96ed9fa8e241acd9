#!/usr/bin/env bash
# Sets everything up, then analyses the bundled real runner (tests/data/real/male_side.mp4, a
# phone filming a treadmill runner from the side) into out/demo/, replacing the previous demo
# results there, so it is safe to run twice. Prints the runner's numbers per side.
# The walking clip with bystanders is a second example: out/demo-walk/.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh
cargo run --release --quiet -- analyze tests/data/real/male_side.mp4 --out out/demo --overwrite
if [ "${1:-}" = "--walk" ]; then
  cargo run --release --quiet -- analyze data/demo.mp4 --out out/demo-walk --overwrite
fi
