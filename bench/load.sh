#!/usr/bin/env bash
# `ricochet load` vs fortio, same targets, same pinned core, one run:
#   bash bench/load.sh [load options…]   e.g. bash bench/load.sh --rounds 1 --connections 1,32
# Installs fortio (Go module proxy) into .cache/fortio and Debian's nginx (apt-get download, no
# apt-get install) into .cache/nginx on first use, builds, then runs dist/bench/load.js.
# About 8–9 minutes with the defaults. Not a test: `npm test` never runs it.
set -euo pipefail
cd "$(dirname "$0")/.."

out=bench/.out
mkdir -p "$out" .cache

# fortio's newest releases (v1.67 on) pull in grol.io/grol, which the module proxy refuses here;
# v1.66.5 is the newest without it.
fortio_version=${FORTIO_VERSION:-v1.66.5}
fortio_bin=.cache/fortio/bin/fortio
if [[ ! -x $fortio_bin || "v$($fortio_bin version 2>/dev/null | awk '{print $1}')" != "$fortio_version" ]]; then
  echo "[bench] installing fortio $fortio_version (go install, Go module proxy) into .cache/fortio/bin" >&2
  GOBIN="$PWD/.cache/fortio/bin" GOFLAGS=-mod=mod go install "fortio.org/fortio@$fortio_version" >&2
fi

# The fast target. Without nginx the driver falls back to a tiny node:http server and says so.
nginx_bin=.cache/nginx/usr/sbin/nginx
if [[ ! -x $nginx_bin ]]; then
  echo "[bench] fetching Debian's nginx (apt-get download + dpkg-deb -x) into .cache/nginx" >&2
  deb_dir=$(mktemp -d)
  if (cd "$deb_dir" && apt-get download nginx >&2) && dpkg-deb -x "$deb_dir"/nginx_*.deb .cache/nginx; then
    :
  else
    echo "[bench] could not fetch nginx: the fast target will be the tiny node:http server" >&2
  fi
  rm -rf "$deb_dir"
fi

echo "[bench] npm run build (includes bench/)" >&2
npm run -s build >&2

node dist/bench/load.js --fortio "$fortio_bin" --nginx "$nginx_bin" --json "$out/load.json" "$@" | tee "$out/load.md"
echo "[bench] table: $out/load.md, raw figures: $out/load.json, each run's JSON and log: $out/load/" >&2
