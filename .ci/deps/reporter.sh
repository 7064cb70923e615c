#!/bin/sh
# What the reporter's tests need: pdftotext/pdfinfo/pdftoppm (poppler-utils),
# qpdf, hb-shape (libharfbuzz-bin, the shaping tests compare with it), and
# the fonts of the multilingual tests (IPA Gothic, Lohit Devanagari).
# Idempotent.
set -eu
need=""
command -v pdftotext >/dev/null 2>&1 || need="$need poppler-utils"
command -v qpdf >/dev/null 2>&1 || need="$need qpdf"
command -v hb-shape >/dev/null 2>&1 || need="$need libharfbuzz-bin"
[ -f /usr/share/fonts/opentype/ipafont-gothic/ipag.ttf ] || need="$need fonts-ipafont-gothic"
[ -f /usr/share/fonts/truetype/lohit-devanagari/Lohit-Devanagari.ttf ] || need="$need fonts-lohit-deva"
if [ -n "$need" ]; then
    apt-get update -qq
    # shellcheck disable=SC2086
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $need
fi
