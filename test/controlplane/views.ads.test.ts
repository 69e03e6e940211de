/**
 * Views over real ADS streams (DESIGN.md, proxy identity): two proxies connected to the same
 * control plane get different route configurations when a policy selects one of them (an FSM
 * `Retry` whose source is the ServiceAccount curl/curl, sources-kuma-fsm.md §2.1), and a policy
 * edit reaches the selected proxy's open stream without reconnecting.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ControlPlane } from '../../src/controlplane/controlPlane';
import { DirectoryProvider } from '../../src/providers/directory';
import { silentLogger } from '../../src/lib/log';
import { DEFAULT_TRANSLATE_OPTIONS } from '../../src/xds/translate';
import { AdsServer } from '../../src/xds/server/ads';
import { TypeUrl } from '../../src/xds/resources';
import type { JsonObject } from '../../src/lib/protos/protoJson';
import { AdsClient, type AdsResponse } from '../support/adsClient';
import { repoPath } from '../support/paths';

const HTTPBIN_VHOST = 'httpbin.httpbin.svc.cluster.local:14001';

function httpbinRetry(rds: AdsResponse): JsonObject | null | undefined {
  const vhosts = (rds.resources[0]?.virtualHosts ?? []) as JsonObject[];
  const vh = vhosts.find((v) => v.name === HTTPBIN_VHOST);
  if (!vh) return undefined;
  const routes = vh.routes as Array<{ route?: { retryPolicy?: JsonObject } }>;
  return routes[0]?.route?.retryPolicy ?? null;
}

/** Subscribes like Envoy (CDS, EDS, LDS, then RDS) and returns the first RDS response. */
async function firstRouteConfig(client: AdsClient): Promise<AdsResponse> {
  client.request(TypeUrl.Cluster);
  const cds = await client.nextResponse(TypeUrl.Cluster);
  client.ack(cds);
  const eds = cds.resources.filter((c) => c.type === 'EDS').map((c) => String(c.name));
  if (eds.length > 0) {
    client.request(TypeUrl.Endpoint, eds);
    client.ack(await client.nextResponse(TypeUrl.Endpoint));
  }
  client.request(TypeUrl.Listener);
  const lds = await client.nextResponse(TypeUrl.Listener);
  client.ack(lds);
  client.request(TypeUrl.Route, ['15001']);
  const rds = await client.nextResponse(TypeUrl.Route);
  client.ack(rds);
  return rds;
}

describe('controlplane: per-proxy views over ADS', function () {
  this.timeout(20_000);
  let dir: string;
  let cp: ControlPlane;
  let ads: AdsServer;
  let port: number;
  const clients: AdsClient[] = [];

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ricochet-views-'));
    for (const f of fs.readdirSync(repoPath('examples', 'fsm-retry-curl-httpbin')).filter((n) => n.endsWith('.yaml'))) {
      fs.copyFileSync(repoPath('examples', 'fsm-retry-curl-httpbin', f), path.join(dir, f));
    }
    cp = new ControlPlane({ provider: new DirectoryProvider({ dir }), translate: DEFAULT_TRANSLATE_OPTIONS, logger: silentLogger() });
    await cp.start();
    ads = new AdsServer({ cache: cp.cache, viewFor: (node) => cp.viewFor(node), logger: silentLogger() });
    ads.onViewWatched = (viewKey) => cp.ensureView(viewKey);
    port = await ads.listen('127.0.0.1:0');
  });

  after(async () => {
    for (const c of clients) c.close();
    await ads?.close();
    await cp?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const connect = (id: string, metadata: JsonObject): AdsClient => {
    const c = new AdsClient(port, { node: { id, cluster: id, metadata } });
    clients.push(c);
    return c;
  };

  it('the selected proxy gets the Retry on its route to httpbin; another proxy gets none', async () => {
    const curl = connect('curl-1.curl', { NAMESPACE: 'curl', SERVICE_ACCOUNT: 'curl' });
    const other = connect('sleep-1.default', { NAMESPACE: 'default', SERVICE_ACCOUNT: 'sleep' });
    const [curlRds, otherRds] = await Promise.all([firstRouteConfig(curl), firstRouteConfig(other)]);
    assert.deepEqual(httpbinRetry(curlRds), { retryOn: '5xx', numRetries: 5, perTryTimeout: '1s', retryBackOff: { baseInterval: '1s' } });
    assert.equal(httpbinRetry(otherRds), null, 'a plain Kubernetes Service gets no retry policy (DESIGN.md)');
    const views = ads.syncStatus().map((s) => s.viewKey).sort();
    assert.deepEqual(views, ['sidecar|ns=curl|sa=curl', 'sidecar|sa=sleep']);
  });

  it('an edit that moves the Retry to another ServiceAccount reaches both open streams', async () => {
    const [curl, other] = clients;
    const retry = fs.readFileSync(path.join(dir, 'retry.yaml'), 'utf8');
    fs.writeFileSync(path.join(dir, 'retry.yaml'), retry.replace(/source:\n(\s+)kind: ServiceAccount\n\s+name: curl\n\s+namespace: curl/, 'source:\n$1kind: ServiceAccount\n$1name: sleep\n$1namespace: default'));
    const curlRds = await curl.nextResponse(TypeUrl.Route, 5000);
    const otherRds = await other.nextResponse(TypeUrl.Route, 5000);
    assert.equal(httpbinRetry(curlRds), null);
    assert.equal(httpbinRetry(otherRds)?.numRetries, 5);
  });
});
