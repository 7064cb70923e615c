#!/usr/bin/env bash
# What idle workers cost the database, and how soon an idle worker starts a
# new job. WORKERS `noop work --follow` processes (a no-op tool:
# crates/postgres/examples/noop.rs) wait on one run that has no job left;
# over SECONDS the server counts their statements (pg_stat_statements:
# calls; pg_stat_database: transactions committed), against the same
# window with no worker. Then TRIALS times, at random intervals, one job is
# enqueued and the time until it starts on one of the idle workers is
# taken (median and p99; from the enqueue's commit, by the server's clock,
# and from the start of the enqueue call).
#
#   bash crates/postgres/benches/idle.sh [WORKERS] [SECONDS] [TRIALS]   (50 30 100)
#
# NOOP=PATH runs another build of the example (say, one from before
# LISTEN/NOTIFY: `git archive` that commit, build its example there)
# instead of building this one.
#
# A throwaway cluster with initdb's defaults (fsync on) on this machine,
# release build. Not a test: it prints figures, it judges nothing.
#
# Measured 2026-12-03 on the shared 2-core machine, defaults (50 30 100):
#   before (fc0ff4d, a 50 ms poll; NOOP=its build):
#     idle statements_per_s=1956.7 per_worker=39.134 transactions per_worker=38.841
#     pickup from_enqueue_commit median_ms=2.06 p99_ms=35.03
#   after (LISTEN/NOTIFY, --poll 1s):
#     idle statements_per_s=49.8 per_worker=0.996 transactions per_worker=1.006
#     pickup from_enqueue_commit median_ms=10.49 p99_ms=34.55 (load 1.6)
#                                median_ms=12.73 p99_ms=41.52 (load 6: builds)
#   then (6fe0d0d: no ANALYZE after a small enqueue; woken workers spread
#   their looks over 250 us per live worker), alternating with 45931a8:
#     idle statements per_worker=0.997 transactions per_worker=1.005
#     pickup from_enqueue_commit median_ms=6.17 p99_ms=13.27 (load 0.6)
#                                median_ms=5.79 p99_ms=13.95 (load 0.0)
#     45931a8 between them:      median_ms=9.99 p99_ms=23.37
# (Before, 50 workers polling every 50 ms meant one look a millisecond:
# a quick pickup bought with 39 statements a second per worker. With
# LISTEN, one notification wakes all 50 at once on 2 cores; an ANALYZE
# after each enqueue made every look plan again; the first look now runs
# alone while the others wait their turn. One worker alone: about 1.7 ms.)
set -euo pipefail
cd "$(dirname "$0")/../../.."
WORKERS=${1:-50}; WINDOW=${2:-30}; TRIALS=${3:-100}
if [ -z "${NOOP:-}" ]; then
  cargo build --release --quiet -p pool-postgres --example noop
  NOOP=$PWD/target/release/examples/noop
fi

PG_SERVER_OPTIONS="-c max_connections=$((WORKERS * 4 + 20)) -c shared_preload_libraries=pg_stat_statements -c track_commit_timestamp=on"
. crates/postgres/benches/cluster.sh
sql() { psql -X -At -d "$WORKPOOL_DATABASE_URL" -c "$1"; }
sql "CREATE EXTENSION pg_stat_statements" >/dev/null
now() { date +%s.%N; }
# Statements of anyone but this script (whose own read the statistics).
calls() { sql "SELECT coalesce(sum(calls), 0) FROM pg_stat_statements WHERE query NOT LIKE '%pg_stat%'"; }
commits() { sql "SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()"; }
# Counts over WINDOW seconds: "statements_per_s transactions_per_s".
measure() {
  sql "SELECT pg_stat_statements_reset()" >/dev/null
  local x0 t0 x1 t1 c
  x0=$(commits); t0=$(now)
  sleep "$WINDOW"
  c=$(calls); x1=$(commits); t1=$(now)
  python3 -c "d=$t1-$t0; print(f'{$c/d:.2f} {($x1-$x0)/d:.2f}')"
}

"$NOOP" enqueue --jobs 1 --run idle -q >/dev/null 2>&1
read -r base_q base_x < <(measure)
echo "no worker: statements_per_s=$base_q transactions_per_s=$base_x"

starts=$(mktemp)
pids=()
for _ in $(seq "$WORKERS"); do
  NOOP_STARTS=$starts "$NOOP" work --run idle --follow --workers 4 --quiet >/dev/null 2>>"$starts.log" &
  pids+=($!)
done
stop_workers() { kill -INT "${pids[@]}" 2>/dev/null || true; wait "${pids[@]}" 2>/dev/null || true; }
trap 'stop_workers; stop_cluster' EXIT
# Every worker registered, the one job done, then a few seconds to settle.
until [ "$(sql "SELECT count(*) FROM workpool.workers")" -ge "$WORKERS" ] \
   && [ "$(sql "SELECT count(*) FROM workpool.jobs")" = 0 ]; do sleep 0.2; done
sleep 5
read -r q x < <(measure)
python3 -c "
w=$WORKERS; q=$q-$base_q; x=$x-$base_x
print(f'idle workers={w} seconds=$WINDOW statements_per_s={q:.1f} per_worker={q/w:.3f} transactions_per_s={x:.1f} per_worker={x/w:.3f}')"

"$NOOP" pickup --run idle --starts "$starts" --trials "$TRIALS"
rm -f "$starts" "$starts.log"
