# Ricochet's image: the CLI (ENTRYPOINT `node bin/ricochet.js`), so one image runs every service of
# docker-compose.yml (serve, upstream, load, demo). It carries the official Envoy binary as well,
# for `ricochet demo`, which starts its own proxies and uses a real Envoy when it finds one.
# Build: `docker compose build` (or `docker build -t ricochet:dev .`); see docs/docker.md.

# The Envoy the tests use: the version scripts/install-envoy.js pins (test/compose checks they agree).
FROM envoyproxy/envoy:v1.40.0 AS envoy

# Compile: `npm run build` needs the dev dependencies (typescript, and @grpc/grpc-js-xds, whose
# Envoy protos scripts/build-protos.js turns into dist/envoy-protos.json).
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY scripts ./scripts
COPY src ./src
RUN npm run build

# Runtime dependencies only: nothing under dist/src needs a dev dependency at run time (the protos
# are compiled into dist/envoy-protos.json at build time).
FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim
WORKDIR /app
# Envoy's release binary needs only glibc >= 2.30 (bookworm has 2.36).
COPY --from=envoy /usr/local/bin/envoy /usr/local/bin/envoy
ENV ENVOY_BIN=/usr/local/bin/envoy
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# package.json: `ricochet version`; envoy/: `ricochet bootstrap`'s template; examples/: --sources.
COPY package.json ./
COPY bin ./bin
COPY envoy ./envoy
COPY examples ./examples
# `serve` keeps objects written through the admin API in ./.ricochet (--data): writable by the user.
RUN mkdir .ricochet && chown node:node .ricochet
USER node
ENTRYPOINT ["node", "bin/ricochet.js"]
CMD ["serve", "--sources", "examples/local-flaky"]
