#!/usr/bin/env bash
# Live benchmark (not a test): a 1280x720 source paced by the clock at FPS frames per second
# (default 60), made from the demo clip (scaled, frames repeated to reach the rate, looped
# to last SECONDS) and played by gaitcue's capture thread as a camera would deliver it;
# BlazePose full, headless, for SECONDS (default 60). Prints frames per second shown, drops,
# capture-to-screen latency p50/p95, CPU use and every stage's median from the session
# summary. Run it with nothing else going on.
#
#   scripts/bench_live.sh [SECONDS] [FPS] [extra gaitcue live flags, e.g. --record]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
seconds="${1:-60}"
fps="${2:-60}"
shift $(( $# > 0 ? 1 : 0 ))
shift $(( $# > 0 ? 1 : 0 ))
bash scripts/setup.sh >/dev/null
cargo build --release --quiet
cache="${XDG_CACHE_HOME:-$HOME/.cache}/gaitcue"
mkdir -p "$cache"
source_clip="$cache/bench-720p${fps}-${seconds}s.mp4"
if [ ! -s "$source_clip" ]; then
    loops=$(( seconds / 7 + 1 ))
    ffmpeg -v error -y -stream_loop "$loops" -i data/demo.mp4 \
        -vf "scale=1280:720,fps=$fps" -t "$((seconds + 2))" \
        -c:v libx264 -preset veryfast -crf 20 -pix_fmt yuv420p "$source_clip.part.mp4"
    mv "$source_clip.part.mp4" "$source_clip"
fi
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
./target/release/gaitcue live --headless --source "$source_clip" --zone 0,0.45,1,1 \
  --duration "$seconds" --status-every 1000 --out "$out/session" "$@" >/dev/null 2>"$out/stderr.txt" ||
  { cat "$out/stderr.txt" >&2; exit 1; }
python3 - "$out/session/summary.json" "$fps" "$*" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))["session"]
lat = s["latency_capture_to_screen_ms"]
flags = sys.argv[3] or "no extra flags"
print(f"1280x720 at {sys.argv[2]} fps, paced, {s['duration_s']:.0f} s ({flags}): "
      f"{s['frames_per_second']:.1f} frames/s shown, {s['frames_captured']} captured, "
      f"{s['frames_shown']} shown, {s['dropped_at_entrance']} dropped at the entrance, "
      f"{s['dropped_by_recorder']} by the recorder")
print(f"capture-to-screen latency: p50 {lat['p50']:.1f} ms, p95 {lat['p95']:.1f} ms (n={lat['n']})")
print(f"CPU: {s['cpu_percent_of_one_core']:.0f} % of one core; peak memory {s['peak_memory_mb']:.0f} MB")
for k, v in s["stage_times"].items():
    print(f"  {k:<20} median {v['median']:.2f} ms  p95 {v['p95']:.2f} ms")
PY
