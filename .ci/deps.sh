#!/usr/bin/env bash
# Installs every outside program the ignored tests need (Debian, as root):
# each script in .ci/deps/ installs its part when missing. The README's
# line for running every test starts with this script.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  apt-get update -qq >/dev/null || echo "apt-get update failed; trying with the package lists we have"
fi
for script in .ci/deps/*.sh; do
  echo "-- $script"
  bash "$script"
done
