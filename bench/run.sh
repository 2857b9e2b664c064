#!/usr/bin/env bash
# Load benchmark of Confide against a bare-Kestrel ceiling, side by side in one run.
#
#   bench/run.sh                      # build, run, print the table, update docs/benchmarks.md
#   ROUNDS=1 DURATION=5s bench/run.sh # quick look
#
# Measures over HTTPS on loopback with wrk (same -t/-c/-d for every pair):
#   (a) ceiling POST /echo, 1 KiB JSON body            vs (b) Confide POST /conversations/{id}/reply
#   (c) ceiling GET /conversation (same bytes as Confide's response) vs Confide GET /conversations/{id}
#       with 20 conversation parts
#   and, without targets, two floors of Confide: GET /health (anonymous, one query) and GET /tags
#   (authenticated, an empty list)
# Each round runs the four measurements back to back; figures are medians over the rounds and
# ratios are medians of the per-round ratios. Every reply is durable (SQLite WAL,
# synchronous=FULL, group commit) before its response is sent.
#
# Environment: THREADS (2), CONNECTIONS (32), DURATION (15s), WARMUP (5s), ROUNDS (3),
# REPLY_CONVERSATIONS (conversations per round that the replies are spread over, 3000),
# PORT_BASE (37443: Confide us/eu/au on PORT_BASE..+2, the ceiling on +3),
# WRITE_DOCS (1: replace the results section of docs/benchmarks.md), SKIP_BUILD (0).
set -euo pipefail

cd "$(dirname "$0")/.."

THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-32}
DURATION=${DURATION:-15s}
WARMUP=${WARMUP:-5s}
ROUNDS=${ROUNDS:-3}
REPLY_CONVERSATIONS=${REPLY_CONVERSATIONS:-3000}
GET_PARTS=20
PORT_BASE=${PORT_BASE:-37443}
WRITE_DOCS=${WRITE_DOCS:-1}
SKIP_BUILD=${SKIP_BUILD:-0}

CONFIDE_DLL=src/Confide.Server/bin/Release/net10.0/confide.dll
CEILING_DLL=bench/Confide.Bench.Ceiling/bin/Release/net10.0/confide-bench-ceiling.dll
CEILING_PORT=$((PORT_BASE + 3))
COMMAND="$0${*:+ $*} (THREADS=$THREADS CONNECTIONS=$CONNECTIONS DURATION=$DURATION WARMUP=$WARMUP ROUNDS=$ROUNDS REPLY_CONVERSATIONS=$REPLY_CONVERSATIONS)"

WORK=$(mktemp -d)
. bench/lib.sh
trap 'stop_started; rm -rf "$WORK"' EXIT INT TERM
require_tools

if [ "$SKIP_BUILD" != 1 ]; then
  log "building Release"
  dotnet build Confide.slnx -c Release -nologo -v quiet >&2
fi

start_confide confide "$CONFIDE_DLL" "$PORT_BASE"
seed confide "$ROUNDS" "$GET_PARTS"
CONFIDE_PID=$(cat "$WORK/confide/pid")
CONFIDE_DATA_DIR="$WORK/confide/data"
GET_BYTES=$(wc -c <"$WORK/confide/conversation.json")

log "starting the ceiling on :$CEILING_PORT ($GET_BYTES B conversation)"
dotnet "$CEILING_DLL" --port "$CEILING_PORT" \
  --cert "$CONFIDE_DATA_DIR/tls/server.pem" --key "$CONFIDE_DATA_DIR/tls/server.key" \
  --conversation "$WORK/confide/conversation.json" >"$WORK/ceiling.log" 2>&1 &
CEILING_PID=$!
PIDS+=("$CEILING_PID")
wait_for "$CONFIDE_DATA_DIR/tls/ca.pem" "https://localhost:$CEILING_PORT/conversation"

log "warming up (JIT, connection pools) for $WARMUP per endpoint"
run_wrk "$WARMUP" post.lua "https://localhost:$CEILING_PORT" BENCH_PATH=/echo >/dev/null
run_wrk "$WARMUP" get.lua "https://localhost:$CEILING_PORT" BENCH_PATH=/conversation >/dev/null
warm_up confide
run_wrk "$WARMUP" get.lua "$(cat "$WORK/confide/base")" BENCH_PATH=/health >/dev/null
run_wrk "$WARMUP" get.lua "$(cat "$WORK/confide/base")" BENCH_PATH=/tags BENCH_TOKEN="$(cat "$WORK/confide/token")" >/dev/null

: >"$WORK/results"
for round in $(seq 1 "$ROUNDS"); do
  log "round $round of $ROUNDS"
  measure a "$CEILING_PID" "$DURATION" post.lua "https://localhost:$CEILING_PORT" BENCH_PATH=/echo
  measure_reply b confide "ids-$round"
  measure c0 "$CEILING_PID" "$DURATION" get.lua "https://localhost:$CEILING_PORT" BENCH_PATH=/conversation
  measure_get c confide
  # Floors, no targets: what any Confide request costs before the conversation's own work.
  measure d "$CONFIDE_PID" "$DURATION" get.lua "$(cat "$WORK/confide/base")" BENCH_PATH=/health
  measure e "$CONFIDE_PID" "$DURATION" get.lua "$(cat "$WORK/confide/base")" BENCH_PATH=/tags BENCH_TOKEN="$(cat "$WORK/confide/token")"
done

# Every reply must have been answered 2xx.
ERRORS=$(error_count)

RATIO_POST=$(ratio b a)
RATIO_GET=$(ratio c c0)
verdict() { awk -v r="$1" 'BEGIN { print (r >= 50 ? "met" : "not met") }'; }

WAL=$(od -An -tu1 -j18 -N2 "$CONFIDE_DATA_DIR/regions/eu/confide.db" | awk '{ print ($1 == 2 && $2 == 2) ? "WAL" : "not WAL" }')

RESULTS="$WORK/results.md"
{
  echo "Run of $(date -u '+%Y-%m-%d %H:%M UTC'), commit \`$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src bench || echo '+changes')\`."
  echo
  echo "| | req/s | p50 ms | p99 ms | mean response B | server CPU µs/req |"
  echo "|---|---:|---:|---:|---:|---:|"
  row a "(a) ceiling POST /echo, 1 KiB JSON -> 201"
  row b "(b) Confide POST /conversations/{id}/reply, 1 KiB, durable"
  row c0 "ceiling GET /conversation ($GET_BYTES B, fixed bytes)"
  row c "(c) Confide GET /conversations/{id}, $GET_PARTS parts ($GET_BYTES B)"
  row d "floor: Confide GET /health (anonymous, one query)"
  row e "floor: Confide GET /tags (API token, empty list)"
  echo
  echo "- (b)/(a) = **$RATIO_POST %** (target >= 50 %: $(verdict "$RATIO_POST"))"
  echo "- (c)/ceiling GET = **$RATIO_GET %** (target >= 50 %: $(verdict "$RATIO_GET"))"
  echo "- floors/ceiling GET: /health **$(ratio d c0) %**, /tags **$(ratio e c0) %** (no target; they bound what any endpoint can reach)"
  if [ "$ERRORS" = 0 ]; then
    echo "- non-2xx responses and socket errors over all runs: 0"
  else
    echo "- **INVALID RUN: $ERRORS non-2xx responses or socket errors** (see the per-run lines on stderr)"
  fi
  echo
  echo "Command: \`$COMMAND\`; each measurement \`wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency\`"
  echo "(scripts in \`bench/wrk/\`), after a $WARMUP warm-up per endpoint; medians of $ROUNDS rounds,"
  echo "server CPU is the serving process's user+system time divided by the requests it answered;"
  echo "ratios are medians of the per-round ratios. Replies are spread round-robin over"
  echo "$REPLY_CONVERSATIONS fresh conversations per round (each reply's response is the whole conversation)."
  echo
  echo "Machine: $(machine);"
  echo "wrk, Confide and the ceiling share the same cores. Durability: SQLite $WAL, \`synchronous=FULL\`,"
  echo "group commit; a reply's response is sent only after its transaction has committed."
} >"$RESULTS"

cat "$RESULTS"

if [ "$WRITE_DOCS" = 1 ]; then
  replace_results docs/benchmarks.md results "$RESULTS"
fi
