#!/usr/bin/env bash
# Renders the extension's icon (images/icon.png, 256x256, referenced by package.json "icon") from images/icon.svg with
# librsvg (Debian's librsvg2-bin, installed when missing; run as root). Run it after editing the SVG.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v rsvg-convert >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends librsvg2-bin >/dev/null
fi
rsvg-convert -w 256 -h 256 images/icon.svg -o images/icon.png
echo "render-icon: images/icon.png ($(stat -c %s images/icon.png) bytes)"
