import * as assert from 'node:assert/strict';
import * as http2 from 'node:http2';
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';
import { startUpstream, type Upstream } from '../../../src/upstream';
import { request } from '../../support/http';
import { blackholePort, cluster, deadPort, httpListener, prefixRoute, retryPolicy, routeAction, snapshot, startRuntime, tcpListener, vhost, sleep } from './helpers';

describe('dataplane runtime: upstream clusters, HTTP/2, tcp_proxy, snapshots', function () {
  this.timeout(15_000);

  it('HTTP/2 upstream: multiplexed on one connection; REFUSED_STREAM retried under refused-stream', async () => {
    let streams = 0;
    const srv = http2.createServer();
    srv.on('stream', (stream, headers) => {
      stream.on('error', () => {});
      streams++;
      const p = String(headers[':path']);
      if (p.startsWith('/refuse') && headers['x-envoy-attempt-count'] === '1') {
        stream.close(http2.constants.NGHTTP2_REFUSED_STREAM);
        return;
      }
      if (p.startsWith('/reset')) {
        stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR);
        return;
      }
      setTimeout(() => {
        if (stream.destroyed) return;
        stream.respond({ ':status': 200, 'x-attempt': String(headers['x-envoy-attempt-count']) });
        stream.end(`h2 ${p}`);
      }, 20);
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
    const port = (srv.address() as AddressInfo).port;
    const rt = await startRuntime(
      snapshot(
        [httpListener('h2', [vhost('b', ['*'], [prefixRoute('/', routeAction('h2c', { retryPolicy: retryPolicy({ retryOn: 'refused-stream', numRetries: 1 }) }))])])],
        [cluster('h2c', [{ port }], { http2: true })],
      ),
    );
    try {
      const all = await Promise.all(Array.from({ length: 20 }, (_, i) => request(`${rt.url()}/x${i}`)));
      for (const [i, r] of all.entries()) {
        assert.equal(r.status, 200);
        assert.equal(r.body, `h2 /x${i}`);
      }
      assert.equal(rt.counter('cluster.h2c.upstream_cx_total'), 1, 'one multiplexed connection');
      assert.equal(rt.counter('cluster.h2c.upstream_cx_http2_total'), 1);
      assert.equal(rt.counter('cluster.h2c.upstream_rq_total'), 20);

      const refused = await request(`${rt.url()}/refuse`);
      assert.equal(refused.status, 200);
      assert.equal(refused.headers['x-attempt'], '2');
      assert.equal(rt.counter('cluster.h2c.upstream_rq_rx_reset'), 1);

      const reset = await request(`${rt.url()}/reset`);
      assert.equal(reset.status, 503, 'other RST_STREAM codes are not refused-stream');
      assert.match(reset.body, /reset reason: remote reset$/);
    } finally {
      await rt.close();
      srv.close();
    }
  });

  it('tcp_proxy retries connect failures up to max_connect_attempts with fresh host selection', async () => {
    const echo = net.createServer((s) => s.pipe(s));
    await new Promise<void>((r) => echo.listen(0, '127.0.0.1', () => r()));
    const echoPort = (echo.address() as AddressInfo).port;
    const dead = await deadPort();
    const rt = await startRuntime(
      snapshot(
        [tcpListener('tcp-ok', { cluster: 'mixed', maxConnectAttempts: 2 }), tcpListener('tcp-dead', { cluster: 'dead', maxConnectAttempts: 3 })],
        [cluster('mixed', [{ port: dead }, { port: echoPort }]), cluster('dead', [{ port: dead }])],
      ),
    );
    try {
      const roundTrip = (port: number) =>
        new Promise<string>((resolve) => {
          const s = net.connect(port, '127.0.0.1');
          let got = '';
          s.on('data', (d) => {
            got += d;
            if (got === 'ping') s.end();
          });
          s.on('error', () => resolve(`error:${got}`));
          s.on('close', () => resolve(got));
          s.write('ping');
        });
      assert.equal(await roundTrip(rt.port('tcp-ok')), 'ping', 'first attempt hits the dead host, the second the echo server');
      assert.equal(rt.counter('cluster.mixed.upstream_cx_connect_fail'), 1);
      assert.equal(rt.counter('cluster.mixed.upstream_cx_connect_attempts_exceeded'), 0);

      assert.match(await roundTrip(rt.port('tcp-dead')), /^(error:)?$/, 'closed without data');
      assert.equal(rt.counter('cluster.dead.upstream_cx_connect_fail'), 3);
      assert.equal(rt.counter('cluster.dead.upstream_cx_connect_attempts_exceeded'), 1);
      assert.equal(rt.counter('tcp.tcp-dead.downstream_cx_total'), 1);
    } finally {
      await rt.close();
      echo.close();
    }
  });

  it('connect timeout counts upstream_cx_connect_timeout and answers UF with reset reason connection timeout', async function () {
    const hole = await blackholePort();
    if (!hole) return this.skip();
    const rt = await startRuntime(
      snapshot(
        [httpListener('to', [vhost('b', ['*'], [prefixRoute('/', routeAction('blackhole', { retryPolicy: retryPolicy({ retryOn: 'connect-failure', numRetries: 1 }) }))])])],
        [cluster('blackhole', [{ port: hole.port }], { connectTimeoutMs: 100 })],
      ),
    );
    try {
      const t0 = Date.now();
      const res = await request(`${rt.url()}/`);
      const took = Date.now() - t0;
      assert.equal(res.status, 503);
      assert.equal(res.body, 'upstream connect error or disconnect/reset before headers. retried and the latest reset reason: connection timeout');
      assert.ok(took >= 200 && took < 1000, `two connect timeouts of 100ms (${took}ms)`);
      assert.equal(rt.counter('cluster.blackhole.upstream_cx_connect_timeout'), 2);
      assert.equal(rt.counter('cluster.blackhole.upstream_cx_connect_fail'), 2);
    } finally {
      await rt.close();
      hole.close();
    }
  });

  it('apply(): updates routes in place, in-flight requests finish on the old config, removed listeners stop', async () => {
    const up: Upstream = await startUpstream();
    const snap = (body: string) =>
      snapshot(
        [
          httpListener('a', [vhost('v', ['*'], [prefixRoute('/slow', routeAction('c')), prefixRoute('/', { kind: 'direct', status: 200, body })])]),
          httpListener('b', [vhost('v', ['*'], [prefixRoute('/', { kind: 'direct', status: 200, body: 'b' })])]),
        ],
        [cluster('c', [{ port: up.port }])],
      );
    const rt = await startRuntime(snap('one'));
    try {
      const portA = rt.port('a');
      assert.equal((await request(`${rt.url('a')}/`)).body, 'one');
      const slow = request(`${rt.url('a')}/slow?delay=300ms`);
      await sleep(50);
      const next = snap('two');
      next.listeners.pop();
      await rt.runtime.apply(next);
      assert.equal(rt.port('a'), portA, 'same listener, same socket');
      assert.equal((await request(`http://127.0.0.1:${portA}/`)).body, 'two');
      assert.equal((await slow).status, 200, 'in-flight request finished');
      assert.deepEqual(
        rt.runtime.listenerAddresses().map((l) => l.name),
        ['a'],
      );
      assert.deepEqual(
        rt.runtime.clusterStatus().map((c) => [c.cluster, c.hosts.length, c.hosts[0].rqTotal >= 1]),
        [['c', 1, true]],
      );
    } finally {
      await rt.close();
      await up.close();
    }
  });

  it('apply(): a listener that changes from HTTP to tcp_proxy rebinds the same port', async () => {
    const up: Upstream = await startUpstream();
    const port = await deadPort();
    const rt = await startRuntime(snapshot([httpListener('x', [vhost('v', ['*'], [prefixRoute('/', { kind: 'direct', status: 200, body: 'http' })])], {}, port)], [cluster('c', [{ port: up.port }])]));
    try {
      assert.equal((await request(`http://127.0.0.1:${port}/`)).body, 'http');
      await rt.runtime.apply(snapshot([tcpListener('x', { cluster: 'c' }, port)], [cluster('c', [{ port: up.port }])]));
      const res = await request(`http://127.0.0.1:${port}/status/201`, { agent: new (await import('node:http')).Agent() });
      assert.equal(res.status, 201, 'now proxied as TCP to the upstream');
      assert.equal(res.headers.server, undefined, 'not through the HTTP connection manager');
    } finally {
      await rt.close();
      await up.close();
    }
  });

  it('round robin spreads requests over endpoints and keeps connections alive', async () => {
    const a = await startUpstream();
    const b = await startUpstream();
    const rt = await startRuntime(snapshot([httpListener('rr', [vhost('v', ['*'], [prefixRoute('/', routeAction('two'))])])], [cluster('two', [{ port: a.port }, { port: b.port }])]));
    try {
      for (let i = 0; i < 10; i++) assert.equal((await request(`${rt.url()}/`)).status, 200);
      assert.equal(a.requests, 5);
      assert.equal(b.requests, 5);
      assert.equal(rt.counter('cluster.two.upstream_cx_total'), 2, 'sequential requests reuse one connection per host');
      const hosts = rt.runtime.clusterStatus()[0].hosts;
      assert.deepEqual(
        hosts.map((h) => [h.rqTotal, h.cxActive, h.rqActive]),
        [
          [5, 1, 0],
          [5, 1, 0],
        ],
      );
    } finally {
      await rt.close();
      await a.close();
      await b.close();
    }
  });
});
