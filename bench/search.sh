#!/usr/bin/env bash
# Search over encrypted fields (issue 19, ADR 0015) at scale: CONTACTS contacts with a name and
# an email, searched by text (~, ^, $, =) through the keyed-gram index, each search timed beside a
# ceiling — the same contacts found by their clear, indexed ids (`id IN [...]`), so both answer
# the same page and the difference is what the encrypted-field search costs.
#
#   bench/search.sh                                           # 1,000,000 contacts, both providers
#   CONTACTS=100000 PROVIDERS=sqlite bench/search.sh          # quick look
#
# Per provider, a fresh Confide (Release) with one workspace:
#   1. TEMPLATES contacts (names and emails from a small list of first and last names, so common
#      grams are common) and NEEDLES contacts with a rare name and email domain are created
#      through the API, so their tokens are the production ones;
#   2. Confide is stopped and the templates are cloned in SQL to CONTACTS (the contact rows and
#      their search tokens copied under new ids). The clones' ciphertexts would not decrypt under
#      their new ids, so every measured search is one whose candidates are the needles alone —
#      which is what a selective text search is; a clone that became a candidate would fail the
#      request, and the script checks every answer;
#   3. Confide starts again; after a warm-up, each search and its ceiling run alternately,
#      REQUESTS times each per round, ROUNDS rounds; the median latency of each round is kept.
# Reported: per search, the median over rounds of the per-round median latency, of the ceiling's,
# and their ratio; the token rows and the database size.
#
# Environment: PROVIDERS ("sqlite postgres"), CONTACTS (1000000), TEMPLATES (1000), NEEDLES (10),
# ROUNDS (3), REQUESTS (30), PORT_BASE (9790), SKIP_BUILD (0). Prints the summary as Markdown.
set -euo pipefail

cd "$(dirname "$0")/.."

PROVIDERS=${PROVIDERS:-sqlite postgres}
CONTACTS=${CONTACTS:-1000000}
TEMPLATES=${TEMPLATES:-1000}
NEEDLES=${NEEDLES:-10}
ROUNDS=${ROUNDS:-3}
REQUESTS=${REQUESTS:-30}
PORT_BASE=${PORT_BASE:-9790}
SKIP_BUILD=${SKIP_BUILD:-0}
THREADS=1 CONNECTIONS=1 REPLY_CONVERSATIONS=0
CONFIDE_DLL=src/Confide.Server/bin/Release/net10.0/confide.dll
COMMAND="$0 (PROVIDERS=\"$PROVIDERS\" CONTACTS=$CONTACTS TEMPLATES=$TEMPLATES NEEDLES=$NEEDLES ROUNDS=$ROUNDS REQUESTS=$REQUESTS)"
[ $((CONTACTS % TEMPLATES)) = 0 ] || { echo "CONTACTS must be a multiple of TEMPLATES" >&2; exit 1; }
COPIES=$((CONTACTS / TEMPLATES))

WORK=$(mktemp -d)
. bench/lib.sh
trap 'stop_started; rm -rf "$WORK"' EXIT INT TERM
for tool in curl jq sqlite3; do
  command -v "$tool" >/dev/null || { echo "the benchmark needs $tool" >&2; exit 1; }
done

if [ "$SKIP_BUILD" != 1 ]; then
  log "building Release"
  dotnet build src/Confide.Server -c Release -nologo -v quiet >&2
fi

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

cell() { # provider sql: runs SQL in the cell database
  if [ "$1" = sqlite ]; then
    sqlite3 -bail "$DIR/data/regions/eu/confide.db" "$2"
  else
    pg "$PG_DATABASE" -c "$2"
  fi
}

columns() { # provider table: the table's column names, one a line
  if [ "$1" = sqlite ]; then
    sqlite3 "$DIR/data/regions/eu/confide.db" "SELECT name FROM pragma_table_info('$2') ORDER BY cid"
  else
    pg "$PG_DATABASE" -c "SELECT column_name FROM information_schema.columns WHERE table_name = '$2' ORDER BY ordinal_position"
  fi
}

# clone PROVIDER TABLE ALIAS WHERE REMAP...: COPIES-1 copies of TABLE's rows matching WHERE; each
# REMAP column's id is rewritten (the copy number in 8 hex digits, then the id's last 16 characters).
clone() {
  local provider=$1 table=$2 alias=$3 where=$4
  shift 4
  local remap=" $* " list="" select="" column expression prefix
  if [ "$provider" = sqlite ]; then prefix="printf('%08x', m.n)"; else prefix="lpad(to_hex(m.n), 8, '0')"; fi
  while read -r column; do
    [ -n "$column" ] || continue
    if [[ "$remap" == *" $column "* ]]; then
      expression="$prefix || substr($alias.\"$column\", 9)"
    else
      expression="$alias.\"$column\""
    fi
    list+="${list:+, }\"$column\""
    select+="${select:+, }$expression"
  done < <(columns "$provider" "$table")
  if [ "$provider" = sqlite ]; then
    cell sqlite "WITH RECURSIVE m(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM m WHERE n < $((COPIES - 1)))
      INSERT INTO \"$table\" ($list) SELECT $select FROM \"$table\" $alias, m WHERE $where"
  else
    cell postgres "INSERT INTO \"$table\" ($list) SELECT $select FROM \"$table\" $alias, generate_series(1, $((COPIES - 1))) AS m(n) WHERE $where"
  fi
}

restart_confide() {
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

search() { # query-json expected-count: one search, prints its time in ms; fails on a wrong answer
  local out time
  out=$(curl -sS --cacert "$CA" -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' -X POST \
    "$BASE/contacts/search" -d "{\"query\":$1,\"pagination\":{\"per_page\":50}}" -w '\n%{http_code} %{time_total}')
  time=$(tail -1 <<<"$out")
  [ "${time%% *}" = 200 ] || { echo "search $1 answered ${time%% *}: $(head -c 300 <<<"$out")" >&2; exit 1; }
  [ "$(head -n -1 <<<"$out" | jq .total_count)" = "$2" ] || { echo "search $1 found $(head -n -1 <<<"$out" | jq .total_count), expected $2" >&2; exit 1; }
  awk -v t="${time#* }" 'BEGIN { printf "%.2f\n", t * 1000 }'
}

FIRST=(Ada Grace Alan Edsger Barbara Donald Margaret Ken Dennis Frances Radia John Leslie Niklaus Tony Sophie Linus Guido Anders Bjarne)
LAST=(Lovelace Hopper Turing Dijkstra Liskov Knuth Hamilton Thompson Ritchie Allen Perlman Backus Lamport Wirth Hoare Wilson Torvalds Rossum Hejlsberg Stroustrup)
DOMAINS=(example.com example.org mail.example customers.example shop.example)

for provider in $PROVIDERS; do
  NAME="$provider"
  DIR="$WORK/$NAME"
  ENVIRONMENT=()
  if [ "$provider" = postgres ]; then
    PG_DATABASE="confide_bench_search"
    pg confide_test -c "DROP DATABASE IF EXISTS $PG_DATABASE" -c "CREATE DATABASE $PG_DATABASE"
    ENVIRONMENT+=("Confide__Regions__eu__Postgres=${CONFIDE_TEST_POSTGRES/Database=confide_test/Database=$PG_DATABASE}")
  fi
  start_confide "$NAME" "$CONFIDE_DLL" "$PORT_BASE" "${ENVIRONMENT[@]}"
  BASE=$(cat "$DIR/base") CA=$(cat "$DIR/ca") TOKEN=$(cat "$DIR/token")

  log "$NAME: $TEMPLATES contacts and $NEEDLES needles through the API"
  : >"$DIR/bodies"
  for i in $(seq 1 "$TEMPLATES"); do
    f=${FIRST[$((i % ${#FIRST[@]}))]} l=${LAST[$(((i / ${#FIRST[@]}) % ${#LAST[@]}))]} d=${DOMAINS[$((i % ${#DOMAINS[@]}))]}
    echo "{\"role\":\"lead\",\"name\":\"$f $l\",\"email\":\"${f,,}.${l,,}$i@$d\"}" >>"$DIR/bodies"
  done
  mkdir -p "$DIR/created"
  n=0
  while read -r body; do
    n=$((n + 1))
    printf '%s\n' "$body" >"$DIR/created/$n.in"
  done <"$DIR/bodies"
  # shellcheck disable=SC2016
  seq 1 "$TEMPLATES" | xargs -P 8 -I{} sh -c 'curl -sS --fail --cacert "$1" -H "Authorization: Bearer $2" -H "Content-Type: application/json" -X POST "$3/contacts" -d @"$4/created/$5.in" -o "$4/created/$5.json"' _ "$CA" "$TOKEN" "$BASE" "$DIR" {}
  : >"$DIR/needles"
  for i in $(seq 1 "$NEEDLES"); do
    api "$NAME" POST /contacts "{\"role\":\"lead\",\"name\":\"Zebulon Quixote-$i\",\"email\":\"zq$i@rare-needle.example\"}" | jq -r .id >>"$DIR/needles"
  done
  stop_confide

  log "$NAME: cloning to $CONTACTS contacts"
  NEEDLE_LIST=$(paste -sd, "$DIR/needles" | sed "s/\([^,]*\)/'\1'/g")
  TEMPLATE="c.\"Role\" = 'lead' AND c.\"Id\" NOT IN ($NEEDLE_LIST)"
  if [ "$COPIES" -gt 1 ]; then
    clone "$provider" Contacts c "$TEMPLATE" Id EmailLookup
    clone "$provider" SearchTokens c "c.\"OwnerId\" IN (SELECT \"Id\" FROM \"Contacts\" c WHERE $TEMPLATE AND substr(c.\"Id\", 1, 8) NOT LIKE '0000%')" OwnerId ContactId
  fi
  if [ "$provider" = sqlite ]; then
    cell sqlite "ANALYZE; PRAGMA wal_checkpoint(TRUNCATE);" >/dev/null
    SIZE=$(du -sm "$DIR/data/regions/eu" | cut -f1)
  else
    cell postgres "ANALYZE;"
    SIZE=$(pg "$PG_DATABASE" -c "SELECT pg_database_size(current_database()) / 1048576")
  fi
  TOTAL=$(cell "$provider" "SELECT count(*) FROM \"Contacts\"")
  TOKENS=$(cell "$provider" "SELECT count(*) FROM \"SearchTokens\"")
  [ "$TOTAL" = $((CONTACTS + NEEDLES)) ] || { echo "$NAME: $TOTAL contacts after cloning, expected $((CONTACTS + NEEDLES))" >&2; exit 1; }
  log "$NAME: $TOTAL contacts, $TOKENS search tokens, $SIZE MiB"
  echo "size $provider $TOTAL $TOKENS $SIZE" >>"$WORK/results"

  restart_confide
  IDS=$(jq -R . "$DIR/needles" | jq -sc .)
  ONE=$(head -1 "$DIR/needles")
  # label | search | its ceiling | expected count
  QUERIES=(
    "contains|{\"field\":\"name\",\"operator\":\"~\",\"value\":\"quixote\"}|{\"field\":\"id\",\"operator\":\"IN\",\"value\":$IDS}|$NEEDLES"
    "starts_with|{\"field\":\"name\",\"operator\":\"^\",\"value\":\"zebulon\"}|{\"field\":\"id\",\"operator\":\"IN\",\"value\":$IDS}|$NEEDLES"
    "ends_with|{\"field\":\"email\",\"operator\":\"\$\",\"value\":\"@rare-needle.example\"}|{\"field\":\"id\",\"operator\":\"IN\",\"value\":$IDS}|$NEEDLES"
    "equals|{\"field\":\"name\",\"operator\":\"=\",\"value\":\"zebulon quixote-1\"}|{\"field\":\"id\",\"operator\":\"=\",\"value\":\"$ONE\"}|1"
    "contains_and_role|{\"operator\":\"AND\",\"value\":[{\"field\":\"role\",\"operator\":\"=\",\"value\":\"lead\"},{\"field\":\"email\",\"operator\":\"~\",\"value\":\"rare-needle\"}]}|{\"operator\":\"AND\",\"value\":[{\"field\":\"role\",\"operator\":\"=\",\"value\":\"lead\"},{\"field\":\"id\",\"operator\":\"IN\",\"value\":$IDS}]}|$NEEDLES"
  )
  log "$NAME: warming up"
  for entry in "${QUERIES[@]}"; do
    IFS='|' read -r label query ceiling expected <<<"$entry"
    for _ in 1 2 3 4 5; do search "$query" "$expected" >/dev/null; search "$ceiling" "$expected" >/dev/null; done
  done
  for round in $(seq 1 "$ROUNDS"); do
    for entry in "${QUERIES[@]}"; do
      IFS='|' read -r label query ceiling expected <<<"$entry"
      : >"$WORK/s" ; : >"$WORK/c"
      for _ in $(seq 1 "$REQUESTS"); do
        search "$query" "$expected" >>"$WORK/s"
        search "$ceiling" "$expected" >>"$WORK/c"
      done
      echo "$label $provider $round $(median <"$WORK/s") $(median <"$WORK/c")" >>"$WORK/results"
    done
    log "$NAME: round $round done"
  done
  stop_confide
  [ "$provider" = postgres ] && pg confide_test -c "DROP DATABASE IF EXISTS $PG_DATABASE"
done

col() { awk -v k="$1" -v p="$2" -v c="$3" '$1 == k && $2 == p { print $c }' "$WORK/results"; }
{
  echo "Run of $(date -u '+%Y-%m-%d %H:%M UTC'), commit \`$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src bench || echo '+changes')\`."
  echo
  echo "| provider | search | encrypted-field search ms (median) | ceiling ms (median) | ratio (median of rounds) |"
  echo "|---|---|---:|---:|---:|"
  for provider in $PROVIDERS; do
    for label in contains starts_with ends_with equals contains_and_role; do
      ratio=$(paste <(col "$label" "$provider" 4) <(col "$label" "$provider" 5) | awk '{ printf "%.2f\n", $1 / $2 }' | median)
      printf '| %s | %s | %s | %s | **%sx** |\n' "$provider" "$label" "$(col "$label" "$provider" 4 | median)" "$(col "$label" "$provider" 5 | median)" "$ratio"
    done
  done
  echo
  for provider in $PROVIDERS; do
    echo "- $provider: $(col size "$provider" 3) contacts, $(col size "$provider" 4) search-token rows, cell database $(col size "$provider" 5) MiB"
  done
  echo
  echo "Command: \`$COMMAND\`; each search and its ceiling alternate, $REQUESTS times each per round, one at a time (curl, \`per_page\` 50)."
  echo "Searches: \`name ~ \"quixote\"\`, \`name ^ \"zebulon\"\`, \`email \$ \"@rare-needle.example\"\`, \`name = \"zebulon quixote-1\"\`, \`role = lead AND email ~ \"rare-needle\"\`;"
  echo "ceilings: the same contacts by \`id IN [...]\` (\`id =\` for the equality). Every answer is checked (status and total_count)."
  echo "Machine: $(machine_base); curl and Confide share the cores. PostgreSQL $(pg confide_test -c 'SHOW server_version' 2>/dev/null || echo '-') on loopback (TLS)."
} >"$WORK/summary.md"
cat "$WORK/summary.md"
