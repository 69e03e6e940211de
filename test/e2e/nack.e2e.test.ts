import * as assert from 'node:assert/strict';
import { requireEnvoy } from '../support/envoy';
import { sleep } from '../support/processes';
import { load } from '../support/http';
import { startMesh, firstRouteRetryPolicy, routesOf, type MeshHarness } from '../support/mesh';
import { NACK_SOURCES, hugeRegexVirtualService } from '../support/nackSources';

/**
 * xds-protocol.md §2.1 rule 5 and §2.3 case 1 with a real Envoy: config that passes Istio's own
 * validation but that Envoy rejects is NACKed; the control plane records Envoy's message, shows
 * the proxy NACKED, does not re-send the rejected version in a loop, and Envoy keeps serving its
 * last good config. The vector: a regex Istio accepts (Go's regexp has no size limit) whose RE2
 * program is larger than Envoy's default limit.
 */
const SOURCES = NACK_SOURCES;
const HUGE_REGEX_VS = hugeRegexVirtualService('{attempts: 1, retryOn: connect-failure}');

type Syncz = Array<{ nodeId: string; types: Record<string, { state: string; lastNack?: { version: string; message: string }; lastSentNonce?: string }> }>;
const RDS = 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration';

describe('e2e: a config Envoy rejects (NACK) on a real Envoy', function () {
  this.timeout(60_000);
  let mesh: MeshHarness;

  before(async function () {
    requireEnvoy(this);
    mesh = await startMesh({ sources: SOURCES, seed: 3 });
    await mesh.envoy.waitFor((d) => firstRouteRetryPolicy(d, 'flaky.test:80')?.retryOn === '5xx', 15_000);
  });
  after(async () => mesh?.close());

  it('records NACKED with Envoy\'s error, does not resend it, and Envoy keeps the last good routes', async () => {
    mesh.writeSource('virtualservice.yaml', HUGE_REGEX_VS);
    const nacked = async (): Promise<Syncz[number]['types'][string] | undefined> =>
      (await mesh.adminJson<Syncz>('/debug/syncz')).find((p) => p.nodeId === 'app.default')?.types[RDS];
    let status = await nacked();
    for (let i = 0; i < 50 && status?.state !== 'NACKED'; i++) {
      await sleep(100);
      status = await nacked();
    }
    assert.equal(status?.state, 'NACKED', JSON.stringify(status));
    assert.match(status?.lastNack?.message ?? '', /program size/i, 'Envoy\'s own message is kept');

    // No resend loop: the nonce does not move while nothing changes.
    const nonce = status?.lastSentNonce;
    await sleep(1500);
    assert.equal((await nacked())?.lastSentNonce, nonce);

    // Envoy still routes with the last good config: retries on 5xx.
    const routes = routesOf(await mesh.envoy.configDump(), 'flaky.test:80');
    assert.equal(routes?.length, 1);
    const result = await load({ url: `http://127.0.0.1:${mesh.ports.egress}/?status=503:25`, n: 200, headers: { host: 'flaky.test' } });
    assert.ok((result.codes.get(200) ?? 0) >= 196, JSON.stringify([...result.codes]));
  });

  it('a fixed edit is sent and acknowledged: back to SYNCED', async () => {
    mesh.writeSource('virtualservice.yaml', SOURCES['virtualservice.yaml'].replace('retryOn: 5xx', 'retryOn: gateway-error'));
    await mesh.envoy.waitFor((d) => firstRouteRetryPolicy(d, 'flaky.test:80')?.retryOn === 'gateway-error', 5_000);
    await sleep(200);
    const proxy = (await mesh.adminJson<Syncz>('/debug/syncz')).find((p) => p.nodeId === 'app.default');
    assert.equal(proxy?.types[RDS].state, 'SYNCED');
  });
});
