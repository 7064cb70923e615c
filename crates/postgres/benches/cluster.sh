# Sourced by the benchmarks beside it: a throwaway PostgreSQL cluster with
# initdb's defaults (fsync on), run as the postgres user from a temporary
# folder on a free loopback port. Sets WORKPOOL_DATABASE_URL and `as_pg`;
# `stop_cluster` (also run on exit) stops it and removes the folder.
# PG_SERVER_OPTIONS adds server settings (`-c max_connections=300`).
PGB=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | tail -1)
cluster_dir=$(mktemp -d); chmod 755 "$cluster_dir"; chown postgres "$cluster_dir"
PORT=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
as_pg() { su postgres -s /bin/sh -c "$*"; }
stop_cluster() {
  as_pg "$PGB/pg_ctl -s -D $cluster_dir/data -m immediate stop" >/dev/null 2>&1
  rm -rf "$cluster_dir"
}
trap stop_cluster EXIT
as_pg "$PGB/initdb -D $cluster_dir/data -A trust -U postgres" >/dev/null
as_pg "$PGB/pg_ctl -s -D $cluster_dir/data -l $cluster_dir/log -o '-p $PORT -k $cluster_dir -c listen_addresses=127.0.0.1 ${PG_SERVER_OPTIONS:-}' -w start"
export WORKPOOL_DATABASE_URL="postgres://postgres@127.0.0.1:$PORT/postgres"
