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

CONFIDE_PORT=$((PORT_BASE + 1)) # the eu region
CEILING_PORT=$((PORT_BASE + 3))
CONFIDE_DLL=src/Confide.Server/bin/Release/net10.0/confide.dll
CEILING_DLL=bench/Confide.Bench.Ceiling/bin/Release/net10.0/confide-bench-ceiling.dll
COMMAND="$0${*:+ $*} (THREADS=$THREADS CONNECTIONS=$CONNECTIONS DURATION=$DURATION WARMUP=$WARMUP ROUNDS=$ROUNDS REPLY_CONVERSATIONS=$REPLY_CONVERSATIONS)"

log() { printf '%s %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

for tool in curl jq; do
  command -v "$tool" >/dev/null || { echo "bench/run.sh needs $tool" >&2; exit 1; }
done
if ! command -v wrk >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    log "installing wrk"
    apt-get install -y wrk >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y wrk >/dev/null; }
  else
    echo "bench/run.sh needs wrk (Debian/Ubuntu: apt-get install wrk)" >&2
    exit 1
  fi
fi

if [ "$SKIP_BUILD" != 1 ]; then
  log "building Release"
  dotnet build Confide.slnx -c Release -nologo -v quiet >&2
fi

WORK=$(mktemp -d)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${PIDS[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

export CONFIDE_DATA_DIR="$WORK/data"
PORT_ARGS=(
  "--Confide:Regions:us:Port=$PORT_BASE"
  "--Confide:Regions:eu:Port=$CONFIDE_PORT"
  "--Confide:Regions:au:Port=$((PORT_BASE + 2))"
)

log "creating the workspace"
dotnet "$CONFIDE_DLL" workspace create --region eu --name Bench --owner bench@example.com --json "${PORT_ARGS[@]}" >"$WORK/workspace.json"
TOKEN=$(jq -r .access_token "$WORK/workspace.json")
OWNER_ID=$(jq -r .owner_id "$WORK/workspace.json")

log "starting Confide on :$CONFIDE_PORT"
dotnet "$CONFIDE_DLL" "${PORT_ARGS[@]}" >"$WORK/confide.log" 2>&1 &
CONFIDE_PID=$!
PIDS+=("$CONFIDE_PID")
CA="$CONFIDE_DATA_DIR/tls/ca.pem"

wait_for() { # url
  for _ in $(seq 1 200); do
    if [ -f "$CA" ] && curl -s -o /dev/null --cacert "$CA" "$1"; then
      return 0
    fi
    sleep 0.1
  done
  echo "no answer from $1" >&2
  exit 1
}
wait_for "https://localhost:$CONFIDE_PORT/conversations"

BASE="https://localhost:$CONFIDE_PORT"
api() { # method path [json]
  curl -sS --fail-with-body --cacert "$CA" -X "$1" \
    -H "Authorization: Bearer $TOKEN" -H "Content-Type: application/json" -H "Accept: application/json" \
    "$BASE$2" ${3:+-d "$3"}
}

log "seeding contacts and conversations"
CONTACT_ID=$(api POST /contacts '{"role":"user","email":"customer@example.com","name":"Bench Customer"}' | jq -r .id)
OPENING="{\"from\":{\"type\":\"user\",\"id\":\"$CONTACT_ID\"},\"body\":\"Hello, I have a question about my order.\"}"

seed_conversations() { # count file: creates count conversations with parallel requests, ids to file
  local dir="$WORK/seed-$2"
  mkdir -p "$dir"
  curl -s --fail --parallel --parallel-max 16 --cacert "$CA" -X POST \
    -H "Authorization: Bearer $TOKEN" -H "Content-Type: application/json" -H "Accept: application/json" \
    -d "$OPENING" "$BASE/conversations?seed=[1-$1]" -o "$dir/#1.json" 2>"$dir.log" || { cat "$dir.log" >&2; exit 1; }
  find "$dir" -name '*.json' -exec jq -r .conversation_id {} + >"$WORK/$2"
  [ "$(wc -l <"$WORK/$2")" -eq "$1" ] || { echo "seeding $2 failed" >&2; exit 1; }
}
seed_conversations 300 ids-warmup
for round in $(seq 1 "$ROUNDS"); do
  seed_conversations "$REPLY_CONVERSATIONS" "ids-$round"
done

# The GET target: an opening message and 20 replies of ~1 KiB, admin and customer in turn.
PART_TEXT=$(printf 'Thanks for the details, I have looked into your account and the order is on its way. %.0s' $(seq 1 12) | cut -c1-1000)
GET_ID=$(api POST /conversations "$OPENING" | jq -r .conversation_id)
for i in $(seq 1 "$GET_PARTS"); do
  if [ $((i % 2)) = 1 ]; then
    reply="{\"message_type\":\"comment\",\"type\":\"admin\",\"admin_id\":\"$OWNER_ID\",\"body\":\"$PART_TEXT\"}"
  else
    reply="{\"message_type\":\"comment\",\"type\":\"user\",\"intercom_user_id\":\"$CONTACT_ID\",\"body\":\"$PART_TEXT\"}"
  fi
  api POST "/conversations/$GET_ID/reply" "$reply" >/dev/null
done
api GET "/conversations/$GET_ID" >"$WORK/conversation.json"
[ "$(jq '.conversation_parts.total_count' "$WORK/conversation.json")" = "$GET_PARTS" ] || { echo "GET target has the wrong part count" >&2; exit 1; }
GET_BYTES=$(wc -c <"$WORK/conversation.json")

log "starting the ceiling on :$CEILING_PORT ($GET_BYTES B conversation)"
dotnet "$CEILING_DLL" --port "$CEILING_PORT" \
  --cert "$CONFIDE_DATA_DIR/tls/server.pem" --key "$CONFIDE_DATA_DIR/tls/server.key" \
  --conversation "$WORK/conversation.json" >"$WORK/ceiling.log" 2>&1 &
CEILING_PID=$!
PIDS+=("$CEILING_PID")
wait_for "https://localhost:$CEILING_PORT/conversation"

export BENCH_TOKEN=$TOKEN BENCH_ADMIN_ID=$OWNER_ID BENCH_THREADS=$THREADS

run_wrk() { # duration script url [env...]: prints the RESULT line
  local duration=$1 script=$2 url=$3
  shift 3
  env -u BENCH_PATH -u BENCH_CONVERSATION_IDS "$@" wrk -t"$THREADS" -c"$CONNECTIONS" -d"$duration" --latency -s "bench/wrk/$script" "$url" | grep '^RESULT'
}

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; } # user + system clock ticks of a process
TICK_US=$((1000000 / $(getconf CLK_TCK)))

measure() { # name pid duration script url [env...]: also the server's CPU time per request
  local name=$1 pid=$2
  shift 2
  local line before after requests
  before=$(cpu_ticks "$pid")
  line=$(run_wrk "$@")
  after=$(cpu_ticks "$pid")
  requests=$(sed 's/.*requests=\([0-9]*\).*/\1/' <<<"$line")
  line="$line cpu_us=$(((after - before) * TICK_US / (requests > 0 ? requests : 1)))"
  log "$name: ${line#RESULT }"
  echo "$name $line" >>"$WORK/results"
}

log "warming up (JIT, connection pools) for $WARMUP per endpoint"
run_wrk "$WARMUP" post.lua "https://localhost:$CEILING_PORT" BENCH_PATH=/echo >/dev/null
run_wrk "$WARMUP" post.lua "$BASE" BENCH_CONVERSATION_IDS="$WORK/ids-warmup" >/dev/null
run_wrk "$WARMUP" get.lua "https://localhost:$CEILING_PORT" BENCH_PATH=/conversation >/dev/null
run_wrk "$WARMUP" get.lua "$BASE" BENCH_PATH="/conversations/$GET_ID" >/dev/null

: >"$WORK/results"
for round in $(seq 1 "$ROUNDS"); do
  log "round $round of $ROUNDS"
  measure a "$CEILING_PID" "$DURATION" post.lua "https://localhost:$CEILING_PORT" BENCH_PATH=/echo
  measure b "$CONFIDE_PID" "$DURATION" post.lua "$BASE" BENCH_CONVERSATION_IDS="$WORK/ids-$round"
  measure c0 "$CEILING_PID" "$DURATION" get.lua "https://localhost:$CEILING_PORT" BENCH_PATH=/conversation
  measure c "$CONFIDE_PID" "$DURATION" get.lua "$BASE" BENCH_PATH="/conversations/$GET_ID"
done

# Every reply must have been answered 2xx and be in the conversation it was sent to.
ERRORS=$(awk '{ for (i = 2; i <= NF; i++) { split($i, kv, "="); if (kv[1] == "non2xx" || kv[1] == "socket_errors") s += kv[2] } } END { print s + 0 }' "$WORK/results")

field() { # name key: one value per round
  awk -v n="$1" -v k="$2" '$1 == n { for (i = 2; i <= NF; i++) { split($i, kv, "="); if (kv[1] == k) print kv[2] } }' "$WORK/results"
}
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
ratio() { # numerator denominator: median of per-round ratios, in percent
  paste <(field "$1" rps) <(field "$2" rps) | awk '{ printf "%.1f\n", 100 * $1 / $2 }' | median
}
row() { # name label
  printf '| %s | %s | %s | %s | %s | %s |\n' "$2" \
    "$(field "$1" rps | median | awk '{ printf "%.0f", $1 }')" \
    "$(field "$1" p50_ms | median)" "$(field "$1" p99_ms | median)" \
    "$(field "$1" mean_bytes | median | awk '{ printf "%.0f", $1 }')" \
    "$(field "$1" cpu_us | median | awk '{ printf "%.0f", $1 }')"
}

RATIO_POST=$(ratio b a)
RATIO_GET=$(ratio c c0)
verdict() { awk -v r="$1" 'BEGIN { print (r >= 50 ? "met" : "not met") }'; }

MEM=$(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
CPU=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
OS=$(. /etc/os-release && echo "$PRETTY_NAME")
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
  echo
  echo "- (b)/(a) = **$RATIO_POST %** (target >= 50 %: $(verdict "$RATIO_POST"))"
  echo "- (c)/ceiling GET = **$RATIO_GET %** (target >= 50 %: $(verdict "$RATIO_GET"))"
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
  echo "Machine: $(nproc) vCPU $CPU, $MEM RAM, $OS, .NET $(dotnet --version), $(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2);"
  echo "wrk, Confide and the ceiling share the same cores. Durability: SQLite $WAL, \`synchronous=FULL\`,"
  echo "group commit; a reply's response is sent only after its transaction has committed."
} >"$RESULTS"

cat "$RESULTS"

if [ "$WRITE_DOCS" = 1 ]; then
  DOC=docs/benchmarks.md
  BEGIN='<!-- results:begin (written by bench/run.sh) -->'
  END='<!-- results:end -->'
  mkdir -p docs
  if [ ! -f "$DOC" ] || ! grep -qF "$BEGIN" "$DOC"; then
    printf '# Benchmarks\n\n## Latest results\n\n%s\n%s\n' "$BEGIN" "$END" >>"$DOC"
  fi
  awk -v begin="$BEGIN" -v end="$END" -v file="$RESULTS" '
    $0 == begin { print; while ((getline line < file) > 0) print line; skip = 1; next }
    $0 == end { skip = 0 }
    !skip { print }' "$DOC" >"$WORK/doc.md"
  cp "$WORK/doc.md" "$DOC"
  log "updated $DOC"
fi
