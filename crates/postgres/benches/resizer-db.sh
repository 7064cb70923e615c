#!/usr/bin/env bash
# The resizer through the PostgreSQL queue against the single-machine
# command, on the same corpus, in alternating rounds on this machine:
# `resizer enqueue` + one `resizer work` against `resizer` alone, both with
# --workers 2 and --force (every image redone), release builds.
#
#   bash crates/postgres/benches/resizer-db.sh CORPUS [ROUNDS]
#   (CORPUS: ../shared/anchors/images/build-corpus.sh /tmp/corpus)
set -euo pipefail
cd "$(dirname "$0")/../../.."
CORPUS=${1:?usage: resizer-db.sh CORPUS [ROUNDS]}; ROUNDS=${2:-3}
cargo build --release --quiet -p resizer
R=$PWD/target/release/resizer
. crates/postgres/benches/cluster.sh
out=$(mktemp -d)
now() { date +%s.%N; }
single=0; queued=0
for round in $(seq "$ROUNDS"); do
  t0=$(now)
  "$R" "$CORPUS" "$out/single" --size 800x800 --workers 2 --force --quiet
  t1=$(now)
  run=$("$R" enqueue "$CORPUS" "$out/queued" --size 800x800 --force --run "bench-$round" --quiet)
  "$R" work --run "$run" --workers 2 --quiet
  t2=$(now)
  s=$(python3 -c "print($t1-$t0)"); q=$(python3 -c "print($t2-$t1)")
  echo "round $round: single ${s}s, enqueue+work ${q}s"
  single=$(python3 -c "print($single+$s)"); queued=$(python3 -c "print($queued+$q)")
done
n=$(find "$CORPUS" -type f | wc -l)
python3 -c "print(f'resizer single images_per_s={$n*$ROUNDS/$single:.2f}  via-db images_per_s={$n*$ROUNDS/$queued:.2f}  ratio via-db/single time={$queued/$single:.3f}')"
diff -r "$out/single" "$out/queued" >/dev/null && echo "outputs identical" || echo "OUTPUTS DIFFER"
rm -rf "$out"
