#!/usr/bin/env bash
# A three-node PostgreSQL cluster under Patroni on loopback, with synchronous replication, for
# the failover drill (scripts/ha/failover-drill.sh) and for trying Confide's high-availability
# set-up on one machine. One etcd member holds the cluster's leader key. Production runs the
# same pieces on three machines in three zones (docs/operations.md, "High availability").
#
#   scripts/ha/cluster.sh start        # idempotent; installs patroni and etcd if missing
#   scripts/ha/cluster.sh env          # export lines: CONFIDE_HA_POSTGRES, CONFIDE_HA_KEYSTORE
#   scripts/ha/cluster.sh leader       # the node name of the current leader
#   scripts/ha/cluster.sh fresh        # drop and create the confide and confide_keys databases
#   scripts/ha/cluster.sh complete     # wait until both replicas stream from the leader
#   scripts/ha/cluster.sh reinit NODE  # rebuild a node from the leader (fresh base backup)
#   scripts/ha/cluster.sh kill NODE    # kill -9 the node's Patroni and PostgreSQL (a crashed machine)
#   scripts/ha/cluster.sh revive NODE  # start the node again; it rejoins as a replica
#   scripts/ha/cluster.sh stop
#
# State lives in $CONFIDE_HA_DIR (default: confide-ha in the temp directory). The leader key's
# TTL is $CONFIDE_HA_TTL seconds (20 unless set): a dead leader is replaced after about that long.
set -euo pipefail
# shellcheck source=scripts/lib/loopback-tls.sh
. "$(dirname "$0")/../lib/loopback-tls.sh"

dir="${CONFIDE_HA_DIR:-${TMPDIR:-/tmp}/confide-ha}"
run_user="${CONFIDE_PG_USER:-confide-pg}"
ttl="${CONFIDE_HA_TTL:-20}"
nodes=(node1 node2 node3)
etcd_port=52379
pg_port() { echo $((56432 + ${1#node})); }
api_port() { echo $((58007 + ${1#node})); }

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

as_user() {
  if [ "$(id -u)" = "0" ]; then runuser -u "$run_user" -- "$@"; else "$@"; fi
}

# For daemons started in the background: setpriv replaces itself with the command, so $! is
# the daemon's own PID (runuser would stay in between as its parent).
exec_as_user() {
  if [ "$(id -u)" = "0" ]; then
    exec setpriv --reuid="$run_user" --regid="$run_user" --init-groups "$@"
  else
    exec "$@"
  fi
}

install_if_missing() {
  local missing=()
  [ -x "$(pg_bin)/initdb" ] 2>/dev/null || missing+=(postgresql)
  command -v patroni >/dev/null || missing+=(patroni)
  command -v etcd >/dev/null || missing+=(etcd-server)
  command -v etcdctl >/dev/null || missing+=(etcd-client)
  if [ ${#missing[@]} -gt 0 ]; then
    echo "Installing ${missing[*]} (Debian packages)..." >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq "${missing[@]}" openssl >/dev/null
  fi
  if [ "$(id -u)" = "0" ] && ! id "$run_user" >/dev/null 2>&1; then
    useradd --system --no-create-home --shell /usr/sbin/nologin "$run_user"
  fi
}

make_certificates() { make_loopback_certificates "$dir/tls" "Confide HA test CA"; }

write_node_config() {
  local node=$1 port api
  port=$(pg_port "$node")
  api=$(api_port "$node")
  mkdir -p "$dir/$node"
  cat > "$dir/$node/patroni.yml" <<YAML
scope: confide-ha
name: $node
log:
  dir: $dir/$node
  level: INFO
restapi:
  listen: 127.0.0.1:$api
  connect_address: 127.0.0.1:$api
etcd3:
  hosts: 127.0.0.1:$etcd_port
bootstrap:
  dcs:
    ttl: $ttl
    loop_wait: 2
    retry_timeout: 5
    maximum_lag_on_failover: 0
    synchronous_mode: true
    postgresql:
      use_pg_rewind: true
      parameters:
        wal_level: replica
        hot_standby: "on"
        wal_log_hints: "on"
        max_wal_senders: 10
        max_replication_slots: 10
        max_connections: 200
        synchronous_commit: "on"
  initdb:
    - encoding: UTF8
    - locale: C.UTF-8
    - data-checksums
  pg_hba:
    - local all all scram-sha-256
    - hostssl replication replicator 127.0.0.1/32 scram-sha-256
    - hostssl all all 127.0.0.1/32 scram-sha-256
postgresql:
  listen: 127.0.0.1:$port
  connect_address: 127.0.0.1:$port
  data_dir: $dir/$node/data
  bin_dir: $(pg_bin)
  pgpass: $dir/$node/pgpass
  authentication:
    superuser:
      username: confide
      password: $(cat "$dir/password")
      sslmode: verify-full
      sslrootcert: $dir/tls/ca.pem
    replication:
      username: replicator
      password: $(cat "$dir/password")
      sslmode: verify-full
      sslrootcert: $dir/tls/ca.pem
    rewind:
      username: confide
      password: $(cat "$dir/password")
      sslmode: verify-full
      sslrootcert: $dir/tls/ca.pem
  parameters:
    unix_socket_directories: $dir/$node
    ssl: "on"
    ssl_cert_file: $dir/tls/server.pem
    ssl_key_file: $dir/tls/server.key
    password_encryption: scram-sha-256
YAML
}

# Alive and not a zombie waiting to be reaped.
running() { kill -0 "$1" 2>/dev/null && ! grep -q '^[0-9]* ([^)]*) Z' "/proc/$1/stat" 2>/dev/null; }
pid_alive() { [ -f "$1" ] && running "$(head -n 1 "$1")"; }

start_etcd() {
  pid_alive "$dir/etcd.pid" && return 0
  mkdir -p "$dir/etcd"
  [ "$(id -u)" = "0" ] && chown -R "$run_user" "$dir/etcd"
  (HOME="$dir/etcd" exec_as_user etcd --name confide-ha --data-dir "$dir/etcd/data" \
    --listen-client-urls "http://127.0.0.1:$etcd_port" --advertise-client-urls "http://127.0.0.1:$etcd_port" \
    --listen-peer-urls "http://127.0.0.1:$((etcd_port + 1))" --initial-advertise-peer-urls "http://127.0.0.1:$((etcd_port + 1))" \
    --initial-cluster "confide-ha=http://127.0.0.1:$((etcd_port + 1))") > "$dir/etcd/etcd.log" 2>&1 &
  echo $! > "$dir/etcd.pid"
  for _ in $(seq 1 50); do
    ETCDCTL_API=3 etcdctl --endpoints "127.0.0.1:$etcd_port" endpoint health >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  echo "etcd did not start; see $dir/etcd/etcd.log" >&2
  exit 1
}

start_node() {
  local node=$1 port
  pid_alive "$dir/$node/patroni.pid" && return 0
  port=$(api_port "$node")
  # A node just killed may hold its REST port for a moment longer.
  for _ in $(seq 1 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || break
    sleep 0.2
  done
  # Debian's python3: a python3 earlier on PATH (pyenv) may lack Patroni's modules.
  # HOME: libpq looks for client certificates under ~/.postgresql, which must be the node's own.
  (cd "$dir/$node" && HOME="$dir/$node" exec_as_user /usr/bin/python3 /usr/bin/patroni "$dir/$node/patroni.yml") > "$dir/$node/patroni.out" 2>&1 &
  echo $! > "$dir/$node/patroni.pid"
}

role_of() { curl -s "http://127.0.0.1:$(api_port "$1")/patroni" 2>/dev/null | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin).get("role",""))' 2>/dev/null || true; }

leader() {
  local node
  for node in "${nodes[@]}"; do
    if [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$(api_port "$node")/primary" 2>/dev/null)" = "200" ]; then
      echo "$node"
      return 0
    fi
  done
  return 1
}

# Healthy: a leader and a synchronous standby (Patroni's /sync answers 200 on it).
wait_healthy() {
  local deadline=$((SECONDS + ${1:-120})) node
  while [ $SECONDS -lt $deadline ]; do
    if leader >/dev/null; then
      for node in "${nodes[@]}"; do
        if [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$(api_port "$node")/sync" 2>/dev/null)" = "200" ]; then
          return 0
        fi
      done
    fi
    sleep 0.5
  done
  echo "the cluster has no leader with a synchronous standby after ${1:-120} s" >&2
  return 1
}

streaming_replicas() {
  psql_leader -tAc "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'" 2>/dev/null || echo 0
}

# Complete: a leader and both other nodes streaming from it. A node that does not rejoin in
# time (e.g. its data directory was left unusable by an interrupted run) is rebuilt from the
# leader once: its data directory is removed and Patroni takes a fresh base backup.
wait_complete() {
  local seconds=${1:-180} deadline node rebuilt=""
  wait_healthy "$seconds" || return 1
  deadline=$((SECONDS + seconds))
  while [ $SECONDS -lt $deadline ]; do
    [ "$(streaming_replicas)" = "$(( ${#nodes[@]} - 1 ))" ] && return 0
    if [ -z "$rebuilt" ] && [ $SECONDS -gt $((deadline - seconds / 2)) ]; then
      for node in "${nodes[@]}"; do
        if [ "$(role_of "$node")" != "master" ] && [ "$(role_of "$node")" != "primary" ] && ! node_streams "$node"; then
          echo "$node has not rejoined; rebuilding it from the leader" >&2
          reinit_node "$node"
        fi
      done
      rebuilt=yes
    fi
    sleep 0.5
  done
  echo "not every node is streaming from the leader after $seconds s" >&2
  return 1
}

node_streams() {
  [ "$(psql_leader -tAc "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming' AND application_name = '$1'" 2>/dev/null)" = "1" ]
}

reinit_node() {
  kill_node "$1"
  rm -rf "$dir/$1/data"
  start_node "$1"
}

psql_leader() {
  local node
  node=$(leader)
  PGPASSWORD="$(cat "$dir/password")" "$(pg_bin)/psql" -q -v ON_ERROR_STOP=1 \
    "host=127.0.0.1 port=$(pg_port "$node") user=confide dbname=postgres sslmode=verify-full sslrootcert=$dir/tls/ca.pem" "$@"
}

start() {
  install_if_missing
  if [ ! -f "$dir/password" ]; then
    rm -rf "$dir"
    mkdir -p "$dir"
    make_certificates
    head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' > "$dir/password"
  fi
  # Written on every start, so a changed script applies to an existing cluster (the bootstrap
  # section only matters the first time).
  for node in "${nodes[@]}"; do write_node_config "$node"; done
  [ "$(id -u)" = "0" ] && chown -R "$run_user" "$dir"
  chmod 700 "$dir"/node* 2>/dev/null || true
  start_etcd
  start_node node1
  # The first node bootstraps alone, so it is the one that runs initdb.
  for _ in $(seq 1 120); do leader >/dev/null && break; sleep 0.5; done
  start_node node2
  start_node node3
  wait_complete 180
  for database in confide confide_keys; do
    psql_leader -tc "SELECT 1 FROM pg_database WHERE datname = '$database'" | grep -q 1 ||
      psql_leader -c "CREATE DATABASE $database" >/dev/null
  done
}

# Empty databases for a new run (the drill's keys are new each time).
fresh_databases() {
  for database in confide confide_keys; do
    psql_leader -c "DROP DATABASE IF EXISTS $database WITH (FORCE)" >/dev/null
    psql_leader -c "CREATE DATABASE $database" >/dev/null
  done
}

hosts() {
  local list=() node
  for node in "${nodes[@]}"; do list+=("localhost:$(pg_port "$node")"); done
  (IFS=,; echo "${list[*]}")
}

print_env() {
  local common="Username=confide;Password=$(cat "$dir/password");SSL Mode=VerifyFull;Root Certificate=$dir/tls/ca.pem;Target Session Attributes=primary;Host Recheck Seconds=1;Timeout=5"
  echo "export CONFIDE_HA_POSTGRES='Host=$(hosts);Database=confide;$common'"
  echo "export CONFIDE_HA_KEYSTORE='Host=$(hosts);Database=confide_keys;$common'"
}

kill_node() {
  local node=$1 postmaster
  # Patroni detaches PostgreSQL: both must go, or the old primary keeps accepting writes.
  if pid_alive "$dir/$node/patroni.pid"; then
    local patroni
    patroni=$(cat "$dir/$node/patroni.pid")
    kill -9 "$patroni" 2>/dev/null || true
    while running "$patroni"; do sleep 0.05; done
  fi
  if pid_alive "$dir/$node/data/postmaster.pid"; then
    postmaster=$(head -n 1 "$dir/$node/data/postmaster.pid")
    # Its backends too, as a crashed machine loses them: left alone, a backend keeps serving
    # its open connection for a moment after the postmaster died.
    # shellcheck disable=SC2046
    kill -9 "$postmaster" $(pgrep -P "$postmaster") 2>/dev/null || true
    # Its backends notice the postmaster is gone and exit; wait so the port is free.
    while running "$postmaster"; do sleep 0.05; done
  fi
  rm -f "$dir/$node/patroni.pid"
}

stop() {
  local node
  for node in "${nodes[@]}"; do
    if pid_alive "$dir/$node/patroni.pid"; then
      kill -TERM "$(cat "$dir/$node/patroni.pid")" 2>/dev/null || true
    fi
  done
  for node in "${nodes[@]}"; do
    while pid_alive "$dir/$node/patroni.pid"; do sleep 0.2; done
    rm -f "$dir/$node/patroni.pid"
    # A PostgreSQL left behind by a killed Patroni.
    if pid_alive "$dir/$node/data/postmaster.pid"; then
      as_user "$(pg_bin)/pg_ctl" -D "$dir/$node/data" -m fast -w stop >/dev/null 2>&1 || true
    fi
  done
  if pid_alive "$dir/etcd.pid"; then
    kill -TERM "$(cat "$dir/etcd.pid")"
    while pid_alive "$dir/etcd.pid"; do sleep 0.1; done
  fi
  rm -f "$dir/etcd.pid"
}

case "${1:-}" in
  start) start ;;
  env) print_env ;;
  leader) leader ;;
  fresh) fresh_databases ;;
  healthy) wait_healthy "${2:-120}" ;;
  complete) wait_complete "${2:-180}" ;;
  reinit) reinit_node "$2" ;;
  role) role_of "$2" ;;
  kill) kill_node "$2" ;;
  revive) start_node "$2" ;;
  stop) stop ;;
  *) echo "usage: $0 start|env|leader|fresh|healthy [seconds]|complete [seconds]|reinit NODE|kill NODE|revive NODE|stop" >&2; exit 2 ;;
esac
