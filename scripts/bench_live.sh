#!/usr/bin/env bash
# Live benchmark (not a test): a 720p, 30 fps, clock-paced GStreamer source made from the
# demo clip (looped by reconnecting when it ends), BlazePose full, headless, for
# SECONDS (default 60); prints frames per second, drops, capture-to-screen latency p50/p95
# and CPU use from the session summary. Run it with nothing else going on.
#
#   scripts/bench_live.sh [SECONDS] [extra gaitcue live flags, e.g. --record]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
seconds="${1:-60}"
shift $(( $# > 0 ? 1 : 0 ))
bash scripts/setup.sh >/dev/null
cargo build --release --quiet
out="$(mktemp -d)"
source="filesrc location=data/demo.mp4 ! qtdemux ! vp9dec ! videoscale ! video/x-raw,width=1280,height=720 ! videoconvert ! video/x-raw,format=BGR ! appsink sync=true max-buffers=1 drop=true"
./target/release/gaitcue live --headless --source "$source" --zone 0,0.45,1,1 \
  --duration "$seconds" --status-every 1000 --out "$out" "$@" >/dev/null 2>"$out/stderr.txt"
python3 - "$out/summary.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))["session"]
lat = s["latency_capture_to_screen_ms"]
print(f"720p30 live source, {s['duration_s']:.0f} s: {s['frames_per_second']:.1f} frames/s shown, "
      f"{s['frames_captured']} captured, {s['dropped_at_entrance']} dropped at the entrance, "
      f"{s['dropped_by_recorder']} by the recorder")
print(f"capture-to-screen latency: p50 {lat['p50']:.1f} ms, p95 {lat['p95']:.1f} ms (n={lat['n']})")
print(f"CPU: {s['cpu_percent_of_one_core']:.0f} % of one core; peak memory {s['peak_memory_mb']:.0f} MB")
for k, v in s["stage_times"].items():
    print(f"  {k:<20} median {v['median']:.2f} ms  p95 {v['p95']:.2f} ms")
PY
rm -rf "$out"
