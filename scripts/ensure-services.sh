#!/usr/bin/env bash
# Starts the local services the test suite uses when they are not running, with this machine
# kind's own start commands: PostgreSQL (required, waited for), Redis and RabbitMQ (started if
# installed; later features' suites use them). Exits non-zero only when PostgreSQL stays down.
set -euo pipefail

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

if ! port_open 5432; then
  if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
    echo "starting PostgreSQL..." >&2
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start || true
  fi
  for _ in $(seq 1 30); do
    port_open 5432 && break
    sleep 1
  done
  if ! port_open 5432; then
    echo "PostgreSQL is not reachable on 127.0.0.1:5432; start it or set TEST_DATABASE_URL" >&2
    exit 1
  fi
fi

if ! port_open 6379 && command -v redis-server >/dev/null 2>&1; then
  echo "starting Redis..." >&2
  mkdir -p /var/lib/redis /var/log/redis 2>/dev/null || true
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log || true
fi

if ! port_open 5672 && command -v rabbitmq-server >/dev/null 2>&1; then
  echo "starting RabbitMQ..." >&2
  rabbitmq-server -detached || true
fi
