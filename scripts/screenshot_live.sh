#!/usr/bin/env bash
# Runs the live window under a virtual display (Xvfb) on the demo clip and saves a
# screenshot, to check what a clinician sees without a monitor. Not run by CI.
#
#   scripts/screenshot_live.sh [OUT.png] [SECONDS_INTO_THE_CLIP] [extra gaitcue live flags…]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
out="${1:-out/live-screenshot.png}"
at="${2:-6}"
shift $(( $# > 2 ? 2 : $# ))
bash scripts/setup.sh >/dev/null
for p in xvfb imagemagick; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || {
    sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo
    $sudo apt-get install -y -qq --no-install-recommends "$p" >/dev/null
  }
done
cargo build --release --quiet
display=":$(( 90 + RANDOM % 9 ))"
Xvfb "$display" -screen 0 1920x1080x24 >/dev/null 2>&1 &
xvfb=$!
trap 'kill $xvfb 2>/dev/null || true' EXIT
sleep 1
mkdir -p "$(dirname "$out")"
DISPLAY="$display" ./target/release/gaitcue live --source demo --duration "$(( at + 2 ))" \
  --out "$(dirname "$out")/live-screenshot-session" --overwrite "$@" >/dev/null &
app=$!
sleep "$at"
DISPLAY="$display" import -window root "$out"
wait "$app" || true
echo "screenshot: $out"
