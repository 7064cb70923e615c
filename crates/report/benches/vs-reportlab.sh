#!/usr/bin/env bash
# reporter against Python ReportLab (canvas, the fastest way to use it),
# both drawing the same 3-page account statement, 2 processes / 2 workers,
# same data, same run. Rounds alternate the tools so load changes hit both.
#
#   crates/report/benches/vs-reportlab.sh [REPORTS] [ROUNDS]
#
# Prints reports/s per round for ReportLab, reporter (CJK via the same
# IPA Gothic font as the anchor) and reporter with the logo layout, the
# ratio to ReportLab in that round, and the average PDF size of each.
# Needs the anchor's venv (see ../shared/anchors/reports/README.md):
#   python3 -m venv /tmp/anchors-venv && /tmp/anchors-venv/bin/pip install reportlab
#   apt-get install -y fonts-dejavu-core fonts-ipafont-gothic bc
# Uses $CARGO_TARGET_DIR/release/reporter when CARGO_TARGET_DIR is set.
set -euo pipefail
cd "$(dirname "$0")/../../.."
REPORTS=${1:-200}
ROUNDS=${2:-3}
ANCHORS=${ANCHORS:-../shared/anchors}
[ -d "$ANCHORS" ] || ANCHORS=/work/shared/anchors
ANCHORS=$(cd "$ANCHORS" && pwd)
PY=${ANCHORS_PYTHON:-/tmp/anchors-venv/bin/python}
FONT=/usr/share/fonts/opentype/ipafont-gothic/ipag.ttf
cargo build --release -q -p reporter
T=${CARGO_TARGET_DIR:-target}
case $T in /*) ;; *) T=$(pwd)/$T ;; esac
R=$T/release/reporter
ROOT=$(pwd)
W=$(mktemp -d); trap 'rm -rf "$W"' EXIT
python3 "$ANCHORS/reports/gen_data.py" "$REPORTS" "$W" >/dev/null
cd "$W"

now() { date +%s.%N; }
avg_kb() { # folder: average PDF size in KB
  find "$1" -name '*.pdf' -printf '%s\n' | awk '{s+=$1; n++} END {printf "%.1f", s/n/1024}'
}
rate() { # name, out folder, command...: prints reports/s
  local name=$1 out=$2; shift 2
  rm -rf "$out"
  local t0 t1
  t0=$(now)
  "$@" >/dev/null 2>"$W/err.$name" || { cat "$W/err.$name" >&2; exit 1; }
  t1=$(now)
  local n
  n=$(find "$out" -name '*.pdf' | wc -l)
  [ "$n" = "$REPORTS" ] || { echo "$name wrote $n PDFs, not $REPORTS" >&2; exit 1; }
  echo "$n / ($t1 - $t0)" | bc -l
}

for round in $(seq "$ROUNDS"); do
  rl=$(rate reportlab "$W/out-rl" "$PY" "$ANCHORS/reports/rl_canvas.py" "$W/out-rl" 2)
  rs=$(rate reporter "$W/out-rs" "$R" items.csv --group-by account \
    --layout "$ROOT/samples/reports/statement.toml" --out "$W/out-rs" --workers 2 --font "$FONT" --quiet)
  lg=$(rate reporter-logo "$W/out-lg" "$R" items.csv --group-by account \
    --layout "$ROOT/samples/reports/statement-logo.toml" --out "$W/out-lg" --workers 2 --font "$FONT" --quiet)
  printf 'round %d: reportlab %6.1f/s  reporter %6.1f/s (%.2fx)  reporter+logo %6.1f/s (%.2fx)\n' \
    "$round" "$rl" "$rs" "$(echo "$rs / $rl" | bc -l)" "$lg" "$(echo "$lg / $rl" | bc -l)"
done
printf 'average PDF: reportlab %s KB, reporter %s KB, reporter+logo %s KB\n' \
  "$(avg_kb "$W/out-rl")" "$(avg_kb "$W/out-rs")" "$(avg_kb "$W/out-lg")"
