import * as assert from 'node:assert/strict';
import { sleep } from '../../support/processes';
import { get, load } from '../../support/http';
import { SERVICE_ENTRY, VS_INVALID, VS_NO_RETRIES, VS_RETRY_5XX, describeLoad, successRate } from '../../support/flakySources';
import { firstRouteRetryPolicy, type MeshHarness } from '../../support/mesh';
import { startDataplaneMesh } from '../../support/dataplane';

/**
 * Issue 3's "the core issue's end-to-end retry test passes with `ricochet dataplane` in place of
 * Envoy": test/e2e/istio-retries.e2e.test.ts, step for step, with `ricochet dataplane -c
 * envoy/bootstrap.yaml` (ADS from `ricochet serve`) as the sidecar. No Envoy needed.
 *
 * The mesh is started once; a start failure (e.g. the data plane is not there yet) fails every
 * test with the reason instead of silently skipping them.
 */


const VHOST = 'flaky.test:80';
const retryOnOf = (dump: unknown): string | undefined => firstRouteRetryPolicy(dump, VHOST)?.retryOn;

describe('e2e (issue 3): the issue 2 retry test with `ricochet dataplane` in place of Envoy', function () {
  this.timeout(60_000);
  let started: Promise<MeshHarness>;

  before(() => {
    started = (async () => {
      const mesh = await startDataplaneMesh({ sources: { 'serviceentry.yaml': SERVICE_ENTRY, 'virtualservice.yaml': VS_RETRY_5XX }, seed: 2 });
      try {
        await mesh.envoy.waitFor((d) => retryOnOf(d) !== undefined, 15_000);
      } catch (err) {
        await mesh.close();
        throw err;
      }
      return mesh;
    })();
    started.catch(() => undefined); // each test awaits it and fails with the reason
  });

  after(async () => {
    const mesh = await started.catch(() => undefined);
    await mesh?.close();
  });

  const flakyLoad = (mesh: MeshHarness) =>
    load({ url: `http://127.0.0.1:${mesh.ports.egress}/echo?status=503:25`, n: 400, concurrency: 8, headers: { host: 'flaky.test' } });

  it('retries: {attempts: 4, retryOn: 5xx} — at least 99% of 400 requests succeed and upstream_rq_retry > 0', async () => {
    const mesh = await started;
    const result = await flakyLoad(mesh);
    assert.ok(successRate(result) >= 0.99, `success ${successRate(result)}: ${describeLoad(result)}`);
    const stats = await mesh.envoy.stats(/^cluster\.outbound\|80\|\|flaky\.test\.upstream_rq_retry$/);
    assert.ok((stats.get('cluster.outbound|80||flaky.test.upstream_rq_retry') ?? 0) > 0, `stats: ${JSON.stringify([...stats])}`);
  });

  it('the same works as HTTP_PROXY (absolute-form URI)', async () => {
    const mesh = await started;
    const result = await load({ url: 'http://flaky.test/echo?status=503:25', proxy: `http://127.0.0.1:${mesh.ports.egress}`, n: 100, concurrency: 4 });
    assert.ok(successRate(result) >= 0.98, describeLoad(result));
  });

  it('editing the VirtualService to drop `retries` applies within 2 s: Istio\'s default does not retry 503, about a quarter fail', async () => {
    const mesh = await started;
    const t0 = Date.now();
    mesh.writeSource('virtualservice.yaml', VS_NO_RETRIES);
    await mesh.envoy.waitFor((d) => retryOnOf(d) === 'connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes', 5_000);
    const elapsed = Date.now() - t0;
    assert.ok(elapsed < 2_000, `took ${elapsed} ms`);
    const result = await flakyLoad(mesh);
    const failed = 1 - successRate(result);
    assert.ok(failed > 0.15 && failed < 0.35, `failed ${failed}: ${describeLoad(result)}`);
    assert.equal(result.codes.get(503), result.n - (result.codes.get(200) ?? 0), 'failures are the upstream 503s');
  });

  it('editing it back restores the retries, with no restart of anything', async () => {
    const mesh = await started;
    const pids = [mesh.ricochet.pid, mesh.envoy.process.pid];
    mesh.writeSource('virtualservice.yaml', VS_RETRY_5XX);
    await mesh.envoy.waitFor((d) => retryOnOf(d) === '5xx', 5_000);
    const result = await flakyLoad(mesh);
    assert.ok(successRate(result) >= 0.99, describeLoad(result));
    assert.deepEqual([mesh.ricochet.pid, mesh.envoy.process.pid], pids);
    assert.ok(mesh.ricochet.running && mesh.envoy.process.running);
  });

  it('an invalid edit is reported; the data plane keeps the last good config', async () => {
    const mesh = await started;
    const before = mesh.ricochet.output().length;
    mesh.writeSource('virtualservice.yaml', VS_INVALID);
    await mesh.ricochet.waitForOutput(/spec\.http\[0\]\.retries\.perTryTimeout/, 5_000);
    assert.match(mesh.logMessages(before).join('\n'), /"2x" is not a duration/);
    await sleep(500);
    assert.equal(retryOnOf(await mesh.envoy.configDump()), '5xx');
    const result = await flakyLoad(mesh);
    assert.ok(successRate(result) >= 0.99, describeLoad(result));
    mesh.writeSource('virtualservice.yaml', VS_RETRY_5XX);
  });

  it('a host with no ServiceEntry gets no retries (passthrough, as Istio\'s allow_any)', async () => {
    const mesh = await started;
    mesh.upstream.reset();
    const res = await get(`http://127.0.0.1:${mesh.ports.egress}/echo?status=503`, { headers: { host: `localhost:${mesh.upstream.port}` } });
    const unsupported = mesh.envoy.logs().split('\n').filter((l) => /unsupported|not implemented|rejected/i.test(l)).slice(-5).join('\n');
    const detail = `response ${res.status} ${JSON.stringify(res.body.slice(0, 300))}; data plane notes:\n${unsupported}`;
    assert.equal(res.status, 503, detail);
    assert.equal(mesh.upstream.requests, 1, `exactly one attempt reached the upstream; ${detail}`);
  });

  it('the control plane reports the data plane SYNCED (it ACKs like Envoy)', async () => {
    const mesh = await started;
    const syncz = await mesh.adminJson<Array<{ nodeId: string; types: Record<string, { state: string }> }>>('/debug/syncz');
    const proxy = syncz.find((p) => p.nodeId === 'app.default');
    assert.ok(proxy, JSON.stringify(syncz));
    for (const [type, s] of Object.entries(proxy.types)) assert.equal(s.state, 'SYNCED', type);
  });
});
