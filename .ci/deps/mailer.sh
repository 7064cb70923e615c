#!/usr/bin/env bash
# mailer: postfix's smtp-sink and smtp-source, used by the mailer test that
# delivers to a third-party SMTP server (tests/mailer.rs) and by the
# benchmark (../shared/anchors/smtp/compare.sh). Idempotent.
set -euo pipefail
if command -v smtp-sink >/dev/null && command -v smtp-source >/dev/null; then
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
apt-get install -y -qq postfix >/dev/null
command -v smtp-sink >/dev/null
