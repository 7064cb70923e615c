#!/bin/sh
# Regenerates logo.png (the sample layout's logo): a 240x96 badge, blue
# rounded box with an orange disc, transparent corners (exercises /SMask).
# Needs ImageMagick.
set -eu
cd "$(dirname "$0")"
convert -size 240x96 xc:none \
  -fill '#2f5fa8' -draw 'roundrectangle 0,0 239,95 18,18' \
  -fill '#f08a24' -draw 'circle 60,48 60,14' \
  -fill white -draw 'rectangle 120,30 210,40' -draw 'rectangle 120,56 190,66' \
  -strip -define png:compression-level=9 PNG32:logo.png
