#!/usr/bin/env bash
# Builds Ricochet's push benchmark and the go-control-plane peer, then runs both side by side:
#   bash bench/run.sh [xds-push options…]      e.g. bash bench/run.sh --streams 100 --rounds 5
# Defaults: N=1000 services; K=100 streams (3 full + 3 one-service pushes) and K=1000 streams
# (1 full push). About 4–5 minutes on a 2-core machine. Not a test: `npm test` never runs it.
set -euo pipefail
cd "$(dirname "$0")/.."

out=bench/.out
mkdir -p "$out"

echo "[bench] building Envoy protos and bench/ (tsc -p bench/tsconfig.json)" >&2
node scripts/build-protos.js >&2
npx tsc -p bench/tsconfig.json

echo "[bench] building bench/peer-go (go-control-plane $(cd bench/peer-go && go list -m -f '{{.Version}}' github.com/envoyproxy/go-control-plane))" >&2
(cd bench/peer-go && go build -o bin/peer-go .)

node dist/bench/xds-push.js --peer bench/peer-go/bin/peer-go --json "$out/xds-push.json" "$@" | tee "$out/xds-push.md"
echo "[bench] table: $out/xds-push.md, raw figures: $out/xds-push.json" >&2
