#!/usr/bin/env bash
# What the status page's browser tests need (tests/web): Debian's Chromium
# and its WebDriver server, chromedriver, which the tests start on a free
# port and drive headless. Idempotent.
set -euo pipefail
. "$(dirname "$0")/../lib/apt.sh"
command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1 && exit 0
apt_install "Chromium and chromedriver for the status page's browser tests" chromium chromium-driver ||
    { echo "install chromium and chromium-driver for the status page's browser tests"; exit 1; }
