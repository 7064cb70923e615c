#!/usr/bin/env bash
# One huge report: N rows of one account (`account,date,item,qty,amount`,
# no layout, grouped by account) drawn into one PDF, for each N given.
# Prints the pages, the PDF's size, wall time and peak RSS (GNU time's
# "Maximum resident set size") per N; the memory a report needs should
# not grow with its rows.
#
#   crates/report/benches/one-group.sh [ROWS...]      (default 200000 2000000)
#
# Needs GNU time (/usr/bin/time) and pdfinfo (poppler-utils). Uses
# $REPORTER when set, else builds the release binary and uses
# $CARGO_TARGET_DIR/release/reporter (target/ by default).
set -euo pipefail
cd "$(dirname "$0")/../../.."
[ $# -gt 0 ] || set -- 200000 2000000
if [ -z "${REPORTER:-}" ]; then
  cargo build --release -q -p reporter
  T=${CARGO_TARGET_DIR:-target}
  case $T in /*) ;; *) T=$(pwd)/$T ;; esac
  REPORTER=$T/release/reporter
fi
W=$(mktemp -d); trap 'rm -rf "$W"' EXIT
for n in "$@"; do
  awk -v n="$n" 'BEGIN {
    print "account,date,item,qty,amount"
    srand(42)
    for (i = 1; i <= n; i++) {
      printf "ACME-001,2025-%02d-%02d,item %d of the ledger,%d,%.2f\n", \
        int(i * 12 / (n + 1)) + 1, i % 28 + 1, i, i % 97 + 1, (i % 9973) / 7
    }
  }' >"$W/rows.csv"
  rm -rf "$W/out"
  SOURCE_DATE_EPOCH=1700000000 /usr/bin/time -v -o "$W/time" \
    "$REPORTER" "$W/rows.csv" --group-by account --out "$W/out" --quiet --no-system-fonts
  pdf=$(find "$W/out" -name '*.pdf')
  pages=$(pdfinfo "$pdf" | awk '/^Pages:/ {print $2}')
  kb=$(awk '/Maximum resident set size/ {print $NF}' "$W/time")
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$W/time")
  printf '%9d rows: %6d pages, %8.1f MB PDF, wall %s, peak RSS %.1f MB\n' \
    "$n" "$pages" "$(stat -c %s "$pdf" | awk '{print $1/1e6}')" "$wall" "$(echo "$kb" | awk '{print $1/1024}')"
done
