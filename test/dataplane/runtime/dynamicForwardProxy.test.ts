import * as assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseAuthority } from '../../../src/dataplane/upstream/cluster';
import { request } from '../../support/http';
import { cluster, httpListener, prefixRoute, retryPolicy, routeAction, snapshot, startRuntime, vhost } from './helpers';

describe('dataplane runtime: DYNAMIC_FORWARD_PROXY clusters', function () {
  this.timeout(15_000);

  let srv: http.Server;
  let port = 0;
  let hits: Array<{ host: string | undefined; attempt: string | undefined; remotePort: number | undefined }> = [];

  before(async () => {
    srv = http.createServer((req, res) => {
      hits.push({ host: req.headers.host, attempt: req.headers['x-envoy-attempt-count'] as string | undefined, remotePort: req.socket.remotePort });
      const status = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('status') ?? 200);
      res.writeHead(status, { 'content-type': 'text/plain' });
      res.end(`dfp ${req.url}`);
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
    port = (srv.address() as AddressInfo).port;
  });
  after(() => srv.close());
  beforeEach(() => {
    hits = [];
  });

  const dfp = () =>
    cluster('PassthroughCluster', [], {
      type: 'DYNAMIC_FORWARD_PROXY',
      lbPolicy: 'ROUND_ROBIN',
      raw: { clusterType: { name: 'envoy.clusters.dynamic_forward_proxy', typedConfig: { dnsCacheConfig: { name: 'c', dnsLookupFamily: 'V4_ONLY' } } } },
    });

  it('parses host[:port] authorities (port 80 by default)', () => {
    assert.deepEqual(parseAuthority('example.com'), { host: 'example.com', port: 80 });
    assert.deepEqual(parseAuthority('Example.com:8080'), { host: 'example.com', port: 8080 });
    assert.deepEqual(parseAuthority('[::1]:9000'), { host: '::1', port: 9000 });
    assert.equal(parseAuthority('a:b'), undefined);
    assert.equal(parseAuthority(''), undefined);
  });

  it('routes to the Host header (resolved with DNS), pools per host:port, no retries without a policy', async () => {
    const rt = await startRuntime(snapshot([httpListener('egress', [vhost('any', ['*'], [prefixRoute('/', routeAction('PassthroughCluster'))])])], [dfp()]));
    try {
      const a = await request(`${rt.url()}/x`, { headers: { host: `localhost:${port}` } });
      assert.equal(a.status, 200, a.body);
      assert.equal(a.body, 'dfp /x');
      assert.equal(hits[0].host, `localhost:${port}`);
      const b = await request(`${rt.url()}/y`, { headers: { host: `127.0.0.1:${port}` } });
      assert.equal(b.status, 200, b.body);
      // localhost resolved (V4_ONLY) to 127.0.0.1: one host, one pooled connection for both names.
      const status = rt.runtime.clusterStatus().find((c) => c.cluster === 'PassthroughCluster');
      assert.deepEqual(status?.hosts.map((h) => `${h.address}:${h.port}`), [`127.0.0.1:${port}`]);
      assert.equal(hits[1].remotePort, hits[0].remotePort, 'the connection was reused');

      const c = await request(`${rt.url()}/z?status=503`, { headers: { host: `localhost:${port}` } });
      assert.equal(c.status, 503);
      assert.equal(hits.length, 3, 'one attempt, no retry');
      assert.equal(rt.counter('cluster.PassthroughCluster.upstream_rq_retry'), 0);
    } finally {
      await rt.close();
    }
  });

  it('retries when the route asks for it; an unresolvable name is 503 no healthy upstream', async () => {
    const action = routeAction('PassthroughCluster', { retryPolicy: retryPolicy({ retryOn: '5xx', numRetries: 2 }) });
    const rt = await startRuntime(snapshot([httpListener('egress', [vhost('any', ['*'], [prefixRoute('/', action)])])], [dfp()]));
    try {
      const a = await request(`${rt.url()}/r?status=503`, { headers: { host: `localhost:${port}` } });
      assert.equal(a.status, 503);
      assert.deepEqual(hits.map((h) => h.attempt), ['1', '2', '3']);
      const bad = await request(`${rt.url()}/`, { headers: { host: 'no-such-host.invalid' } });
      assert.equal(bad.status, 503);
      assert.equal(bad.body, 'no healthy upstream');
    } finally {
      await rt.close();
    }
  });
});
