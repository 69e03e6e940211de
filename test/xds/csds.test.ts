import * as assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { TypeUrl, type ProxyNode } from '../../src/xds/resources';
import { registerCsds } from '../../src/xds/server/csds';
import { AdsClient, defaultNode, eventually, type AdsResponse } from '../support/adsClient';
import { CsdsClient, configsOfType, type ClientConfigJson, type GenericXdsConfigJson } from '../support/csdsClient';
import { baseResources, cluster } from './fixtures';
import { useAdsServer } from './adsHarness';

/**
 * Envoy's CSDS (envoy.service.status.v3.ClientStatusDiscoveryService, xds-protocol.md §2.2;
 * ux-and-libraries.md §1.1 for the per-type config_status rule) served on the ADS port, read with
 * a grpc-js client on the same hand-built definition, against real ADS streams on 127.0.0.1.
 */

const CDS = TypeUrl.Cluster;
const EDS = TypeUrl.Endpoint;
const LDS = TypeUrl.Listener;
const RDS = TypeUrl.Route;

describe('CSDS server (xds-protocol.md §2.2)', function () {
  this.timeout(10_000);
  let csds: CsdsClient;
  const ads = useAdsServer({ register: registerCsds, beforeClose: () => csds.close() });
  const { connect, publish } = ads;

  beforeEach(() => {
    csds = new CsdsClient(ads.port);
  });

  /** Requests and ACKs all four types, like Envoy at start-up; returns the ACKed responses. */
  async function syncAll(client: AdsClient): Promise<Record<string, AdsResponse>> {
    const acked: Record<string, AdsResponse> = {};
    for (const [typeUrl, names] of [[CDS, []], [EDS, ['c1', 'c2']], [LDS, []], [RDS, ['r1']]] as const) {
      client.request(typeUrl, [...names]);
      const response = await client.nextResponse(typeUrl);
      client.ack(response);
      acked[typeUrl] = response;
    }
    await eventually(() => {
      const types = ads.server.syncStatus().find((s) => s.nodeId === client.node?.id)?.types ?? {};
      for (const t of [CDS, EDS, LDS, RDS]) assert.equal(types[t]?.state, 'SYNCED');
    });
    return acked;
  }

  const entry = (config: ClientConfigJson | undefined, typeUrl: string, name: string): GenericXdsConfigJson => {
    const found = configsOfType(config, typeUrl).find((g) => g.name === name);
    assert.ok(found, `no ${typeUrl} ${name} in ${JSON.stringify(configsOfType(config, typeUrl))}`);
    return found;
  };

  it('answers FetchClientStatus with one ClientConfig per proxy: the node, every resource ACKED and SYNCED, as sent', async () => {
    publish();
    const client = connect();
    const acked = await syncAll(client);
    const [config, ...more] = await csds.fetch();
    assert.equal(more.length, 0);
    assert.equal(config?.node?.id, defaultNode().id);
    assert.deepEqual(config?.node?.metadata, defaultNode().metadata, 'the node as the proxy sent it');
    for (const [typeUrl, response] of Object.entries(acked)) {
      const entries = configsOfType(config, typeUrl);
      assert.deepEqual(entries.map((g) => g.name), response.names, `${typeUrl}: one entry per resource`);
      for (const [i, g] of entries.entries()) {
        assert.equal(g.configStatus, 'SYNCED');
        assert.equal(g.clientStatus, 'ACKED');
        assert.equal(g.versionInfo, response.versionInfo);
        assert.deepEqual(g.xdsConfig, response.resources[i], 'xds_config is the resource as sent');
        assert.ok(Date.now() - Date.parse(g.lastUpdated ?? '') < 5000, `last_updated ${g.lastUpdated}`);
      }
    }
  });

  it('a response waiting for its ACK is STALE, its resources REQUESTED at the in-flight version', async () => {
    publish();
    const client = connect();
    const acked = await syncAll(client);
    publish({ ...baseResources(), clusters: [cluster('c1'), cluster('c2'), cluster('c3')] });
    const pending = await client.nextResponse(CDS);
    const [config] = await csds.fetch();
    const cds = configsOfType(config, CDS);
    assert.deepEqual(cds.map((g) => [g.name, g.configStatus, g.clientStatus, g.versionInfo]), [
      ['c1', 'STALE', 'REQUESTED', pending.versionInfo],
      ['c2', 'STALE', 'REQUESTED', pending.versionInfo],
      ['c3', 'STALE', 'REQUESTED', pending.versionInfo],
    ]);
    assert.notEqual(pending.versionInfo, acked[CDS]?.versionInfo);
    // Once ACKed: SYNCED at the new version.
    client.ack(pending);
    await eventually(() => assert.equal(ads.server.syncStatus()[0]?.types[CDS]?.state, 'SYNCED'));
    const [after] = await csds.fetch();
    assert.deepEqual(configsOfType(after, CDS).map((g) => [g.configStatus, g.clientStatus, g.versionInfo]), Array(3).fill(['SYNCED', 'ACKED', pending.versionInfo]));
  });

  it('a NACK is ERROR / NACKED with Envoy\'s message, the rejected version and config, and the copy the proxy still runs', async () => {
    publish();
    const client = connect();
    const acked = await syncAll(client);
    publish({ ...baseResources(), clusters: [cluster('c1'), cluster('c2', { connectTimeout: '5s' })] });
    const rejected = await client.nextResponse(CDS);
    client.nack(rejected, 'cluster c2: invalid connect_timeout');
    await eventually(() => assert.equal(ads.server.syncStatus()[0]?.types[CDS]?.state, 'NACKED'));

    const [config] = await csds.fetch();
    const c2 = entry(config, CDS, 'c2');
    assert.equal(c2.configStatus, 'ERROR');
    assert.equal(c2.clientStatus, 'NACKED');
    assert.equal(c2.errorState?.details, 'cluster c2: invalid connect_timeout');
    assert.equal(c2.errorState?.versionInfo, rejected.versionInfo, 'the rejected version, not the request\'s last good one');
    assert.equal(c2.errorState?.failedConfiguration?.connectTimeout, '5s');
    assert.ok(Date.parse(c2.errorState?.lastUpdateAttempt ?? '') > 0);
    // The proxy keeps running the last ACKed copy (rule 5): that is the entry's version and config.
    assert.equal(c2.versionInfo, acked[CDS]?.versionInfo);
    assert.equal(c2.xdsConfig?.connectTimeout, undefined);
    // Other types are untouched.
    assert.ok(configsOfType(config, RDS).every((g) => g.configStatus === 'SYNCED'));
  });

  it('lists a type never requested as NOT_SENT, and a named resource that does not exist as DOES_NOT_EXIST', async () => {
    publish();
    const client = connect();
    client.request(CDS);
    client.ack(await client.nextResponse(CDS));
    client.request(EDS, ['c1', 'nope']);
    client.ack(await client.nextResponse(EDS));
    await eventually(() => assert.equal(ads.server.syncStatus()[0]?.types[EDS]?.state, 'SYNCED'));
    const [config] = await csds.fetch();
    assert.deepEqual(configsOfType(config, EDS).map((g) => [g.name, g.clientStatus]), [['c1', 'ACKED'], ['nope', 'DOES_NOT_EXIST']]);
    for (const typeUrl of [LDS, RDS]) {
      const entries = configsOfType(config, typeUrl);
      assert.equal(entries.length, 1, `${typeUrl}: one type-level entry`);
      assert.equal(entries[0]?.configStatus, 'NOT_SENT');
      assert.equal(entries[0]?.name, undefined);
    }
  });

  it('requested but nothing sent yet (no snapshot for the view) is NOT_SENT / REQUESTED', async () => {
    const client = connect();
    client.request(CDS);
    await eventually(() => assert.ok(ads.server.syncStatus()[0]));
    const [config] = await csds.fetch();
    assert.deepEqual(configsOfType(config, CDS).map((g) => [g.configStatus, g.clientStatus]), [['NOT_SENT', 'REQUESTED']]);
  });

  describe('node_matchers (OR of NodeMatcher: node_id and node_metadatas)', () => {
    const sidecar: ProxyNode = { id: 'sidecar~10.0.0.1~app-1.default', cluster: 'app', metadata: { NAMESPACE: 'default', ROLE: 'sidecar' } };
    const gateway: ProxyNode = { id: 'router~10.0.0.2~gw-1.edge', cluster: 'gw', metadata: { NAMESPACE: 'edge', ROLE: 'gateway', GATEWAY: 'edge/gw' } };

    async function ids(request: Parameters<CsdsClient['fetch']>[0]): Promise<string[]> {
      return (await csds.fetch(request)).map((c) => String(c.node?.id));
    }

    beforeEach(async () => {
      publish();
      for (const node of [gateway, sidecar]) connect(node).request(CDS);
      await eventually(() => assert.equal(ads.server.syncStatus().length, 2));
    });

    it('without matchers returns every proxy, sorted by node id', async () => {
      assert.deepEqual(await ids({}), [gateway.id, sidecar.id]);
    });

    it('matches node id exact, prefix, suffix, contains (ignore_case) and safe_regex (whole id)', async () => {
      assert.deepEqual(await ids({ nodeMatchers: [{ nodeId: { exact: sidecar.id } }] }), [sidecar.id]);
      assert.deepEqual(await ids({ nodeMatchers: [{ nodeId: { exact: 'sidecar~' } }] }), []);
      assert.deepEqual(await ids({ nodeMatchers: [{ nodeId: { prefix: 'router~' } }] }), [gateway.id]);
      assert.deepEqual(await ids({ nodeMatchers: [{ nodeId: { suffix: '.EDGE', ignoreCase: true } }] }), [gateway.id]);
      assert.deepEqual(await ids({ nodeMatchers: [{ nodeId: { contains: 'app-1' } }] }), [sidecar.id]);
      assert.deepEqual(await ids({ nodeMatchers: [{ nodeId: { safeRegex: { regex: 'sidecar~.*' } } }] }), [sidecar.id]);
      assert.deepEqual(await ids({ nodeMatchers: [{ nodeId: { safeRegex: { regex: 'sidecar' } } }] }), [], 'a full match, not a search');
    });

    it('matches node metadata (StructMatcher) and ORs the matchers', async () => {
      const role = (value: string) => ({ nodeMetadatas: [{ path: [{ key: 'ROLE' }], value: { stringMatch: { exact: value } } }] });
      assert.deepEqual(await ids({ nodeMatchers: [role('gateway')] }), [gateway.id]);
      assert.deepEqual(await ids({ nodeMatchers: [{ nodeMetadatas: [{ path: [{ key: 'GATEWAY' }], value: { presentMatch: true } }] }] }), [gateway.id]);
      assert.deepEqual(await ids({ nodeMatchers: [{ nodeId: { prefix: 'sidecar' }, ...role('gateway') }] }), [], 'within a matcher: AND');
      assert.deepEqual(await ids({ nodeMatchers: [role('gateway'), { nodeId: { prefix: 'sidecar' } }] }), [gateway.id, sidecar.id], 'across matchers: OR');
    });

    it('rejects a matcher it cannot evaluate with INVALID_ARGUMENT naming the field', async () => {
      await assert.rejects(csds.fetch({ nodeMatchers: [{ nodeId: { safeRegex: { regex: '(' } } }] }), (err: grpc.ServiceError) => {
        assert.equal(err.code, grpc.status.INVALID_ARGUMENT);
        assert.match(err.details, /node_matchers\[0\]\.node_id\.safe_regex/);
        return true;
      });
      await assert.rejects(csds.fetch({ nodeMatchers: [{ nodeId: { ignoreCase: true } }] }), (err: grpc.ServiceError) => err.code === grpc.status.INVALID_ARGUMENT);
    });
  });

  it('leaves resource contents out when exclude_resource_contents is set', async () => {
    publish();
    await syncAll(connect());
    const [full] = await csds.fetch();
    const [bare] = await csds.fetch({ excludeResourceContents: true });
    assert.ok(full?.genericXdsConfigs?.some((g) => g.xdsConfig));
    assert.ok(bare?.genericXdsConfigs?.length);
    assert.ok(bare?.genericXdsConfigs?.every((g) => g.xdsConfig === undefined && g.versionInfo));
  });

  it('StreamClientStatus answers each request with the state at that moment', async () => {
    publish();
    const client = connect();
    client.request(CDS);
    const response = await client.nextResponse(CDS);
    const answers = await csds.stream([{}, {}], async () => {
      client.ack(response);
      await eventually(() => assert.equal(ads.server.syncStatus()[0]?.types[CDS]?.state, 'SYNCED'));
    });
    assert.deepEqual(answers.map((a) => configsOfType(a[0], CDS).map((g) => g.configStatus)), [['STALE', 'STALE'], ['SYNCED', 'SYNCED']]);
  });
});
