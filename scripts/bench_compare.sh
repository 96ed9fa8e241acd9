#!/usr/bin/env bash
# Times MediaPipe's own Python pose pipeline and gaitcue on the same clip, in one run on
# this machine, and prints the ratios:
#   1. whole processes: `python bench_mediapipe.py` (start-up, decode, pose alone) against
#      `gaitcue analyze` (start-up, decode, pose, analysis, annotated clip, report with
#      stills and clips), each run ROUNDS times, alternating, medians compared;
#   2. pose stage alone: gaitcue's per-stage medians (`gaitcue bench`) against MediaPipe's
#      median per frame.
# Needs the MediaPipe venv (created here from PyPI on first use). Not run by CI. Run it
# with nothing else going on.
#
#   scripts/bench_compare.sh [ROUNDS] [extra gaitcue bench flags, e.g. --threads 1]
#   GAITCUE_BENCH_CLIP=tests/data/real/male_side.mp4 scripts/bench_compare.sh   (another clip)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
rounds="${1:-3}"
shift $(( $# > 0 ? 1 : 0 ))
venv="${GAITCUE_MP_VENV:-$HOME/.cache/gaitcue-mediapipe-venv}"
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet "mediapipe==0.10.14" "numpy<2" opencv-python-headless
fi
bash scripts/setup.sh >/dev/null
cargo build --release --quiet
clip="${GAITCUE_BENCH_CLIP:-data/demo.mp4}"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT

# wall seconds of a command, its output kept in $scratch/last.txt
wall() {
    local t0 t1
    t0=$(date +%s.%N)
    "$@" >"$scratch/last.txt" 2>&1
    t1=$(date +%s.%N)
    awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }'
}

mp_times=() gc_times=()
for r in $(seq "$rounds"); do
    mp_times+=("$(wall "$venv/bin/python" scripts/bench_mediapipe.py "$clip")")
    baseline="$(sed -n 's/^median \([0-9.]*\) ms.*/\1/p' "$scratch/last.txt")"
    rm -rf "$scratch/session"
    gc_times+=("$(wall ./target/release/gaitcue analyze "$clip" --out "$scratch/session" --zone 0,0.45,1,1 --quiet)")
    phases="$(grep '^analysed' "$scratch/last.txt" || true)"
    printf 'round %d: MediaPipe %.2f s, gaitcue analyze %.2f s\n' "$r" "${mp_times[-1]}" "${gc_times[-1]}"
    printf '  gaitcue: %s\n' "$phases"
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
mp="$(median "${mp_times[@]}")"
gc="$(median "${gc_times[@]}")"
printf '\nwhole process, median of %d: MediaPipe (pose alone) %.2f s, gaitcue analyze (everything, report included) %.2f s -> gaitcue %.2fx faster\n\n' \
    "$rounds" "$mp" "$gc" "$(awk -v a="$mp" -v b="$gc" 'BEGIN { print a / b }')"

[ -n "${baseline:-}" ] || { echo "bench_compare: no MediaPipe median" >&2; exit 1; }
./target/release/gaitcue bench "$clip" --zone 0,0.45,1,1 --baseline-ms "$baseline" "$@"
