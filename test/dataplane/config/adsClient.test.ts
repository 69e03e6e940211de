import * as assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { filter, firstValueFrom, timeout, type Observable } from 'rxjs';
import { decodeJson, type JsonObject } from '../../../src/lib/protos/protoJson';
import type { Mesh, Provenance } from '../../../src/ir/model';
import { ResourceEncoder, buildSnapshot, type Snapshot } from '../../../src/xds/cache/snapshot';
import { SnapshotCache } from '../../../src/xds/cache/snapshotCache';
import { TypeUrl, type XdsResources } from '../../../src/xds/resources';
import { AdsServer, type TypeSyncStatus } from '../../../src/xds/server/ads';
import { adsServiceDefinition } from '../../../src/xds/server/adsService';
import { translateMesh } from '../../../src/xds/translate';
import { loadBootstrap, type LoadedBootstrap } from '../../../src/dataplane/config/bootstrap';
import type { DpRouteAction } from '../../../src/dataplane/config/model';
import { DataplaneAdsClient, type AdsAckEvent, type AdsSnapshotEvent, type DpAdsClientOptions } from '../../../src/dataplane/xds/adsClient';
import { cluster, endpoints, listener, routeConfig } from '../../xds/fixtures';
import { eventually } from '../../support/adsClient';
import { repoPath } from '../../support/paths';

const VIEW = 'sidecar';
const src: Provenance = { kind: 'VirtualService', apiVersion: 'networking.istio.io/v1', namespace: 'default', name: 'flaky' };

/** One STATIC service (an EDS cluster) with a retrying route, as the Istio source compiles it. */
function mesh(numRetries: number): Mesh {
  return {
    services: [{
      host: 'flaky.local', namespace: 'default', addresses: [], resolution: 'STATIC', external: false, source: { ...src, kind: 'ServiceEntry' },
      ports: [{ number: 80, name: 'http', protocol: 'HTTP' }],
      endpoints: [{ address: '127.0.0.1', ports: { http: 8080 }, labels: {} }, { address: '127.0.0.2', ports: { http: 8080 }, labels: {} }],
    }],
    virtualHosts: [{
      host: 'flaky.local', port: 80,
      routes: [{
        match: { headers: [] }, destinations: [{ host: 'flaky.local', port: 80, weight: 100 }], timeoutMs: 0, source: src,
        retry: { policy: { retryOn: '5xx', numRetries, retriableStatusCodes: [], previousHostsPredicate: true }, from: src, reason: 'test', level: 'route' },
      }],
    }],
  };
}

const egress = { egress: { address: '127.0.0.1', port: 15999 }, outboundTrafficPolicy: 'ALLOW_ANY' as const, gatewayAddress: '127.0.0.1' };

function nextSnapshot(client: DataplaneAdsClient, pred: (e: AdsSnapshotEvent) => boolean = () => true, ms = 5000): Promise<AdsSnapshotEvent> {
  return firstValueFrom(client.snapshots.pipe(filter(pred), timeout(ms)));
}

function nextAck(acks: Observable<AdsAckEvent>, pred: (e: AdsAckEvent) => boolean, ms = 5000): Promise<AdsAckEvent> {
  return firstValueFrom(acks.pipe(filter(pred), timeout(ms)));
}

describe('dataplane ADS client against Ricochet\'s ADS server', function () {
  this.timeout(15_000);
  let cache: SnapshotCache;
  let encoder: ResourceEncoder;
  let server: AdsServer;
  let port: number;
  let bootstrap: LoadedBootstrap;
  const clients: DataplaneAdsClient[] = [];
  const servers: AdsServer[] = [];

  beforeEach(async () => {
    cache = new SnapshotCache();
    encoder = new ResourceEncoder();
    server = new AdsServer({ cache, viewFor: () => VIEW });
    servers.push(server);
    port = await server.listen('127.0.0.1:0');
    bootstrap = loadBootstrap(repoPath('envoy', 'bootstrap.yaml'));
  });

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  function publish(res: XdsResources): Snapshot {
    const snapshot = buildSnapshot(VIEW, res, encoder);
    cache.set(snapshot);
    return snapshot;
  }

  function connect(extra: Partial<DpAdsClientOptions> = {}): DataplaneAdsClient {
    const client = new DataplaneAdsClient({
      address: '127.0.0.1', port, node: bootstrap.node.raw, cdsViaAds: true, ldsViaAds: true,
      staticClusters: bootstrap.staticClusters, staticListeners: bootstrap.staticSnapshot.listeners,
      setNodeOnFirstMessageOnly: true, reconnect: { baseMs: 20, maxMs: 200 }, ...extra,
    });
    clients.push(client);
    client.start();
    return client;
  }

  function typeStatus(typeUrl: string): TypeSyncStatus {
    const t = server.syncStatus()[0]?.types[typeUrl];
    assert.ok(t, `no sync status for ${typeUrl}`);
    return t;
  }

  it('gets a complete DpSnapshot from translateMesh output and ACKs every type', async () => {
    const snapshot = publish(translateMesh(mesh(2), egress));
    const client = connect();
    assert.equal(client.state(), 'INITIALIZING');
    const event = await nextSnapshot(client);
    assert.equal(event.cause, 'initial');
    assert.equal(client.state(), 'LIVE');
    const s = event.snapshot;
    assert.deepEqual([...s.clusters.keys()].sort(), ['PassthroughCluster', 'outbound|80||flaky.local', 'ricochet_xds']);
    const flaky = s.clusters.get('outbound|80||flaky.local');
    assert.deepEqual(flaky?.endpoints.map((e) => `${e.address}:${e.port}`), ['127.0.0.1:8080', '127.0.0.2:8080']);
    assert.equal(s.listeners.length, 1);
    assert.equal(s.listeners[0].port, 15999);
    const route = s.routeConfigs.get('15999')?.virtualHosts[0].routes[0];
    assert.equal((route?.action as DpRouteAction).retryPolicy?.numRetries, 2);
    assert.ok(event.unsupported.every((u) => u.effect === 'ignored'));

    await eventually(() => {
      for (const t of [TypeUrl.Cluster, TypeUrl.Endpoint, TypeUrl.Listener, TypeUrl.Route]) {
        const st = typeStatus(t);
        assert.equal(st.state, 'SYNCED', t);
        assert.equal(st.lastAckedVersion, snapshot.types.get(t)?.version, t);
      }
    });
    const dyn = client.dynamicState();
    assert.equal(dyn.clusters.versionInfo, snapshot.types.get(TypeUrl.Cluster)?.version);
    assert.deepEqual(dyn.clusters.active.map((c) => c.name).sort(), ['PassthroughCluster', 'outbound|80||flaky.local']);
    assert.deepEqual(dyn.listeners.active.map((l) => l.name), ['egress_15999']);
  });

  it('applies updates, and NACKs a resource with a rejected field while keeping the last good config', async () => {
    publish(translateMesh(mesh(2), egress));
    const client = connect();
    const first = await nextSnapshot(client);

    // A cluster with subset load balancing: ignoring it would change which hosts get traffic.
    const bad = translateMesh(mesh(3), egress);
    bad.clusters = bad.clusters.map((c) => (c.name === 'outbound|80||flaky.local' ? { ...c, lbSubsetConfig: { fallbackPolicy: 'ANY_ENDPOINT' } } : c));
    const badSnapshot = publish(bad);
    const nack = await nextAck(client.acks, (a) => a.error !== undefined);
    assert.equal(nack.typeUrl, TypeUrl.Cluster);
    assert.equal(nack.rejectedVersion, badSnapshot.types.get(TypeUrl.Cluster)?.version);
    assert.match(nack.error ?? '', /Cluster\[outbound\|80\|\|flaky\.local\]\.lb_subset_config \(subset load balancing is not implemented\)/);
    await eventually(() => {
      const st = typeStatus(TypeUrl.Cluster);
      assert.equal(st.state, 'NACKED');
      assert.match(st.lastNack?.message ?? '', /lb_subset_config/);
      assert.notEqual(st.lastAckedVersion, badSnapshot.types.get(TypeUrl.Cluster)?.version);
    });
    assert.equal(client.dynamicState().errors[TypeUrl.Cluster]?.versionInfo, badSnapshot.types.get(TypeUrl.Cluster)?.version);
    // The clusters stay as they were; other types of the same push (the new route) still apply.
    const afterNack = client.current();
    assert.deepEqual(afterNack?.snapshot.clusters.get('outbound|80||flaky.local'), first.snapshot.clusters.get('outbound|80||flaky.local'));
    assert.equal(afterNack?.snapshot.clusters.get('outbound|80||flaky.local')?.raw.lbSubsetConfig, undefined);

    const good = publish(translateMesh(mesh(4), egress));
    const updated = await nextSnapshot(client, (e) => (e.snapshot.routeConfigs.get('15999')?.virtualHosts[0].routes[0].action as DpRouteAction).retryPolicy?.numRetries === 4);
    assert.notEqual(updated.cause, 'initial');
    await eventually(() => {
      assert.equal(typeStatus(TypeUrl.Cluster).state, 'SYNCED');
      assert.equal(typeStatus(TypeUrl.Route).lastAckedVersion, good.types.get(TypeUrl.Route)?.version);
    });
    // mesh(4) has mesh(2)'s clusters: the server marks CDS synced without resending it.
    assert.equal(client.dynamicState().clusters.versionInfo, good.types.get(TypeUrl.Cluster)?.version);
  });

  it('warms a new EDS cluster until its endpoints arrive, and a listener until its routes arrive', async () => {
    publish({ clusters: [cluster('c1')], endpoints: [endpoints('c1', 8081)], listeners: [listener('l1', 15998, 'r1')], routes: [routeConfig('r1', 'c1')] });
    const client = connect();
    await nextSnapshot(client);

    // c2 has no ClusterLoadAssignment yet; l2 names a route configuration that does not exist yet.
    publish({
      clusters: [cluster('c1'), cluster('c2')], endpoints: [endpoints('c1', 8081)],
      listeners: [listener('l1', 15998, 'r1'), listener('l2', 15997, 'r2')], routes: [routeConfig('r1', 'c1')],
    });
    await eventually(() => {
      const dyn = client.dynamicState();
      assert.deepEqual(dyn.clusters.warming.map((c) => c.name), ['c2']);
      assert.deepEqual(dyn.listeners.warming.map((l) => l.name), ['l2']);
    });
    const served = client.current()?.snapshot;
    assert.equal(served?.clusters.has('c2'), false, 'a warming cluster is not served');
    assert.deepEqual(served?.listeners.map((l) => l.name), ['l1'], 'a warming listener is not served');

    publish({
      clusters: [cluster('c1'), cluster('c2')], endpoints: [endpoints('c1', 8081), endpoints('c2', 8082)],
      listeners: [listener('l1', 15998, 'r1'), listener('l2', 15997, 'r2')], routes: [routeConfig('r1', 'c1'), routeConfig('r2', 'c2')],
    });
    const warm = await nextSnapshot(client, (e) => e.snapshot.clusters.has('c2') && e.snapshot.listeners.length === 2);
    assert.deepEqual(warm.snapshot.clusters.get('c2')?.endpoints, [{ address: '127.0.0.1', port: 8082, weight: 1 }]);
    assert.ok(warm.snapshot.routeConfigs.has('r2'));
    assert.deepEqual(client.dynamicState().clusters.warming, []);
  });

  it('reconnects with backoff when the stream breaks, keeping the last config', async () => {
    publish(translateMesh(mesh(2), egress));
    const client = connect();
    const first = await nextSnapshot(client);
    await server.close();
    await eventually(() => assert.equal(client.isConnected(), false));
    assert.equal(client.current()?.snapshot, first.snapshot, 'the config outlives the stream');

    const again = new AdsServer({ cache, viewFor: () => VIEW });
    servers.push(again);
    await again.listen(`127.0.0.1:${port}`);
    server = again;
    await eventually(() => {
      assert.equal(client.isConnected(), true);
      assert.equal(typeStatus(TypeUrl.Route).state, 'SYNCED');
    }, 5000);
    // Same content after the reconnect: no new snapshot for the runtime to apply.
    assert.equal(client.current()?.snapshot, first.snapshot);
  });

  it('goes LIVE on static config when the control plane never answers (initial_fetch_timeout)', async () => {
    const client = connect({ cdsInitialFetchTimeoutMs: 100, ldsInitialFetchTimeoutMs: 100 });
    const event = await nextSnapshot(client, () => true, 3000);
    assert.deepEqual([...event.snapshot.clusters.keys()], ['ricochet_xds']);
    assert.deepEqual(event.snapshot.listeners, []);
  });

  it('identifies itself with the bootstrap node and user agent "ricochet", and subscribes wildcard CDS first', async () => {
    const requests: JsonObject[] = [];
    const raw = new grpc.Server();
    raw.addService(adsServiceDefinition, {
      StreamAggregatedResources: (call: grpc.ServerDuplexStream<Buffer, Buffer>) => {
        call.on('data', (bytes: Buffer) => requests.push(decodeJson('envoy.service.discovery.v3.DiscoveryRequest', bytes)));
        call.on('error', () => undefined);
      },
      DeltaAggregatedResources: () => undefined,
    });
    const rawPort = await new Promise<number>((resolve, reject) => raw.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
    try {
      connect({ port: rawPort });
      await eventually(() => assert.ok(requests.length >= 1));
      const [first] = requests;
      assert.equal(first.typeUrl, TypeUrl.Cluster);
      assert.equal(first.resourceNames, undefined, 'wildcard: no names');
      const node = first.node as JsonObject;
      assert.equal(node.id, 'app.default');
      assert.equal(node.userAgentName, 'ricochet');
      assert.deepEqual((node.metadata as JsonObject).LABELS, { app: 'app', 'kuma.io/service': 'app' });
    } finally {
      raw.forceShutdown();
    }
  });
});
