#!/usr/bin/env bash
# Sets everything up, then runs the whole test suite (real inference on real footage).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh
cargo test --release --locked
