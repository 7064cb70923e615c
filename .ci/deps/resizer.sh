#!/usr/bin/env bash
# What the resizer's tests need besides the build: avifdec (libavif-bin,
# which decodes with dav1d) reads the AVIF outputs back. Idempotent.
set -euo pipefail
. "$(dirname "$0")/../lib/apt.sh"
command -v avifdec >/dev/null 2>&1 && exit 0
apt_install "the AVIF decoder for the resizer's tests" libavif-bin ||
    { echo "install libavif-bin (avifdec) for the resizer's AVIF test"; exit 1; }
