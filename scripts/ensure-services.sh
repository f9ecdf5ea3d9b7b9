#!/usr/bin/env bash
# Find Redis and PostgreSQL on 127.0.0.1, or install them from Debian's packages and start them,
# then make sure the test role exists (tests create and drop their own databases with it).
set -euo pipefail
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"

apt_install() {
  echo "installing system packages: $*"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$@" >/dev/null
}
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
wait_port() {
  for _ in $(seq 1 50); do port_open "$1" && return 0; sleep 0.2; done
  echo "nothing listens on 127.0.0.1:$1" >&2; return 1
}
as_postgres() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else sudo -u postgres "$@"; fi; }

if ! port_open 6379; then
  command -v redis-server >/dev/null || apt_install redis-server
  $SUDO mkdir -p /var/lib/redis /var/log/redis
  $SUDO redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/dialog-keeper.log
  wait_port 6379
fi
echo "redis: 127.0.0.1:6379"
# tests/cluster starts its own Redis replica and three sentinels on free loopback ports
command -v redis-sentinel >/dev/null || apt_install redis-sentinel

if ! port_open 5432; then
  command -v pg_ctlcluster >/dev/null || apt_install postgresql
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  $SUDO pg_ctlcluster --skip-systemctl-redirect "$version" main start
  wait_port 5432
fi
echo "postgresql: 127.0.0.1:5432"

# A login role with a password works under both trust and scram auth for 127.0.0.1.
if ! as_postgres psql -tAc "SELECT 1 FROM pg_roles WHERE rolname='dk'" | grep -q 1; then
  as_postgres psql -qc "CREATE ROLE dk LOGIN CREATEDB PASSWORD 'dk'"
fi
