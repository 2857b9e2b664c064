#!/usr/bin/env bash
# What the activity log costs: verifying an export against raw SHA-256 on the same machine in
# the same run, and what one entry adds to a write unit on the embedded SQLite cell.
#
#   bench/activity-log.sh                  # build, run, update docs/benchmarks.md (~4 minutes)
#   ROUNDS=1 UNITS=500 bench/activity-log.sh   # quick look
#
# Verification (bench/Confide.Bench.Audit, BenchmarkDotNet in process): ActivityLogVerifier over
# an in-memory 10,000-entry export against SHA256.HashData over the same 10,000 entry lines,
# ROUNDS times; target: the verifier keeps >= 50 % of the SHA-256 entries/s.
# Append: UNITS reply-shaped write units without and with ActivityLog.AppendAsync, alternating,
# after WARMUP_UNITS of each; the marginal cost is compared with the server CPU per reply that
# the latest bench/run.sh wrote into docs/benchmarks.md.
#
# Environment: ROUNDS (3), UNITS (3000), WARMUP_UNITS (300), WRITE_DOCS (1), SKIP_BUILD (0).
set -euo pipefail

cd "$(dirname "$0")/.."

ROUNDS=${ROUNDS:-3}
UNITS=${UNITS:-3000}
WARMUP_UNITS=${WARMUP_UNITS:-300}
WRITE_DOCS=${WRITE_DOCS:-1}
SKIP_BUILD=${SKIP_BUILD:-0}
COMMAND="$0${*:+ $*} (ROUNDS=$ROUNDS UNITS=$UNITS WARMUP_UNITS=$WARMUP_UNITS)"
DOC=docs/benchmarks.md

WORK=$(mktemp -d)
. bench/lib.sh
trap 'rm -rf "$WORK"' EXIT INT TERM

BENCH_DIR=bench/Confide.Bench.Audit
BENCH_DLL=bin/Release/net10.0/confide-bench-audit.dll
if [ "$SKIP_BUILD" != 1 ]; then
  log "building Release"
  dotnet build "$BENCH_DIR" -c Release -nologo -v quiet >&2
fi

value() { # key line: the value of key=value in a RESULT line
  tr ' ' '\n' <<<"$2" | awk -F= -v k="$1" '$1 == k { print $2 }'
}

: >"$WORK/verify"
for round in $(seq 1 "$ROUNDS"); do
  log "verification, round $round of $ROUNDS (BenchmarkDotNet, about a minute)"
  (cd "$BENCH_DIR" && dotnet "$BENCH_DLL" --filter '*VerifyBenchmarks*' --artifacts "$WORK/bdn-$round" >"$WORK/verify-$round.log" 2>&1)
  line=$(grep '^RESULT verify' "$WORK/verify-$round.log") || { tail -30 "$WORK/verify-$round.log" >&2; exit 1; }
  log "${line#RESULT }"
  echo "$round $(value verify_entries_per_s "$line") $(value sha256_entries_per_s "$line") $(value ratio_pct "$line")" >>"$WORK/verify"
done
column_median() { awk -v c="$1" '{ print $c }' "$WORK/verify" | median; }
VERIFY_EPS=$(column_median 2 | awk '{ printf "%.0f", $1 }')
SHA_EPS=$(column_median 3 | awk '{ printf "%.0f", $1 }')
RATIO=$(column_median 4)
VERDICT=$(awk -v r="$RATIO" 'BEGIN { print (r >= 50 ? "met" : "not met") }')

log "append: $UNITS units of each kind after $WARMUP_UNITS warm-up units"
mkdir -p "$WORK/append-data"
dotnet "$BENCH_DIR/$BENCH_DLL" append "$WORK/append-data" "$UNITS" "$WARMUP_UNITS" >"$WORK/append.log" 2>&1
APPEND=$(grep '^RESULT append' "$WORK/append.log") || { tail -30 "$WORK/append.log" >&2; exit 1; }
log "${APPEND#RESULT }"
a() { value "$1" "$APPEND"; }

# The reply's server CPU from the latest bench/run.sh results (same file, section "Latest results").
REPLY_US=$(awk -F'|' '/^\| \(b\) Confide POST/ { gsub(/ /, "", $7); print $7; exit }' "$DOC")
REPLY_RUN=$(awk '/<!-- results:begin/ { getline; sub(/^Run of /, ""); sub(/, commit.*/, ""); print; exit }' "$DOC")
[ -n "$REPLY_US" ] || { echo "no reply CPU figure in $DOC (run bench/run.sh first)" >&2; exit 1; }
SHARE_P50=$(awk -v m="$(a marginal_p50_us)" -v r="$REPLY_US" 'BEGIN { printf "%.0f", 100 * m / r }')

RESULTS="$WORK/results.md"
{
  echo "Run of $(date -u '+%Y-%m-%d %H:%M UTC'), commit \`$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src bench || echo '+changes')\`."
  echo
  echo "**Verification** of a 10,000-entry export (11 signed checkpoints), per round:"
  echo
  echo "| round | ActivityLogVerifier entries/s | SHA256.HashData entries/s | ratio |"
  echo "|---:|---:|---:|---:|"
  awk '{ printf "| %s | %.0f | %.0f | %s %% |\n", $1, $2, $3, $4 }' "$WORK/verify"
  echo
  echo "- verifier/SHA-256 = **$RATIO %** (median of $ROUNDS rounds; target >= 50 %: $VERDICT); medians: $VERIFY_EPS entries/s verified, $SHA_EPS entries/s hashed"
  echo
  echo "**Append**, µs inside the cell's writer (unit start to the end of its SaveChanges), $(a units) units of each kind:"
  echo
  echo "| | p50 µs | p99 µs |"
  echo "|---|---:|---:|"
  echo "| reply-shaped unit, no log entry | $(a without_p50_us) | $(a without_p99_us) |"
  echo "| same unit + \`ActivityLog.AppendAsync\` | $(a with_p50_us) | $(a with_p99_us) |"
  echo "| **marginal cost of one entry** (percentiles of the per-iteration differences) | **$(a marginal_p50_us)** | **$(a marginal_p99_us)** |"
  echo "| the \`AppendAsync\` call alone (without its row's insert in SaveChanges) | $(a append_call_p50_us) | $(a append_call_p99_us) |"
  echo
  echo "- whole unit including the durable commit (\`synchronous=FULL\`, one unit per transaction), p50: $(a durable_without_p50_us) µs without, $(a durable_with_p50_us) µs with the entry"
  echo "- share of a reply: marginal p50 $(a marginal_p50_us) µs / $REPLY_US µs server CPU per reply (bench/run.sh, run of $REPLY_RUN, \"Latest results\" above) = **$SHARE_P50 %**, had a reply carried one entry (replies write none today)"
  echo
  echo "Command: \`$COMMAND\`; verification: BenchmarkDotNet in process, 3 warm-up and 15 measured iterations per benchmark, means per entry;"
  echo "append: one process, the two kinds alternating (order swapped every iteration), SQLite WAL in a temporary directory."
  echo "Machine: $(machine_base); nothing else of Confide ran, but the machine is shared with other work."
} >"$RESULTS"

cat "$RESULTS"
if [ "$WRITE_DOCS" = 1 ]; then
  replace_results "$DOC" activity-log "$RESULTS"
fi
