#!/usr/bin/env bash
# Photographs what a clinic sees, into docs/screens/: the live window under a virtual
# display (Xvfb, 1920x1080, full screen) with the cue preview, the "good" state, the
# no-runner warning and the delayed replay; a live session's report with its snapshot; the report of the demo clip (stills) and of a synthetic speed ramp, a
# test/retest comparison, and an annotated frame of a portrait clip. Not run by CI (it installs Xvfb, xdotool, ImageMagick
# and Chromium from Debian when missing).
#
# The screens are kept small: JPEG, at most 1600 px wide; one replaces the picture already
# there only when it looks different (more than 2 % RMS), so unchanged screens are not
# committed again.
#
#   scripts/screens.sh [OUT_DIR]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
out="${1:-docs/screens}"
bash scripts/setup.sh >/dev/null
for p in xvfb xdotool imagemagick chromium; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || {
    sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo
    $sudo apt-get install -y -qq --no-install-recommends "$p" >/dev/null
  }
done
cargo build --release --quiet
mkdir -p "$out"
work="$(mktemp -d)"
shots="$work/png"
mkdir -p "$shots"
display=":$(( 90 + RANDOM % 9 ))"
Xvfb "$display" -screen 0 1920x1080x24 >/dev/null 2>&1 &
xvfb=$!
trap 'kill $xvfb 2>/dev/null || true; rm -rf "$work"' EXIT
g=./target/release/gaitcue

# Synthetic sessions (a speed ramp; a runner before and after retraining).
GAITCUE_SCREENS_TO="$work" cargo test --release --quiet --test it -- --ignored write_screen_sessions >/dev/null
$g analyze --keypoints "$work/ramp.jsonl" --speed-schedule "$(cat "$work/ramp.schedule")" --retest \
  --patient "Synthetic runner" --notes "speed ramp 8-14 km/h" --out "$work/ramp" --quiet >/dev/null
$g analyze --keypoints "$work/before.jsonl" --belt-speed "11 km/h" --out "$work/before" --quiet >/dev/null
$g analyze --keypoints "$work/after.jsonl" --belt-speed "11 km/h" --retest --out "$work/after" --quiet >/dev/null
$g compare "$work/before" "$work/after" --out "$work/compare" >/dev/null
# A runner's course (test, three retraining sessions, retest, one at another speed).
for i in 0 1 2 3 4 5; do
  visit=(); speed="11 km/h"
  [ "$i" -eq 4 ] && visit=(--visit retest)
  [ "$i" -eq 5 ] && speed="12 km/h"
  $g analyze --keypoints "$work/course-$i.jsonl" --runner "$work/runner" --belt-speed "$speed" \
    --patient "Synthetic runner" "${visit[@]}" --quiet >/dev/null
done
$g progress "$work/runner" >/dev/null
bash scripts/render_report.sh "$work/runner/progress.html" "$shots/progress.png" 3800 >/dev/null
$g analyze data/demo.mp4 --patient "Demo walker" --out "$work/demo" --quiet >/dev/null 2>&1 || true
bash scripts/render_report.sh "$work/demo/report.html" "$shots/report-demo.png" 4600 >/dev/null
bash scripts/render_report.sh "$work/ramp/report.html" "$shots/report-ramp.png" 6000 >/dev/null
bash scripts/render_report.sh "$work/compare/compare.html" "$shots/compare.png" 2400 >/dev/null

# A portrait treadmill-style clip (the demo cropped upright): the annotated frame must fit.
ffmpeg -loglevel error -y -i data/demo.mp4 -vf "crop=558:994:560:0,scale=720:1280" -an "$work/portrait.mp4"
$g analyze "$work/portrait.mp4" --zone 0,0.55,1,1 --out "$work/portrait" --quiet >/dev/null 2>&1 || true
ffmpeg -loglevel error -y -i "$work/portrait/annotated.mp4" -vf "select=eq(n\,125)" -vframes 1 "$shots/annotated-portrait.png"

# No window manager: focus the window, and hold a key long enough for a frame to see it.
press() {
  local win="" tries=0
  while [ -z "$win" ] && [ $tries -lt 50 ]; do
    win="$(DISPLAY="$display" xdotool search --name gaitcue | head -1 || true)"
    [ -n "$win" ] || sleep 0.1
    tries=$((tries + 1))
  done
  [ -n "$win" ] || { echo "screens: no gaitcue window to press $1 in" >&2; return 0; }
  DISPLAY="$display" xdotool mousemove --window "$win" 200 200 windowfocus --sync "$win" keydown "$1" sleep 0.2 keyup "$1" || true
}
# The live window over the whole screen (--fullscreen): the runner's view with the cue
# preview (V: each cue 3 s, then "Good"), and a snapshot (I) that goes into the session's
# report. The demo is played by a GStreamer pipeline, which starts again when it ends.
loop_demo="filesrc location=data/demo.mp4 ! decodebin ! videoconvert ! video/x-raw,format=BGR ! appsink max-buffers=2 drop=true"
DISPLAY="$display" $g live --source "$loop_demo" --fullscreen --duration 16 --patient "Demo walker" \
  --out "$work/live" >/dev/null 2>&1 &
app=$!
sleep 4
press v
pressed="$(date +%s.%N)"
# Sleeps until SECONDS after the V key.
after_v() { sleep "$(awk -v v="$pressed" -v s="$1" -v now="$(date +%s.%N)" 'BEGIN { d = v + s - now; printf "%.3f", (d > 0 ? d : 0) }')"; }
after_v 1
DISPLAY="$display" import -window root "$shots/live-cue.png"
press i
# Two cues of 3 s each, then "Good" for 3 s.
after_v 7
DISPLAY="$display" import -window root "$shots/live-good.png"
wait "$app" || true
bash scripts/render_report.sh "$work/live/report.html" "$shots/report-live.png" 3000 >/dev/null
# Nobody in view (a test pattern for a camera): the warning on the picture, in large type.
DISPLAY="$display" $g live --fullscreen --duration 6 --out "$work/live-empty" \
  --source "videotestsrc is-live=true pattern=smpte75 ! video/x-raw,width=1280,height=720,framerate=30/1 ! videoconvert ! video/x-raw,format=BGR ! appsink drop=true max-buffers=2" \
  >/dev/null 2>&1 &
app=$!
sleep 4
DISPLAY="$display" import -window root "$shots/live-warning.png"
wait "$app" || true
# The delay view, opened in a window and put over the whole screen with F11: filling,
# then 2 s behind, then the last stride looped at half speed (Z, L).
DISPLAY="$display" $g live --source demo --duration 9 --delayed --delay 2 --out "$work/live-delay" >/dev/null 2>&1 &
app=$!
sleep 1.5
press F11
sleep 0.3
DISPLAY="$display" import -window root "$shots/live-delay-filling.png"
sleep 2
DISPLAY="$display" import -window root "$shots/live-delay.png"
press z
press l
sleep 1
DISPLAY="$display" import -window root "$shots/live-delay-loop.png"
wait "$app" || true

# Small JPEGs, replaced only when the screen changed.
for png in "$shots"/*.png; do
  name="$(basename "${png%.png}").jpg"
  convert "$png" -resize '1600x>' -quality 82 -interlace JPEG "$work/$name"
  if [ -f "$out/$name" ]; then
    diff="$(compare -metric RMSE "$out/$name" "$work/$name" null: 2>&1 | sed -n 's/.*(\(.*\)).*/\1/p' || true)"
    if awk -v d="${diff:-1}" 'BEGIN { exit !(d < 0.02) }'; then
      echo "unchanged: $name"
      continue
    fi
  fi
  cp "$work/$name" "$out/$name"
  echo "written:   $name"
done
