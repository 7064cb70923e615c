#!/usr/bin/env bash
# The PostgreSQL queue against its limit, in the same run on this machine:
# no-op jobs enqueued (binary COPY) and claimed, run and completed by 1, 2
# and 4 `work` processes, beside ../shared/anchors/queue/pgbench-claim.sh
# (pgbench alone doing a batched claim and a fenced delete: nothing of
# ours in the loop).
#
#   bash crates/postgres/benches/vs-pgbench.sh [JOBS]     (default 200000)
#
# Both run on a throwaway cluster with initdb's defaults (fsync on), the
# database on this machine. Prints one line per measure and the ratios.
set -euo pipefail
cd "$(dirname "$0")/../../.."
JOBS=${1:-200000}
ANCHOR=../shared/anchors/queue/pgbench-claim.sh
[ -x "$ANCHOR" ] || [ -f "$ANCHOR" ] || { echo "missing $ANCHOR"; exit 1; }
cargo build --release --quiet -p pool-postgres --example noop
NOOP=$PWD/target/release/examples/noop

. crates/postgres/benches/cluster.sh

now() { date +%s.%N; }
results=()
# The schema is made once, by a first enqueue: what is measured is an
# enqueue into a database in use.
"$NOOP" enqueue --jobs 1 --run warm-up -q >/dev/null 2>&1
for procs in 1 2 4; do
  run="bench-$procs"
  enq=$("$NOOP" enqueue --jobs "$JOBS" --run "$run" -q 2>&1 >/dev/null | sed -n 's/^enqueue_per_s=//p')
  [ "$procs" = 1 ] && { echo "ours enqueue jobs=$JOBS enqueue_per_s=$enq"; enqueue=$enq; }
  psql -X -q -d "$WORKPOOL_DATABASE_URL" -c "VACUUM ANALYZE workpool.jobs"
  t0=$(now)
  for _ in $(seq "$procs"); do
    "$NOOP" work --run "$run" --workers 64 --batch 100 --quiet &
  done
  wait
  t1=$(now)
  left=$(psql -X -At -d "$WORKPOOL_DATABASE_URL" -c "SELECT count(*) FROM workpool.jobs j JOIN workpool.runs r ON r.id = j.run WHERE r.name = '$run'")
  rate=$(python3 -c "print(f'{$JOBS/($t1-$t0):.0f}')")
  echo "ours work processes=$procs jobs=$JOBS jobs_per_s=$rate left=$left"
  results+=("$procs:$rate")
done
trap - EXIT
stop_cluster

for r in "${results[@]}"; do
  procs=${r%%:*}; ours=${r##*:}
  line=$(bash "$ANCHOR" "$JOBS" "$procs")
  echo "$line"
  limit=$(sed -n 's/.*jobs_per_s=\([0-9]*\).*/\1/p' <<<"$line")
  anchor_enq=$(sed -n 's/.*enqueue_per_s=\([0-9]*\).*/\1/p' <<<"$line")
  python3 -c "print(f'ratio processes=$procs ours/pgbench={$ours/$limit:.2f}')"
done
python3 -c "print(f'ratio enqueue ours/pgbench-insert={$enqueue/$anchor_enq:.2f}')"
