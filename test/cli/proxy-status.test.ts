import * as assert from 'node:assert/strict';
import * as net from 'node:net';
import * as path from 'node:path';
import { envoyBinary, requireEnvoy, startEnvoy, type EnvoyProcess } from '../support/envoy';
import { startApiServer, type ApiServer } from '../support/kubectl';
import { SERVICE_ENTRY, VS_RETRY_5XX } from '../support/flakySources';
import { startMesh, type MeshHarness } from '../support/mesh';
import { freePort } from '../support/processes';
import { STATUS_HEADER, cell, statusRows, type ProxySyncJson } from '../../src/cli/proxyStatus';
import { eventually, removeDir, ricochet, said, scratchDir, tableOf } from './cliHarness';

const SYNCED = /^SYNCED \(\d+s\)$/;

describe('cli: ricochet proxy-status on real Envoys (ux-and-libraries.md §1.1, xds-protocol.md)', function () {
  this.timeout(40_000);

  describe('a synced sidecar', () => {
    let mesh: MeshHarness;
    let server: string;
    before(async function () {
      requireEnvoy(this);
      mesh = await startMesh({ sources: { 'serviceentry.yaml': SERVICE_ENTRY, 'virtualservice.yaml': VS_RETRY_5XX } });
      server = `http://127.0.0.1:${mesh.ports.admin}`;
    });
    after(async () => mesh?.close());

    it('istioctl\'s columns; each xDS type SYNCED with its age; ECDS never sent; the control plane; the Envoy version', async () => {
      const r = await eventually(async () => {
        const out = await ricochet(['proxy-status'], { server });
        return /RDS/.test(out.stdout) && !/STALE|NOT SENT \(/.test(out.stdout) ? out : undefined;
      }, 'every type synced');
      assert.equal(r.status, 0, said(r));
      assert.match(r.stdout, /^NAME {5,}CLUSTER {5,}CDS {5,}LDS {5,}EDS {5,}RDS {5,}ECDS {5,}ISTIOD {5,}VERSION\n/);
      const [row, ...others] = tableOf(r.stdout);
      assert.deepEqual(others, []);
      assert.equal(row.NAME, 'app.default');
      assert.equal(row.CLUSTER, 'app');
      for (const t of ['CDS', 'LDS', 'EDS', 'RDS']) assert.match(row[t], SYNCED, `${t}: ${r.stdout}`);
      assert.equal(row.ECDS, 'NOT SENT');
      assert.equal(row.ISTIOD, `127.0.0.1:${mesh.ports.admin}`);
      // The node's user agent: `envoy/<version>`, the version the installer recorded when it did.
      const found = envoyBinary();
      if ('version' in found && found.version) assert.equal(row.VERSION, `envoy/${found.version}`);
      else assert.match(row.VERSION, /^envoy\/\d+\.\d+\.\d+$/);
    });

    it('`ps` is the alias; with a proxy name: per type the version sent and the one acknowledged (equal when SYNCED)', async () => {
      const r = await ricochet(['ps', 'app.default'], { server });
      assert.equal(r.status, 0, said(r));
      const [title, ...table] = r.stdout.trimEnd().split('\n');
      assert.match(title, /^proxy app\.default, connected \d+s ago, view sidecar/);
      const rows = tableOf(table.join('\n'));
      assert.deepEqual(rows.map((x) => x.TYPE), ['CDS', 'EDS', 'LDS', 'RDS']);
      for (const x of rows) {
        assert.match(x.STATUS, SYNCED);
        assert.match(x.SENT, /^[0-9a-f]{8,}$/);
        assert.equal(x.ACKED, x.SENT);
        assert.equal(x.NACKED, '-');
      }
    });

    it('-o json: the /debug/syncz records; an unknown proxy: exit 1', async () => {
      const j = await ricochet(['proxy-status', '-o', 'json'], { server });
      assert.equal(j.status, 0, said(j));
      assert.deepEqual((JSON.parse(j.stdout) as ProxySyncJson[]).map((p) => p.nodeId), ['app.default']);
      const r = await ricochet(['proxy-status', 'nope'], { server });
      assert.equal(r.status, 1, said(r));
      assert.equal(r.stderr, `error: no proxy with node id "nope" is connected to ${server}\n`);
    });
  });

  describe('a proxy that rejects its listeners (a real NACK)', () => {
    let blocker: net.Server;
    let api: ApiServer;
    let envoy: EnvoyProcess;
    let dir: string;
    before(async function () {
      requireEnvoy(this);
      // Something else holds the egress port (without SO_REUSEPORT): Envoy cannot bind the listener Ricochet sends.
      blocker = net.createServer();
      await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
      const egress = (blocker.address() as net.AddressInfo).port;
      const xds = await freePort();
      api = await startApiServer(['--xds-address', `127.0.0.1:${xds}`, '--egress-address', `127.0.0.1:${egress}`]);
      const adminPort = await freePort();
      const bootstrap = await ricochet(['bootstrap', '--node-id', 'blocked.default', '--xds-address', `127.0.0.1:${xds}`, '--admin-port', String(adminPort)]);
      assert.equal(bootstrap.status, 0, said(bootstrap));
      dir = scratchDir({ 'bootstrap.yaml': bootstrap.stdout });
      envoy = await startEnvoy({ config: path.join(dir, 'bootstrap.yaml'), adminPort });
    });
    after(async () => {
      await envoy?.stop();
      await api?.close();
      blocker?.close();
      if (dir) removeDir(dir);
    });

    it('LDS shows NACKED in the table; the proxy\'s detail gives the rejected version and Envoy\'s own message', async () => {
      const r = await eventually(async () => {
        const out = await ricochet(['proxy-status'], { server: api.url });
        return /NACKED/.test(out.stdout) ? out : undefined;
      }, 'the NACK');
      const [row] = tableOf(r.stdout);
      assert.equal(row.NAME, 'blocked.default');
      assert.match(row.LDS, /^NACKED \(\d+s\)$/);
      assert.match(row.CDS, SYNCED);
      const detail = await ricochet(['ps', 'blocked.default'], { server: api.url });
      const lds = tableOf(detail.stdout.split('\n').slice(1).join('\n').split('\n\n')[0]).find((x) => x.TYPE === 'LDS');
      assert.ok(lds, detail.stdout);
      assert.equal(lds.NACKED, lds.SENT);
      assert.equal(lds.ACKED, '-');
      assert.match(detail.stdout, new RegExp(`LDS version ${lds.SENT} rejected \\d+s ago:\\n  .*cannot bind '127\\.0\\.0\\.1:\\d+': Address already in use`));
    });
  });

  it('no proxy connected: said on stderr, exit 0', async () => {
    const api = await startApiServer();
    try {
      const r = await ricochet(['proxy-status'], { server: api.url });
      assert.equal(r.status, 0, said(r));
      assert.equal(r.stdout, '');
      assert.equal(r.stderr, `no proxies connected to ${api.url}\n`);
    } finally {
      await api.close();
    }
  });
});

describe('cli: proxy-status cells and order', () => {
  const now = Date.parse('2026-01-01T00:10:00Z');
  it('a cell is the state and how long ago it changed; a type the server does not list was never sent', () => {
    assert.equal(cell({ state: 'STALE', lastChangeAt: '2026-01-01T00:07:30Z' }, now), 'STALE (2m30s)');
    assert.equal(cell({ state: 'SYNCED' }, now), 'SYNCED');
    assert.equal(cell(undefined, now), 'NOT SENT');
  });

  it('rows sorted by cluster then name, as istioctl; CLUSTER_ID wins over node.cluster', () => {
    const p = (nodeId: string, cluster: string, clusterId?: string): ProxySyncJson => ({ nodeId, node: { cluster, metadata: clusterId ? { CLUSTER_ID: clusterId } : {} }, types: {} });
    const rows = statusRows([p('b', 'x'), p('a', 'y'), p('c', 'x', 'Kubernetes')], 'cp', now);
    assert.deepEqual(rows[0], STATUS_HEADER);
    assert.deepEqual(rows.slice(1).map((r) => `${r[1]}/${r[0]}`), ['Kubernetes/c', 'x/b', 'y/a']);
  });
});
