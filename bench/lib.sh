# Shared by bench/run.sh and bench/encryption.sh: tools, starting and seeding a Confide
# instance, running wrk and summarising results. Source it after setting WORK, THREADS,
# CONNECTIONS and REPLY_CONVERSATIONS; every started process is added to PIDS.

log() { printf '%s %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

require_tools() {
  for tool in curl jq; do
    command -v "$tool" >/dev/null || { echo "the benchmark needs $tool" >&2; exit 1; }
  done
  if ! command -v wrk >/dev/null; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
      log "installing wrk"
      apt-get install -y wrk >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y wrk >/dev/null; }
    else
      echo "the benchmark needs wrk (Debian/Ubuntu: apt-get install wrk)" >&2
      exit 1
    fi
  fi
}

PIDS=()
stop_started() {
  for pid in "${PIDS[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${PIDS[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
}

wait_for() { # ca url
  for _ in $(seq 1 200); do
    if [ -f "$1" ] && curl -s -o /dev/null --cacert "$1" "$2"; then
      return 0
    fi
    sleep 0.1
  done
  echo "no answer from $2" >&2
  exit 1
}

# start_confide NAME DLL PORT_BASE [ENV...]: a Confide with its own data directory
# $WORK/NAME/data and an eu workspace; its facts are files in $WORK/NAME (base, token,
# owner, ca, pid).
start_confide() {
  local name=$1 dll=$2 port_base=$3
  shift 3
  local dir="$WORK/$name"
  mkdir -p "$dir"
  local ports=(
    "--Confide:Regions:us:Port=$port_base"
    "--Confide:Regions:eu:Port=$((port_base + 1))"
    "--Confide:Regions:au:Port=$((port_base + 2))"
    # The load comes from one address and one token, far above the production defaults: the
    # limiters still run on every request, but none refuses one.
    "--Confide:RateLimits:TokenPerSecond=1000000" "--Confide:RateLimits:TokenBurst=1000000"
    "--Confide:RateLimits:IpPerSecond=1000000" "--Confide:RateLimits:IpBurst=1000000"
  )
  log "$name: creating the workspace"
  env CONFIDE_DATA_DIR="$dir/data" "$@" dotnet "$dll" workspace create --region eu --name Bench --owner bench@example.com --json "${ports[@]}" >"$dir/workspace.json"
  jq -r .access_token "$dir/workspace.json" >"$dir/token"
  jq -r .owner_id "$dir/workspace.json" >"$dir/owner"
  echo "https://localhost:$((port_base + 1))" >"$dir/base"
  echo "$dir/data/tls/ca.pem" >"$dir/ca"
  log "$name: starting on :$((port_base + 1))"
  env CONFIDE_DATA_DIR="$dir/data" "$@" dotnet "$dll" "${ports[@]}" >"$dir/confide.log" 2>&1 &
  echo $! >"$dir/pid"
  PIDS+=("$!")
  wait_for "$(cat "$dir/ca")" "$(cat "$dir/base")/conversations"
}

api() { # name method path [json]
  local dir="$WORK/$1"
  curl -sS --fail-with-body --cacert "$(cat "$dir/ca")" -X "$2" \
    -H "Authorization: Bearer $(cat "$dir/token")" -H "Content-Type: application/json" -H "Accept: application/json" \
    "$(cat "$dir/base")$3" ${4:+-d "$4"}
}

# seed NAME ROUNDS GET_PARTS: one contact; 300 warm-up conversations and REPLY_CONVERSATIONS
# per round for the replies (ids in $WORK/NAME/ids-*); the GET target, an opening message
# and GET_PARTS replies of ~1 KiB, admin and customer in turn (id in $WORK/NAME/get_id, its
# response in $WORK/NAME/conversation.json).
seed() {
  local name=$1 rounds=$2 parts=$3 dir="$WORK/$1"
  log "$name: seeding contacts and conversations"
  local contact owner opening
  contact=$(api "$name" POST /contacts '{"role":"user","email":"customer@example.com","name":"Bench Customer"}' | jq -r .id)
  owner=$(cat "$dir/owner")
  opening="{\"from\":{\"type\":\"user\",\"id\":\"$contact\"},\"body\":\"Hello, I have a question about my order.\"}"
  seed_conversations "$name" "$opening" 300 ids-warmup
  for round in $(seq 1 "$rounds"); do
    seed_conversations "$name" "$opening" "$REPLY_CONVERSATIONS" "ids-$round"
  done

  local text get_id reply
  text=$(printf 'Thanks for the details, I have looked into your account and the order is on its way. %.0s' $(seq 1 12) | cut -c1-1000)
  get_id=$(api "$name" POST /conversations "$opening" | jq -r .conversation_id)
  for i in $(seq 1 "$parts"); do
    if [ $((i % 2)) = 1 ]; then
      reply="{\"message_type\":\"comment\",\"type\":\"admin\",\"admin_id\":\"$owner\",\"body\":\"$text\"}"
    else
      reply="{\"message_type\":\"comment\",\"type\":\"user\",\"intercom_user_id\":\"$contact\",\"body\":\"$text\"}"
    fi
    api "$name" POST "/conversations/$get_id/reply" "$reply" >/dev/null
  done
  echo "$get_id" >"$dir/get_id"
  api "$name" GET "/conversations/$get_id" >"$dir/conversation.json"
  [ "$(jq '.conversation_parts.total_count' "$dir/conversation.json")" = "$parts" ] || { echo "$name: GET target has the wrong part count" >&2; exit 1; }
}

seed_conversations() { # name opening count file: creates count conversations with parallel requests
  local dir="$WORK/$1"
  mkdir -p "$dir/seed-$4"
  curl -s --fail --parallel --parallel-max 16 --cacert "$(cat "$dir/ca")" -X POST \
    -H "Authorization: Bearer $(cat "$dir/token")" -H "Content-Type: application/json" -H "Accept: application/json" \
    -d "$2" "$(cat "$dir/base")/conversations?seed=[1-$3]" -o "$dir/seed-$4/#1.json" 2>"$dir/seed-$4.log" || { cat "$dir/seed-$4.log" >&2; exit 1; }
  find "$dir/seed-$4" -name '*.json' -exec jq -r .conversation_id {} + >"$dir/$4"
  [ "$(wc -l <"$dir/$4")" -eq "$3" ] || { echo "seeding $4 of $1 failed" >&2; exit 1; }
}

run_wrk() { # duration script url [env...]: prints the RESULT line
  local duration=$1 script=$2 url=$3
  shift 3
  env -u BENCH_PATH -u BENCH_CONVERSATION_IDS BENCH_THREADS="$THREADS" "$@" \
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"$duration" --latency -s "bench/wrk/$script" "$url" | grep '^RESULT'
}

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; } # user + system clock ticks of a process
TICK_US=$((1000000 / $(getconf CLK_TCK)))

measure() { # label pid duration script url [env...]: appends a result line with the server's CPU time per request
  local label=$1 pid=$2
  shift 2
  local line before after requests
  before=$(cpu_ticks "$pid")
  line=$(run_wrk "$@")
  after=$(cpu_ticks "$pid")
  requests=$(sed 's/.*requests=\([0-9]*\).*/\1/' <<<"$line")
  line="$line cpu_us=$(((after - before) * TICK_US / (requests > 0 ? requests : 1)))"
  log "$label: ${line#RESULT }"
  echo "$label $line" >>"$WORK/results"
}

# measure_reply LABEL NAME ROUND / measure_get LABEL NAME: Confide's two measured calls.
measure_reply() {
  local dir="$WORK/$2"
  measure "$1" "$(cat "$dir/pid")" "$DURATION" post.lua "$(cat "$dir/base")" \
    BENCH_CONVERSATION_IDS="$dir/$3" BENCH_TOKEN="$(cat "$dir/token")" BENCH_ADMIN_ID="$(cat "$dir/owner")"
}

measure_get() {
  local dir="$WORK/$2"
  measure "$1" "$(cat "$dir/pid")" "$DURATION" get.lua "$(cat "$dir/base")" \
    BENCH_PATH="/conversations/$(cat "$dir/get_id")" BENCH_TOKEN="$(cat "$dir/token")"
}

warm_up() { # name: JIT and pools of one Confide
  local dir="$WORK/$1"
  run_wrk "$WARMUP" post.lua "$(cat "$dir/base")" BENCH_CONVERSATION_IDS="$dir/ids-warmup" BENCH_TOKEN="$(cat "$dir/token")" BENCH_ADMIN_ID="$(cat "$dir/owner")" >/dev/null
  run_wrk "$WARMUP" get.lua "$(cat "$dir/base")" BENCH_PATH="/conversations/$(cat "$dir/get_id")" BENCH_TOKEN="$(cat "$dir/token")" >/dev/null
}

field() { # label key: one value per round
  awk -v n="$1" -v k="$2" '$1 == n { for (i = 2; i <= NF; i++) { split($i, kv, "="); if (kv[1] == k) print kv[2] } }' "$WORK/results"
}
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
ratio() { # numerator denominator: median of per-round ratios, in percent
  paste <(field "$1" rps) <(field "$2" rps) | awk '{ printf "%.1f\n", 100 * $1 / $2 }' | median
}
row() { # label description
  printf '| %s | %s | %s | %s | %s | %s |\n' "$2" \
    "$(field "$1" rps | median | awk '{ printf "%.0f", $1 }')" \
    "$(field "$1" p50_ms | median)" "$(field "$1" p99_ms | median)" \
    "$(field "$1" mean_bytes | median | awk '{ printf "%.0f", $1 }')" \
    "$(field "$1" cpu_us | median | awk '{ printf "%.0f", $1 }')"
}
error_count() { # non-2xx responses and socket errors over all runs
  awk '{ for (i = 2; i <= NF; i++) { split($i, kv, "="); if (kv[1] == "non2xx" || kv[1] == "socket_errors") s += kv[2] } } END { print s + 0 }' "$WORK/results"
}
machine_base() { # CPU, memory, OS and .NET (for benchmarks that do not use wrk)
  local mem cpu os
  mem=$(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
  cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
  os=$(. /etc/os-release && echo "$PRETTY_NAME")
  echo "$(nproc) vCPU $cpu, $mem RAM, $os, .NET $(dotnet --version)"
}
machine() { echo "$(machine_base), $(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2)"; }

# replace_results DOC MARKER FILE: puts FILE between the MARKER begin/end comments of DOC.
replace_results() {
  local doc=$1 begin="<!-- $2:begin (written by bench/) -->" end="<!-- $2:end -->"
  if ! grep -qF "$begin" "$doc"; then
    printf '\n%s\n%s\n' "$begin" "$end" >>"$doc"
  fi
  awk -v begin="$begin" -v end="$end" -v file="$3" '
    $0 == begin { print; while ((getline line < file) > 0) print line; skip = 1; next }
    $0 == end { skip = 0 }
    !skip { print }' "$doc" >"$WORK/doc.md"
  cp "$WORK/doc.md" "$doc"
  log "updated $doc"
}
