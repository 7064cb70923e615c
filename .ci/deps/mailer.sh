#!/usr/bin/env bash
# mailer: postfix's smtp-sink and smtp-source, used by the mailer test that
# delivers to a third-party SMTP server (tests/mailer.rs) and by the
# benchmark (../shared/anchors/smtp/compare.sh); openssl and dkimpy
# (python3-dkim, with python3-nacl for ed25519), the independent DKIM
# verifier of tests/mailer/dkim.rs; aiosmtpd (python3-aiosmtpd), the
# STARTTLS server of tests/mailer/starttls.rs. Idempotent.
set -euo pipefail
need=()
command -v smtp-sink >/dev/null && command -v smtp-source >/dev/null || need+=(postfix)
command -v openssl >/dev/null || need+=(openssl)
# Debian's packages go to Debian's python (/usr/bin/python3), which the
# test uses, whatever python3 comes first on PATH.
/usr/bin/python3 -c 'import dkim, nacl' 2>/dev/null || need+=(python3-dkim python3-nacl)
/usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null || need+=(python3-aiosmtpd)
[ ${#need[@]} -eq 0 ] && exit 0
export DEBIAN_FRONTEND=noninteractive
echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
apt-get install -y -qq "${need[@]}" >/dev/null
command -v smtp-sink >/dev/null
/usr/bin/python3 -c 'import dkim, nacl, aiosmtpd'
