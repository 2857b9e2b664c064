#!/usr/bin/env bash
# The built-in visitor rule at scale (issue 18): VISITORS expired visitors purged by one
# retention run, on SQLite and on PostgreSQL, and what that run does to live replies.
#
#   bench/retention.sh                                    # 1,000,000 visitors, both providers, 3 rounds
#   ROUNDS=1 VISITORS=100000 PROVIDERS=sqlite bench/retention.sh   # quick look
#
# Per provider and round, a fresh Confide (Release) with one workspace:
#   1. TEMPLATES visitors write in through the website messenger (boot, then a first message:
#      a lead, its key, a conversation and its opening part, exactly as production makes them);
#      a user contact's conversations take the live replies;
#   2. Confide is stopped and the visitors are cloned in SQL to VISITORS (the rows and their
#      contact keys copied under new ids, so the clones' ciphertexts would not decrypt — the purge
#      never decrypts; it destroys keys and deletes rows), and every visitor is made 300 days old
#      (last seen, created): past the visitor rule's 270 days;
#   3. Confide starts again; live replies (paced: CONNECTIONS connections, each waiting
#      DELAY_MS between requests, like a workspace's traffic rather than a saturating load) for
#      DURATION without a purge;
#   4. a retention run is started (`confide retention run`) and the same live replies run until
#      the sweep's run is completed (its row polled every POLL_INTERVAL seconds), then checks that
#      every visitor row and key is gone.
# Reported: purge time, visitors/s and rows/s (contacts, conversations, parts and keys), and the
# live replies' p50/p99 without and during the purge. Medians over the rounds.
#
# Environment: PROVIDERS ("sqlite postgres"), VISITORS (1000000), TEMPLATES (1000), ROUNDS (3),
# THREADS (2), CONNECTIONS (4), DELAY_MS (20), DURATION (20s), LIVE_CONVERSATIONS (2000, for the
# replies without a purge), PURGE_CONVERSATIONS (20000, for the replies during it: enough that
# each gets few replies, so a reply's answer — the whole conversation — stays as large as without),
# CONFIDE_SETTINGS (e.g. "Confide__Retention__BatchSize=100 Confide__Retention__StepPause=00:00:00.020"),
# POLL_INTERVAL (1), PORT_BASE (9760), SKIP_BUILD (0), and for PostgreSQL the test cluster of
# scripts/postgres-test-cluster.sh (started if needed). Prints the summary as Markdown.
set -euo pipefail

cd "$(dirname "$0")/.."

PROVIDERS=${PROVIDERS:-sqlite postgres}
VISITORS=${VISITORS:-1000000}
TEMPLATES=${TEMPLATES:-1000}
ROUNDS=${ROUNDS:-3}
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-4}
DELAY_MS=${DELAY_MS:-20}
DURATION=${DURATION:-20s}
LIVE_CONVERSATIONS=${LIVE_CONVERSATIONS:-2000}
PURGE_CONVERSATIONS=${PURGE_CONVERSATIONS:-20000}
CONFIDE_SETTINGS=${CONFIDE_SETTINGS:-}
POLL_INTERVAL=${POLL_INTERVAL:-1}
PORT_BASE=${PORT_BASE:-9760}
SKIP_BUILD=${SKIP_BUILD:-0}
REPLY_CONVERSATIONS=$LIVE_CONVERSATIONS
CONFIDE_DLL=src/Confide.Server/bin/Release/net10.0/confide.dll
COMMAND="$0 (PROVIDERS=\"$PROVIDERS\" VISITORS=$VISITORS TEMPLATES=$TEMPLATES ROUNDS=$ROUNDS CONNECTIONS=$CONNECTIONS DELAY_MS=$DELAY_MS DURATION=$DURATION PURGE_CONVERSATIONS=$PURGE_CONVERSATIONS${CONFIDE_SETTINGS:+ CONFIDE_SETTINGS=\"$CONFIDE_SETTINGS\"})"
[ $((VISITORS % TEMPLATES)) = 0 ] || { echo "VISITORS must be a multiple of TEMPLATES" >&2; exit 1; }
COPIES=$((VISITORS / TEMPLATES))

WORK=$(mktemp -d)
. bench/lib.sh
trap 'stop_started; rm -rf "$WORK"' EXIT INT TERM
require_tools
command -v sqlite3 >/dev/null || { echo "the benchmark needs sqlite3 (apt-get install sqlite3)" >&2; exit 1; }

if [ "$SKIP_BUILD" != 1 ]; then
  log "building Release"
  dotnet build src/Confide.Server -c Release -nologo -v quiet >&2
fi

# Far above the defaults: one address boots every visitor.
LIMITS=("Confide__RateLimits__MessengerWritesPerWindow=100000000")
read -r -a SETTINGS <<<"$CONFIDE_SETTINGS"
LIMITS+=("${SETTINGS[@]}")

if [[ " $PROVIDERS " == *" postgres "* ]]; then
  command -v psql >/dev/null || { echo "the benchmark needs psql (apt-get install postgresql-client)" >&2; exit 1; }
  scripts/postgres-test-cluster.sh start >&2
  eval "$(scripts/postgres-test-cluster.sh env)"
  PG_PASSWORD=$(sed -n 's/.*Password=\([^;]*\).*/\1/p' <<<"$CONFIDE_TEST_POSTGRES_PLAIN")
  PG_PORT=$(sed -n 's/.*Port=\([^;]*\).*/\1/p' <<<"$CONFIDE_TEST_POSTGRES_PLAIN")
fi

pg() { # database sql...: psql against the test cluster, unaligned, quiet
  local database=$1
  shift
  PGPASSWORD=$PG_PASSWORD PGSSLMODE=require psql -X -q -v ON_ERROR_STOP=1 -At -h 127.0.0.1 -p "$PG_PORT" -U confide -d "$database" "$@"
}

# cell PROVIDER SQL: runs SQL in the round's cell database.
cell() {
  if [ "$1" = sqlite ]; then
    sqlite3 -bail "$DIR/data/regions/eu/confide.db" "$2"
  else
    pg "$PG_DATABASE" -c "$2"
  fi
}

keys() { sqlite3 -bail "$DIR/data/keys/eu/contact-keys.db" "$@"; }

# columns PROVIDER TABLE: the table's column names, one a line.
columns() {
  if [ "$1" = sqlite ]; then
    sqlite3 "$DIR/data/regions/eu/confide.db" "SELECT name FROM pragma_table_info('$2') ORDER BY cid"
  else
    pg "$PG_DATABASE" -c "SELECT column_name FROM information_schema.columns WHERE table_name = '$2' ORDER BY ordinal_position"
  fi
}

# clone PROVIDER TABLE ALIAS WHERE REMAP...: INSERT … SELECT of TABLE's rows matching WHERE, COPIES-1
# times; each REMAP names a column holding an id to rewrite (new id: the copy number in 8 hex
# digits, then the id's last 16 characters — still unique and 24 characters long).
clone() {
  local provider=$1 table=$2 alias=$3 where=$4
  shift 4
  local remap=" $* " list="" select="" column expression prefix series
  if [ "$provider" = sqlite ]; then
    prefix="printf('%08x', m.n)"
    series="WITH RECURSIVE m(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM m WHERE n < $((COPIES - 1)))"
  else
    prefix="lpad(to_hex(m.n), 8, '0')"
    series=""
  fi
  while read -r column; do
    [ -n "$column" ] || continue
    if [[ "$remap" == *" $column "* ]]; then
      expression="CASE WHEN $alias.\"$column\" IS NULL THEN NULL ELSE $prefix || substr($alias.\"$column\", 9) END"
    else
      expression="$alias.\"$column\""
    fi
    list+="${list:+, }\"$column\""
    select+="${select:+, }$expression"
  done < <(columns "$provider" "$table")
  if [ "$provider" = sqlite ]; then
    cell sqlite "$series INSERT INTO \"$table\" ($list) SELECT $select FROM \"$table\" $alias, m WHERE $where"
  else
    cell postgres "INSERT INTO \"$table\" ($list) SELECT $select FROM \"$table\" $alias, generate_series(1, $((COPIES - 1))) AS m(n) WHERE $where"
  fi
}

boot_and_write() { # one visitor: boot the messenger, then write a first message
  local jar="$WORK/jar-$1" session
  session=$(curl -sS --fail --cacert "$CA" -c "$jar" -b "$jar" -X POST -H 'Content-Type: application/json' \
    "$BASE/messenger/v1/boot?app_id=$APP" -d '{}' | jq -r .session)
  curl -sS --fail --cacert "$CA" -c "$jar" -b "$jar" -X POST -H 'Content-Type: application/json' \
    -H "Confide-Messenger-Session: $session" "$BASE/messenger/v1/conversations" \
    -d '{"body":"Hello, do you ship to Norway? I would like to order two of the blue ones."}' -o /dev/null
  rm -f "$jar"
}
export -f boot_and_write

restart_confide() { # the round's Confide again, on its existing data
  local ports=(
    "--Confide:Regions:us:Port=$PORT_BASE" "--Confide:Regions:eu:Port=$((PORT_BASE + 1))" "--Confide:Regions:au:Port=$((PORT_BASE + 2))"
    "--Confide:RateLimits:TokenPerSecond=1000000" "--Confide:RateLimits:TokenBurst=1000000"
    "--Confide:RateLimits:IpPerSecond=1000000" "--Confide:RateLimits:IpBurst=1000000"
  )
  env CONFIDE_DATA_DIR="$DIR/data" "${ENVIRONMENT[@]}" dotnet "$CONFIDE_DLL" "${ports[@]}" >>"$DIR/confide.log" 2>&1 &
  echo $! >"$DIR/pid"
  PIDS+=("$!")
  wait_for "$CA" "$BASE/conversations"
}

stop_confide() {
  local pid
  pid=$(cat "$DIR/pid")
  kill "$pid"
  wait "$pid" 2>/dev/null || true
}

live_wrk() { # ids-file [duration]: paced live replies in the background (pid in $!), output in $WORK/wrk.out
  env BENCH_THREADS="$THREADS" BENCH_CONVERSATION_IDS="$1" BENCH_TOKEN="$TOKEN" BENCH_ADMIN_ID="$OWNER" BENCH_DELAY_MS="$DELAY_MS" \
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"${2:-3600s}" --latency -s bench/wrk/post.lua "$BASE" >"$WORK/wrk.out" 2>&1 &
  PIDS+=("$!")
}

now() { date +%s.%N; }

for provider in $PROVIDERS; do
  for round in $(seq 1 "$ROUNDS"); do
    NAME="$provider-$round"
    DIR="$WORK/$NAME"
    ENVIRONMENT=("${LIMITS[@]}")
    if [ "$provider" = postgres ]; then
      PG_DATABASE="confide_bench_retention_$round"
      pg confide_test -c "DROP DATABASE IF EXISTS $PG_DATABASE" -c "CREATE DATABASE $PG_DATABASE"
      ENVIRONMENT+=("Confide__Regions__eu__Postgres=${CONFIDE_TEST_POSTGRES/Database=confide_test/Database=$PG_DATABASE}")
    fi
    start_confide "$NAME" "$CONFIDE_DLL" "$PORT_BASE" "${ENVIRONMENT[@]}"
    BASE=$(cat "$DIR/base") CA=$(cat "$DIR/ca") TOKEN=$(cat "$DIR/token") OWNER=$(cat "$DIR/owner")
    APP=$(jq -r .workspace_id "$DIR/workspace.json")
    export BASE CA APP WORK

    log "$NAME: live conversations, $TEMPLATES visitors through the messenger"
    LIVE=$(api "$NAME" POST /contacts '{"role":"user","email":"live@example.com","name":"Live Customer"}' | jq -r .id)
    OPENING="{\"from\":{\"type\":\"user\",\"id\":\"$LIVE\"},\"body\":\"Hello, I have a question about my order.\"}"
    seed_conversations "$NAME" "$OPENING" 300 live-warmup
    seed_conversations "$NAME" "$OPENING" "$LIVE_CONVERSATIONS" live-quiet
    seed_conversations "$NAME" "$OPENING" "$PURGE_CONVERSATIONS" live-purge
    seq 1 "$TEMPLATES" | xargs -P 8 -I{} bash -c 'boot_and_write {}'
    stop_confide

    log "$NAME: cloning to $VISITORS visitors, 300 days old"
    VISITOR="\"Role\" = 'lead' AND \"VisitorLookup\" IS NOT NULL"
    cell "$provider" "SELECT \"Id\" FROM \"Contacts\" WHERE $VISITOR" >"$DIR/templates"
    [ "$(wc -l <"$DIR/templates")" = "$TEMPLATES" ] || { echo "$NAME: expected $TEMPLATES visitors" >&2; exit 1; }
    if [ "$COPIES" -gt 1 ]; then
      clone "$provider" Contacts c "c.\"Role\" = 'lead' AND c.\"VisitorLookup\" IS NOT NULL" Id VisitorLookup
      clone "$provider" Conversations v "v.\"ContactId\" IN (SELECT \"Id\" FROM \"Contacts\" WHERE $VISITOR AND substr(\"Id\", 1, 8) NOT LIKE '0000%')" Id ContactId
      clone "$provider" ConversationParts p "p.\"ConversationId\" IN (SELECT \"Id\" FROM \"Conversations\" WHERE \"ContactId\" IN (SELECT \"Id\" FROM \"Contacts\" WHERE $VISITOR AND substr(\"Id\", 1, 8) NOT LIKE '0000%'))" Id ConversationId AuthorId
      keys "CREATE TEMP TABLE t(id TEXT PRIMARY KEY);" ".import $DIR/templates t" \
        "WITH RECURSIVE m(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM m WHERE n < $((COPIES - 1)))
         INSERT INTO contact_keys (workspace_id, contact_id, version, key_id, wrapped_key, created_at, uses_reserved)
         SELECT k.workspace_id, printf('%08x', m.n) || substr(k.contact_id, 9), k.version, randomblob(16), k.wrapped_key, k.created_at, k.uses_reserved
         FROM contact_keys k JOIN t ON k.contact_id = t.id, m" "PRAGMA wal_checkpoint(TRUNCATE);" >/dev/null
    fi
    if [ "$provider" = sqlite ]; then
      OLD=$(($(date +%s) * 1000 - 300 * 86400 * 1000))
      cell sqlite "UPDATE Contacts SET LastSeenAt = $OLD, CreatedAt = $OLD, UpdatedAt = $OLD WHERE $VISITOR; ANALYZE; PRAGMA wal_checkpoint(TRUNCATE);" >/dev/null
    else
      cell postgres "UPDATE \"Contacts\" SET \"LastSeenAt\" = now() - interval '300 days', \"CreatedAt\" = now() - interval '300 days', \"UpdatedAt\" = now() - interval '300 days' WHERE $VISITOR;"
      # Vacuum what the cloning and the update left and write it to disk now, so neither
      # autovacuum nor a checkpoint runs during the baseline replies (both did once, and made the
      # baseline's p99 the slower of the two). The test cluster's role may checkpoint.
      for table in Contacts Conversations ConversationParts; do cell postgres "VACUUM (ANALYZE) \"$table\";"; done
      cell postgres "CHECKPOINT;"
    fi
    VISITOR_CONVERSATIONS="\"ContactId\" IN (SELECT \"Id\" FROM \"Contacts\" WHERE \"Role\" = 'lead')"
    CONTACTS=$(cell "$provider" "SELECT count(*) FROM \"Contacts\" WHERE \"Role\" = 'lead'")
    CONVERSATIONS=$(cell "$provider" "SELECT count(*) FROM \"Conversations\" WHERE $VISITOR_CONVERSATIONS")
    PARTS=$(cell "$provider" "SELECT count(*) FROM \"ConversationParts\" WHERE \"ConversationId\" IN (SELECT \"Id\" FROM \"Conversations\" WHERE $VISITOR_CONVERSATIONS)")
    KEYS=$(($(keys "SELECT count(*) FROM contact_keys") - 1)) # all but the live customer's
    ROWS=$((CONTACTS + CONVERSATIONS + PARTS + KEYS))
    [ "$CONTACTS" = "$VISITORS" ] || { echo "$NAME: $CONTACTS visitors after cloning, expected $VISITORS" >&2; exit 1; }
    log "$NAME: $CONTACTS visitors, $CONVERSATIONS conversations, $PARTS parts, $KEYS keys"

    restart_confide
    log "$NAME: warming up, then live replies without a purge"
    live_wrk "$DIR/live-warmup" 5s
    wait $! || true
    live_wrk "$DIR/live-quiet" "$DURATION"
    wait $! || true
    echo "quiet $provider $round $(grep '^RESULT' "$WORK/wrk.out" | sed 's/^RESULT //')" >>"$WORK/results"

    log "$NAME: retention run under live replies"
    START=$(now)
    env CONFIDE_DATA_DIR="$DIR/data" "${ENVIRONMENT[@]}" dotnet "$CONFIDE_DLL" retention run --region eu >"$DIR/run.out"
    live_wrk "$DIR/live-purge"
    WRK=$!
    # Polls the run's row, not the tables: a count over a million rows every second would take
    # the cores and the disk from the replies being measured.
    until [ "$(cell "$provider" "SELECT count(*) FROM \"RetentionRuns\" WHERE \"Region\" = 'eu' AND \"State\" = 'completed' AND \"Trigger\" = 'manual'")" = 1 ]; do
      sleep "$POLL_INTERVAL"
    done
    END=$(now)
    [ "$(cell "$provider" "SELECT count(*) FROM \"Contacts\" WHERE \"Role\" = 'lead'")" = 0 ] \
      && [ "$(keys "SELECT count(*) FROM contact_keys")" = 1 ] \
      || { echo "$NAME: the run completed with expired visitors or keys left" >&2; exit 1; }
    kill -INT "$WRK"
    wait "$WRK" || true
    echo "during $provider $round $(grep '^RESULT' "$WORK/wrk.out" | sed 's/^RESULT //')" >>"$WORK/results"
    SECONDS_TAKEN=$(awk -v a="$START" -v b="$END" 'BEGIN { printf "%.1f", b - a }')
    echo "purge $provider $round $SECONDS_TAKEN $CONTACTS $ROWS $(awk -v v="$CONTACTS" -v s="$SECONDS_TAKEN" 'BEGIN { printf "%.0f", v / s }') $(awk -v r="$ROWS" -v s="$SECONDS_TAKEN" 'BEGIN { printf "%.0f", r / s }')" >>"$WORK/results"
    log "$NAME: $(tail -1 "$WORK/results")"

    # The live customer and its conversations are untouched.
    code=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$CA" -H "Authorization: Bearer $TOKEN" "$BASE/contacts/$LIVE")
    [ "$code" = 200 ] || { echo "$NAME: the live customer answers $code after the run" >&2; exit 1; }
    cp "$DIR/confide.log" "${LOG_COPY:-/dev/null}" 2>/dev/null || true
    stop_confide
    [ "$provider" = postgres ] && pg confide_test -c "DROP DATABASE IF EXISTS $PG_DATABASE"
  done
done

col() { # kind provider key-or-column: values over the rounds
  awk -v k="$1" -v p="$2" -v c="$3" '$1 == k && $2 == p {
    if (c ~ /^[0-9]+$/) { print $c; next }
    for (i = 4; i <= NF; i++) { split($i, kv, "="); if (kv[1] == c) print kv[2] } }' "$WORK/results"
}
rounds_of() { col "$@" | paste -sd/ | sed 's#/# / #g'; }
ERRORS=$(awk '$1 == "quiet" || $1 == "during" { for (i = 4; i <= NF; i++) { split($i, kv, "="); if (kv[1] == "non2xx" || kv[1] == "socket_errors") s += kv[2] } } END { print s + 0 }' "$WORK/results")

{
  echo "Run of $(date -u '+%Y-%m-%d %H:%M UTC'), commit \`$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src bench || echo '+changes')\`."
  echo
  echo "| provider | visitors | rows (contacts, conversations, parts, keys) | purge s (median; rounds) | visitors/s (median) | rows/s (median) | reply p50 ms without / during | reply p99 ms without / during (median) | p99 ratio (median of rounds) |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
  for provider in $PROVIDERS; do
    ratio=$(paste <(col during "$provider" p99_ms) <(col quiet "$provider" p99_ms) | awk '{ printf "%.2f\n", $1 / $2 }' | median)
    printf '| %s | %s | %s | %s (%s) | %s | %s | %s / %s | %s / %s | **%sx** |\n' "$provider" "$VISITORS" \
      "$(col purge "$provider" 6 | median)" "$(col purge "$provider" 4 | median)" "$(rounds_of purge "$provider" 4)" \
      "$(col purge "$provider" 7 | median)" "$(col purge "$provider" 8 | median)" \
      "$(col quiet "$provider" p50_ms | median)" "$(col during "$provider" p50_ms | median)" \
      "$(col quiet "$provider" p99_ms | median)" "$(col during "$provider" p99_ms | median)" "$ratio"
  done
  echo
  if [ "$ERRORS" = 0 ]; then
    echo "- non-2xx responses and socket errors of the live replies: 0; the live customer is intact after every run"
  else
    echo "- **INVALID RUN: $ERRORS non-2xx responses or socket errors** in the live replies"
  fi
  echo
  echo "Command: \`$COMMAND\`; live replies \`wrk -t$THREADS -c$CONNECTIONS --latency\` (\`bench/wrk/post.lua\`,"
  echo "\`BENCH_DELAY_MS=$DELAY_MS\`), $DURATION without a purge, and from \`confide retention run\` until the last visitor row and key are gone."
  echo "Machine: $(machine); wrk, curl and Confide share the cores. SQLite WAL, \`synchronous=FULL\`; PostgreSQL $(pg confide_test -c 'SHOW server_version' 2>/dev/null || echo '-') on loopback (TLS)."
} >"$WORK/summary.md"
cp "$WORK/results" "${RESULTS_COPY:-/dev/null}" 2>/dev/null || true
cat "$WORK/summary.md"
