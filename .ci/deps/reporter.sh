#!/bin/sh
# What tests/reporter.rs needs: pdftotext/pdfinfo (poppler-utils), qpdf, and a
# CJK font for the fallback-font test (fonts-ipafont-gothic). Idempotent.
set -eu
need=""
command -v pdftotext >/dev/null 2>&1 || need="$need poppler-utils"
command -v qpdf >/dev/null 2>&1 || need="$need qpdf"
[ -f /usr/share/fonts/opentype/ipafont-gothic/ipag.ttf ] || need="$need fonts-ipafont-gothic"
if [ -n "$need" ]; then
    apt-get update -qq
    # shellcheck disable=SC2086
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $need
fi
