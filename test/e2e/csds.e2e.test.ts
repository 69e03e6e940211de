import * as assert from 'node:assert/strict';
import { requireEnvoy } from '../support/envoy';
import { sleep } from '../support/processes';
import { get } from '../support/http';
import { CsdsClient, configsOfType, type ClientConfigJson } from '../support/csdsClient';
import { startMesh, firstRouteRetryPolicy, camelizeKeys, type MeshHarness } from '../support/mesh';
import { NACK_SOURCES, hugeRegexVirtualService } from '../support/nackSources';

/**
 * Proxy status on a real Envoy (issue 5, "Proxy status and config"; xds-protocol.md §2.2, §2.3
 * case 1; ux-and-libraries.md §1.1): once Envoy has ACKed everything, /debug/syncz and Envoy's
 * CSDS service on the ADS port both say SYNCED for CDS, EDS, LDS and RDS at the versions Envoy
 * itself reports; /debug/config_dump?proxy= matches what Envoy holds; a config Envoy rejects (an
 * RE2 program over Envoy's size limit, as in nack.e2e.test.ts) shows as NACKED / ERROR with
 * Envoy's own message and the rejected version.
 */
const SOURCES = NACK_SOURCES;
const HUGE_REGEX_VS = hugeRegexVirtualService();

const TYPES = {
  CDS: 'type.googleapis.com/envoy.config.cluster.v3.Cluster',
  EDS: 'type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment',
  LDS: 'type.googleapis.com/envoy.config.listener.v3.Listener',
  RDS: 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration',
} as const;
const NODE = 'app.default';

interface SynczTypeJson {
  type: string;
  state: string;
  lastAckedVersion?: string;
  lastChangeSecondsAgo?: number;
  lastNack?: { version: string; message: string };
}
interface SynczRowJson {
  nodeId: string;
  identity: { namespace: string; serviceAccount: string; role: string };
  userAgent?: string;
  types: Record<string, SynczTypeJson>;
}
interface RouteDump {
  versionInfo?: string;
  clientStatus?: string;
  routeConfig?: { name: string };
  errorState?: { details?: string; versionInfo?: string };
}

describe('e2e: proxy status (/debug/syncz, CSDS, config_dump?proxy=) on a real Envoy', function () {
  this.timeout(60_000);
  let mesh: MeshHarness;
  let csds: CsdsClient;

  before(async function () {
    requireEnvoy(this);
    mesh = await startMesh({ sources: SOURCES, seed: 5 });
    csds = new CsdsClient(mesh.ports.xds);
    await mesh.envoy.waitFor((d) => firstRouteRetryPolicy(d, 'flaky.test:80')?.retryOn === '5xx', 15_000);
  });
  after(async () => {
    csds?.close();
    await mesh?.close();
  });

  const syncz = async (): Promise<SynczRowJson | undefined> => (await mesh.adminJson<SynczRowJson[]>('/debug/syncz')).find((p) => p.nodeId === NODE);
  const fetchProxy = async (): Promise<ClientConfigJson | undefined> => {
    const configs = await csds.fetch({ nodeMatchers: [{ nodeId: { exact: NODE } }] });
    assert.equal(configs.length, 1, 'node_matchers select the one Envoy');
    return configs[0];
  };
  async function until<T>(read: () => Promise<T>, ok: (v: T) => boolean, what: string): Promise<T> {
    let value = await read();
    for (let i = 0; i < 100 && !ok(value); i++) {
      await sleep(100);
      value = await read();
    }
    assert.ok(ok(value), `${what}: ${JSON.stringify(value)}`);
    return value;
  }

  it('/debug/syncz and CSDS both show SYNCED for CDS, EDS, LDS and RDS at the versions Envoy reports', async () => {
    const row = await until(syncz, (r) => Object.values(TYPES).every((t) => r?.types[t]?.state === 'SYNCED'), 'all SYNCED in /debug/syncz');
    assert.deepEqual(Object.keys(TYPES).map((k) => row?.types[TYPES[k as keyof typeof TYPES]]?.type), ['CDS', 'EDS', 'LDS', 'RDS']);
    assert.equal(row?.identity.namespace, 'default');
    assert.equal(row?.identity.role, 'sidecar');
    assert.match(row?.userAgent ?? '', /^envoy\/\d+\.\d+\.\d+$/, 'Envoy\'s user agent and build version');
    assert.ok((row?.types[TYPES.RDS]?.lastChangeSecondsAgo ?? -1) >= 0);

    const config = await fetchProxy();
    assert.equal(config?.node?.id, NODE);
    for (const [short, typeUrl] of Object.entries(TYPES)) {
      const entries = configsOfType(config, typeUrl);
      assert.ok(entries.length > 0, `${short}: CSDS lists the type`);
      for (const g of entries) {
        assert.equal(g.configStatus, 'SYNCED', `${short} ${g.name}`);
        assert.equal(g.clientStatus, 'ACKED', `${short} ${g.name}`);
        assert.equal(g.versionInfo, row?.types[typeUrl]?.lastAckedVersion, `${short} ${g.name}: the ACKed version`);
        assert.equal(g.xdsConfig?.['@type'], typeUrl);
      }
    }
    assert.ok(configsOfType(config, TYPES.CDS).some((g) => g.name === 'outbound|80||flaky.test'));

    // Envoy's own dump agrees on the route versions with what we say we sent it.
    const ours = await mesh.adminJson<{ configs: Array<{ '@type': string; dynamicRouteConfigs?: RouteDump[] }> }>(`/debug/config_dump?proxy=${NODE}`);
    const envoys = camelizeKeys(await mesh.envoy.configDump()) as { configs: Array<{ '@type': string; dynamicRouteConfigs?: RouteDump[] }> };
    const routes = (dump: typeof ours): string[] =>
      (dump.configs.find((c) => c['@type'].endsWith('.RoutesConfigDump'))?.dynamicRouteConfigs ?? []).map((r) => `${r.routeConfig?.name} ${r.versionInfo}`).sort();
    assert.ok(routes(ours).length > 0);
    assert.deepEqual(routes(ours), routes(envoys), JSON.stringify(envoys.configs.map((c) => c['@type'])));
  });

  it('names the connected proxies in a Status 404 for an unknown proxy', async () => {
    const res = await get(`http://127.0.0.1:${mesh.ports.admin}/debug/config_dump?proxy=nobody`);
    assert.equal(res.status, 404);
    const status = JSON.parse(res.body) as { kind: string; code: number; reason: string; message: string };
    assert.equal(status.kind, 'Status');
    assert.equal(status.reason, 'NotFound');
    assert.match(status.message, /app\.default/);
  });

  it('a config Envoy rejects shows NACKED / ERROR via CSDS with Envoy\'s message and the rejected version', async () => {
    const before = await syncz();
    mesh.writeSource('virtualservice.yaml', HUGE_REGEX_VS);
    const row = await until(syncz, (r) => r?.types[TYPES.RDS]?.state === 'NACKED', 'RDS NACKED in /debug/syncz');
    const nack = row?.types[TYPES.RDS]?.lastNack;
    assert.match(nack?.message ?? '', /program size/i);

    const config = await fetchProxy();
    const rds = configsOfType(config, TYPES.RDS);
    const rejected = rds.filter((g) => g.clientStatus === 'NACKED');
    assert.ok(rejected.length > 0, JSON.stringify(rds));
    for (const g of rejected) {
      assert.equal(g.configStatus, 'ERROR');
      assert.equal(g.errorState?.details, nack?.message, 'Envoy\'s own error_detail');
      assert.equal(g.errorState?.versionInfo, nack?.version, 'the rejected version');
      assert.equal(g.versionInfo, before?.types[TYPES.RDS]?.lastAckedVersion, 'Envoy still runs the last ACKed routes');
      assert.match(JSON.stringify(g.errorState?.failedConfiguration ?? {}), /a\{1,100\}b\{1,100\}/, 'the rejected route configuration');
    }
    // The other types are not affected.
    for (const typeUrl of [TYPES.CDS, TYPES.EDS, TYPES.LDS]) {
      assert.ok(configsOfType(config, typeUrl).every((g) => g.configStatus === 'SYNCED'), typeUrl);
    }
    // And the per-proxy config dump says the same.
    const dump = await mesh.adminJson<{ configs: Array<{ '@type': string; dynamicRouteConfigs?: RouteDump[] }> }>(`/debug/config_dump?proxy=${NODE}`);
    const routes = dump.configs.find((c) => c['@type'].endsWith('.RoutesConfigDump'))?.dynamicRouteConfigs ?? [];
    assert.ok(routes.some((r) => r.clientStatus === 'NACKED' && r.errorState?.details === nack?.message), JSON.stringify(routes));
  });
});
