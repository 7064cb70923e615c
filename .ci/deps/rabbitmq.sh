#!/usr/bin/env bash
# RabbitMQ for the broker tests (pool-amqp, `TOOL publish|consume`): the
# server's programs only (Debian 12 has 3.10). Each test starts a throwaway
# node of its own (tests/support/rabbitmq.rs: its own data folder, node
# name, free ports and Erlang cookie) and stops it at the end, so the node
# the package would start is kept from starting, and disabled.
set -euo pipefail
. "$(dirname "$0")/../lib/apt.sh"
# The tests run the scripts the package puts here.
if [ -x /usr/lib/rabbitmq/bin/rabbitmq-server ] && [ -x /usr/lib/rabbitmq/bin/rabbitmqctl ]; then
  exit 0
fi
# No service starts during the install (invoke-rc.d asks policy-rc.d).
policy=/usr/sbin/policy-rc.d
made_policy=
if [ "$(id -u)" = 0 ] && [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' >"$policy"
  chmod +x "$policy"
  made_policy=1
fi
status=0
apt_install "RabbitMQ" rabbitmq-server || status=$?
[ -n "$made_policy" ] && rm -f "$policy"
if [ "$status" != 0 ]; then
  echo "rabbitmq-server is missing and cannot be installed here (not root or no apt-get): the RabbitMQ tests will fail" >&2
  exit 0
fi
# Had a node started anyway (a machine with systemd), stop it and keep it
# from starting again; the tests never use it.
if command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then
  systemctl disable --now rabbitmq-server >/dev/null 2>&1 || true
else
  service rabbitmq-server stop >/dev/null 2>&1 || true
fi
# The package's scripts leave Erlang's port mapper running on its default
# port; the tests' nodes use one of their own.
epmd -kill >/dev/null 2>&1 || true
