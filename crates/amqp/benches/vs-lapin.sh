#!/usr/bin/env bash
# No-op items through RabbitMQ, in the same run on this machine: `publish`
# and `consume` (ack after the outcome, prefetch 256) with 1 and 2
# consumer processes, beside a bare lapin publisher and consumer written
# for it (examples/bare.rs: the same confirms, prefetch and acks, nothing
# of ours in the loop); then one consumer over 1,000,000 messages against
# one over 100,000, for its peak memory. Release builds, a throwaway node
# (its own folder, ports, cookie and port mapper), one quorum queue as
# `publish` declares it.
#
#   bash crates/amqp/benches/vs-lapin.sh [ITEMS] [ROUNDS]   (default 200000, 3)
#
# A consume round runs from the consumers' start until no message is left
# ready (the last prefetch window, at most 512 messages, is in flight).
set -euo pipefail
cd "$(dirname "$0")/../../.."
N=${1:-200000}; ROUNDS=${2:-3}
cargo build --release --quiet -p pool-amqp --example noop --example bare
NOOP=$PWD/target/release/examples/noop
BARE=$PWD/target/release/examples/bare
R=/usr/lib/rabbitmq/bin
[ -x "$R/rabbitmq-server" ] || { echo "needs rabbitmq-server (.ci/deps/rabbitmq.sh installs it)"; exit 1; }

dir=$(mktemp -d)
free_port() { python3 -c 'import random,socket
while True:
    p=random.randint(20000,44000)
    try:
        for q in (p,p+10000):
            s=socket.socket(); s.bind(("127.0.0.1",q)); s.close()
        print(p); break
    except OSError: pass'; }
PORT=$(free_port); DIST=$(free_port); EPMD=$(free_port)
NODE="bench$$@localhost"
mkdir -p "$dir/home" "$dir/data" "$dir/log"
echo "BENCH$$" >"$dir/home/.erlang.cookie"; chmod 600 "$dir/home/.erlang.cookie"
echo "[]." >"$dir/plugins"; : >"$dir/env.conf"
printf 'listeners.tcp.default = 127.0.0.1:%s\nloopback_users = none\n' "$PORT" >"$dir/rabbitmq.conf"
rabbit() {
  env HOME="$dir/home" RABBITMQ_MNESIA_BASE="$dir/data" RABBITMQ_LOG_BASE="$dir/log" \
    RABBITMQ_NODENAME="$NODE" RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 RABBITMQ_NODE_PORT="$PORT" \
    RABBITMQ_DIST_PORT="$DIST" ERL_EPMD_PORT="$EPMD" RABBITMQ_ENABLED_PLUGINS_FILE="$dir/plugins" \
    RABBITMQ_CONF_ENV_FILE="$dir/env.conf" RABBITMQ_CONFIG_FILE="$dir/rabbitmq" \
    RABBITMQ_ADVANCED_CONFIG_FILE="$dir/advanced.config" RABBITMQ_PID_FILE="$dir/pid" "$@"
}
stop_node() {
  rabbit "$R/rabbitmqctl" -n "$NODE" shutdown >/dev/null 2>&1 || true
  epmd -port "$EPMD" -kill >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap stop_node EXIT
rabbit "$R/rabbitmq-server" >"$dir/server.out" 2>&1 &
for _ in $(seq 120); do
  rabbit "$R/rabbitmqctl" -n "$NODE" await_startup --timeout 5 >/dev/null 2>&1 && break
  sleep 0.5
done
URL="amqp://guest:guest@127.0.0.1:$PORT/%2f"
Q=bench
AMQP=(--amqp "$URL" --amqp-queue "$Q")
"$NOOP" publish --count 0 "${AMQP[@]}" --quiet 2>/dev/null   # declares the queue as publish does

now() { date +%s.%N; }
# consume KIND PROCESSES: starts them on a full queue, waits until none is
# ready, stops them; prints items per second.
consume() {
  local kind=$1 procs=$2 pids=() t0 t1
  t0=$(now)
  for _ in $(seq "$procs"); do
    if [ "$kind" = bare ]; then "$BARE" consume "$URL" "$Q" 256 & else
      "$NOOP" consume "${AMQP[@]}" --queue 256 --quiet 2>/dev/null & fi
    pids+=($!)
  done
  "$BARE" wait-empty "$URL" "$Q"
  t1=$(now)
  kill -TERM "${pids[@]}"; wait "${pids[@]}" 2>/dev/null || true
  "$BARE" purge "$URL" "$Q"
  python3 -c "print(f'{$N/($t1-$t0):.0f}')"
}
publish() {
  if [ "$1" = bare ]; then "$BARE" publish "$URL" "$Q" "$N" 2>&1 | sed 's/.*publish_per_s=//'
  else "$NOOP" publish --count "$N" "${AMQP[@]}" --quiet 2>&1 | sed -n 's/.*publish_per_s=\([0-9]*\).*/\1/p'; fi
}
declare -A sum
for round in $(seq "$ROUNDS"); do
  line="round $round:"
  for kind in bare ours; do
    p=$(publish "$kind"); c1=$(consume "$kind" 1)
    publish "$kind" >/dev/null; c2=$(consume "$kind" 2)
    line="$line $kind publish=$p consume1=$c1 consume2=$c2;"
    sum[$kind.p]=$(( ${sum[$kind.p]:-0} + p )); sum[$kind.c1]=$(( ${sum[$kind.c1]:-0} + c1 )); sum[$kind.c2]=$(( ${sum[$kind.c2]:-0} + c2 ))
  done
  echo "$line"
done
python3 - "$ROUNDS" "${sum[bare.p]}" "${sum[ours.p]}" "${sum[bare.c1]}" "${sum[ours.c1]}" "${sum[bare.c2]}" "${sum[ours.c2]}" <<'PY'
import sys
r, bp, op, b1, o1, b2, o2 = (int(x) for x in sys.argv[1:])
print(f"mean over {r} rounds, items/s: publish bare={bp//r} ours={op//r} ({op/bp:.2f}x); "
      f"consume 1 process bare={b1//r} ours={o1//r} ({o1/b1:.2f}x); 2 processes bare={b2//r} ours={o2//r} ({o2/b2:.2f}x)")
PY
# Memory: one consumer over 100,000 and over 1,000,000 messages.
for count in 100000 1000000; do
  "$NOOP" publish --count "$count" "${AMQP[@]}" --quiet 2>/dev/null
  "$NOOP" consume "${AMQP[@]}" --queue 256 --quiet 2>"$dir/consume.err" & pid=$!
  "$BARE" wait-empty "$URL" "$Q"; kill -TERM $pid; wait $pid || true
  echo "consume of $count messages: $(grep -o 'peak_rss=.*' "$dir/consume.err")"
  "$BARE" purge "$URL" "$Q"
done
