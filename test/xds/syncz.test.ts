import * as assert from 'node:assert/strict';
import { configDumpFromDelivery } from '../../src/admin/configDump';
import { synczRows, type SynczRow } from '../../src/admin/syncz';
import { encodeAnyJson, type JsonObject } from '../../src/lib/protos/protoJson';
import { TypeUrl, type ProxyNode } from '../../src/xds/resources';
import { AdsClient, defaultNode, eventually } from '../support/adsClient';
import { baseResources, cluster, routeConfig } from './fixtures';
import { useAdsServer, VIEW } from './adsHarness';

/**
 * Per-proxy, per-type sync status (xds-protocol.md §2.2, §6.6; ux-and-libraries.md §1.1 for the
 * SYNCED / STALE / NOT SENT / NACKED rules) as `/debug/syncz` renders it, and the per-proxy config
 * dump of what was sent, against real ADS streams on 127.0.0.1.
 */

const CDS = TypeUrl.Cluster;
const EDS = TypeUrl.Endpoint;
const LDS = TypeUrl.Listener;
const RDS = TypeUrl.Route;

describe('sync status and /debug/syncz rows (xds-protocol.md §2.2)', function () {
  this.timeout(10_000);
  const ads = useAdsServer();
  const { connect, publish } = ads;

  function row(nodeId = defaultNode().id, now?: Date): SynczRow {
    const found = synczRows(ads.server.syncStatus(), now).find((r) => r.nodeId === nodeId);
    assert.ok(found, `no syncz row for ${nodeId}`);
    return found;
  }

  async function syncAll(client: AdsClient): Promise<void> {
    for (const [typeUrl, names] of [[CDS, []], [EDS, ['c1', 'c2']], [LDS, []], [RDS, ['r1']]] as const) {
      client.request(typeUrl, [...names]);
      client.ack(await client.nextResponse(typeUrl));
    }
    await eventually(() => {
      for (const t of [CDS, EDS, LDS, RDS]) assert.equal(row(client.node?.id).types[t]?.state, 'SYNCED');
    });
  }

  it('walks CDS through NOT SENT → STALE → SYNCED → STALE → NACKED → STALE → SYNCED, with versions, Envoy\'s message and change times', async () => {
    publish();
    const client = connect();
    client.request(CDS);
    const v1 = await client.nextResponse(CDS);
    // Sent, not yet ACKed.
    await eventually(() => assert.equal(row().types[CDS]?.state, 'STALE'));
    assert.equal(row().types[CDS]?.lastSentVersion, v1.versionInfo);
    assert.equal(row().types[CDS]?.lastAckedVersion, undefined);

    client.ack(v1);
    await eventually(() => assert.equal(row().types[CDS]?.state, 'SYNCED'));
    const synced = row().types[CDS];
    assert.equal(synced?.lastAckedVersion, v1.versionInfo);
    assert.equal(synced?.lastSentNonce, v1.nonce);

    // A push Envoy rejects: NACKED, with its message, the rejected version and the last ACKed one.
    publish({ ...baseResources(), clusters: [cluster('c1'), cluster('c2', { connectTimeout: '7s' })] });
    const bad = await client.nextResponse(CDS);
    await eventually(() => assert.equal(row().types[CDS]?.state, 'STALE'));
    client.nack(bad, 'cluster c2: Proto constraint validation failed');
    await eventually(() => assert.equal(row().types[CDS]?.state, 'NACKED'));
    const nacked = row().types[CDS];
    assert.equal(nacked?.lastNack?.message, 'cluster c2: Proto constraint validation failed');
    assert.equal(nacked?.lastNack?.version, bad.versionInfo);
    assert.equal(nacked?.lastAckedVersion, v1.versionInfo);
    assert.ok(Date.parse(nacked?.lastChangeAt ?? '') >= Date.parse(synced?.lastChangeAt ?? ''), 'the change time moved');

    // The next version goes out (STALE again) and its ACK syncs the type; the NACK stays as history.
    publish({ ...baseResources(), clusters: [cluster('c1'), cluster('c2', { connectTimeout: '2s' })] });
    const fixed = await client.nextResponse(CDS);
    assert.notEqual(fixed.versionInfo, bad.versionInfo);
    await eventually(() => assert.equal(row().types[CDS]?.state, 'STALE'));
    client.ack(fixed);
    await eventually(() => assert.equal(row().types[CDS]?.state, 'SYNCED'));
    assert.equal(row().types[CDS]?.lastAckedVersion, fixed.versionInfo);
    assert.equal(row().types[CDS]?.lastNack?.version, bad.versionInfo);
  });

  it('lists the four ADS types: NOT SENT for those never requested (since the stream connected), NOT SENT for one requested with nothing to send', async () => {
    publish({ ...baseResources(), endpoints: [] });
    const client = connect();
    client.request(CDS);
    client.ack(await client.nextResponse(CDS));
    client.request(EDS, ['c1']);
    await eventually(() => assert.equal(row().types[CDS]?.state, 'SYNCED'));
    const r = row();
    assert.deepEqual(Object.entries(r.types).map(([url, t]) => [url, t.type, t.state, t.requested]), [
      [CDS, 'CDS', 'SYNCED', true],
      [EDS, 'EDS', 'NOT SENT', true],
      [LDS, 'LDS', 'NOT SENT', false],
      [RDS, 'RDS', 'NOT SENT', false],
    ]);
    assert.equal(r.types[LDS]?.lastChangeAt, r.connectedAt);
  });

  it('renders times as ISO timestamps and seconds ago at render time', async () => {
    publish();
    const client = connect();
    await syncAll(client);
    const status = ads.server.syncStatus()[0];
    const changed = status?.types[CDS]?.lastChangeAt;
    assert.ok(changed && status);
    const now = new Date(changed.getTime() + 90_500);
    const r = row(undefined, now);
    assert.equal(r.types[CDS]?.lastChangeAt, changed.toISOString());
    assert.equal(r.types[CDS]?.lastChangeSecondsAgo, 90.5);
    assert.equal(r.connectedSecondsAgo, (now.getTime() - status.connectedAt.getTime()) / 1000);
    assert.equal(r.connectedAt, status.connectedAt.toISOString());
    assert.ok(r.types[CDS]?.lastAckedAt && r.types[CDS]?.lastSentAt);
  });

  it('one row per proxy, sorted by node id, with the identity its metadata declares', async () => {
    publish();
    const gateway: ProxyNode = { id: 'b-gateway', cluster: 'gw', metadata: { NAMESPACE: 'edge', SERVICE_ACCOUNT: 'gw-sa', ROLE: 'gateway', GATEWAY: 'edge/public' } };
    const sidecar: ProxyNode = { id: 'a-sidecar', cluster: 'app', metadata: { NAMESPACE: 'shop', LABELS: { app: 'cart' } } };
    connect(gateway).request(CDS);
    connect(sidecar).request(CDS);
    await eventually(() => assert.equal(ads.server.syncStatus().length, 2));
    const rows = synczRows(ads.server.syncStatus());
    assert.deepEqual(rows.map((r) => r.nodeId), ['a-sidecar', 'b-gateway']);
    assert.deepEqual(rows[1]?.identity, { role: 'gateway', namespace: 'edge', serviceAccount: 'gw-sa', gateway: 'edge/public', labels: {} });
    assert.deepEqual(rows[0]?.identity, { role: 'sidecar', namespace: 'shop', serviceAccount: 'default', labels: { app: 'cart' } });
    assert.equal(rows[0]?.viewKey, VIEW);
    assert.deepEqual(rows[0]?.node, sidecar);
  });

  describe('config dump of what was sent (/debug/config_dump?proxy=)', () => {
    const dumpOf = (): { configs: JsonObject[] } => {
      const delivery = ads.server.deliveries()[0];
      assert.ok(delivery);
      return configDumpFromDelivery(delivery) as { configs: JsonObject[] };
    };
    const config = (dump: { configs: JsonObject[] }, kind: string): JsonObject => {
      const found = dump.configs.find((c) => c['@type'] === `type.googleapis.com/envoy.admin.v3.${kind}`);
      assert.ok(found, kind);
      return found;
    };

    it('shows the sent routes while a newer snapshot is held back behind an un-ACKed CDS (not the current snapshot)', async () => {
      publish();
      const client = connect();
      await syncAll(client);
      const ackedRds = ads.server.syncStatus()[0]?.types[RDS]?.lastAckedVersion;
      publish({ ...baseResources(), clusters: [cluster('c1'), cluster('c2'), cluster('c3')] });
      const cds2 = await client.nextResponse(CDS);
      await client.nextResponse(EDS); // the CLAs of the new clusters follow at once (rule 15), not ACKed either
      // Held back: CDS v2 is un-ACKed and v3 changes clusters again (rule 16), so the new route waits.
      publish({ ...baseResources(), clusters: [cluster('c1'), cluster('c2'), cluster('c4')], routes: [routeConfig('r1', 'c1', '/v3')] });
      await client.expectNoResponse(150);

      const dump = dumpOf();
      const routes = config(dump, 'RoutesConfigDump').dynamicRouteConfigs as JsonObject[];
      assert.equal(routes.length, 1);
      const sent = routes[0] as { versionInfo: string; clientStatus: string; routeConfig: { virtualHosts: Array<{ routes: Array<{ match: { prefix: string } }> }> } };
      assert.equal(sent.routeConfig.virtualHosts[0]?.routes[0]?.match.prefix, '/', 'the route as sent, not /v3');
      assert.equal(sent.versionInfo, ackedRds);
      assert.equal(sent.clientStatus, 'ACKED');
      const clusters = config(dump, 'ClustersConfigDump');
      assert.equal(clusters.versionInfo, cds2.versionInfo);
      const active = clusters.dynamicActiveClusters as Array<{ cluster: { name: string }; clientStatus: string; versionInfo: string }>;
      assert.deepEqual(active.map((c) => [c.cluster.name, c.clientStatus, c.versionInfo]), ['c1', 'c2', 'c3'].map((n) => [n, 'REQUESTED', cds2.versionInfo]));
      // Every config is an envoy.admin.v3 message Envoy's protos can encode.
      for (const c of dump.configs) encodeAnyJson(c);
    });

    it('marks a rejected resource NACKED with Envoy\'s message, keeping the copy the proxy runs', async () => {
      publish();
      const client = connect();
      await syncAll(client);
      publish({ ...baseResources(), routes: [routeConfig('r1', 'c1', '/bad')] });
      const bad = await client.nextResponse(RDS);
      client.nack(bad, 'regex program size too large');
      await eventually(() => assert.equal(ads.server.syncStatus()[0]?.types[RDS]?.state, 'NACKED'));
      const dump = dumpOf();
      const [route] = config(dump, 'RoutesConfigDump').dynamicRouteConfigs as Array<{
        clientStatus: string;
        routeConfig: JsonObject;
        errorState: { details: string; versionInfo: string; failedConfiguration: { virtualHosts: Array<{ routes: Array<{ match: { prefix: string } }> }> } };
      }>;
      assert.equal(route?.clientStatus, 'NACKED');
      assert.equal(route?.errorState.details, 'regex program size too large');
      assert.equal(route?.errorState.versionInfo, bad.versionInfo);
      assert.equal(route?.errorState.failedConfiguration.virtualHosts[0]?.routes[0]?.match.prefix, '/bad');
      assert.ok(route?.routeConfig, 'the last ACKed copy is still shown');
      for (const c of dump.configs) encodeAnyJson(c);
    });
  });
});
