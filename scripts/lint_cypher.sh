#!/usr/bin/env bash
# Parse every .cypher file in schema/ and cypher/ with Neo4j's own Cypher parser (npm
# @neo4j-cypher/language-support, pinned in scripts/cypher-lint/package.json; Node >= 18.18).
# Fails on any syntax or semantic diagnostic. node_modules is installed on first use (gitignored).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
lint="$root/scripts/cypher-lint"
if [ ! -d "$lint/node_modules/@neo4j-cypher/language-support" ]; then
  if [ -f "$lint/package-lock.json" ]; then
    npm ci --prefix "$lint" --no-audit --no-fund --loglevel=error
  else
    npm install --prefix "$lint" --no-audit --no-fund --loglevel=error
  fi
fi
exec node "$lint/lint.mjs" "$root"
