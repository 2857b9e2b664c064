#!/usr/bin/env bash
# Access export of one large subject: how long the export job takes and what it does to the
# server's memory. One contact with CONVERSATIONS conversations of PARTS_PER_CONVERSATION
# replies of ~1 KiB each (100 x 1000 = 100,000 parts by default), an access request, then the
# export, timed from POST .../export to "completed"; the server's resident memory is sampled
# every 100 ms before and during the export, and the archive is downloaded and counted.
# Target (issue 17): seconds, with memory flat (the parts are streamed, never held whole).
#
#   bench/subject-export.sh                                   # ~100,000 parts (seeding takes minutes)
#   CONVERSATIONS=10000 PARTS_PER_CONVERSATION=10 bench/subject-export.sh  # 100,000 parts, seeded faster
#                                                                           # (each reply answers with its whole conversation)
#   CONVERSATIONS=10 PARTS_PER_CONVERSATION=200 bench/subject-export.sh   # quick look
#
# Environment: CONVERSATIONS (100), PARTS_PER_CONVERSATION (1000), PORT_BASE (9640), SKIP_BUILD (0).
# Prints a RESULT line; writes nothing into docs/.
set -euo pipefail

cd "$(dirname "$0")/.."

CONVERSATIONS=${CONVERSATIONS:-100}
PARTS_PER_CONVERSATION=${PARTS_PER_CONVERSATION:-1000}
PORT_BASE=${PORT_BASE:-9640}
SKIP_BUILD=${SKIP_BUILD:-0}
CONFIDE_DLL=src/Confide.Server/bin/Release/net10.0/confide.dll

WORK=$(mktemp -d)
. bench/lib.sh
trap 'stop_started; rm -rf "$WORK"' EXIT INT TERM
for tool in curl jq unzip; do
  command -v "$tool" >/dev/null || { echo "the benchmark needs $tool" >&2; exit 1; }
done

if [ "$SKIP_BUILD" != 1 ]; then
  log "building Release"
  dotnet build src/Confide.Server -c Release -nologo -v quiet >&2
fi

start_confide confide "$CONFIDE_DLL" "$PORT_BASE"
DIR="$WORK/confide"
PID=$(cat "$DIR/pid")
rss_kib() { awk '/^VmRSS/ { print $2 }' "/proc/$PID/status"; }

log "seeding: $CONVERSATIONS conversations x $PARTS_PER_CONVERSATION replies"
CONTACT=$(api confide POST /contacts '{"role":"user","email":"subject@example.com","name":"Bench Subject"}' | jq -r .id)
OPENING="{\"from\":{\"type\":\"user\",\"id\":\"$CONTACT\"},\"body\":\"Hello, I have a question about my order.\"}"
seed_conversations confide "$OPENING" "$CONVERSATIONS" ids
TEXT=$(printf 'Thanks for the details, I have looked into your account and the order is on its way. %.0s' $(seq 1 12) | cut -c1-1000)
REPLY="{\"message_type\":\"comment\",\"type\":\"admin\",\"admin_id\":\"$(cat "$DIR/owner")\",\"body\":\"$TEXT\"}"
REPLIES=$((PARTS_PER_CONVERSATION - 1))
# One curl for every reply (a config file of URLs, 16 in flight): many small conversations would
# otherwise pay a process and a TLS handshake per conversation.
BASE=$(cat "$DIR/base")
while read -r conversation; do
  for _ in $(seq 1 "$REPLIES"); do
    printf 'url = "%s/conversations/%s/reply"\noutput = "/dev/null"\n' "$BASE" "$conversation"
  done
done <"$DIR/ids" >"$WORK/replies.curl"
if [ "$REPLIES" -gt 0 ]; then
  curl -s --no-progress-meter --fail --parallel --parallel-max 16 --cacert "$(cat "$DIR/ca")" -X POST \
    -H "Authorization: Bearer $(cat "$DIR/token")" -H "Content-Type: application/json" -H "Accept: application/json" \
    -d "$REPLY" -K "$WORK/replies.curl"
fi
PARTS=$((CONVERSATIONS * PARTS_PER_CONVERSATION))

REQUEST=$(api confide POST /confide/privacy_requests "{\"kind\":\"access\",\"received_via\":\"api\",\"contact_id\":\"$CONTACT\"}" | jq -r .id)
RSS_BEFORE=$(rss_kib)
PEAK=$RSS_BEFORE
log "exporting $PARTS parts (server RSS before: $((RSS_BEFORE / 1024)) MiB)"
START=$(date +%s.%N)
EXPORT=$(api confide POST "/confide/privacy_requests/$REQUEST/export" | jq -r .id)
while :; do
  STATE=$(api confide GET "/confide/exports/$EXPORT" | jq -r .state)
  RSS=$(rss_kib)
  [ "$RSS" -gt "$PEAK" ] && PEAK=$RSS
  case "$STATE" in
    completed) break ;;
    failed | cancelled) echo "the export ended $STATE" >&2; exit 1 ;;
  esac
  sleep 0.1
done
END=$(date +%s.%N)
SECONDS_TAKEN=$(awk -v a="$START" -v b="$END" 'BEGIN { printf "%.2f", b - a }')

URL=$(api confide POST "/confide/exports/$EXPORT/link" | jq -r .url)
api confide GET "$URL" >"$WORK/export.zip"
unzip -p "$WORK/export.zip" subject.json >"$WORK/subject.json"
EXPORTED=$(jq '.categories["user.content.message"].conversation_part | length' "$WORK/subject.json")
[ "$EXPORTED" = "$PARTS" ] || { echo "the archive holds $EXPORTED parts, not $PARTS" >&2; exit 1; }
ARCHIVE_KIB=$(($(stat -c %s "$DIR/data/exports/eu/$EXPORT/archive.zip.sealed") / 1024))

log "done: $PARTS parts in $SECONDS_TAKEN s; RSS $((RSS_BEFORE / 1024)) MiB before, peak $((PEAK / 1024)) MiB during; archive $ARCHIVE_KIB KiB sealed"
echo "RESULT subject_export parts=$PARTS seconds=$SECONDS_TAKEN parts_per_s=$(awk -v p="$PARTS" -v s="$SECONDS_TAKEN" 'BEGIN { printf "%.0f", p / s }') rss_before_mib=$((RSS_BEFORE / 1024)) rss_peak_mib=$((PEAK / 1024)) archive_kib=$ARCHIVE_KIB machine=\"$(machine_base)\""
