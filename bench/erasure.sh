#!/usr/bin/env bash
# Erasure of subjects of different sizes (issue 17): how fast the erasure is acknowledged, how
# fast the background purge deletes the rows, and what a large purge does to live replies.
#
#   bench/erasure.sh                                  # sizes 10, 10,000 and 100,000 parts, 3 rounds
#   ROUNDS=1 SIZES="10 1000" bench/erasure.sh         # quick look
#   PURGE_BATCH_SIZE=2000 ROUNDS=1 SIZES="100000" bench/erasure.sh   # the purge's step size
#
# One Confide (Release, SQLite cell), one workspace. Per round and size, a subject (contact) with
# SIZE conversation parts of ~1 KiB: SIZE / PARTS_PER_CONVERSATION conversations, each an
# opening message and admin replies (seeded over the API, in parallel, like
# bench/subject-export.sh). Another contact's conversations take the live replies.
# Per round:
#   1. live replies without a purge: wrk POST /conversations/{id}/reply for DURATION
#      (fresh conversations of the other contact, round-robin as in bench/run.sh);
#   2. the largest subject: DELETE /contacts/{id} timed (the acknowledgement), then at once the
#      same live replies on fresh conversations, stopped when the erasure's receipt is available
#      (GET /confide/privacy_requests/{id}/receipt, the id from POST /user_delete_requests);
#   3. the other sizes, smallest first, with no other load: the acknowledgement, then the time
#      until the receipt.
# Acknowledgement latency is curl's time from the TLS connection being up to the last byte of
# the response (the handshake of the fresh connection excluded). Purge time is from the end of
# the acknowledgement to the receipt being served (polled every POLL_INTERVAL seconds); rows
# are the receipt's counts of deleted records, plus the contact. Medians over the rounds.
#
# Environment: SIZES ("10 10000 100000"), PARTS_PER_CONVERSATION (10), ROUNDS (3),
# PURGE_BATCH_SIZE (unset: the product default, 500), THREADS (2), CONNECTIONS (8),
# DURATION (10s), LIVE_CONVERSATIONS (2000 per measurement), POLL_INTERVAL (0.05),
# PORT_BASE (9740), SKIP_BUILD (0). Prints the summary as Markdown; writes nothing into docs/.
set -euo pipefail

cd "$(dirname "$0")/.."

SIZES=${SIZES:-10 10000 100000}
PARTS_PER_CONVERSATION=${PARTS_PER_CONVERSATION:-10}
ROUNDS=${ROUNDS:-3}
PURGE_BATCH_SIZE=${PURGE_BATCH_SIZE:-}
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-8}
DURATION=${DURATION:-10s}
LIVE_CONVERSATIONS=${LIVE_CONVERSATIONS:-2000}
POLL_INTERVAL=${POLL_INTERVAL:-0.05}
PORT_BASE=${PORT_BASE:-9740}
SKIP_BUILD=${SKIP_BUILD:-0}
REPLY_CONVERSATIONS=$LIVE_CONVERSATIONS
CONFIDE_DLL=src/Confide.Server/bin/Release/net10.0/confide.dll
COMMAND="$0 (SIZES=\"$SIZES\" PARTS_PER_CONVERSATION=$PARTS_PER_CONVERSATION ROUNDS=$ROUNDS PURGE_BATCH_SIZE=${PURGE_BATCH_SIZE:-500} THREADS=$THREADS CONNECTIONS=$CONNECTIONS DURATION=$DURATION LIVE_CONVERSATIONS=$LIVE_CONVERSATIONS)"

WORK=$(mktemp -d)
. bench/lib.sh
trap 'stop_started; rm -rf "$WORK"' EXIT INT TERM
require_tools

SORTED_SIZES=$(tr ' ' '\n' <<<"$SIZES" | grep . | sort -n | tr '\n' ' ')
LARGEST=$(tr ' ' '\n' <<<"$SORTED_SIZES" | grep . | tail -1)

if [ "$SKIP_BUILD" != 1 ]; then
  log "building Release"
  dotnet build src/Confide.Server -c Release -nologo -v quiet >&2
fi

EXTRA_ENV=()
[ -n "$PURGE_BATCH_SIZE" ] && EXTRA_ENV+=("Confide__Erasure__PurgeBatchSize=$PURGE_BATCH_SIZE")
start_confide confide "$CONFIDE_DLL" "$PORT_BASE" "${EXTRA_ENV[@]}"
DIR="$WORK/confide"
BASE=$(cat "$DIR/base")
CA=$(cat "$DIR/ca")
TOKEN=$(cat "$DIR/token")
OWNER=$(cat "$DIR/owner")
TEXT=$(printf 'Thanks for the details, I have looked into your account and the order is on its way. %.0s' $(seq 1 12) | cut -c1-1000)
REPLY="{\"message_type\":\"comment\",\"type\":\"admin\",\"admin_id\":\"$OWNER\",\"body\":\"$TEXT\"}"

# replies_to FILE COUNT: COUNT admin replies to every conversation in FILE, 16 requests in flight.
replies_to() {
  local file=$1 count=$2 config="$WORK/replies.curl"
  [ "$count" -gt 0 ] || return 0
  : >"$config"
  while read -r conversation; do
    for _ in $(seq 1 "$count"); do
      printf 'url = "%s/conversations/%s/reply"\noutput = "/dev/null"\n' "$BASE" "$conversation"
    done
  done <"$file" >"$config"
  curl -s --fail --parallel --parallel-max 16 --cacert "$CA" -X POST \
    -H "Authorization: Bearer $TOKEN" -H "Content-Type: application/json" -H "Accept: application/json" \
    -d "$REPLY" -K "$config" 2>"$WORK/replies.log" || { cat "$WORK/replies.log" >&2; exit 1; }
}

# seed_subject SIZE ROUND: a contact with SIZE parts; its id in $DIR/subject-SIZE-ROUND.
seed_subject() {
  local size=$1 round=$2 conversations contact opening
  conversations=$(((size + PARTS_PER_CONVERSATION - 1) / PARTS_PER_CONVERSATION))
  contact=$(api confide POST /contacts "{\"role\":\"user\",\"email\":\"subject-$size-$round@example.com\",\"name\":\"Bench Subject\"}" | jq -r .id)
  opening="{\"from\":{\"type\":\"user\",\"id\":\"$contact\"},\"body\":\"Hello, I have a question about my order.\"}"
  seed_conversations confide "$opening" "$conversations" "conversations-$size-$round"
  replies_to "$DIR/conversations-$size-$round" $(((size / conversations) - 1))
  echo "$contact" >"$DIR/subject-$size-$round"
}

now() { date +%s.%N; }

# ack SIZE ROUND: DELETE /contacts/{id}; appends "ack SIZE ROUND ms end"; prints the end time.
ack() {
  local contact timing end
  contact=$(cat "$DIR/subject-$1-$2")
  timing=$(curl -sS --fail-with-body --cacert "$CA" -X DELETE -H "Authorization: Bearer $TOKEN" -H "Accept: application/json" \
    -o "$WORK/ack.json" -w '%{time_appconnect} %{time_total}' "$BASE/contacts/$contact")
  end=$(now)
  echo "ack $1 $2 $(awk '{ printf "%.1f", ($2 - $1) * 1000 }' <<<"$timing") $end" >>"$WORK/results"
  echo "$end"
}

# receipt SIZE ROUND ACK_END: waits for the receipt; appends "purge SIZE ROUND seconds rows rows_per_s".
receipt() {
  local contact request end rows seconds
  contact=$(cat "$DIR/subject-$1-$2")
  request=$(api confide POST /user_delete_requests "{\"intercom_user_id\":\"$contact\"}" | jq -r .id)
  until curl -s --fail --cacert "$CA" -H "Authorization: Bearer $TOKEN" -o "$WORK/receipt.json" \
    "$BASE/confide/privacy_requests/$request/receipt"; do
    sleep "$POLL_INTERVAL"
  done
  end=$(now)
  cp "$WORK/receipt.json" "$DIR/receipt-$1-$2.json"
  rows=$(($(jq '[.categories // {} | .. | numbers] | add // 0' "$WORK/receipt.json") + 1))
  # The receipt's own times are whole seconds: the client's clock is finer.
  seconds=$(awk -v a="$3" -v b="$end" 'BEGIN { printf "%.3f", b - a }')
  echo "purge $1 $2 $seconds $rows $(awk -v r="$rows" -v s="$seconds" 'BEGIN { printf "%.0f", r / s }')" >>"$WORK/results"
  log "size $1 round $2: purged $rows rows in $seconds s"
}

live_wrk() { # ids-file [duration]: wrk in the background (its pid in $!), its output in $WORK/wrk.out
  env BENCH_THREADS="$THREADS" BENCH_CONVERSATION_IDS="$1" BENCH_TOKEN="$TOKEN" BENCH_ADMIN_ID="$OWNER" \
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"${2:-600s}" --latency -s bench/wrk/post.lua "$BASE" >"$WORK/wrk.out" 2>&1 &
  PIDS+=("$!")
}

log "seeding: sizes $SORTED_SIZES x $ROUNDS rounds ($PARTS_PER_CONVERSATION parts per conversation), live conversations"
LIVE=$(api confide POST /contacts '{"role":"user","email":"live@example.com","name":"Live Customer"}' | jq -r .id)
LIVE_OPENING="{\"from\":{\"type\":\"user\",\"id\":\"$LIVE\"},\"body\":\"Hello, I have a question about my order.\"}"
seed_conversations confide "$LIVE_OPENING" 300 live-warmup
for round in $(seq 1 "$ROUNDS"); do
  seed_conversations confide "$LIVE_OPENING" "$LIVE_CONVERSATIONS" "live-quiet-$round"
  seed_conversations confide "$LIVE_OPENING" "$LIVE_CONVERSATIONS" "live-purge-$round"
  for size in $SORTED_SIZES; do
    log "seeding subject of $size parts, round $round"
    seed_subject "$size" "$round"
  done
done

log "warming up"
live_wrk "$DIR/live-warmup" 5s
wait $! || true
# One erasure of a small extra subject, so the first measured one does not pay for JIT.
seed_subject 10 warm
receipt 10 warm "$(ack 10 warm)" >/dev/null
sed -i '/ warm /d' "$WORK/results"

for round in $(seq 1 "$ROUNDS"); do
  log "round $round of $ROUNDS: live replies without a purge"
  live_wrk "$DIR/live-quiet-$round" "$DURATION"
  wait $! || true
  echo "quiet $round $(grep '^RESULT' "$WORK/wrk.out" | sed 's/^RESULT //')" >>"$WORK/results"
  log "quiet: $(tail -1 "$WORK/results")"

  log "round $round: erasing the $LARGEST-part subject under live replies"
  END=$(ack "$LARGEST" "$round")
  live_wrk "$DIR/live-purge-$round"
  WRK=$!
  receipt "$LARGEST" "$round" "$END"
  kill -INT "$WRK"
  wait "$WRK" || true
  echo "during $round $(grep '^RESULT' "$WORK/wrk.out" | sed 's/^RESULT //')" >>"$WORK/results"
  log "during: $(tail -1 "$WORK/results")"

  for size in $SORTED_SIZES; do
    [ "$size" = "$LARGEST" ] && continue
    receipt "$size" "$round" "$(ack "$size" "$round")"
  done
done

# Every erased subject must be gone: its conversations answer 404.
for round in $(seq 1 "$ROUNDS"); do
  for size in $SORTED_SIZES; do
    first=$(head -1 "$DIR/conversations-$size-$round")
    code=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$CA" -H "Authorization: Bearer $TOKEN" "$BASE/conversations/$first")
    [ "$code" = 404 ] || { echo "a conversation of an erased subject answers $code" >&2; exit 1; }
  done
done

col() { # kind key-or-column [size]: values over the rounds
  awk -v k="$1" -v c="$2" -v s="${3:-}" '$1 == k && (s == "" || $2 == s) {
    if (c ~ /^[0-9]+$/) { print $c; next }
    for (i = 3; i <= NF; i++) { split($i, kv, "="); if (kv[1] == c) print kv[2] } }' "$WORK/results"
}
rounds_of() { col "$@" | paste -sd/ | sed 's#/# / #g'; }
ERRORS=$(awk '$1 == "quiet" || $1 == "during" { for (i = 3; i <= NF; i++) { split($i, kv, "="); if (kv[1] == "non2xx" || kv[1] == "socket_errors") s += kv[2] } } END { print s + 0 }' "$WORK/results")

{
  echo "Run of $(date -u '+%Y-%m-%d %H:%M UTC'), commit \`$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src bench || echo '+changes')\`, \`PurgeBatchSize\` ${PURGE_BATCH_SIZE:-500}."
  echo
  echo "| subject | conversations | acknowledgement ms (median; rounds) | rows deleted | acknowledgement to receipt s (median) | purge rows/s (median; rounds) |"
  echo "|---|---:|---:|---:|---:|---:|"
  for size in $SORTED_SIZES; do
    note=""
    [ "$size" = "$LARGEST" ] && note=", under live replies"
    printf '| %s parts%s | %s | %s (%s) | %s | %s | %s (%s) |\n' "$size" "$note" \
      "$(wc -l <"$DIR/conversations-$size-1")" \
      "$(col ack 4 "$size" | median)" "$(rounds_of ack 4 "$size")" \
      "$(col purge 5 "$size" | median)" "$(col purge 4 "$size" | median)" \
      "$(col purge 6 "$size" | median)" "$(rounds_of purge 6 "$size")"
  done
  echo
  echo "| live \`POST /conversations/{id}/reply\` | req/s (median) | p50 ms (median) | p99 ms (median; rounds) | wrk seconds (per round) |"
  echo "|---|---:|---:|---:|---:|"
  for kind in quiet during; do
    label="without a purge"
    [ "$kind" = during ] && label="during the $LARGEST-part purge"
    printf '| %s | %s | %s | %s (%s) | %s |\n' "$label" \
      "$(col "$kind" rps | median | awk '{ printf "%.0f", $1 }')" "$(col "$kind" p50_ms | median)" \
      "$(col "$kind" p99_ms | median)" "$(rounds_of "$kind" p99_ms)" \
      "$(paste <(col "$kind" requests) <(col "$kind" rps) | awk '{ printf "%.1f\n", $1 / $2 }' | paste -sd/ | sed 's#/# / #g')"
  done
  echo
  P99_RATIO=$(paste <(col during p99_ms) <(col quiet p99_ms) | awk '{ printf "%.2f\n", $1 / $2 }' | median)
  P50_RATIO=$(paste <(col during p50_ms) <(col quiet p50_ms) | awk '{ printf "%.2f\n", $1 / $2 }' | median)
  echo "- reply p99 during the purge / without: **${P99_RATIO}x** (median of per-round ratios; p50: ${P50_RATIO}x)"
  MAX_ACK=$(for size in $SORTED_SIZES; do col ack 4 "$size" | median; done | sort -n | tail -1)
  echo "- acknowledgement, largest median over the sizes: **$MAX_ACK ms** (target <= 50 ms for every size: $(awk -v m="$MAX_ACK" 'BEGIN { print (m <= 50 ? "met" : "not met") }'))"
  if [ "$ERRORS" = 0 ]; then
    echo "- non-2xx responses and socket errors of the live replies: 0; every erased subject's conversations answer 404"
  else
    echo "- **INVALID RUN: $ERRORS non-2xx responses or socket errors** in the live replies"
  fi
  echo
  echo "Command: \`$COMMAND\`; live replies \`wrk -t$THREADS -c$CONNECTIONS --latency\` (\`bench/wrk/post.lua\`),"
  echo "$DURATION without a purge, and from the acknowledgement to the receipt during it."
  echo "Machine: $(machine); wrk, curl and Confide share the cores. SQLite WAL, \`synchronous=FULL\`."
} >"$WORK/summary.md"
cp "$WORK/results" "${RESULTS_COPY:-/dev/null}" 2>/dev/null || true
cat "$WORK/summary.md"
