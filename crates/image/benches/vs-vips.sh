#!/usr/bin/env bash
# resizer against vipsthumbnail (libvips) and ImageMagick's mogrify, same
# corpus, same run, 2 processes each (the machine has 2 cores).
#
#   crates/image/benches/vs-vips.sh [CORPUS_DIR] [RUNS]
#
# Builds the corpus with ../shared/anchors/images/build-corpus.sh when
# CORPUS_DIR (default /tmp/corpus) is missing. Prints images/s (best of
# RUNS), the ratio to vipsthumbnail, memory and mean PSNR (see Quality
# below). Memory comes from one more run
# under peak-rss.py (not timed: its polling costs CPU): max_process_rss is
# the largest single process (all /usr/bin/time -v sees of a pipeline),
# summed_rss the peak of all the command's processes at once (resizer is
# one process with 2 workers; the anchors are 2 processes at a time),
# summed_anon the same without shared file pages (libraries, executable).
# Uses $CARGO_TARGET_DIR/release/resizer when CARGO_TARGET_DIR is set.
# WEBP=1 adds lossy WebP output (quality 85) for both; SKIP_MOGRIFY=1 drops
# mogrify.
# Needs: apt-get install -y libvips-tools imagemagick bc python3 time
set -euo pipefail
cd "$(dirname "$0")/../../.."
C=${1:-/tmp/corpus}
RUNS=${2:-3}
ANCHORS=${ANCHORS:-../shared/anchors}
[ -d "$ANCHORS" ] || ANCHORS=/work/shared/anchors
[ -d "$C" ] || bash "$ANCHORS/images/build-corpus.sh" "$C"
cargo build --release -q -p resizer
R=${CARGO_TARGET_DIR:-target}/release/resizer
PEAK="python3 $(pwd)/crates/image/benches/peak-rss.py"
W=$(mktemp -d); trap 'rm -rf "$W"' EXIT
N=$(ls "$C" | wc -l)
MP=$(identify -format '%w %h\n' "$C"/* 2>/dev/null | awk '{s+=$1*$2} END {printf "%.0f", s/1e6}')
echo "corpus: $N images, $MP megapixels, $(du -sh "$C" | cut -f1)"

best() { sort -n | head -1; }
timeit() { # name, command...: best wall and CPU seconds of RUNS, then memory of one more run
  local name=$1; shift
  local times=() cpus=()
  for _ in $(seq "$RUNS"); do
    rm -rf "$W/out" && mkdir -p "$W/out"
    local t0 t1
    t0=$(date +%s.%N)
    /usr/bin/time -f '%U %S' -o "$W/cpu" bash -c "$*" >/dev/null 2>"$W/err.$name" || { cat "$W/err.$name"; }
    t1=$(date +%s.%N)
    times+=("$(echo "$t1 - $t0" | bc)")
    cpus+=("$(awk 'END {print $1 + $2}' "$W/cpu")")
  done
  rm -rf "$W/out" && mkdir -p "$W/out"
  $PEAK "$W/mem.$name" bash -c "$*" >/dev/null 2>"$W/err.$name" || { cat "$W/err.$name"; }
  local wall cpu
  wall=$(printf '%s\n' "${times[@]}" | best)
  cpu=$(printf '%s\n' "${cpus[@]}" | best)
  printf '%-22s wall_s=%6.2f img_per_s=%6.1f cpu_s=%6.2f mb: %s\n' "$name" "$wall" "$(echo "$N / $wall" | bc -l)" "$cpu" "$(cat "$W/mem.$name")"
  echo "$wall" > "$W/wall.$name"
  echo "$cpu" > "$W/cpu.$name"
  rm -rf "$W/keep.$name"; mv "$W/out" "$W/keep.$name"
}

timeit resizer "$R '$C' '$W/out' --size 800x800 --quality 85 --quiet"
timeit resizer-all-jpeg "$R '$C' '$W/out' --size 800x800 --quality 85 --format jpeg --quiet"
timeit vipsthumbnail "ls -d '$C'/* | VIPS_CONCURRENCY=1 xargs -P2 -n4 vipsthumbnail -s 800x800 -o '$W/out/%s.jpg[Q=85,strip]'"
if [ "${WEBP:-}" = 1 ]; then # lossy WebP output, both tools at quality 85
  timeit resizer-webp "$R '$C' '$W/out' --size 800x800 --quality 85 --format webp --quiet"
  timeit vipsthumbnail-webp "ls -d '$C'/* | VIPS_CONCURRENCY=1 xargs -P2 -n4 vipsthumbnail -s 800x800 -o '$W/out/%s.webp[Q=85,strip]'"
  printf 'ratio resizer-webp / vipsthumbnail-webp (images/s): %.2fx\n' "$(echo "$(cat "$W/wall.vipsthumbnail-webp") / $(cat "$W/wall.resizer-webp")" | bc -l)"
  for n in resizer-webp vipsthumbnail-webp; do
    printf 'webp bytes %-18s %s\n' "$n" "$(cat "$W/keep.$n"/*.webp | wc -c)"
  done
fi
if [ "${SKIP_MOGRIFY:-}" != 1 ]; then
  timeit mogrify "cp '$C'/* '$W/out/' && ls -d '$W/out'/* | MAGICK_THREAD_LIMIT=1 xargs -P2 -n4 mogrify -resize 800x800 -quality 85 -strip"
fi
v=$(cat "$W/wall.vipsthumbnail")
for n in resizer resizer-all-jpeg; do
  printf 'ratio %s / vipsthumbnail (images/s): %.2fx, (CPU time, vips / ours): %.2fx\n' "$n" \
    "$(echo "$v / $(cat "$W/wall.$n")" | bc -l)" "$(echo "$(cat "$W/cpu.vipsthumbnail") / $(cat "$W/cpu.$n")" | bc -l)"
done

# Quality, two references, each for the JPEG inputs (PNG artwork with alpha
# is flattened differently: we flatten onto white, vips onto black):
# - vips: vips's own lossless (PNG) thumbnail, the issue's measure. It
#   shares vips's resampler, so any difference from vips's resampling
#   (we follow its geometry, not its fixed-point rounding) counts as error
#   against us;
# - exact: an independent exact Lanczos3 of the full-size image
#   (ImageMagick `-filter Lanczos -resize`, no shrink-on-load), same size.
mkdir -p "$W/ref.vips" "$W/ref.exact"
ls -d "$C"/*.jpg | VIPS_CONCURRENCY=1 xargs -P2 -n4 vipsthumbnail -s 800x800 -o "$W/ref.vips/%s.png" 2>/dev/null
for ref in "$W/ref.vips"/*.png; do
  b=$(basename "$ref" .png)
  convert "$C/$b.jpg" -filter Lanczos -resize "$(identify -format '%wx%h' "$ref")!" "$W/ref.exact/$b.png"
done
psnr() { # reference dir, output dir: mean PSNR over same-size pairs
  local sum=0 k=0 skipped=0 ref b out p
  for ref in "$1"/*.png; do
    b=$(basename "$ref" .png)
    out="$2/$b.jpg"
    [ -f "$out" ] || { skipped=$((skipped+1)); continue; }
    if [ "$(identify -format '%wx%h' "$out")" != "$(identify -format '%wx%h' "$ref")" ]; then skipped=$((skipped+1)); continue; fi
    # compare exits 1 when the images differ, which they do.
    p=$(compare -metric PSNR "$out" "$ref" null: 2>&1 | awk '{print $1}' || true)
    sum=$(echo "$sum + $p" | bc -l); k=$((k+1))
  done
  printf 'mean_db=%.2f over %d images (%d skipped: other size)' "$(echo "$sum / $k" | bc -l)" "$k" "$skipped"
}
for ref in vips exact; do
  for n in resizer-all-jpeg vipsthumbnail; do
    printf 'psnr vs %-5s %-18s %s\n' "$ref" "$n" "$(psnr "$W/ref.$ref" "$W/keep.$n")"
  done
done
for n in resizer-all-jpeg vipsthumbnail; do
  printf 'jpeg bytes %-18s %s\n' "$n" "$(cat "$W/keep.$n"/*.jpg | wc -c)"
done
