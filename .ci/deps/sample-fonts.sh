#!/usr/bin/env bash
# Fonts for the reporter's samples and tests that the bundled DejaVu faces
# lack: Debian's IPA Gothic (Japanese) and Lohit Devanagari (Hindi); DejaVu
# itself draws the Latin, Greek, Cyrillic, Arabic and Hebrew. Installed when
# missing, as root on Debian; otherwise the script says what to install and
# the samples draw those characters blank with a warning. Idempotent.
set -euo pipefail
. "$(dirname "$0")/../lib/apt.sh"
need=()
[ -f /usr/share/fonts/opentype/ipafont-gothic/ipag.ttf ] || need+=(fonts-ipafont-gothic)
[ -f /usr/share/fonts/truetype/lohit-devanagari/Lohit-Devanagari.ttf ] || need+=(fonts-lohit-deva)
[ ${#need[@]} = 0 ] && exit 0
if ! apt_install "fonts for the sample reports" "${need[@]}"; then
    echo "note: missing fonts; Japanese or Hindi text in the sample reports is drawn blank (Debian: sudo apt-get install ${need[*]})" >&2
fi
