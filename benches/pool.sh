#!/usr/bin/env bash
# The pool against the Go anchor (../shared/anchors/go-seed-pool), same
# workloads, same run, with the ratio of each pair. Also the pool's bare
# runtime limit for sleep1ms and peak RSS for 1M vs 10M no-op jobs.
#
#   bash benches/pool.sh            (needs Go: apt-get install golang-go)
set -euo pipefail
cd "$(dirname "$0")/.."
anchor=${ANCHORS:-../shared/anchors}/go-seed-pool
command -v go >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq golang-go >/dev/null
[ -x /usr/bin/time ] || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >/dev/null
(cd "$anchor" && go build -o /tmp/goseedpool .)
cargo build --release -q -p pool --example bench
rust=target/release/examples/bench
rate() { sed -n 's/.*jobs_per_s=\([0-9]*\).*/\1/p'; }

pair() { # label, go flags, rust flags
  local label=$1 g r
  g=$(/tmp/goseedpool $2); r=$($rust $3)
  echo "$g"; echo "$r"
  python3 -c "print(f'$label: rust/go = {$(echo "$r" | rate)/$(echo "$g" | rate):.2f}')"
}
for i in 1 2 3; do
  pair "(a) none" "-jobs 1000000 -workers 8 -queue 1024 -work none" "--jobs 1000000 --workers 8 --queue 1024 --work none"
  pair "(b) spin" "-jobs 1000000 -workers 8 -queue 1024 -work spin" "--jobs 1000000 --workers 8 --queue 1024 --work spin"
done
for i in 1 2 3; do
  g=$(/tmp/goseedpool -jobs 100000 -workers 100 -queue 1024 -work sleep1ms)
  bare=$($rust --jobs 100000 --workers 100 --queue 1024 --work sleep1ms --mode bare)
  pool=$($rust --jobs 100000 --workers 100 --queue 1024 --work sleep1ms)
  echo "$g"; echo "$bare"; echo "$pool"
  python3 -c "print(f'(c) sleep1ms: pool/bare = {$(echo "$pool" | rate)/$(echo "$bare" | rate):.3f}, pool/go = {$(echo "$pool" | rate)/$(echo "$g" | rate):.2f}')"
done
for n in 1000000 10000000; do
  rss=$(/usr/bin/time -v $rust --jobs $n --workers 8 --queue 1024 --work none 2>&1 >/dev/null | sed -n 's/.*Maximum resident set size (kbytes): //p')
  echo "(d) rust-pool jobs=$n peak_rss_kb=$rss"
done
