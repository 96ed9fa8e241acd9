#!/usr/bin/env bash
# Sets everything up, then analyses the bundled demo clip into out/demo/.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh
cargo run --release --quiet -- analyze data/demo.mp4 --out out/demo --zone 0,0.45,1,1
