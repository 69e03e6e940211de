#!/usr/bin/env bash
# Data-plane benchmark: real Envoy vs `ricochet dataplane`, same static bootstrap, same upstream.
#   bash bench/dataplane.sh [dataplane-rps options…]   e.g. bash bench/dataplane.sh --duration-ms 5000
# Envoy: ENVOY_BIN, else .cache/envoy-venv/bin/envoy (node scripts/install-envoy.js). About 30 s.
# Not a test: `npm test` never runs it.
set -euo pipefail
cd "$(dirname "$0")/.."

out=bench/.out
mkdir -p "$out"

echo "[bench] npm run build, then tsc -p bench/tsconfig.json" >&2
npm run -s build >&2
npx tsc -p bench/tsconfig.json

node dist/bench/dataplane-rps.js --json "$out/dataplane.json" "$@" | tee "$out/dataplane.md"
echo "[bench] table: $out/dataplane.md, raw figures: $out/dataplane.json" >&2
