#!/usr/bin/env bash
# The status page on a big run: 1,000,000 no-op jobs, about half done by a
# real `work` (stopped with SIGTERM past half), on a throwaway cluster with
# initdb's defaults. Measures, release build:
#   - `status --json --run NAME`: the median wall time of the command (a
#     process, a connection, the status queries), over ROUNDS runs;
#   - `GET /api/runs/NAME` on `status --serve`: the median over 50
#     requests while the page is watched (served from the shared snapshot),
#     and the median of ROUNDS cold requests, each after the page sat
#     unwatched past its idle time (the request reads the database itself);
#   - what viewers cost the database: transactions committed a second
#     (pg_stat_database.xact_commit) with 0, 1 and 10 viewers each polling
#     the run page every 2 s as its script does, over WINDOW seconds.
#
#   bash crates/web/benches/status-page.sh [JOBS] [ROUNDS] [WINDOW]
#   (defaults 1000000 9 30; CARGO="flock /tmp/workpool-cargo.lock cargo"
#   to build through a lock)
set -euo pipefail
cd "$(dirname "$0")/../../.."
JOBS=${1:-1000000}; ROUNDS=${2:-9}; WINDOW=${3:-30}
${CARGO:-cargo} build --release --quiet -p pool-web --example noop
NOOP=$PWD/target/release/examples/noop

. crates/postgres/benches/cluster.sh
DB=$WORKPOOL_DATABASE_URL
sql() { psql -X -At -d "$DB" -c "$1"; }
work_dir=$(mktemp -d)
server=""
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$work_dir"; stop_cluster; }
trap cleanup EXIT

t0=$(date +%s.%N)
"$NOOP" enqueue --jobs "$JOBS" --run bench --quiet >/dev/null
echo "enqueued $JOBS jobs in $(python3 -c "print(f'{$(date +%s.%N)-$t0:.1f}')") s"

# Half done by a worker, stopped as a user would stop it.
(cd "$work_dir" && exec "$NOOP" work --run bench --quiet) &
worker=$!
done_sql="SELECT coalesce(sum(n), 0) FROM workpool.finished f JOIN workpool.runs r ON r.id = f.run WHERE r.name = 'bench'"
while [ "$(sql "$done_sql")" -lt $((JOBS / 2)) ]; do sleep 0.2; done
kill -TERM "$worker"; wait "$worker" || true
sql "VACUUM ANALYZE" >/dev/null
"$NOOP" status --run bench | head -3

# status --json, the command.
python3 - "$NOOP" "$DB" "$ROUNDS" <<'PY'
import statistics, subprocess, sys, time
noop, db, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])
times = []
for _ in range(rounds):
    t = time.perf_counter()
    subprocess.run([noop, "status", "--db", db, "--run", "bench", "--json"], check=True, stdout=subprocess.DEVNULL)
    times.append((time.perf_counter() - t) * 1000)
print(f"status --json: median_ms={statistics.median(times):.1f} min_ms={min(times):.1f} max_ms={max(times):.1f} rounds={rounds}")
PY

port=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
"$NOOP" status --serve "127.0.0.1:$port" 2>"$work_dir/serve.log" &
server=$!
until curl -sf "http://127.0.0.1:$port/healthz" >/dev/null; do sleep 0.1; done

python3 - "$port" "$ROUNDS" "$WINDOW" "$DB" <<'PY'
import statistics, subprocess, sys, threading, time, urllib.request
port, rounds, window, db = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
base = f"http://127.0.0.1:{port}"

def get(path, accept="application/json"):
    t = time.perf_counter()
    with urllib.request.urlopen(urllib.request.Request(base + path, headers={"Accept": accept})) as r:
        r.read()
        assert r.status == 200, r.status
    return (time.perf_counter() - t) * 1000

# Cold: nobody watched for longer than the page's idle time (10 s), so the
# request reads the database itself.
cold = []
for _ in range(rounds):
    time.sleep(11)
    cold.append(get("/api/runs/bench"))
print(f"/api/runs/bench cold: median_ms={statistics.median(cold):.1f} min_ms={min(cold):.1f} max_ms={max(cold):.1f} rounds={rounds}")
warm = []
for _ in range(50):
    warm.append(get("/api/runs/bench"))
    time.sleep(0.1)
print(f"/api/runs/bench watched: median_ms={statistics.median(warm):.2f} max_ms={max(warm):.1f} requests=50")

def commits():
    out = subprocess.run(["psql", "-X", "-At", "-d", db, "-c",
        "SELECT pg_stat_force_next_flush(); SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()"],
        check=True, capture_output=True, text=True).stdout.split()
    return int(out[-1])

def viewers(n):
    stop = threading.Event()
    def view():
        while not stop.is_set():
            get("/runs/bench", "text/html")
            stop.wait(2)
    threads = [threading.Thread(target=view) for _ in range(n)]
    for t in threads:
        t.start()
    time.sleep(3)  # the first reads made, the ticker going
    before, t = commits(), time.perf_counter()
    time.sleep(window)
    after, elapsed = commits(), time.perf_counter() - t
    stop.set()
    for th in threads:
        th.join()
    # Each reading of the counter is itself a transaction or two.
    return (after - before) / elapsed

time.sleep(11)
rates = {n: viewers(n) for n in (0, 1, 10)}
time.sleep(11)
rates[1] = (rates[1] + viewers(1)) / 2
for n, r in rates.items():
    print(f"viewers={n} db_xact_commit_per_s={r:.2f} window_s={window}")
print(f"ratio 10 viewers / 1 viewer = {rates[10] / rates[1]:.2f}")
PY
