#!/usr/bin/env bash
# The whole test suite: build (warnings as errors), the .NET suite on SQLite and PostgreSQL,
# and the official Intercom Node SDK against a live server on both providers.
# Installs what it needs (Debian's postgresql, softhsm2, oathtool, testssl.sh, sslscan, simplesamlphp, xmlsec1, chromium,
# node/npm, the SDK's, the OIDC provider's and axe-core's npm packages) if missing.
# Prints "N passed, N failed" last and exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"
results="$root/artifacts/test-results"
rm -rf "$results"
mkdir -p "$results"

passed=0
failed=0
skipped=0
server_pid=""

cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  scripts/postgres-test-cluster.sh stop || true
  if [ -n "${sdk_schemas:-}" ]; then rm -rf "$sdk_schemas"; fi
}
trap cleanup EXIT

install_tools_if_missing() {
  local missing=()
  command -v node >/dev/null || missing+=(nodejs)
  command -v npm >/dev/null || missing+=(npm)
  command -v curl >/dev/null || missing+=(curl)
  if [ ${#missing[@]} -gt 0 ]; then
    echo "Installing Debian packages: ${missing[*]}..."
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

# The PKCS#11 tests run against a real SoftHSM2 token (tests/Confide.Tests/Infrastructure/TestHsm.cs).
install_softhsm_if_missing() {
  if ! command -v softhsm2-util >/dev/null; then
    echo "Installing Debian packages: softhsm2..."
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq softhsm2 >/dev/null
  fi
}

echo "== Build"
dotnet build Confide.slnx -c Debug -nologo -clp:ErrorsOnly -p:RestoreLockedMode=true

echo "== PostgreSQL test cluster (TLS only, loopback)"
scripts/postgres-test-cluster.sh start
eval "$(scripts/postgres-test-cluster.sh env)"
export CONFIDE_TEST_REQUIRE_POSTGRES=1

echo "== SoftHSM2 (PKCS#11 master key tests)"
install_softhsm_if_missing
export CONFIDE_TEST_REQUIRE_PKCS11=1

# Two-factor tests check codes against oathtool, an independent TOTP implementation.
if ! command -v oathtool >/dev/null; then
  echo "Installing Debian packages: oathtool..."
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq oathtool >/dev/null
fi

# TLS scan tests run testssl and sslscan against a live server and parse their reports
# (tests/Confide.Tests/Transport/TlsScanTests.cs, docs/tls.md).
if ! command -v testssl >/dev/null || ! command -v sslscan >/dev/null; then
  echo "Installing Debian packages: testssl.sh sslscan..."
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq testssl.sh sslscan >/dev/null
fi
export CONFIDE_TEST_REQUIRE_TLS_SCANNERS=1

# Disk-full tests put a region's database on a small tmpfs (tests/Confide.Tests/Infrastructure/SmallDisk.cs).
# Where this machine lets the suite mount one (root with the capability), they must run; where
# it does not, they show as skipped.
probe="$(mktemp -d)"
if [ "$(id -u)" = "0" ] && mount -t tmpfs -o size=1m tmpfs "$probe" 2>/dev/null; then
  umount "$probe"
  export CONFIDE_TEST_REQUIRE_MOUNT=1
else
  echo "Mounting a tmpfs is not allowed here: the disk-full tests will be skipped."
fi
rmdir "$probe"

# SAML tests log in against a real SimpleSAMLphp IdP (served with php -S) and cross-check
# signatures with xmlsec1 (tests/Confide.Tests/Infrastructure/SimpleSamlPhpIdp.cs).
if ! command -v php >/dev/null || [ ! -f /usr/share/simplesamlphp/www/index.php ] || ! command -v xmlsec1 >/dev/null; then
  echo "Installing Debian packages: simplesamlphp php-cli php-xml php-mbstring php-curl php-intl xmlsec1..."
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq simplesamlphp php-cli php-xml php-mbstring php-curl php-intl xmlsec1 >/dev/null
fi

# Passkey tests drive a real headless Chromium (Debian's, never a downloaded one) with the
# DevTools virtual authenticator (tests/Confide.Tests/Infrastructure/HeadlessChromium.cs).
if ! command -v chromium >/dev/null; then
  echo "Installing Debian packages: chromium..."
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi

# SSO tests sign in against a real OpenID Connect provider (npm oidc-provider, tests/oidc).
echo "== OIDC test provider (npm ci)"
install_tools_if_missing
if [ ! -d tests/oidc/node_modules/oidc-provider ]; then
  (cd tests/oidc && npm ci --no-audit --no-fund --loglevel=error)
fi
export CONFIDE_TEST_REQUIRE_OIDC=1

# The accessibility tests inject npm axe-core (tests/axe) into every page they scan.
echo "== axe-core (npm ci)"
if [ ! -f tests/axe/node_modules/axe-core/axe.min.js ]; then
  (cd tests/axe && npm ci --no-audit --no-fund --loglevel=error)
fi

echo "== .NET suite (SQLite and PostgreSQL, key files and PKCS#11)"
set +e
dotnet test --solution Confide.slnx --no-build --results-directory "$results" --report-xunit-trx 2>&1 | tee "$results/dotnet.log"
dotnet_status=${PIPESTATUS[0]}
set -e
count() { { grep -E "^\s+$1: [0-9]+" "$results/dotnet.log" || true; } | awk '{ s += $2 } END { print s + 0 }'; }
passed=$((passed + $(count succeeded)))
failed=$((failed + $(count failed)))
skipped=$((skipped + $(count skipped)))
if [ "$dotnet_status" -ne 0 ] && [ "$(count failed)" -eq 0 ]; then
  echo "dotnet test exited with $dotnet_status without reporting failed tests; counting it as one failure."
  failed=$((failed + 1))
fi

install_tools_if_missing
# The SDK, and what the shape checks use: the schema generator and the JSON Schema validator.
if [ ! -d tests/sdk/node_modules/intercom-client ] || [ ! -d tests/sdk/node_modules/ts-json-schema-generator ] || [ ! -d tests/sdk/node_modules/ajv ]; then
  (cd tests/sdk && npm ci --include=dev --no-audit --no-fund --loglevel=error)
fi
# The JSON Schemas of the SDK's response types are generated by the first run and reused by the second.
sdk_schemas="$(mktemp -d)"
export CONFIDE_SDK_SCHEMA_CACHE="$sdk_schemas"

free_port() {
  node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });'
}

# Runs tests/sdk against a freshly started server whose eu region uses the given provider.
# Besides its own assertions, every 2xx body the SDK receives is checked against the SDK's
# TypeScript type for the operation (tests/sdk/shapes); a mismatch fails the test that got it.
run_sdk_suite() {
  local provider="$1" data args workspace token owner status eu_port
  data="$(mktemp -d)"
  eu_port="$(free_port)"
  args=(--Confide:Regions:us:Port="$(free_port)" --Confide:Regions:eu:Port="$eu_port" --Confide:Regions:au:Port="$(free_port)")
  if [ "$provider" = "postgres" ]; then
    local db="confide_sdk"
    local pg_dir="${CONFIDE_PG_DIR:-${TMPDIR:-/tmp}/confide-test-postgres}"
    PGPASSWORD="$(cat "$pg_dir/password")" psql -q \
      "host=127.0.0.1 port=$(cat "$pg_dir/port") user=confide dbname=postgres sslmode=verify-full sslrootcert=$CONFIDE_TEST_POSTGRES_CA" \
      -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db" >/dev/null
    args+=("--Confide:Regions:eu:Postgres=${CONFIDE_TEST_POSTGRES/Database=confide_test/Database=$db}")
  fi

  CONFIDE_DATA_DIR="$data" Logging__LogLevel__Default=Warning \
    dotnet src/Confide.Server/bin/Debug/net10.0/confide.dll "${args[@]}" > "$results/server-$provider.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 120); do
    if [ -f "$data/tls/ca.pem" ] && curl -fsS --cacert "$data/tls/ca.pem" https://localhost:$eu_port/health >/dev/null 2>&1; then
      break
    fi
    sleep 0.5
  done

  workspace="$(CONFIDE_DATA_DIR="$data" dotnet src/Confide.Server/bin/Debug/net10.0/confide.dll \
    workspace create --region eu --name "SDK $provider" --owner "sdk-$provider@example.com" --json "${args[@]}")"
  token="$(node -e 'console.log(JSON.parse(process.argv[1]).access_token)' "$workspace")"
  owner="$(node -e 'console.log(JSON.parse(process.argv[1]).owner_id)' "$workspace")"

  set +e
  (cd tests/sdk && CONFIDE_BASE_URL=https://localhost:$eu_port CONFIDE_TOKEN="$token" CONFIDE_OWNER_ID="$owner" \
    NODE_EXTRA_CA_CERTS="$data/tls/ca.pem" node --test --test-reporter=spec 2>&1) | tee "$results/sdk-$provider.log"
  status=${PIPESTATUS[0]}
  set -e
  local p f
  p=$({ grep -E "^. pass [0-9]+" "$results/sdk-$provider.log" || true; } | awk '{ print $3 }' | tail -n 1)
  f=$({ grep -E "^. fail [0-9]+" "$results/sdk-$provider.log" || true; } | awk '{ print $3 }' | tail -n 1)
  passed=$((passed + ${p:-0}))
  failed=$((failed + ${f:-0}))
  if [ "$status" -ne 0 ] && [ "${f:-0}" -eq 0 ]; then
    failed=$((failed + 1))
  fi

  kill "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
  rm -rf "$data"
}

echo "== Intercom Node SDK against a live server (SQLite)"
run_sdk_suite sqlite
echo "== Intercom Node SDK against a live server (PostgreSQL)"
run_sdk_suite postgres

echo
[ "$skipped" -gt 0 ] && echo "$skipped skipped"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
