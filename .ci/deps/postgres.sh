#!/usr/bin/env bash
# PostgreSQL for the scale-out tests (pool-postgres, `TOOL enqueue|work`):
# the server's programs only. Each test starts its own throwaway cluster
# (tests/support/postgres.rs: initdb into a temporary folder as the
# postgres user, pg_ctl on a free loopback port) and stops it at the end.
set -euo pipefail
if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && command -v psql >/dev/null; then
  exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  apt-get install -y -qq --no-install-recommends postgresql postgresql-client >/dev/null
  # Debian's package starts a cluster of its own; the tests do not use it.
  command -v pg_ctlcluster >/dev/null && pg_lsclusters -h 2>/dev/null | while read -r ver name _; do
    pg_ctlcluster "$ver" "$name" stop 2>/dev/null || true
  done
else
  echo "PostgreSQL is missing and cannot be installed here (not root or no apt-get): the PostgreSQL tests will fail" >&2
fi
