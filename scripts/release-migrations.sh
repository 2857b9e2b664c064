#!/usr/bin/env bash
# Marks every migration not yet released as released: appends it, with the SHA-256 of its two
# source files, to src/Confide.Data/Migrations/released-migrations.txt. Run at a release, then
# record the upgrade fixture (docs/testing.md). Released migrations must never change again;
# the test Migrations_AreAppendOnlyAfterRelease holds them to their hashes.
set -euo pipefail
cd "$(dirname "$0")/.."
list=src/Confide.Data/Migrations/released-migrations.txt
for provider in Sqlite Postgres; do
  key="$(echo "$provider" | tr '[:upper:]' '[:lower:]')"
  for file in $(ls src/Confide.Data/Migrations/$provider/ | grep -E '^[0-9]{14}_[A-Za-z0-9]+\.cs$' | sort); do
    id="${file%.cs}"
    grep -q "^$key $id " "$list" && continue
    hash="$(cat "src/Confide.Data/Migrations/$provider/$id.cs" "src/Confide.Data/Migrations/$provider/$id.Designer.cs" | tr -d '\r' | sha256sum | cut -d' ' -f1)"
    echo "$key $id $hash" >> "$list"
    echo "released: $key $id"
  done
done
