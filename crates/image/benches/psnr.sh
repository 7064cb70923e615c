#!/usr/bin/env bash
# Mean PSNR of a benchmark's outputs against reference resizes, over the
# pairs of the same size (an output of another size is counted as skipped,
# not compared).
#
#   psnr.sh REF_DIR OUT_DIR EXT   (REF_DIR/NAME.png against OUT_DIR/NAME.EXT)
#
# AVIF outputs are decoded with avifdec (libavif with dav1d, independent of
# the encoder) first. Needs ImageMagick (compare, identify), bc; avifdec
# for AVIF (apt-get install libavif-bin).
set -euo pipefail
refs=$1 outs=$2 ext=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sum=0 k=0 skipped=0
for ref in "$refs"/*.png; do
  name=$(basename "$ref" .png)
  out=$outs/$name.$ext
  [ -f "$out" ] || { skipped=$((skipped + 1)); continue; }
  if [ "$ext" = avif ]; then
    # (no -q: in libavif 0.11, Debian 12's, it is the JPEG quality flag)
    avifdec "$out" "$tmp/$name.png" >/dev/null
    out=$tmp/$name.png
  fi
  if [ "$(identify -format %wx%h "$out" 2>/dev/null)" != "$(identify -format %wx%h "$ref" 2>/dev/null)" ]; then
    skipped=$((skipped + 1))
    continue
  fi
  # compare exits 1 when the images differ, which they do.
  p=$(compare -metric PSNR "$out" "$ref" null: 2>&1 | awk '{print $1}' || true)
  sum=$(echo "$sum + $p" | bc -l)
  k=$((k + 1))
done
[ "$k" -gt 0 ] || { echo "no pair of the same size"; exit 1; }
printf 'mean_db=%.2f over %d images (%d skipped: other size or missing)\n' "$(echo "$sum / $k" | bc -l)" "$k" "$skipped"
