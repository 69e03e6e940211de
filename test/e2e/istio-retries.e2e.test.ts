import * as assert from 'node:assert/strict';
import { requireEnvoy } from '../support/envoy';
import { sleep } from '../support/processes';
import { get, load } from '../support/http';
import { SERVICE_ENTRY, VS_INVALID, VS_NO_RETRIES, VS_RETRY_5XX, assertFailedBetween, assertFailuresAre503, assertSucceeded } from '../support/flakySources';
import { startMesh, firstRouteRetryPolicy, type MeshHarness } from '../support/mesh';
import { retryCount } from '../support/stats';

/**
 * Issue 2, end to end: `ricochet serve --sources DIR`, a stock Envoy started from
 * envoy/bootstrap.yaml, a fortio-style flaky upstream (25% 503s) behind a ServiceEntry.
 * Real processes, real sockets, 127.0.0.1 only.
 */

const VHOST = 'flaky.test:80';
const retryOnOf = (dump: unknown): string | undefined => firstRouteRetryPolicy(dump, VHOST)?.retryOn;

describe('e2e (issue 2): Istio ServiceEntry + VirtualService retries on a real Envoy', function () {
  this.timeout(60_000);
  let mesh: MeshHarness;

  before(async function () {
    requireEnvoy(this);
    mesh = await startMesh({ sources: { 'serviceentry.yaml': SERVICE_ENTRY, 'virtualservice.yaml': VS_RETRY_5XX }, seed: 2 });
    await mesh.envoy.waitFor((d) => retryOnOf(d) !== undefined, 15_000);
  });

  after(async () => mesh?.close());

  const flakyLoad = () => load({ url: `http://127.0.0.1:${mesh.ports.egress}/echo?status=503:25`, n: 400, concurrency: 8, headers: { host: 'flaky.test' } });

  it('retries: {attempts: 4, retryOn: 5xx} — at least 99% of 400 requests succeed and upstream_rq_retry > 0', async () => {
    assertSucceeded(await flakyLoad(), 0.99);
    assert.ok((await retryCount(mesh.envoy, 'outbound|80||flaky.test')) > 0, 'upstream_rq_retry > 0');
  });

  it('the same works as HTTP_PROXY (absolute-form URI)', async () => {
    const result = await load({ url: 'http://flaky.test/echo?status=503:25', proxy: `http://127.0.0.1:${mesh.ports.egress}`, n: 100, concurrency: 4 });
    assertSucceeded(result, 0.98);
  });

  it('editing the VirtualService to drop `retries` applies within 2 s: Istio\'s default does not retry 503, about a quarter fail', async () => {
    const started = Date.now();
    mesh.writeSource('virtualservice.yaml', VS_NO_RETRIES);
    await mesh.envoy.waitFor((d) => retryOnOf(d) === 'connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes', 5_000);
    const elapsed = Date.now() - started;
    assert.ok(elapsed < 2_000, `took ${elapsed} ms`);
    const result = await flakyLoad();
    assertFailedBetween(result, 0.15, 0.35);
    assertFailuresAre503(result);
  });

  it('editing it back restores the retries, with no restart of anything', async () => {
    const pids = [mesh.ricochet.pid, mesh.envoy.process.pid];
    mesh.writeSource('virtualservice.yaml', VS_RETRY_5XX);
    await mesh.envoy.waitFor((d) => retryOnOf(d) === '5xx', 5_000);
    const result = await flakyLoad();
    assertSucceeded(result, 0.99);
    assert.deepEqual([mesh.ricochet.pid, mesh.envoy.process.pid], pids);
    assert.ok(mesh.ricochet.running && mesh.envoy.process.running);
  });

  it('an invalid edit is reported with file, field path and line; Envoy keeps the last good config', async () => {
    const before = mesh.ricochet.output().length;
    mesh.writeSource('virtualservice.yaml', VS_INVALID);
    await mesh.ricochet.waitForOutput(/spec\.http\[0\]\.retries\.perTryTimeout/, 5_000);
    const log = mesh.logMessages(before).join('\n');
    assert.match(log, /Error \[RCO0106\] \(VirtualService default\/flaky\)/);
    assert.match(log, /"2x" is not a duration/);
    assert.match(log, /virtualservice\.yaml:9/);
    await sleep(500);
    assert.equal(retryOnOf(await mesh.envoy.configDump()), '5xx');
    const result = await flakyLoad();
    assertSucceeded(result, 0.99);
    mesh.writeSource('virtualservice.yaml', VS_RETRY_5XX);
  });

  it('a host with no ServiceEntry gets no retries (passthrough, as Istio\'s allow_any)', async () => {
    mesh.upstream.reset();
    const res = await get(`http://127.0.0.1:${mesh.ports.egress}/echo?status=503`, { headers: { host: `localhost:${mesh.upstream.port}` } });
    assert.equal(res.status, 503);
    assert.equal(mesh.upstream.requests, 1, 'exactly one attempt reached the upstream');
  });

  it('the control plane reports the proxy SYNCED and serves its config dump', async () => {
    const syncz = await mesh.adminJson<Array<{ nodeId: string; types: Record<string, { state: string }> }>>('/debug/syncz');
    const proxy = syncz.find((p) => p.nodeId === 'app.default');
    assert.ok(proxy, JSON.stringify(syncz));
    for (const [type, s] of Object.entries(proxy.types)) assert.equal(s.state, 'SYNCED', type);
    assert.equal(retryOnOf(await mesh.adminJson('/debug/config_dump?proxy=app.default')), '5xx');
  });
});
