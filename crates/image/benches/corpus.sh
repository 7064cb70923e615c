#!/usr/bin/env bash
# The resizer benchmarks' corpus: 50 real photographs and artworks from
# Debian's wallpaper packages (Ubuntu's wallpaper-contest photos, CC-BY-SA,
# KDE's and MATE's backgrounds; the licences are in each package's
# usr/share/doc), in the shapes a photo folder holds:
#
# - camera JPEGs as published, 1365 to 6028 px wide, baseline and
#   progressive, 4:2:0, 4:2:2 and 4:4:4 (their bytes untouched);
# - the 8 largest re-encoded twice: as a camera writes them (q95, 4:4:4,
#   baseline) and as the web serves them (q80, 4:2:0, progressive);
# - PNG artwork (RGB, 3840 and 5120 px), a photo as an RGB PNG and as an
#   RGBA PNG with a radial alpha.
#
#   crates/image/benches/corpus.sh DIR
#
# Needs apt-get (the packages are downloaded, not installed) and
# ImageMagick's convert and identify (apt-get install imagemagick).
set -euo pipefail
dir=${1:?usage: corpus.sh DIR}
packages=(lomiri-wallpapers-16.04 lomiri-wallpapers-20.04 plasma-workspace-wallpapers mate-backgrounds)
for tool in convert identify apt-get dpkg-deb; do
  command -v "$tool" >/dev/null || { echo "corpus.sh: $tool is needed (apt-get install imagemagick)" >&2; exit 2; }
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fetch() { (cd "$work" && apt-get download -qq "${packages[@]}" >/dev/null 2>&1); }
fetch || { apt-get update -qq && fetch; }
for deb in "$work"/*.deb; do dpkg-deb -x "$deb" "$work/root"; done
ubuntu=$work/root/usr/share/backgrounds
kde=$work/root/usr/share/wallpapers
mkdir -p "$dir"

for photo in "$ubuntu"/*_by_*.jpg; do
  cp "$photo" "$dir/o_$(basename "$photo")"
done
for name in Path OneStandsOut ColorfulCups EveningGlow FallenLeaf BytheWater; do
  cp "$kde/$name/contents/images/2560x1600.jpg" "$dir/o_kde_$name.jpg"
done
cp "$ubuntu/mate/nature/TwoWings.jpg" "$ubuntu/mate/nature/LadyBird.jpg" "$dir/"

mapfile -t largest < <(ls -S "$ubuntu"/*_by_*.jpg | head -8)
for photo in "${largest[@]}"; do
  stem=$(basename "$photo" .jpg)
  convert "$photo" -quality 95 -sampling-factor 1x1 -interlace none "$dir/q95_444_$stem.jpg"
  convert "$photo" -quality 80 -sampling-factor 2x2 -interlace Plane "$dir/q80_420p_$stem.jpg"
done

for name in Altai Kay Patak; do
  cp "$kde/$name/contents/images/5120x2880.png" "$dir/png_kde_$name.png"
done
for name in Cluster Canopee; do
  cp "$kde/$name/contents/images/3840x2160.png" "$dir/png_kde_$name.png"
done
biggest=${largest[0]}
convert "$biggest" "$dir/png_photo_rgb8.png"
# A radial gradient as alpha (cheap to make, unlike a blurred vignette).
size=$(identify -format %wx%h "$biggest")
convert "$biggest" \( -size "$size" radial-gradient:white-black \) -alpha off \
  -compose CopyOpacity -composite "$dir/png_photo_rgba.png"
echo "corpus: $(ls "$dir" | wc -l) files, $(du -sh "$dir" | cut -f1) in $dir"
