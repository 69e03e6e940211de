/**
 * Data-plane throughput benchmark: a real Envoy vs Ricochet's data plane (`ricochet dataplane`),
 * both started from the SAME static bootstrap (not a test: nothing here runs under `npm test`).
 *
 *   node dist/bench/dataplane-rps.js [--duration-ms 10000] [--warmup-ms 1000] [--concurrency 32]
 *                                    [--query 'status=503:10'] [--seed 1] [--only envoy|ricochet]
 *                                    [--json FILE]
 *
 * `bash bench/dataplane.sh` builds and runs it. Three kinds of process, so none shares an event
 * loop with another:
 *   - the scripted upstream (src/upstream startUpstream, fortio-style `?status=503:10`, fixed seed),
 *     forked once and shared by both proxies;
 *   - the proxy under test: Envoy (ENVOY_BIN / .cache/envoy-venv/bin/envoy, --concurrency 1), then
 *     `node bin/ricochet.js dataplane -c <same file>`;
 *   - a load generator, forked per proxy: `concurrency` closed-loop workers over one keep-alive
 *     http.Agent, GET /echo?<query>, a warm-up then a measured window.
 * The bootstrap: one listener (HCM + router), a virtual host whose route retries
 * `{retry_on: 5xx, num_retries: 2}` to a STATIC cluster holding the upstream.
 */
import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { startUpstream } from '../src/upstream';
import { startDataplane } from '../test/support/dataplane';
import { renderBootstrap, startEnvoy, type EnvoyProcess } from '../test/support/envoy';
import { freePort } from '../test/support/processes';

const REPO = path.resolve(__dirname, '..', '..');

/** utime + stime of a process, in seconds (Linux /proc, USER_HZ 100). */
function cpuSeconds(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

interface LoadResult {
  requests: number;
  ok: number;
  non2xx: number;
  errors: number;
  seconds: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  statuses: Record<string, number>;
}

const BOOTSTRAP = `
admin:
  address: {socket_address: {address: 127.0.0.1, port_value: {{ADMIN_PORT}}}}
static_resources:
  listeners:
  - name: http
    address: {socket_address: {address: 127.0.0.1, port_value: {{LISTENER_PORT}}}}
    filter_chains:
    - filters:
      - name: envoy.filters.network.http_connection_manager
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
          stat_prefix: ingress
          route_config:
            name: local
            virtual_hosts:
            - name: backend
              domains: ["*"]
              routes:
              - match: {prefix: /}
                route:
                  cluster: backend
                  timeout: 5s
                  retry_policy: {retry_on: 5xx, num_retries: 2}
          http_filters:
          - name: envoy.filters.http.router
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
  clusters:
  - name: backend
    type: STATIC
    connect_timeout: 1s
    load_assignment:
      cluster_name: backend
      endpoints:
      - lb_endpoints:
        - endpoint: {address: {socket_address: {address: 127.0.0.1, port_value: {{UPSTREAM_PORT}}}}}
`;

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : fallback;
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

// ---- role: upstream (own process) ----------------------------------------------------------
async function upstreamRole(): Promise<void> {
  const up = await startUpstream({ seed: Number(arg('--seed', '1')), logLimit: 1000 });
  process.send?.({ port: up.port });
  process.on('disconnect', () => void up.close().then(() => process.exit(0)));
}

// ---- role: load generator (own process) ----------------------------------------------------
async function loadRole(): Promise<void> {
  const url = new URL(arg('--url', ''));
  const concurrency = Number(arg('--concurrency', '32'));
  const warmupMs = Number(arg('--warmup-ms', '1000'));
  const durationMs = Number(arg('--duration-ms', '10000'));
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const once = (): Promise<number> => new Promise((resolve) => {
    const req = http.get({ host: url.hostname, port: url.port, path: url.pathname + url.search, agent }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', () => resolve(-1));
    });
    req.setTimeout(10_000, () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve(-1));
  });
  let measuring = false;
  let stop = false;
  const lat: number[] = [];
  const statuses: Record<string, number> = {};
  const worker = async (): Promise<void> => {
    while (!stop) {
      const t0 = process.hrtime.bigint();
      const status = await once();
      if (!measuring || stop) continue;
      lat.push(Number(process.hrtime.bigint() - t0) / 1e6);
      const key = status < 0 ? 'error' : String(status);
      statuses[key] = (statuses[key] ?? 0) + 1;
    }
  };
  const workers = Array.from({ length: concurrency }, worker);
  await new Promise((r) => setTimeout(r, warmupMs));
  measuring = true;
  const t0 = process.hrtime.bigint();
  await new Promise((r) => setTimeout(r, durationMs));
  stop = true;
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  await Promise.all(workers);
  agent.destroy();
  const sorted = Float64Array.from(lat).sort();
  const ok = Object.entries(statuses).filter(([s]) => /^2\d\d$/.test(s)).reduce((n, [, c]) => n + c, 0);
  const errors = statuses.error ?? 0;
  const result: LoadResult = {
    requests: lat.length, ok, non2xx: lat.length - ok - errors, errors, seconds,
    rps: lat.length / seconds, p50Ms: percentile(sorted, 50), p99Ms: percentile(sorted, 99), statuses,
  };
  process.send?.(result, () => process.exit(0));
}

// ---- orchestrator --------------------------------------------------------------------------
function forkSelf(args: string[]): ChildProcess {
  return fork(__filename, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
}

function firstMessage<T>(child: ChildProcess, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    child.once('message', (m) => resolve(m as T));
    child.once('exit', (code) => reject(new Error(`${what} exited (${code}) before reporting`)));
  });
}

async function runLoad(listenerPort: number): Promise<LoadResult> {
  const child = forkSelf(['--role', 'load', '--url', `http://127.0.0.1:${listenerPort}/echo?${arg('--query', 'status=503:10')}`,
    '--concurrency', arg('--concurrency', '32'), '--warmup-ms', arg('--warmup-ms', '1000'), '--duration-ms', arg('--duration-ms', '10000')]);
  return firstMessage<LoadResult>(child, 'load generator');
}

function envoyBin(): string {
  const bin = process.env.ENVOY_BIN ?? path.join(REPO, '.cache', 'envoy-venv', 'bin', 'envoy');
  if (!fs.existsSync(bin)) throw new Error(`no Envoy at ${bin}: run node scripts/install-envoy.js or set ENVOY_BIN`);
  return bin;
}

async function main(): Promise<void> {
  const only = arg('--only', '');
  const upstream = forkSelf(['--role', 'upstream', '--seed', arg('--seed', '1')]);
  const { port: upstreamPort } = await firstMessage<{ port: number }>(upstream, 'upstream');
  type Result = LoadResult & { retryStats?: Record<string, number>; cpu?: { proxy: number; upstream: number } };
  const results: Array<{ name: string; r: Result }> = [];
  const bin = envoyBin();
  const version = /\/(\d+\.\d+\.\d+)\//.exec(execFileSync(bin, ['--version'], { encoding: 'utf8' }))?.[1] ?? '?';
  try {
    for (const name of ['envoy', 'ricochet'] as const) {
      if (only && only !== name) continue;
      const ports = { admin: await freePort(), listener: await freePort() };
      const config = renderBootstrap({ yaml: BOOTSTRAP }, { ADMIN_PORT: ports.admin, LISTENER_PORT: ports.listener, UPSTREAM_PORT: upstreamPort });
      const proxy: EnvoyProcess = name === 'envoy'
        ? await startEnvoy({ config, adminPort: ports.admin, bin, args: ['--concurrency', '1'] })
        : await startDataplane({ config, adminPort: ports.admin });
      try {
        process.stderr.write(`[bench] ${name}: loading :${ports.listener}\n`);
        const cpu0 = { proxy: cpuSeconds(proxy.process.pid), upstream: cpuSeconds(upstream.pid!), wall: process.hrtime.bigint() };
        const r: Result = await runLoad(ports.listener);
        const wall = Number(process.hrtime.bigint() - cpu0.wall) / 1e9;
        // CPU share of one core over the whole load run (warm-up included): which process is the bottleneck.
        r.cpu = { proxy: (cpuSeconds(proxy.process.pid) - cpu0.proxy) / wall, upstream: (cpuSeconds(upstream.pid!) - cpu0.upstream) / wall };
        // Why some requests still fail: retries done vs refused by the cluster's circuit breaker
        // (default max_retries 3 concurrent retries per cluster).
        r.retryStats = Object.fromEntries([...(await proxy.stats(/^cluster\.backend\.(upstream_rq_retry|upstream_rq_retry_overflow|upstream_rq_retry_success|upstream_rq_total)$/)).entries()]);
        results.push({ name: name === 'envoy' ? `Envoy ${version} (--concurrency 1)` : 'Ricochet dataplane (Node)', r });
        process.stderr.write(`[bench] ${name}: ${JSON.stringify(r)}\n`);
      } finally {
        await proxy.stop();
      }
    }
  } finally {
    upstream.disconnect();
  }
  const f = (n: number, d = 1): string => (Number.isFinite(n) ? n.toFixed(d) : '–');
  const lines = [
    `Data plane, ${arg('--duration-ms', '10000')} ms at concurrency ${arg('--concurrency', '32')}, GET /echo?${arg('--query', 'status=503:10')}, retry_on 5xx x2, ${os.cpus().length} cores`,
    '',
    '| proxy | requests/s | p50 (ms) | p99 (ms) | success | requests | non-2xx | errors | proxy CPU | upstream CPU |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...results.map(({ name, r }) => `| ${name} | ${f(r.rps, 0)} | ${f(r.p50Ms, 2)} | ${f(r.p99Ms, 2)} | ${f((100 * r.ok) / r.requests, 2)}% | ${r.requests} | ${r.non2xx} | ${r.errors} | ${f(100 * (r.cpu?.proxy ?? NaN), 0)}% | ${f(100 * (r.cpu?.upstream ?? NaN), 0)}% |`),
  ];
  if (results.length === 2) {
    const [e, o] = [results[0].r, results[1].r];
    lines.push(`| **Ricochet / Envoy** | ${f(o.rps / e.rps, 2)}x | ${f(o.p50Ms / e.p50Ms, 2)}x | ${f(o.p99Ms / e.p99Ms, 2)}x | | | | | ${f((o.cpu?.proxy ?? NaN) / (e.cpu?.proxy ?? NaN), 2)}x | |`);
  }
  lines.push('', 'Cluster retry counters (whole run incl. warm-up): ' + results.map(({ name, r }) => `${name}: ${JSON.stringify(r.retryStats ?? {})}`).join('; '));
  process.stdout.write(`${lines.join('\n')}\n`);
  const json = arg('--json', '');
  if (json) fs.writeFileSync(json, JSON.stringify(results, null, 2));
}

const role = arg('--role', '');
(role === 'upstream' ? upstreamRole() : role === 'load' ? loadRole() : main()).catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});
