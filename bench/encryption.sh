#!/usr/bin/env bash
# What encryption at rest costs: Confide as built against a benchmark-only build whose field
# cipher is a copy (ConfideNullCipher=true; it refuses to start without
# CONFIDE_BENCHMARK_NULL_CIPHER=stores-data-in-clear), side by side in one run.
#
#   bench/encryption.sh                      # build both, run, update docs/benchmarks.md
#   ROUNDS=1 DURATION=5s bench/encryption.sh # quick look
#
# Per round, back to back with the same wrk settings: replies (POST /conversations/{id}/reply,
# 1 KiB, durable) and GET /conversations/{id} with 20 parts, on each build. Target: encryption
# keeps at least 95 % of the null cipher's throughput. Also runs the per-field micro-benchmark
# (bench/Confide.Bench.Crypto: FieldCipher against raw AesGcm) unless MICRO=0.
#
# Environment: THREADS (2), CONNECTIONS (32), DURATION (15s), WARMUP (5s), ROUNDS (3),
# REPLY_CONVERSATIONS (3000), PORT_BASE (38443: encrypted on +0..2, null cipher on +10..12),
# WRITE_DOCS (1), SKIP_BUILD (0), MICRO (1).
set -euo pipefail

cd "$(dirname "$0")/.."

THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-32}
DURATION=${DURATION:-15s}
WARMUP=${WARMUP:-5s}
ROUNDS=${ROUNDS:-3}
REPLY_CONVERSATIONS=${REPLY_CONVERSATIONS:-3000}
PORT_BASE=${PORT_BASE:-38443}
WRITE_DOCS=${WRITE_DOCS:-1}
SKIP_BUILD=${SKIP_BUILD:-0}
MICRO=${MICRO:-1}
GET_PARTS=20
COMMAND="$0${*:+ $*} (THREADS=$THREADS CONNECTIONS=$CONNECTIONS DURATION=$DURATION WARMUP=$WARMUP ROUNDS=$ROUNDS REPLY_CONVERSATIONS=$REPLY_CONVERSATIONS)"

WORK=$(mktemp -d)
. bench/lib.sh
trap 'stop_started; rm -rf "$WORK"' EXIT INT TERM
require_tools

ENCRYPTED_DLL=src/Confide.Server/bin/Release/net10.0/confide.dll
NULL_ARTIFACTS=artifacts/bench-null-cipher
NULL_DLL=$NULL_ARTIFACTS/bin/Confide.Server/release/confide.dll
if [ "$SKIP_BUILD" != 1 ]; then
  log "building Release, and the null-cipher build into $NULL_ARTIFACTS"
  dotnet build Confide.slnx -c Release -nologo -v quiet >&2
  dotnet build src/Confide.Server -c Release -nologo -v quiet -p:ConfideNullCipher=true --artifacts-path "$NULL_ARTIFACTS" >&2
fi

start_confide encrypted "$ENCRYPTED_DLL" "$PORT_BASE"
start_confide null "$NULL_DLL" $((PORT_BASE + 10)) CONFIDE_BENCHMARK_NULL_CIPHER=stores-data-in-clear
for name in encrypted null; do
  seed "$name" "$ROUNDS" "$GET_PARTS"
done

# The encrypted instance really encrypts and the null one really does not.
if grep -qa "Bench Customer" "$WORK/encrypted/data/regions/eu/confide.db"*; then
  echo "the encrypted build stored a name in clear" >&2
  exit 1
fi
grep -qa "Bench Customer" "$WORK/null/data/regions/eu/confide.db"* || { echo "the null-cipher build is not the null cipher" >&2; exit 1; }

log "warming up for $WARMUP per endpoint"
warm_up encrypted
warm_up null

: >"$WORK/results"
for round in $(seq 1 "$ROUNDS"); do
  log "round $round of $ROUNDS"
  # Alternate which build goes first, so neither always runs on a warmer machine.
  if [ $((round % 2)) = 1 ]; then order="encrypted null"; else order="null encrypted"; fi
  for name in $order; do measure_reply "reply-$name" "$name" "ids-$round"; done
  for name in $order; do measure_get "get-$name" "$name"; done
done

ERRORS=$(error_count)
RATIO_REPLY=$(ratio reply-encrypted reply-null)
RATIO_GET=$(ratio get-encrypted get-null)
# Per-round ratios, and a verdict that needs every round: on a noisy machine a median can pass
# while single rounds show a cost several times the target.
rounds() { paste <(field "$1" rps) <(field "$2" rps) | awk '{ printf "%s%.1f %%", (NR > 1 ? ", " : ""), 100 * $1 / $2 } END { print "" }'; }
verdict() { # numerator denominator
  paste <(field "$1" rps) <(field "$2" rps) | awk '{ if (100 * $1 / $2 < 95) low++ } END { print (low ? "not met in " low " of " NR " rounds" : "met in all " NR " rounds") }'
}

RESULTS="$WORK/results.md"
{
  echo "Run of $(date -u '+%Y-%m-%d %H:%M UTC'), commit \`$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src bench || echo '+changes')\`."
  echo
  echo "| | req/s | p50 ms | p99 ms | mean response B | server CPU µs/req |"
  echo "|---|---:|---:|---:|---:|---:|"
  row reply-encrypted "POST /conversations/{id}/reply, encrypted"
  row reply-null "POST /conversations/{id}/reply, null cipher"
  row get-encrypted "GET /conversations/{id} ($GET_PARTS parts), encrypted"
  row get-null "GET /conversations/{id} ($GET_PARTS parts), null cipher"
  echo
  echo "- replies: encrypted/null = **$RATIO_REPLY %** median; rounds $(rounds reply-encrypted reply-null) (target >= 95 %: $(verdict reply-encrypted reply-null))"
  echo "- conversation reads: encrypted/null = **$RATIO_GET %** median; rounds $(rounds get-encrypted get-null) (target >= 95 %: $(verdict get-encrypted get-null))"
  if [ "$ERRORS" = 0 ]; then
    echo "- non-2xx responses and socket errors over all runs: 0"
  else
    echo "- **INVALID RUN: $ERRORS non-2xx responses or socket errors**"
  fi
  echo
  echo "Command: \`$COMMAND\`; each measurement \`wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency\`,"
  echo "the two builds alternating first place per round; medians of $ROUNDS rounds, ratios are medians of per-round ratios."
  echo "Machine: $(machine); both servers and wrk share the cores."
} >"$RESULTS"

if [ "$MICRO" = 1 ]; then
  log "per-field micro-benchmark (BenchmarkDotNet, a few minutes)"
  (cd bench/Confide.Bench.Crypto && dotnet bin/Release/net10.0/confide-bench-crypto.dll --filter '*' --artifacts "$WORK/bdn" >"$WORK/micro.log" 2>&1)
  {
    echo
    echo "Per field, \`FieldCipher\` against raw \`AesGcm\` on the same payload (BenchmarkDotNet, in process; Ratio = FieldCipher / raw within each group, target <= 1.5):"
    echo
    grep -h '^|' "$WORK"/bdn/results/*-report-github.md | grep -v -- '^| *|' || true
  } >>"$RESULTS"
fi

cat "$RESULTS"
if [ "$WRITE_DOCS" = 1 ]; then
  replace_results docs/benchmarks.md encryption "$RESULTS"
fi
