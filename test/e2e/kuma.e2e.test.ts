import * as assert from 'node:assert/strict';
import * as net from 'node:net';
import { requireEnvoy } from '../support/envoy';
import { freePort } from '../support/processes';
import { load } from '../support/http';
import { assertFailedBetween, assertSucceeded } from '../support/flakySources';
import { camelizeKeys, startMesh, virtualHostOf, type MeshHarness } from '../support/mesh';
import { retryCount, statDelta } from '../support/stats';
import { toBackend, uniMeshRetry, uniRetry, webTo } from '../sources/kumaYaml';

/**
 * Issue 4, Kuma end to end (spec/sources-kuma-fsm.md §1; docs/sources/kuma.md): `ricochet serve`,
 * a stock Envoy whose node says it is `kuma.io/service: web`, Kubernetes Services for backend
 * (HTTP) and cache (TCP) in front of the flaky upstream, and Kuma policies in the universal dialect.
 */

const SERVICES = `
apiVersion: v1
kind: Service
metadata: {name: backend, namespace: default}
spec:
  ports: [{port: 80, targetPort: {{UPSTREAM_PORT}}, appProtocol: http}]
---
apiVersion: v1
kind: Endpoints
metadata: {name: backend, namespace: default}
subsets: [{addresses: [{ip: 127.0.0.1}], ports: [{port: {{UPSTREAM_PORT}}}]}]
---
apiVersion: v1
kind: Service
metadata: {name: cache, namespace: default}
spec:
  ports: [{port: {{TCP_PORT}}, targetPort: {{UPSTREAM_PORT}}, appProtocol: tcp}]
---
apiVersion: v1
kind: Endpoints
metadata: {name: cache, namespace: default}
subsets: [{addresses: [{ip: 127.0.0.1}], ports: [{port: {{UPSTREAM_PORT}}}]}]
`;

const RETRY = [
  uniRetry(webTo('backend', 'http:\n  numRetries: 5\n  retryOn: [all_5xx]'), 'web-to-backend'),
  uniRetry(webTo('cache', 'tcp:\n  maxConnectAttempts: 3'), 'web-to-cache'),
].join('---\n');

const NO_RETRIES = uniMeshRetry(toBackend('http: {numRetries: 0}', 'targetRef: {kind: Mesh}'), 'backend-no-retries');

const VHOST = 'backend.default.svc.cluster.local:80';
const CLUSTER = 'outbound|80||backend.default.svc.cluster.local';

interface DumpVirtualHost { name: string; retryPolicy?: { retryOn?: string; numRetries?: number }; routes: Array<{ route?: { retryPolicy?: unknown } }> }

/** The backend virtual host in a config dump (Envoy's snake_case, camelized), or undefined. */
const backendHost = (dump: unknown): DumpVirtualHost | undefined => virtualHostOf<DumpVirtualHost>(dump, VHOST);

/** The tcp_proxy config of the listener on `port`, from a config dump. */
function tcpProxyOn(dump: unknown, port: number): Record<string, unknown> | undefined {
  const configs = (camelizeKeys(dump) as { configs: Array<Record<string, unknown>> }).configs;
  const listeners = configs.find((c) => String(c['@type']).endsWith('.ListenersConfigDump')) as
    { dynamicListeners?: Array<{ activeState?: { listener: { address: { socketAddress: { portValue: number } }; filterChains: Array<{ filters: Array<{ typedConfig: Record<string, unknown> }> }> } } }> } | undefined;
  const l = listeners?.dynamicListeners?.find((x) => x.activeState?.listener.address.socketAddress.portValue === port);
  return l?.activeState?.listener.filterChains[0].filters[0].typedConfig;
}

/** Sends one HTTP/1.1 request over a raw TCP connection to `port` and returns the status line. */
function statusOverTcp(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write('GET /echo HTTP/1.1\r\nHost: cache\r\nConnection: close\r\n\r\n'));
    let data = '';
    socket.on('data', (chunk) => { data += chunk.toString(); });
    socket.on('end', () => resolve(data.split('\r\n')[0]));
    socket.on('error', reject);
    socket.setTimeout(5_000, () => socket.destroy(new Error('timeout')));
  });
}

describe('e2e (issue 4): Kuma Retry and MeshRetry on a real Envoy', function () {
  this.timeout(60_000);
  let mesh: MeshHarness;
  let tcpPort: number;

  before(async function () {
    requireEnvoy(this);
    tcpPort = await freePort();
    mesh = await startMesh({
      sources: { 'services.yaml': SERVICES, 'retry.yaml': RETRY },
      vars: { TCP_PORT: tcpPort },
      node: { metadata: { NAMESPACE: 'default', LABELS: { 'kuma.io/service': 'web' } } },
      seed: 4,
    });
    await mesh.envoy.waitFor((d) => backendHost(d)?.retryPolicy !== undefined, 15_000);
  });

  after(async () => mesh?.close());

  const flakyLoad = () => load({ url: `http://127.0.0.1:${mesh.ports.egress}/echo?status=503:25`, n: 400, concurrency: 8, headers: { host: 'backend' } });

  it('§1.1.2 the legacy Retry sits on the virtual host in Envoy\'s own config dump, not on the route', async () => {
    const vh = backendHost(await mesh.envoy.configDump());
    assert.deepEqual(vh?.retryPolicy, { retryOn: '5xx', numRetries: 5 });
    assert.equal(vh?.routes[0].route?.retryPolicy, undefined);
  });

  it('numRetries: 5 on all_5xx: at least 99% of 400 requests succeed and upstream_rq_retry > 0', async () => {
    assertSucceeded(await flakyLoad(), 0.99);
    assert.ok((await retryCount(mesh.envoy, CLUSTER)) > 0, 'upstream_rq_retry > 0');
  });

  it('§1.1.2 TCP: the cache listener\'s tcp_proxy has maxConnectAttempts 3, Envoy accepts it and forwards', async () => {
    const proxy = tcpProxyOn(await mesh.envoy.configDump(), tcpPort);
    assert.equal(proxy?.maxConnectAttempts, 3);
    assert.equal(proxy?.cluster, `outbound|${tcpPort}||cache.default.svc.cluster.local`);
    assert.match(await statusOverTcp(tcpPort), /^HTTP\/1\.1 200/);
  });

  it('a MeshRetry with numRetries: 0 for backend wins over the Retry: retries stop, about a quarter fail', async () => {
    const before = mesh.ricochet.output().length;
    mesh.writeSource('meshretry.yaml', NO_RETRIES);
    await mesh.envoy.waitFor((d) => { const vh = backendHost(d); return vh !== undefined && vh.retryPolicy === undefined && vh.routes[0].route?.retryPolicy === undefined; }, 5_000);
    await mesh.ricochet.waitForOutput(/RCO0140/, 5_000);
    assert.match(mesh.logMessages(before).join('\n'), /Retry \/?web-to-backend\).*MeshRetry backend-no-retries takes precedence/);
    const { result, delta } = await statDelta(mesh.envoy, CLUSTER, 'upstream_rq_retry', flakyLoad);
    assertFailedBetween(result, 0.15, 0.35);
    assert.equal(delta, 0, 'no retries once the MeshRetry turned them off');
  });
});
