#!/usr/bin/env bash
# A CJK font for the reporter's samples and tests (the bundled DejaVu faces
# have no CJK glyphs): Debian's IPA Gothic. Installed when missing, as root
# on Debian; otherwise the script says what to install and the samples draw
# those characters blank with a warning. Idempotent.
set -euo pipefail
font=/usr/share/fonts/opentype/ipafont-gothic/ipag.ttf
[ -f "$font" ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing a CJK font for the reports: fonts-ipafont-gothic"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -qq fonts-ipafont-gothic >/dev/null 2>&1 ||
        { apt-get update -qq >/dev/null && apt-get install -y -qq fonts-ipafont-gothic >/dev/null; }
else
    echo "note: no CJK font; Japanese text in the sample reports is drawn blank (Debian: sudo apt-get install fonts-ipafont-gothic)" >&2
fi
