import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { requireEnvoy, startEnvoy, type EnvoyProcess } from '../support/envoy';
import { get } from '../support/http';
import { startApiServer, type ApiServer } from '../support/kubectl';
import { freePort } from '../support/processes';
import { repoPath } from '../support/paths';
import { eventually, removeDir, ricochet, said, scratchDir, tableOf } from './cliHarness';

interface Bootstrap {
  node: { id: string; cluster: string; metadata: Record<string, unknown> };
  static_resources: { clusters: Array<{ name: string; type: string; load_assignment: { endpoints: Array<{ lb_endpoints: Array<{ endpoint: { address: { socket_address: { address: string; port_value: number } } } }> }> } }> };
  admin: { address: { socket_address: { address: string; port_value: number } } };
  dynamic_resources: unknown;
}

function xdsAddressOf(b: Bootstrap): { address: string; port_value: number } {
  const c = b.static_resources.clusters.find((x) => x.name === 'ricochet_xds');
  assert.ok(c, 'the ricochet_xds cluster');
  return c.load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address;
}

describe('cli: ricochet bootstrap (DESIGN.md, proxy identity)', function () {
  this.timeout(40_000);
  const dirs: string[] = [];
  after(() => dirs.forEach(removeDir));
  const writeTemp = (name: string, text: string): string => {
    const dir = scratchDir({ [name]: text });
    dirs.push(dir);
    return path.join(dir, name);
  };

  it('envoy/bootstrap.yaml with the identity of the flags in node metadata (Istio\'s keys), the ADS address and admin port', async () => {
    const r = await ricochet(['bootstrap', '--node-id', 'reviews-v1.prod', '--namespace', 'prod', '--service-account', 'bookinfo-reviews',
      '--labels', 'app=reviews,version=v1,kuma.io/service=reviews', '--xds-address', '127.0.0.1:28000', '--admin-port', '29901']);
    assert.equal(r.status, 0, said(r));
    const b = parse(r.stdout) as Bootstrap;
    assert.deepEqual(b.node, {
      id: 'reviews-v1.prod', cluster: 'reviews',
      metadata: { NAMESPACE: 'prod', SERVICE_ACCOUNT: 'bookinfo-reviews', LABELS: { app: 'reviews', version: 'v1', 'kuma.io/service': 'reviews' }, ROLE: 'sidecar' },
    });
    assert.deepEqual(xdsAddressOf(b), { address: '127.0.0.1', port_value: 28000 });
    assert.deepEqual(b.admin.address.socket_address, { address: '127.0.0.1', port_value: 29901 });
    // Everything else is the template's: the same ADS setup as the README's Envoy.
    const template = parse(fs.readFileSync(repoPath('envoy', 'bootstrap.yaml'), 'utf8')) as Bootstrap;
    assert.deepEqual(b.dynamic_resources, template.dynamic_resources);
    assert.match(r.stdout, /^# Envoy bootstrap for node reviews-v1\.prod: a sidecar in namespace prod, service account bookinfo-reviews\./);
    assert.doesNotMatch(r.stdout, /sidecar of the app "app"/); // the template's own header is replaced
  });

  it('a gateway proxy: --gateway ns/name sets ROLE gateway and GATEWAY; a host name for ADS makes the cluster STRICT_DNS', async () => {
    const r = await ricochet(['bootstrap', '--node-id', 'gw', '--gateway', 'infra/public', '--xds-address', 'localhost:18000', '-o', 'json']);
    assert.equal(r.status, 0, said(r));
    const b = JSON.parse(r.stdout) as Bootstrap;
    assert.equal(b.node.metadata.ROLE, 'gateway');
    assert.equal(b.node.metadata.GATEWAY, 'infra/public');
    assert.equal(b.static_resources.clusters[0].type, 'STRICT_DNS');
  });

  it('Envoy accepts every variant (envoy --mode validate)', async function () {
    const envoy = requireEnvoy(this);
    const variants = [
      ['--node-id', 'a.default'],
      ['--node-id', 'b.prod', '--namespace', 'prod', '--labels', 'app=b', '--role', 'sidecar', '--admin-port', '19999'],
      ['--node-id', 'gw', '--gateway', 'default/gw', '--xds-address', 'localhost:18000'],
      ['--node-id', 'j', '-o', 'json'],
    ];
    for (const flags of variants) {
      const r = await ricochet(['bootstrap', ...flags]);
      assert.equal(r.status, 0, said(r));
      const file = writeTemp(flags.includes('json') ? 'bootstrap.json' : 'bootstrap.yaml', r.stdout);
      const v = spawnSync(envoy, ['--mode', 'validate', '-c', file, '--log-level', 'error'], { encoding: 'utf8', timeout: 20_000 });
      assert.equal(v.status, 0, `${flags.join(' ')}: ${v.stdout}${v.stderr}`);
      assert.match(v.stdout + v.stderr, /OK/);
    }
  });

  it('flags Ricochet cannot use: a message and a non-zero exit', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['--node-id', 'x', '--role', 'sidecar', '--gateway', 'a/b'], /cannot be used with --role sidecar/],
      [['--node-id', 'x', '--gateway', 'nogateway'], /write <namespace>\/<name>/],
      [['--node-id', 'x', '--labels', 'app'], /"app" is not key=value/],
      [['--node-id', 'x', '--admin-port', '70000'], /--admin-port 70000/],
      [['--node-id', 'x', '--xds-address', 'nowhere'], /is not host:port/],
      [[], /required option '--node-id <id>' not specified/],
    ];
    for (const [flags, message] of cases) {
      const r = await ricochet(['bootstrap', ...flags]);
      assert.notEqual(r.status, 0, `${flags.join(' ')}: ${said(r)}`);
      assert.match(r.stderr, message, flags.join(' '));
    }
  });

  describe('an Envoy started from it, connected to ricochet serve', () => {
    let api: ApiServer;
    let envoy: EnvoyProcess;
    before(async function () {
      requireEnvoy(this);
      const xds = await freePort();
      api = await startApiServer(['--xds-address', `127.0.0.1:${xds}`, '--egress-address', `127.0.0.1:${await freePort()}`]);
      for (const f of ['retry.yaml', 'services.yaml']) fs.copyFileSync(repoPath('examples', 'fsm-retry-curl-httpbin', f), path.join(api.sourcesDir, f));
      const adminPort = await freePort();
      const r = await ricochet(['bootstrap', '--node-id', 'curl-1.curl', '--namespace', 'curl', '--service-account', 'curl', '--labels', 'app=curl',
        '--xds-address', `127.0.0.1:${xds}`, '--admin-port', String(adminPort)]);
      assert.equal(r.status, 0, said(r));
      envoy = await startEnvoy({ config: writeTemp('bootstrap.yaml', r.stdout), adminPort });
    });
    after(async () => {
      await envoy?.stop();
      await api?.close();
    });

    it('Ricochet reads the identity from it (/debug/syncz) and compiles for it: FSM\'s Retry for ServiceAccount curl reaches this proxy', async () => {
      const syncz = JSON.parse((await get(`${api.url}/debug/syncz`)).body) as Array<{ nodeId: string; identity?: Record<string, unknown> }>;
      assert.deepEqual(syncz.map((s) => s.nodeId), ['curl-1.curl']);
      assert.deepEqual(syncz[0].identity, { role: 'sidecar', namespace: 'curl', serviceAccount: 'curl', labels: { app: 'curl' } });
      const row = await eventually(async () => {
        const out = await ricochet(['proxy-config', 'routes', 'curl-1.curl'], { server: api.url });
        return tableOf(out.stdout).find((x) => x['VHOST NAME'] === 'httpbin.httpbin.svc.cluster.local:14001' && x.RETRY !== '-');
      }, 'the httpbin route with its retry policy');
      assert.equal(row.RETRY, '5xx/5/1s');
      assert.equal(row.FROM, 'Retry curl/retry');
    });
  });
});
