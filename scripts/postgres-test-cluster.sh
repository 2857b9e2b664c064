#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the test suite: loopback only, TLS only (a test CA),
# password authentication, run as an unprivileged user (PostgreSQL refuses root).
#
#   scripts/postgres-test-cluster.sh start   # idempotent; installs Debian's postgresql if missing
#   scripts/postgres-test-cluster.sh env     # prints export lines for CONFIDE_TEST_POSTGRES
#   scripts/postgres-test-cluster.sh stop
#
# State lives in $CONFIDE_PG_DIR (default: confide-test-postgres in the temp directory).
set -euo pipefail
# shellcheck source=scripts/lib/loopback-tls.sh
. "$(dirname "$0")/lib/loopback-tls.sh"

# Outside the checkout: the unprivileged server user must be able to reach it.
dir="${CONFIDE_PG_DIR:-${TMPDIR:-/tmp}/confide-test-postgres}"
run_user="${CONFIDE_PG_USER:-confide-pg}"
password_file="$dir/password"

pg_bin() {
  local bin
  bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [ -n "$bin" ] && [ -x "$bin/initdb" ] && echo "$bin"
}

as_user() {
  if [ "$(id -u)" = "0" ]; then
    runuser -u "$run_user" -- "$@"
  else
    "$@"
  fi
}

install_if_missing() {
  if ! pg_bin >/dev/null; then
    echo "Installing PostgreSQL (Debian package postgresql)..." >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq postgresql openssl >/dev/null
  fi
  if [ "$(id -u)" = "0" ] && ! id "$run_user" >/dev/null 2>&1; then
    useradd --system --no-create-home --shell /usr/sbin/nologin "$run_user"
  fi
}

make_certificates() { make_loopback_certificates "$dir/tls" "Confide test PostgreSQL CA"; }

port_in_use() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# The port is chosen when the cluster is created (first free one from 55432, or
# $CONFIDE_PG_PORT) and remembered next to it.
cluster_port() {
  if [ -f "$dir/port" ]; then
    cat "$dir/port"
    return
  fi
  local candidate="${CONFIDE_PG_PORT:-55432}"
  while port_in_use "$candidate"; do
    candidate=$((candidate + 1))
  done
  echo "$candidate"
}

is_running() {
  [ -f "$dir/data/postmaster.pid" ] && kill -0 "$(head -n 1 "$dir/data/postmaster.pid")" 2>/dev/null
}

start() {
  install_if_missing
  local bin port
  bin=$(pg_bin)
  if is_running; then
    return 0
  fi
  if [ ! -f "$dir/data/PG_VERSION" ]; then
    rm -rf "$dir"
    mkdir -p "$dir"
    cluster_port > "$dir/port.new"
    mv "$dir/port.new" "$dir/port"
    make_certificates
    head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' > "$password_file"
    printf '%s' "$(cat "$password_file")" > "$dir/pwfile"
    [ "$(id -u)" = "0" ] && chown -R "$run_user" "$dir"
    as_user "$bin/initdb" -D "$dir/data" -U confide --pwfile="$dir/pwfile" --auth=scram-sha-256 \
      --encoding=UTF8 --locale=C.UTF-8 >/dev/null
    rm -f "$dir/pwfile"
    port=$(cat "$dir/port")
    cat >> "$dir/data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
ssl = on
ssl_cert_file = '$dir/tls/server.pem'
ssl_key_file = '$dir/tls/server.key'
ssl_min_protocol_version = 'TLSv1.2'
password_encryption = 'scram-sha-256'
max_connections = 200
fsync = on
synchronous_commit = on
CONF
    # TLS only: no plain "host" lines, so a non-TLS TCP connection is refused.
    cat > "$dir/data/pg_hba.conf" <<HBA
local     all  all                 scram-sha-256
hostssl   all  all  127.0.0.1/32   scram-sha-256
HBA
  fi
  port=$(cat "$dir/port")
  if port_in_use "$port"; then
    # Something else took the remembered port while this cluster was stopped: move to a free one
    # (a later "port" line in postgresql.conf wins over an earlier one).
    rm -f "$dir/port"
    cluster_port > "$dir/port.new"
    mv "$dir/port.new" "$dir/port"
    port=$(cat "$dir/port")
    echo "port = $port" >> "$dir/data/postgresql.conf"
  fi
  as_user "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start >/dev/null
  PGPASSWORD="$(cat "$password_file")" "$bin/psql" -q \
    "host=127.0.0.1 port=$port user=confide dbname=postgres sslmode=verify-full sslrootcert=$dir/tls/ca.pem" \
    -tc "SELECT 1 FROM pg_database WHERE datname = 'confide_test'" | grep -q 1 ||
    PGPASSWORD="$(cat "$password_file")" "$bin/psql" -q \
      "host=127.0.0.1 port=$port user=confide dbname=postgres sslmode=verify-full sslrootcert=$dir/tls/ca.pem" \
      -c "CREATE DATABASE confide_test" >/dev/null
}

print_env() {
  local port
  port=$(cat "$dir/port")
  echo "export CONFIDE_TEST_POSTGRES='Host=127.0.0.1;Port=$port;Username=confide;Password=$(cat "$password_file");Database=confide_test;SSL Mode=VerifyFull;Root Certificate=$dir/tls/ca.pem'"
  echo "export CONFIDE_TEST_POSTGRES_CA='$dir/tls/ca.pem'"
  echo "export CONFIDE_TEST_POSTGRES_PLAIN='Host=127.0.0.1;Port=$port;Username=confide;Password=$(cat "$password_file");Database=confide_test;SSL Mode=Disable'"
}

stop() {
  local bin
  bin=$(pg_bin) || return 0
  if is_running; then
    as_user "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null || true
  fi
}

case "${1:-}" in
  start) start ;;
  env) print_env ;;
  stop) stop ;;
  *) echo "usage: $0 start|env|stop" >&2; exit 2 ;;
esac
