import * as assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { tap, type Observable } from 'rxjs';
import { lookupType } from '../../src/lib/protos/envoyProtos';
import { ResourceEncoder, type Snapshot } from '../../src/xds/cache/snapshot';
import { SnapshotCache } from '../../src/xds/cache/snapshotCache';
import { TypeUrl, type ProxyNode, type XdsResources } from '../../src/xds/resources';
import { AdsServer, type TypeSyncStatus } from '../../src/xds/server/ads';
import { DELTA_ADS_PATH } from '../../src/xds/server/adsService';
import { ResponseField } from '../../src/xds/server/responseFrame';
import { AdsClient, defaultNode, eventually, type AdsResponse, type AdsClientOptions } from '../support/adsClient';
import { baseResources, cluster, endpoints, listener, routeConfig, snapshotOf } from './fixtures';

/**
 * The ADS SotW rules of xds-protocol.md §2, one test each, over real sockets on 127.0.0.1.
 * "rule N" is §2.1 rule N; "case N" is §2.3 case N.
 */

const VIEW = 'default/app';
const CDS = TypeUrl.Cluster;
const EDS = TypeUrl.Endpoint;
const LDS = TypeUrl.Listener;
const RDS = TypeUrl.Route;

/** Counts live cache watchers, to prove streams unsubscribe. */
class CountingCache extends SnapshotCache {
  watchers = 0;
  override watch(viewKey: string): Observable<Snapshot> {
    return super.watch(viewKey).pipe(tap({ subscribe: () => this.watchers++, finalize: () => this.watchers-- }));
  }
}

describe('ADS SotW server (xds-protocol.md §2)', function () {
  this.timeout(10_000);
  let cache: CountingCache;
  let encoder: ResourceEncoder;
  let server: AdsServer;
  let port: number;
  let clients: AdsClient[];
  const servers: AdsServer[] = [];

  async function startServer(c: SnapshotCache): Promise<{ server: AdsServer; port: number }> {
    const s = new AdsServer({ cache: c, viewFor: () => VIEW, controlPlaneId: 'ricochet-test' });
    servers.push(s);
    return { server: s, port: await s.listen('127.0.0.1:0') };
  }

  beforeEach(async () => {
    cache = new CountingCache();
    encoder = new ResourceEncoder();
    clients = [];
    ({ server, port } = await startServer(cache));
  });

  afterEach(async () => {
    for (const c of clients) c.close();
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  function connect(opts: AdsClientOptions = {}, toPort = port): AdsClient {
    const client = new AdsClient(toPort, opts);
    clients.push(client);
    return client;
  }

  function publish(parts: Partial<XdsResources> = baseResources()): Snapshot {
    const snapshot = snapshotOf(VIEW, parts, encoder);
    cache.set(snapshot);
    return snapshot;
  }

  const versionOf = (snapshot: Snapshot, typeUrl: TypeUrl): string => snapshot.types.get(typeUrl)?.version ?? '';

  function typeStatus(typeUrl: string, index = 0): TypeSyncStatus {
    const status = server.syncStatus()[index];
    assert.ok(status, 'no sync status for the stream');
    const t = status.types[typeUrl];
    assert.ok(t, `no sync status for ${typeUrl}`);
    return t;
  }

  /** Requests, receives and ACKs one type; returns the response. */
  async function subscribed(client: AdsClient, typeUrl: string, names: string[] = []): Promise<AdsResponse> {
    client.request(typeUrl, names);
    const response = await client.nextResponse(typeUrl);
    client.ack(response);
    return response;
  }

  describe('initial requests', () => {
    it('answers a legacy wildcard CDS request with every cluster, full state (rules 10, 11, 17)', async () => {
      const snapshot = publish();
      const client = connect();
      client.request(CDS, []);
      const response = await client.nextResponse(CDS);
      assert.deepEqual(response.names, ['c1', 'c2']);
      assert.equal(response.versionInfo, versionOf(snapshot, CDS));
      assert.equal(response.controlPlaneId, 'ricochet-test');
      assert.deepEqual(response.resources[0], { '@type': CDS, ...cluster('c1') });
      assert.notEqual(response.nonce, '');
    });

    it('answers an initial wildcard LDS request even with zero listeners, legacy and explicit "*" (rule 17)', async () => {
      const snapshot = publish({ clusters: [cluster('c1')] });
      const legacy = connect();
      legacy.request(LDS, []);
      const a = await legacy.nextResponse(LDS);
      assert.deepEqual(a.names, []);
      assert.equal(a.versionInfo, versionOf(snapshot, LDS));
      const explicit = connect();
      explicit.request(LDS, ['*']);
      assert.deepEqual((await explicit.nextResponse(LDS)).names, []);
    });

    it('waits for the view\'s first snapshot and tells the control plane which view to build (rule 17)', async () => {
      const watched: [string, ProxyNode][] = [];
      server.onViewWatched = (viewKey, node) => watched.push([viewKey, node]);
      const client = connect();
      client.request(CDS, []);
      await client.expectNoResponse(150);
      assert.deepEqual(watched, [[VIEW, defaultNode()]]);
      assert.equal(typeStatus(CDS).state, 'NOT SENT');
      publish();
      assert.deepEqual((await client.nextResponse(CDS)).names, ['c1', 'c2']);
    });

    it('serves a view that the onViewWatched hook builds synchronously', async () => {
      server.onViewWatched = (viewKey) => cache.set(snapshotOf(viewKey, baseResources(), encoder));
      const client = connect();
      client.request(CDS, []);
      assert.deepEqual((await client.nextResponse(CDS)).names, ['c1', 'c2']);
    });
  });

  describe('stream validation (rules 1, 3)', () => {
    it('rejects a stream whose first request carries no node with INVALID_ARGUMENT', async () => {
      const client = connect({ node: null });
      client.request(CDS, []);
      const status = await client.status;
      assert.equal(status.code, grpc.status.INVALID_ARGUMENT);
      assert.match(status.details, /node/);
    });

    it('rejects an ADS request without type_url with INVALID_ARGUMENT', async () => {
      const client = connect();
      client.request('', []);
      const status = await client.status;
      assert.equal(status.code, grpc.status.INVALID_ARGUMENT);
      assert.match(status.details, /type_url/);
    });

    it('remembers the node of the first request when later ones omit it (rule 3)', async () => {
      publish();
      const client = connect();
      await subscribed(client, CDS);
      await subscribed(client, EDS, ['c1']); // sent without node, like set_node_on_first_message_only
      const [status] = server.syncStatus();
      assert.equal(status?.nodeId, defaultNode().id);
      assert.deepEqual(status?.node, defaultNode());
      assert.equal(status?.viewKey, VIEW);
    });

    it('leaves DeltaAggregatedResources UNIMPLEMENTED for now (rule 2)', async () => {
      const client = connect({ path: DELTA_ADS_PATH });
      client.request(CDS, []);
      assert.equal((await client.status).code, grpc.status.UNIMPLEMENTED);
    });
  });

  describe('EDS/RDS named subscriptions (rules 9, 12)', () => {
    it('sends the subscribed CLAs that exist and a missing one when it appears', async () => {
      publish();
      const client = connect();
      client.request(EDS, ['c1', 'c9']);
      const first = await client.nextResponse(EDS);
      assert.deepEqual(first.names, ['c1']);
      client.ack(first);
      await client.expectNoResponse(150);
      const res = baseResources();
      const next = publish({ ...res, clusters: [...res.clusters, cluster('c9')], endpoints: [...res.endpoints, endpoints('c9', 8089)] });
      const second = await client.nextResponse(EDS);
      assert.deepEqual(second.names, ['c1', 'c9']);
      assert.equal(second.versionInfo, versionOf(next, EDS));
    });

    it('sends nothing for an empty subscription or for names that do not exist', async () => {
      publish();
      const client = connect();
      client.request(RDS, []);
      client.request(EDS, ['nope']);
      await client.expectNoResponse(200);
    });

    it('re-sends a name newly subscribed at an unchanged version, and one subscribed again (rule 9, case 3)', async () => {
      const snapshot = publish();
      const client = connect();
      const first = await subscribed(client, EDS, ['c1']);
      await client.expectNoResponse(100);
      client.request(EDS, ['c1', 'c2'], { versionInfo: first.versionInfo, responseNonce: first.nonce });
      const second = await client.nextResponse(EDS);
      assert.deepEqual(second.names, ['c1', 'c2']);
      assert.equal(second.versionInfo, versionOf(snapshot, EDS));
      client.ack(second, ['c2']); // drops c1: nothing to send
      await client.expectNoResponse(150);
      client.request(EDS, ['c1', 'c2'], { versionInfo: second.versionInfo, responseNonce: second.nonce });
      assert.deepEqual((await client.nextResponse(EDS)).names, ['c1', 'c2']);
    });
  });

  describe('wildcard (rule 10)', () => {
    it('once a CDS client names clusters, an empty list means nothing, not wildcard', async () => {
      publish();
      const client = connect();
      const first = await subscribed(client, CDS, []);
      assert.deepEqual(first.names, ['c1', 'c2']);
      client.request(CDS, ['c1'], { versionInfo: first.versionInfo, responseNonce: first.nonce });
      await client.expectNoResponse(150); // c1 is already held at this version
      client.request(CDS, [], { versionInfo: first.versionInfo, responseNonce: first.nonce });
      await client.expectNoResponse(150); // also lets the server read the request before the publish
      publish({ ...baseResources(), clusters: [cluster('c1'), cluster('c2'), cluster('c3')] });
      await client.expectNoResponse(150);
    });
  });

  describe('ACK and NACK (rule 5, case 1)', () => {
    it('an ACK parks the type: the same version is not sent again (rule 6)', async () => {
      const snapshot = publish();
      const client = connect();
      const response = await subscribed(client, CDS);
      await client.expectNoResponse(150);
      publish(); // a rebuilt snapshot with the same content has the same version
      await client.expectNoResponse(150);
      const status = await eventually(() => {
        const s = typeStatus(CDS);
        assert.equal(s.state, 'SYNCED');
        return s;
      });
      assert.equal(status.lastAckedVersion, versionOf(snapshot, CDS));
      assert.equal(status.lastSentNonce, response.nonce);
    });

    it('records a NACK with Envoy\'s message and never re-sends the rejected version', async () => {
      publish();
      const client = connect();
      client.request(CDS, []);
      const response = await client.nextResponse(CDS);
      client.nack(response, 'cluster c2: invalid connect_timeout');
      await client.expectNoResponse(200);
      publish(); // same content again: still not re-sent
      client.request(CDS, [], { responseNonce: response.nonce }); // a later request echoing the same nonce
      await client.expectNoResponse(200);
      const status = await eventually(() => {
        const s = typeStatus(CDS);
        assert.equal(s.state, 'NACKED');
        return s;
      });
      assert.equal(status.lastNack?.version, response.versionInfo);
      assert.equal(status.lastNack?.message, 'cluster c2: invalid connect_timeout');
      assert.equal(status.lastSentVersion, response.versionInfo);
      assert.equal(status.lastAckedVersion, undefined);
    });

    it('detects a NACK by error_detail even when version_info equals the sent version (envoy PR #14841)', async () => {
      publish();
      const client = connect();
      const first = await subscribed(client, EDS, ['c1']);
      client.request(EDS, ['c1', 'c2'], { versionInfo: first.versionInfo, responseNonce: first.nonce });
      const second = await client.nextResponse(EDS);
      assert.equal(second.versionInfo, first.versionInfo);
      client.request(EDS, ['c1', 'c2'], { versionInfo: second.versionInfo, responseNonce: second.nonce, errorDetail: { message: 'bad CLA c2' } });
      await client.expectNoResponse(200);
      await eventually(() => assert.equal(typeStatus(EDS).lastNack?.message, 'bad CLA c2'));
      assert.equal(typeStatus(EDS).lastAckedVersion, first.versionInfo);
    });

    it('sends the next snapshot version after a NACK, and the ACK syncs it', async () => {
      publish();
      const client = connect();
      client.request(CDS, []);
      const rejected = await client.nextResponse(CDS);
      client.nack(rejected, 'bad');
      await client.expectNoResponse(100);
      const fixed = publish({ ...baseResources(), clusters: [cluster('c1'), cluster('c2', { connectTimeout: '2s' })] });
      const response = await client.nextResponse(CDS);
      assert.equal(response.versionInfo, versionOf(fixed, CDS));
      assert.notEqual(response.versionInfo, rejected.versionInfo);
      assert.equal(typeStatus(CDS).state, 'STALE');
      client.ack(response);
      await eventually(() => assert.equal(typeStatus(CDS).state, 'SYNCED'));
      assert.equal(typeStatus(CDS).lastAckedVersion, response.versionInfo);
      assert.equal(typeStatus(CDS).lastNack?.version, rejected.versionInfo);
    });
    it('shows SYNCED after a rollback to the ACKed content, NACKED when the rejected content returns', async () => {
      const good = publish();
      const client = connect();
      const acked = await subscribed(client, CDS);
      const bad = publish({ ...baseResources(), clusters: [cluster('c1'), cluster('bad')] });
      const rejected = await client.nextResponse(CDS);
      assert.equal(rejected.versionInfo, versionOf(bad, CDS));
      client.nack(rejected, 'cluster bad: rejected');
      await eventually(() => assert.equal(typeStatus(CDS).state, 'NACKED'));
      publish(); // roll back: the client already holds this, nothing to send
      await client.expectNoResponse(150);
      assert.equal(typeStatus(CDS).state, 'SYNCED');
      assert.equal(acked.versionInfo, versionOf(good, CDS));
      publish({ ...baseResources(), clusters: [cluster('c1'), cluster('bad')] });
      await client.expectNoResponse(150);
      assert.equal(typeStatus(CDS).state, 'NACKED');
    });
  });

  describe('flow control (rules 4, 7, case 12)', () => {
    it('keeps one un-ACKed response per type and coalesces newer snapshots', async () => {
      publish();
      const client = connect();
      client.request(CDS, []);
      const first = await client.nextResponse(CDS);
      publish({ ...baseResources(), clusters: [cluster('c1')] });
      const latest = publish({ ...baseResources(), clusters: [cluster('c3')] });
      await client.expectNoResponse(200);
      client.ack(first);
      const second = await client.nextResponse(CDS);
      assert.equal(second.versionInfo, versionOf(latest, CDS));
      assert.deepEqual(second.names, ['c3']);
      client.ack(second);
      await client.expectNoResponse(150);
    });

    it('a stale-nonce request is neither ACK nor NACK, but its subscription is served after the ACK (rule 7)', async () => {
      publish();
      const client = connect();
      const first = await subscribed(client, EDS, ['c1']);
      const res = baseResources();
      const v2 = publish({ ...res, endpoints: [endpoints('c1', 9001), res.endpoints[1] ?? endpoints('c2', 1)] });
      const second = await client.nextResponse(EDS); // outstanding
      // Crosses `second` on the wire: echoes the older nonce, asks for c2, carries an error.
      client.request(EDS, ['c1', 'c2'], { versionInfo: first.versionInfo, responseNonce: first.nonce, errorDetail: { message: 'old' } });
      await client.expectNoResponse(150);
      const status = await eventually(() => {
        const s = typeStatus(EDS);
        assert.equal(s.state, 'STALE');
        return s;
      });
      assert.equal(status.lastNack, undefined);
      client.ack(second); // echoes the current names [c1, c2]
      const third = await client.nextResponse(EDS);
      assert.deepEqual(third.names, ['c1', 'c2']);
      assert.equal(third.versionInfo, versionOf(v2, EDS));
    });

    it('serves a subscription change carried by a stale nonce when nothing is outstanding (envoy#10363, case 2)', async () => {
      publish();
      const client = connect();
      const first = await subscribed(client, EDS, ['c1']);
      const res = baseResources();
      publish({ ...res, endpoints: [endpoints('c1', 9001), res.endpoints[1] ?? endpoints('c2', 1)] });
      const second = await client.nextResponse(EDS);
      client.ack(second);
      await client.expectNoResponse(100);
      // A client that missed `second` keeps echoing the older nonce; its new name must not be starved.
      client.request(EDS, ['c1', 'c2'], { versionInfo: first.versionInfo, responseNonce: first.nonce });
      assert.deepEqual((await client.nextResponse(EDS)).names, ['c1', 'c2']);
    });

    it('uses nonces unique within the stream (rule 4)', async () => {
      publish();
      const client = connect();
      const nonces = [
        (await subscribed(client, CDS)).nonce,
        (await subscribed(client, EDS, ['c1', 'c2'])).nonce,
        (await subscribed(client, LDS)).nonce,
        (await subscribed(client, RDS, ['r1'])).nonce,
      ];
      assert.equal(new Set(nonces).size, 4);
    });
  });

  describe('ordering and warming (rules 15, 16, case 4)', () => {
    async function allSubscribed(client: AdsClient): Promise<void> {
      await subscribed(client, CDS);
      await subscribed(client, EDS, ['c1', 'c2']);
      await subscribed(client, LDS);
      await subscribed(client, RDS, ['r1']);
      await client.expectNoResponse(100);
    }

    it('pushes a change of every type in CDS → EDS → LDS → RDS order', async () => {
      publish();
      const client = connect();
      await allSubscribed(client);
      publish({
        clusters: [cluster('c1'), cluster('c2', { connectTimeout: '3s' })],
        endpoints: [endpoints('c1', 9001), endpoints('c2', 9002)],
        listeners: [listener('l1', 15002, 'r1')],
        routes: [routeConfig('r1', 'c2')],
      });
      const order: string[] = [];
      for (let i = 0; i < 4; i++) order.push((await client.nextResponse()).typeUrl);
      assert.deepEqual(order, [CDS, EDS, LDS, RDS]);
    });

    it('re-sends EDS when only clusters changed, so an updated cluster can finish warming', async () => {
      const before = publish();
      const client = connect();
      await allSubscribed(client);
      const after = publish({ ...baseResources(), clusters: [cluster('c1', { connectTimeout: '2s' }), cluster('c2')] });
      const cds = await client.nextResponse(CDS);
      const eds = await client.nextResponse(EDS);
      assert.equal(cds.versionInfo, versionOf(after, CDS));
      assert.notEqual(eds.versionInfo, versionOf(before, EDS));
      assert.deepEqual(eds.names, ['c1', 'c2']);
      assert.deepEqual(eds.resources.map((r) => r.endpoints), baseResources().endpoints.map((e) => e.endpoints));
      await client.expectNoResponse(100);
    });

    it('holds EDS behind an un-ACKed CDS response until the newer CDS has gone out', async () => {
      publish();
      const client = connect();
      await subscribed(client, EDS, ['c1']);
      client.request(CDS, []);
      const cds1 = await client.nextResponse(CDS); // not ACKed yet
      publish({ ...baseResources(), clusters: [cluster('c1', { connectTimeout: '2s' }), cluster('c2')] });
      await client.expectNoResponse(200); // EDS must not overtake the CDS it belongs to
      client.ack(cds1);
      assert.equal((await client.nextResponse()).typeUrl, CDS);
      assert.equal((await client.nextResponse()).typeUrl, EDS);
    });

    it('never sends a type the client has not requested on this stream (case 2)', async () => {
      publish();
      const client = connect();
      await subscribed(client, CDS);
      client.request('type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret', ['cert']);
      await client.expectNoResponse(150);
      publish({ ...baseResources(), endpoints: [endpoints('c1', 7000)], routes: [routeConfig('r1', 'c2')], listeners: [] });
      await client.expectNoResponse(200);
    });
  });

  describe('encode once, share frames (§6.1)', () => {
    it('encodes a response body once and sends the same bytes to two streams', async () => {
      publish();
      const a = connect();
      const b = connect({ node: defaultNode('sidecar~10.0.0.2~app-2.default~default.svc.cluster.local') });
      a.request(CDS, []);
      const ra = await a.nextResponse(CDS);
      b.request(CDS, []);
      const rb = await b.nextResponse(CDS);
      assert.deepEqual(server.metrics(), { streams: 2, framesEncoded: 1, framesReused: 1, responsesSent: 2 });
      assert.ok(ra.raw.equals(rb.raw), 'both streams got the same bytes (each stream\'s first nonce is "1")');
      assert.deepEqual(rb.names, ['c1', 'c2']);
    });

    it('writes DiscoveryResponse fields at the numbers the reflected schema gives', async () => {
      const snapshot = publish();
      const response = lookupType('envoy.service.discovery.v3.DiscoveryResponse');
      assert.equal(response.fields.versionInfo?.id, ResponseField.versionInfo);
      assert.equal(response.fields.resources?.id, ResponseField.resources);
      assert.equal(response.fields.typeUrl?.id, ResponseField.typeUrl);
      assert.equal(response.fields.nonce?.id, ResponseField.nonce);
      assert.equal(response.fields.controlPlane?.id, ResponseField.controlPlane);
      assert.equal(lookupType('envoy.config.core.v3.ControlPlane').fields.identifier?.id, ResponseField.controlPlaneIdentifier);

      const client = connect();
      client.request(CDS, []);
      const { raw } = await client.nextResponse(CDS);
      const decoded = response.decode(raw) as unknown as {
        versionInfo: string; typeUrl: string; nonce: string; controlPlane: { identifier: string };
        resources: { type_url: string; value: Uint8Array }[];
      };
      assert.equal(decoded.versionInfo, versionOf(snapshot, CDS));
      assert.equal(decoded.typeUrl, CDS);
      assert.equal(decoded.nonce, '1');
      assert.equal(decoded.controlPlane.identifier, 'ricochet-test');
      const anyType = lookupType('google.protobuf.Any');
      const expected = [...(snapshot.types.get(CDS)?.resources.values() ?? [])].map((r) => Buffer.from(r.any));
      assert.deepEqual(decoded.resources.map((r) => Buffer.from(anyType.encode(r).finish())), expected);
    });

    it('versions are content hashes: a second server instance serves the same versions (rule 14, case 9)', async () => {
      const snapshot = publish();
      const otherCache = new SnapshotCache();
      otherCache.set(snapshotOf(VIEW, baseResources(), new ResourceEncoder()));
      const other = await startServer(otherCache);
      const a = connect();
      const b = connect({}, other.port);
      for (const client of [a, b]) client.request(CDS, []);
      const [ra, rb] = [await a.nextResponse(CDS), await b.nextResponse(CDS)];
      assert.equal(ra.versionInfo, rb.versionInfo);
      assert.equal(ra.versionInfo, versionOf(snapshot, CDS));
      assert.match(ra.versionInfo, /^[0-9a-f]{16}$/);
    });
  });

  describe('stream lifecycle (case 10)', () => {
    it('drops a cancelled stream: no sync status, no cache watcher left', async () => {
      publish();
      const client = connect();
      await subscribed(client, CDS);
      assert.equal(cache.watchers, 1);
      assert.equal(server.syncStatus().length, 1);
      client.close();
      await eventually(() => {
        assert.equal(server.metrics().streams, 0);
        assert.equal(cache.watchers, 0);
      });
      assert.deepEqual(server.syncStatus(), []);
    });

    it('ends open streams with UNAVAILABLE on close()', async () => {
      publish();
      const client = connect();
      await subscribed(client, CDS);
      await server.close();
      assert.equal((await client.status).code, grpc.status.UNAVAILABLE);
      assert.equal(cache.watchers, 0);
    });
  });
});
