#!/usr/bin/env bash
# Benchmark: mailer against postfix's smtp-source, both sending N messages to
# a fresh smtp-sink in the same run (../shared/anchors/smtp/compare.sh).
#
#   crates/email/bench/compare-smtp.sh [N] [CONNECTIONS]
#
# Builds the release binary, writes N rows and a template like the anchor's
# message (same size, same headers), and prints the anchor's lines and the
# ratio mailer / smtp-source. FULL=1 sends as a real campaign would: an
# ed25519 DKIM signature on every message (a key made with openssl) and a
# --journal. With MAILMERGE=1, also times Python mailmerge (pip install
# mailmerge) on the same rows.
set -euo pipefail
cd "$(dirname "$0")/../../.."
N=${1:-10000}; CONNECTIONS=${2:-8}
ANCHOR=${ANCHOR:-/work/shared/anchors/smtp/compare.sh}
cargo build --release -q -p mailer
work=$(mktemp -d); chmod 755 "$work"; trap 'rm -rf "$work"' EXIT
python3 - "$N" "$work/rows.csv" <<'PY'
import sys
n, path = int(sys.argv[1]), sys.argv[2]
with open(path, "w") as f:
    f.write("id,email,name,order,balance\n")
    for i in range(n):
        f.write(f"{i},user{i}@example.com,Ada,{i},12.50\n")
PY
printf 'From: bench@example.com\nTo: {{ email }}\nSubject: Your order {{ order }}\n\nHello {{ name }}, your balance is {{ balance }}.\n' >"$work/template.txt"
MAILER="$PWD/target/release/mailer"
EXTRA=""
if [ "${FULL:-0}" = 1 ]; then
  openssl genpkey -algorithm ed25519 -out "$work/ed.pem" 2>/dev/null
  EXTRA="--dkim-key $work/ed.pem --dkim-selector s1 --dkim-domain example.com --journal \$(mktemp -u)"
fi
bash "$ANCHOR" "$N" "$MAILER $work/rows.csv $work/template.txt --send --smtp smtp://127.0.0.1:\$SMTP_PORT --connections $CONNECTIONS --queue 4096 --quiet --failures $work/failures.csv $EXTRA" || true  # compare.sh exits 1 from its EXIT trap even on success: read its lines
if [ "${MAILMERGE:-0}" = 1 ]; then
  MM=${MAILMERGE_BIN:-mailmerge}
  printf 'TO: {{email}}\nSUBJECT: Your order {{order}}\nFROM: bench@example.com\n\nHello {{name}}, your balance is {{balance}}.\n' >"$work/mm_template.txt"
  printf '[smtp_server]\nhost = 127.0.0.1\nport = PORT\nsecurity = Never\n' >"$work/mm_server.conf"
  bash "$ANCHOR" "$N" "sed s/PORT/\$SMTP_PORT/ $work/mm_server.conf >$work/mm.conf && $MM --no-dry-run --no-limit --output-format raw --template $work/mm_template.txt --database $work/rows.csv --config $work/mm.conf" || true
fi
