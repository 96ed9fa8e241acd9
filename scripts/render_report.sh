#!/usr/bin/env bash
# Renders a session's report.html (or compare.html) in headless Chromium (Debian's
# package) to a PNG, to look at it as a clinician would. Not run by CI.
#
#   scripts/render_report.sh out/demo/report.html [out.png] [height_px]
set -euo pipefail
html="$(realpath "$1")"
png="${2:-${html%.html}.png}"
height="${3:-5200}"
if ! command -v chromium >/dev/null; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi
profile="$(mktemp -d)"
trap 'rm -rf "$profile"' EXIT
chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --user-data-dir="$profile" --hide-scrollbars --window-size=1200,"$height" \
  --screenshot="$(realpath -m "$png")" "file://$html" >/dev/null 2>&1
echo "rendered: $png"
