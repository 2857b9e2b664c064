#!/usr/bin/env bash
# The failover drill: two Confide processes on a three-node Patroni cluster (scripts/ha/cluster.sh)
# under a steady write load; the PostgreSQL leader is killed with kill -9 again and again, then a
# whole "zone" (the leader's node and one Confide process) at once. Reports acknowledged writes
# lost, duplicates, and how long writes took to be acknowledged again after each kill.
#
#   scripts/ha/failover-drill.sh [KILLS]      # default 10 leader kills, then one zone kill
#
# Needs a built server (dotnet build src/Confide.Server -c Release, or set CONFIDE_DLL).
# Writes its report to $CONFIDE_HA_DIR/drill/report.json and prints a summary line.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
kills="${1:-10}"
export CONFIDE_HA_DIR="${CONFIDE_HA_DIR:-${TMPDIR:-/tmp}/confide-ha}"
drill="$CONFIDE_HA_DIR/drill"
dll="${CONFIDE_DLL:-$root/src/Confide.Server/bin/Release/net10.0/confide.dll}"
[ -f "$dll" ] || { echo "No server build at $dll: run dotnet build src/Confide.Server -c Release" >&2; exit 2; }

"$here/cluster.sh" start
# Every kill must find three nodes: a node that is still catching up would turn a kill into an outage.
"$here/cluster.sh" complete 300
eval "$("$here/cluster.sh" env)"
"$here/cluster.sh" fresh
rm -rf "$drill"
mkdir -p "$drill"

# The drill's writes would trip production rate limits; they are not what is measured here.
common=(--Confide:Serve:0=eu "--Confide:Regions:eu:Postgres=$CONFIDE_HA_POSTGRES"
  "--Confide:Regions:eu:KeyStore:Postgres=$CONFIDE_HA_KEYSTORE" --Confide:Retention:Schedule=false
  --Confide:RateLimits:TokenPerSecond=100000 --Confide:RateLimits:TokenBurst=100000
  --Confide:RateLimits:IpPerSecond=100000 --Confide:RateLimits:IpBurst=100000)
declare -A port=([a]=57443 [b]=57444)
pids=()

start_confide() {
  local name=$1
  mkdir -p "$drill/$name"
  CONFIDE_DATA_DIR="$drill/$name" Logging__LogLevel__Default=Warning \
    dotnet "$dll" "${common[@]}" "--Confide:Regions:eu:Port=${port[$name]}" > "$drill/$name.log" 2>&1 &
  echo $! > "$drill/$name.pid"
  for _ in $(seq 1 240); do
    [ -f "$drill/$name/tls/ca.pem" ] && curl -s -o /dev/null --cacert "$drill/$name/tls/ca.pem" "https://localhost:${port[$name]}/health/ready" && return 0
    sleep 0.5
  done
  echo "Confide $name did not start; see $drill/$name.log" >&2
  exit 1
}

stop_confide() {
  local name=$1
  if [ -f "$drill/$name.pid" ] && kill -0 "$(cat "$drill/$name.pid")" 2>/dev/null; then
    kill -TERM "$(cat "$drill/$name.pid")"
    wait "$(cat "$drill/$name.pid")" 2>/dev/null || true
  fi
}

cleanup() {
  touch "$drill/stop"
  stop_confide a
  stop_confide b
}
trap cleanup EXIT

start_confide a
# Every Confide process holds the same keys, as an operator installs them on every node.
cp -r "$drill/a/keys" "$drill/b-keys" && mkdir -p "$drill/b" && mv "$drill/b-keys" "$drill/b/keys"
start_confide b

workspace=$(CONFIDE_DATA_DIR="$drill/a" dotnet "$dll" workspace create --region eu --name "Failover drill" \
  --owner drill@example.com --json "${common[@]}" "--Confide:Regions:eu:Port=${port[a]}")
token=$(echo "$workspace" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')

/usr/bin/python3 "$here/load_driver.py" --token "$token" --workers "${CONFIDE_HA_WORKERS:-8}" \
  --target "localhost:${port[a]}:$drill/a/tls/ca.pem" --target "localhost:${port[b]}:$drill/b/tls/ca.pem" \
  --stop-file "$drill/stop" --report "$drill/load.json" > "$drill/load.out" 2>&1 &
driver=$!

: > "$drill/kills"
sleep 10
for round in $(seq 1 "$kills") zone; do
  leader=$("$here/cluster.sh" leader)
  echo "$(date +%s.%N) $round $leader" >> "$drill/kills"
  "$here/cluster.sh" kill "$leader"
  if [ "$round" = zone ]; then
    # The zone goes with its Confide process: its clients move to the other one.
    kill -9 "$(cat "$drill/a.pid")"
  fi
  "$here/cluster.sh" healthy 120 || true
  "$here/cluster.sh" revive "$leader"
  "$here/cluster.sh" complete 180
  sleep 5
  echo "kill $round of $leader done" >&2
done

touch "$drill/stop"
wait "$driver" || true
cat "$drill/load.out"

/usr/bin/python3 "$here/drill_report.py" "$drill"
