#!/usr/bin/env bash
# HTTPS vs plain HTTP throughput of the same Confide build, side by side: two instances serving
# the eu region, one on its HTTPS port (TLS 1.3, ECDSA P-256, the pinned suites), one on a plain
# HTTP URL (--urls), each on its own temporary data directory. wrk runs GET /health (a database
# round trip) against each in turn, ROUNDS times; medians are printed. Keep-alive connections,
# so this measures record encryption, not handshakes.
#
#   bench/tls.sh                         # 3 rounds of 10 s per side
#   ROUNDS=1 DURATION=5s bench/tls.sh    # quick look
set -euo pipefail
cd "$(dirname "$0")/.."
THREADS="${THREADS:-2}"
CONNECTIONS="${CONNECTIONS:-32}"
DURATION="${DURATION:-10s}"
ROUNDS="${ROUNDS:-3}"
WORK="$(mktemp -d)"
REPLY_CONVERSATIONS=0
source bench/lib.sh
trap 'stop_started; rm -rf "$WORK"' EXIT
require_tools

log "building Release"
dotnet build src/Confide.Server -c Release -nologo -clp:ErrorsOnly >/dev/null
server=src/Confide.Server/bin/Release/net10.0/confide.dll
https_port=37543
http_port=37544

start() {
  local name="$1"; shift
  mkdir -p "$WORK/$name"
  CONFIDE_DATA_DIR="$WORK/$name" Logging__LogLevel__Default=Warning \
    dotnet "$server" --Confide:Serve:0=eu "$@" >"$WORK/$name.log" 2>&1 &
  PIDS+=($!)
}
start https --Confide:Regions:eu:Port=$https_port
start http --urls=http://127.0.0.1:$http_port
for _ in $(seq 1 120); do
  if curl -fsS --cacert "$WORK/https/tls/ca.pem" "https://localhost:$https_port/health" >/dev/null 2>&1 &&
     curl -fsS "http://127.0.0.1:$http_port/health" >/dev/null 2>&1; then
    break
  fi
  sleep 0.5
done

measure() { wrk -t"$THREADS" -c"$CONNECTIONS" -d"$1" "$2" | awk '/Requests\/sec/ { print int($2) }'; }
log "warm-up"
measure 5s "https://localhost:$https_port/health" >/dev/null
measure 5s "http://127.0.0.1:$http_port/health" >/dev/null
https_results=()
http_results=()
for round in $(seq 1 "$ROUNDS"); do
  https_results+=("$(measure "$DURATION" "https://localhost:$https_port/health")")
  http_results+=("$(measure "$DURATION" "http://127.0.0.1:$http_port/health")")
  log "round $round: HTTPS ${https_results[-1]} req/s, HTTP ${http_results[-1]} req/s"
done
median() { printf '%s\n' "$@" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
https_median=$(median "${https_results[@]}")
http_median=$(median "${http_results[@]}")
echo "GET /health, wrk -t$THREADS -c$CONNECTIONS -d$DURATION, median of $ROUNDS rounds:"
echo "  HTTPS (TLS 1.3): $https_median req/s"
echo "  HTTP:            $http_median req/s"
echo "  HTTPS/HTTP:      $(awk -v a="$https_median" -v b="$http_median" 'BEGIN { printf "%.2f", a / b }')"
