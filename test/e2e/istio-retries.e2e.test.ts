import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { requireEnvoy, startEnvoy, renderBootstrap, type EnvoyProcess } from '../support/envoy';
import { spawnProcess, freePort, waitForHttp, sleep, type ManagedProcess } from '../support/processes';
import { get, load, type LoadResult } from '../support/http';
import { startUpstream, type Upstream } from '../../src/upstream';
import { repoPath } from '../support/paths';

/**
 * Issue 2, end to end: `ricochet serve --sources DIR`, a stock Envoy started from
 * envoy/bootstrap.yaml, a fortio-style flaky upstream (25% 503s) behind a ServiceEntry.
 * Real processes, real sockets, 127.0.0.1 only.
 */

const SERVICE_ENTRY = (upstreamPort: number) => `
apiVersion: networking.istio.io/v1alpha3
kind: ServiceEntry
metadata: {name: flaky, namespace: default}
spec:
  hosts: [flaky.test]
  ports: [{number: 80, name: http, protocol: HTTP}]
  location: MESH_EXTERNAL
  resolution: STATIC
  endpoints: [{address: 127.0.0.1, ports: {http: ${upstreamPort}}}]
`;

const VS_RETRY_5XX = `
apiVersion: networking.istio.io/v1alpha3
kind: VirtualService
metadata: {name: flaky, namespace: default}
spec:
  hosts: [flaky.test]
  http:
  - route: [{destination: {host: flaky.test}}]
    retries: {attempts: 4, retryOn: 5xx}
`;

// No retries block: Istio's default policy, which (≥1.24) does not retry 503 (sources-istio.md §1.2).
const VS_NO_RETRIES = `
apiVersion: networking.istio.io/v1alpha3
kind: VirtualService
metadata: {name: flaky, namespace: default}
spec:
  hosts: [flaky.test]
  http:
  - route: [{destination: {host: flaky.test}}]
`;

const VS_INVALID = `
apiVersion: networking.istio.io/v1alpha3
kind: VirtualService
metadata: {name: flaky, namespace: default}
spec:
  hosts: [flaky.test]
  http:
  - route: [{destination: {host: flaky.test}}]
    retries: {attempts: 4, retryOn: 5xx, perTryTimeout: 2x}
`;

function successRate(r: LoadResult): number {
  return (r.codes.get(200) ?? 0) / r.n;
}

function describeLoad(r: LoadResult): string {
  return [...r.codes.entries()].map(([c, n]) => `Code ${c} : ${n}`).join(', ') + (r.errors.length ? ` errors: ${r.errors.join('; ')}` : '');
}

/** Envoy's own /config_dump prints proto field names (snake_case); ours prints proto3 JSON names. */
function camelizeKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(camelizeKeys);
  if (v && typeof v === 'object') {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k.startsWith('@') ? k : k.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase()), camelizeKeys(x)]));
  }
  return v;
}

/** The retry policy served for the flaky.test route, read from a config dump (Envoy's or ours). */
function envoyRetryPolicy(dump: unknown): unknown {
  const configs = (camelizeKeys(dump) as { configs: Array<Record<string, unknown>> }).configs;
  const routes = configs.find((c) => String(c['@type']).endsWith('.RoutesConfigDump')) as { dynamicRouteConfigs?: Array<{ routeConfig: { virtualHosts: Array<{ name: string; routes: Array<{ route?: { retryPolicy?: unknown } }> }> } }> } | undefined;
  for (const rc of routes?.dynamicRouteConfigs ?? []) {
    const vh = rc.routeConfig.virtualHosts.find((v) => v.name === 'flaky.test:80');
    if (vh) return vh.routes[0]?.route?.retryPolicy ?? null;
  }
  return undefined;
}

describe('e2e (issue 2): Istio ServiceEntry + VirtualService retries on a real Envoy', function () {
  this.timeout(60_000);
  let sourcesDir: string;
  let upstream: Upstream;
  let ricochet: ManagedProcess;
  let envoy: EnvoyProcess;
  let ports: { xds: number; admin: number; egress: number; envoyAdmin: number };
  const vsFile = () => path.join(sourcesDir, 'virtualservice.yaml');

  before(async function () {
    requireEnvoy(this);
    upstream = await startUpstream({ seed: 2 });
    ports = { xds: await freePort(), admin: await freePort(), egress: await freePort(), envoyAdmin: await freePort() };
    sourcesDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ricochet-sources-'));
    fs.writeFileSync(path.join(sourcesDir, 'serviceentry.yaml'), SERVICE_ENTRY(upstream.port));
    fs.writeFileSync(vsFile(), VS_RETRY_5XX);
    ricochet = spawnProcess('node', [repoPath('bin', 'ricochet.js'), 'serve', '--sources', sourcesDir,
      '--xds-address', `127.0.0.1:${ports.xds}`, '--admin-address', `127.0.0.1:${ports.admin}`,
      '--egress-address', `127.0.0.1:${ports.egress}`], { name: 'ricochet serve' });
    await waitForHttp(`http://127.0.0.1:${ports.admin}/readyz`, { timeoutMs: 15_000, process: ricochet });
    // The very bootstrap users start Envoy with, with this run's ports.
    const bootstrap = fs.readFileSync(repoPath('envoy', 'bootstrap.yaml'), 'utf8')
      .replace('port_value: 18000', `port_value: ${ports.xds}`)
      .replace('port_value: 9901', `port_value: ${ports.envoyAdmin}`);
    envoy = await startEnvoy({ config: renderBootstrap({ yaml: bootstrap }, {}), adminPort: ports.envoyAdmin });
    await envoy.waitFor((d) => envoyRetryPolicy(d) !== undefined, 15_000);
  });

  after(async () => {
    await envoy?.stop();
    await ricochet?.kill();
    await upstream?.close();
    if (sourcesDir) fs.rmSync(sourcesDir, { recursive: true, force: true });
  });

  const flakyLoad = () => load({ url: `http://127.0.0.1:${ports.egress}/echo?status=503:25`, n: 400, concurrency: 8, headers: { host: 'flaky.test' } });

  it('retries: {attempts: 4, retryOn: 5xx} — at least 99% of 400 requests succeed and upstream_rq_retry > 0', async () => {
    const result = await flakyLoad();
    assert.ok(successRate(result) >= 0.99, `success ${successRate(result)}: ${describeLoad(result)}`);
    const stats = await envoy.stats(/^cluster\.outbound\|80\|\|flaky\.test\.upstream_rq_retry$/);
    assert.ok((stats.get('cluster.outbound|80||flaky.test.upstream_rq_retry') ?? 0) > 0, `stats: ${JSON.stringify([...stats])}`);
  });

  it('the same works as HTTP_PROXY (absolute-form URI)', async () => {
    const result = await load({ url: 'http://flaky.test/echo?status=503:25', proxy: `http://127.0.0.1:${ports.egress}`, n: 100, concurrency: 4 });
    assert.ok(successRate(result) >= 0.98, describeLoad(result));
  });

  it('editing the VirtualService to drop `retries` applies within 2 s: Istio\'s default does not retry 503, about a quarter fail', async () => {
    const started = Date.now();
    fs.writeFileSync(vsFile(), VS_NO_RETRIES);
    await envoy.waitFor((d) => {
      const p = envoyRetryPolicy(d) as { retryOn?: string } | undefined;
      return p?.retryOn === 'connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes';
    }, 5_000);
    const elapsed = Date.now() - started;
    assert.ok(elapsed < 2_000, `took ${elapsed} ms`);
    const result = await flakyLoad();
    const failed = 1 - successRate(result);
    assert.ok(failed > 0.15 && failed < 0.35, `failed ${failed}: ${describeLoad(result)}`);
    assert.equal(result.codes.get(503), result.n - (result.codes.get(200) ?? 0), 'failures are the upstream 503s');
  });

  it('editing it back restores the retries, with no restart of anything', async () => {
    const pids = [ricochet.pid, envoy.process.pid];
    fs.writeFileSync(vsFile(), VS_RETRY_5XX);
    await envoy.waitFor((d) => (envoyRetryPolicy(d) as { retryOn?: string } | undefined)?.retryOn === '5xx', 5_000);
    const result = await flakyLoad();
    assert.ok(successRate(result) >= 0.99, describeLoad(result));
    assert.deepEqual([ricochet.pid, envoy.process.pid], pids);
    assert.ok(ricochet.running && envoy.process.running);
  });

  it('an invalid edit is reported with file, field path and line; Envoy keeps the last good config', async () => {
    const before = ricochet.output().length;
    fs.writeFileSync(vsFile(), VS_INVALID);
    await ricochet.waitForOutput(/spec\.http\[0\]\.retries\.perTryTimeout/, 5_000);
    // Logs are JSON lines (pino): read the messages.
    const log = ricochet.output().slice(before).split('\n').filter((l) => l.startsWith('{'))
      .map((l) => (JSON.parse(l) as { msg?: string }).msg ?? '').join('\n');
    assert.match(log, /Error \[RCO0106\] \(VirtualService default\/flaky\)/);
    assert.match(log, /"2x" is not a duration/);
    assert.match(log, /virtualservice\.yaml:9/);
    await sleep(500);
    assert.equal((envoyRetryPolicy(await envoy.configDump()) as { retryOn?: string }).retryOn, '5xx');
    const result = await flakyLoad();
    assert.ok(successRate(result) >= 0.99, describeLoad(result));
    fs.writeFileSync(vsFile(), VS_RETRY_5XX);
  });

  it('a host with no ServiceEntry gets no retries (passthrough, as Istio\'s allow_any)', async () => {
    upstream.reset();
    const res = await get(`http://127.0.0.1:${ports.egress}/echo?status=503`, { headers: { host: `localhost:${upstream.port}` } });
    assert.equal(res.status, 503);
    assert.equal(upstream.requests, 1, 'exactly one attempt reached the upstream');
  });

  it('the control plane reports the proxy SYNCED and serves its config dump', async () => {
    const syncz = JSON.parse((await get(`http://127.0.0.1:${ports.admin}/debug/syncz`)).body) as Array<{ nodeId: string; types: Record<string, { state: string }> }>;
    const proxy = syncz.find((p) => p.nodeId === 'app.default');
    assert.ok(proxy, JSON.stringify(syncz));
    for (const [type, s] of Object.entries(proxy.types)) assert.equal(s.state, 'SYNCED', type);
    const dump = JSON.parse((await get(`http://127.0.0.1:${ports.admin}/debug/config_dump?proxy=app.default`)).body) as unknown;
    assert.equal((envoyRetryPolicy(dump) as { retryOn?: string }).retryOn, '5xx');
  });
});
