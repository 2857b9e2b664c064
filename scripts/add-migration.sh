#!/usr/bin/env bash
# Adds a migration with the same name to both providers' migration streams.
# Usage: scripts/add-migration.sh <Name>
set -euo pipefail
name="${1:?usage: scripts/add-migration.sh <MigrationName>}"
cd "$(dirname "$0")/.."
dotnet tool restore >/dev/null
for provider in Sqlite Postgres; do
  dotnet ef migrations add "$name" \
    --project src/Confide.Data \
    --context "${provider}ConfideDbContext" \
    --output-dir "Migrations/${provider}" \
    --namespace "Confide.Data.Migrations.${provider}"
done
