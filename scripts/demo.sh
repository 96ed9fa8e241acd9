#!/usr/bin/env bash
# Sets everything up, then analyses the bundled demo clip into out/demo/ (replacing the
# previous demo results there, so it is safe to run twice).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh
cargo run --release --quiet -- analyze data/demo.mp4 --out out/demo --overwrite
