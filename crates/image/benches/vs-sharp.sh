#!/usr/bin/env bash
# resizer against sharp (Node.js, libvips in process: what web developers
# reach for), the same job on the same corpus, in alternating rounds of
# the same run (the machine is shared: the ratio is what counts).
#
#   crates/image/benches/vs-sharp.sh [CORPUS_DIR] [ROUNDS]
#
# The job: every JPEG and PNG fitted into 800x800 (BOX=200 for
# thumbnails: BOXxBOX), never enlarged, turned
# upright per its EXIF orientation, metadata stripped, written as JPEG q85
# (`resizer --format jpeg`; sharp's `.jpeg({quality: 85})`), two images at
# a time (2 workers; sharp: 2 concurrent pipelines of one libvips thread
# each). Then the same as AVIF, at qualities that give both about the same
# PSNR (AVIF=0 skips it; AVIF_QUALITY, AVIF_SPEED, SHARP_AVIF_QUALITY and
# SHARP_AVIF_EFFORT change them).
#
# Each round times the whole command (process start included) and its
# peak RSS; the order alternates between rounds. Prints each round, the
# median ratio (sharp's wall time / ours: above 1 is faster), output bytes,
# and mean PSNR against two reference resizes of the JPEG inputs: vips's
# lossless thumbnail (vipsthumbnail to PNG) and an exact Lanczos3 of the
# full-size image (ImageMagick, no shrink-on-load).
#
# CORPUS_DIR (default /tmp/resizer-corpus) is built by corpus.sh beside
# this script when missing. sharp is installed from the npm registry into
# $CARGO_TARGET_DIR/bench-sharp (target/bench-sharp) on first use.
# Needs: node and npm, apt-get install imagemagick libvips-tools
# libavif-bin bc time.
set -euo pipefail
cd "$(dirname "$0")/../../.."
here=crates/image/benches
C=${1:-/tmp/resizer-corpus}
ROUNDS=${2:-3}
AVIF=${AVIF:-1}
BOX=${BOX:-800}
# Our q70 and sharp's q50 give about the same mean PSNR against vips's
# thumbnail on the corpus: 36.71 and 36.68 dB, in 1,534,386 and 1,409,050
# bytes (2026-12-03; our q60 gave 35.60 dB in 1,208,612 bytes).
AVIF_QUALITY=${AVIF_QUALITY:-70}
AVIF_SPEED=${AVIF_SPEED:-6}
SHARP_AVIF_QUALITY=${SHARP_AVIF_QUALITY:-50}
SHARP_AVIF_EFFORT=${SHARP_AVIF_EFFORT:-4}
[ -d "$C" ] || bash "$here/corpus.sh" "$C"
cargo build --release -q -p resizer
target=${CARGO_TARGET_DIR:-target}
R=$target/release/resizer
SHARP=$target/bench-sharp
[ -d "$SHARP/node_modules/sharp" ] || { mkdir -p "$SHARP" && npm install --prefix "$SHARP" --no-save --silent sharp@0.34 >/dev/null; }
SHARP=$(cd "$SHARP" && pwd)
JS=$(pwd)/$here/sharp-resize.js
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
echo "corpus: $(ls "$C" | wc -l) files, $(du -sh "$C" | cut -f1) in $C; $(nproc) cores; sharp $(node -p "require('$SHARP/node_modules/sharp/package.json').version")"

# timed NAME COMMAND...: one run into $W/NAME, appends "wall rss_mb" to $W/times.NAME
timed() {
  local name=$1 t0 t1
  shift
  rm -rf "${W:?}/$name"
  t0=$(date +%s.%N)
  /usr/bin/time -f %M -o "$W/rss" "$@" >/dev/null 2>"$W/err" || { cat "$W/err" >&2; exit 1; }
  t1=$(date +%s.%N)
  echo "$(echo "$t1 - $t0" | bc) $(($(tail -1 "$W/rss") / 1024))" >> "$W/times.$name"
}
ours() { timed "$1" "$R" "$C" "$W/$1" --size "${BOX}x$BOX" --quiet "${@:2}"; }
theirs() { timed "$1" env NODE_PATH="$SHARP/node_modules" node "$JS" "$C" "$W/$1" 2 "${@:2}"; }

# compare LABEL OURS THEIRS OURS_COMMAND THEIRS_COMMAND: alternating rounds
compare() {
  local label=$1 a=$2 b=$3 r
  for r in $(seq "$ROUNDS"); do
    if [ $((r % 2)) = 1 ]; then eval "$4"; eval "$5"; else eval "$5"; eval "$4"; fi
    printf '%s round %d: resizer %.2f s %d MB, sharp %.2f s %d MB, ratio %.2fx\n' "$label" "$r" \
      $(tail -1 "$W/times.$a") $(tail -1 "$W/times.$b") \
      "$(echo "$(tail -1 "$W/times.$b" | cut -d' ' -f1) / $(tail -1 "$W/times.$a" | cut -d' ' -f1)" | bc -l)"
  done
  paste -d' ' "$W/times.$a" "$W/times.$b" | awk '{print $3 / $1}' | sort -n > "$W/ratios.$label"
  printf '%s: median ratio %.2fx (sharp wall / resizer wall, %d rounds), peak RSS resizer %d MB, sharp %d MB\n' "$label" \
    "$(awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}' "$W/ratios.$label")" "$ROUNDS" \
    "$(cut -d' ' -f2 "$W/times.$a" | sort -n | tail -1)" "$(cut -d' ' -f2 "$W/times.$b" | sort -n | tail -1)"
}

compare jpeg resizer sharp "ours resizer --format jpeg --quality 85" "theirs sharp jpeg 85 4 $BOX"
if [ "$AVIF" = 1 ]; then
  compare avif resizer-avif sharp-avif \
    "ours resizer-avif --format avif --quality $AVIF_QUALITY --avif-speed $AVIF_SPEED" \
    "theirs sharp-avif avif $SHARP_AVIF_QUALITY $SHARP_AVIF_EFFORT $BOX"
fi

# Quality against two references, for the JPEG inputs (PNG artwork with
# alpha is flattened differently: onto white by us, black by libvips).
mkdir -p "$W/ref.vips" "$W/ref.exact"
ls -d "$C"/*.jpg | VIPS_CONCURRENCY=1 xargs -P2 -n4 vipsthumbnail -s "${BOX}x$BOX" -o "$W/ref.vips/%s.png" 2>/dev/null
for ref in "$W/ref.vips"/*.png; do
  b=$(basename "$ref" .png)
  convert "$C/$b.jpg" -filter Lanczos -resize "$(identify -format "%wx%h" "$ref" 2>/dev/null)!" "$W/ref.exact/$b.png" 2>/dev/null
done
report() { # NAME EXT
  printf '%-13s bytes %9d' "$1" "$(cat "$W/$1"/*."$2" | wc -c)"
  for ref in vips exact; do printf ', psnr vs %s %s' "$ref" "$(bash "$here/psnr.sh" "$W/ref.$ref" "$W/$1" "$2" | cut -d' ' -f1)"; done
  echo
}
report resizer jpg
report sharp jpg
if [ "$AVIF" = 1 ]; then
  report resizer-avif avif
  report sharp-avif avif
fi
