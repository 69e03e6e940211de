import * as assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startUpstream, type Upstream } from '../../../src/upstream';
import { request } from '../../support/http';
import { cluster, deadPort, httpListener, prefixRoute, retryPolicy, routeAction, snapshot, startRuntime, readText, tmpFile, vhost, waitFor } from './helpers';
import type { DpCluster, DpRetryPolicy, DpRouteAction } from '../../../src/dataplane/config/model';

describe('dataplane runtime: router retries', function () {
  this.timeout(15_000);
  let up: Upstream;
  let logFile: string;

  before(async () => {
    up = await startUpstream();
    logFile = tmpFile('access.log');
  });
  after(async () => {
    await up?.close();
  });

  /** One listener, one route to cluster `backend`, with the given policy/timeouts. */
  async function proxy(action: Partial<DpRouteAction> & { retryPolicy?: DpRetryPolicy }, c: Partial<DpCluster> = {}, endpoints?: Array<{ port: number; address?: string }>, bufferLimitBytes?: number) {
    return startRuntime(
      snapshot(
        [
          httpListener('ingress', [vhost('backend', ['*'], [prefixRoute('/', routeAction('backend', action))])], {
            accessLogs: [{ path: logFile, format: '%REQ(X-SCENARIO-ID)% %RESPONSE_CODE% %RESPONSE_FLAGS% %UPSTREAM_REQUEST_ATTEMPT_COUNT% %DURATION%\n' }],
            ...(bufferLimitBytes !== undefined ? { bufferLimitBytes } : {}),
          }),
        ],
        [cluster('backend', endpoints ?? [{ port: up.port }], c)],
      ),
    );
  }

  async function logLine(id: string): Promise<string[]> {
    let line: string | undefined;
    await waitFor(() => {
      line = readText(logFile).split('\n').find((l) => l.startsWith(`${id} `));
      return line !== undefined;
    });
    return line!.split(' ');
  }

  it('retries 5xx num_retries times, then returns the last upstream response verbatim (URX)', async () => {
    const rt = await proxy({ retryPolicy: retryPolicy({ retryOn: '5xx', numRetries: 2 }) });
    try {
      up.reset();
      const res = await request(`${rt.url()}/status/503`, { headers: { 'x-scenario-id': 'urx' } });
      assert.equal(res.status, 503);
      assert.equal(up.requests, 3);
      assert.deepEqual(
        up.log.map((r) => r.attemptCount),
        [1, 2, 3],
      );
      assert.equal(new Set(up.log.map((r) => r.requestId)).size, 1, 'same x-request-id on every attempt');
      assert.equal(res.headers['x-upstream-index'], '2', 'the last attempt answered');
      assert.equal(res.body, 'GET /status/503 HTTP/1.1\n');
      assert.equal(res.headers['x-envoy-attempt-count'], '3');
      const c = (n: string) => rt.counter(`cluster.backend.${n}`);
      assert.equal(c('upstream_rq_retry'), 2);
      assert.equal(c('upstream_rq_retry_limit_exceeded'), 1);
      assert.equal(c('upstream_rq_retry_success'), 0);
      assert.equal(c('upstream_rq_retry_backoff_exponential'), 2);
      assert.equal(c('upstream_rq_503'), 1);
      assert.equal(c('upstream_rq_5xx'), 1);
      assert.equal(c('upstream_rq_completed'), 1);
      assert.equal(c('retry.upstream_rq_503'), 2);
      assert.equal(c('retry.upstream_rq_5xx'), 2);
      assert.equal(c('upstream_rq_total'), 3);
      const [, code, flags, attempts] = await logLine('urx');
      assert.equal(code, '503');
      assert.equal(flags, 'URX');
      assert.equal(attempts, '3');
    } finally {
      await rt.close();
    }
  });

  it('a retried request that then succeeds counts upstream_rq_retry_success', async () => {
    const rt = await proxy({ retryPolicy: retryPolicy({ retryOn: '5xx', numRetries: 3 }) });
    try {
      up.reset();
      // Seeded rolls: find a sequence with at least one failure before a success.
      let ok = 0;
      for (let i = 0; i < 20; i++) {
        const res = await request(`${rt.url()}/?status=503:50`);
        if (res.status === 200) ok++;
      }
      assert.ok(ok >= 15, `most requests succeed after retries (${ok}/20)`);
      assert.ok(rt.counter('cluster.backend.upstream_rq_retry') > 0);
      assert.ok(rt.counter('cluster.backend.upstream_rq_retry_success') > 0);
    } finally {
      await rt.close();
    }
  });

  it('retries a connect failure to a dead port and answers 503 UF,URX with the reset reason', async () => {
    const port = await deadPort();
    const rt = await proxy({ retryPolicy: retryPolicy({ retryOn: 'connect-failure', numRetries: 1 }) }, {}, [{ port }]);
    try {
      const res = await request(`${rt.url()}/`, { headers: { 'x-scenario-id': 'uf' } });
      assert.equal(res.status, 503);
      assert.match(res.body, /^upstream connect error or disconnect\/reset before headers\. retried and the latest reset reason: remote connection failure/);
      assert.equal(rt.counter('cluster.backend.upstream_cx_connect_fail'), 2);
      assert.equal(rt.counter('cluster.backend.upstream_rq_total'), 0, 'no stream was ever attached');
      assert.equal(rt.counter('cluster.backend.upstream_rq_retry'), 1);
      assert.equal(rt.counter('cluster.backend.upstream_rq_503'), 1);
      const [, code, flags, attempts] = await logLine('uf');
      assert.equal(code, '503');
      assert.equal(flags, 'UF,URX');
      assert.equal(attempts, '2');
    } finally {
      await rt.close();
    }
  });

  it('per-try timeout resets the attempt, retries, then answers 504 UT', async () => {
    const rt = await proxy({ retryPolicy: retryPolicy({ retryOn: '5xx', numRetries: 1, perTryTimeoutMs: 100 }) });
    try {
      up.reset();
      const t0 = Date.now();
      const res = await request(`${rt.url()}/?delay=1s`, { headers: { 'x-scenario-id': 'pertry' } });
      const took = Date.now() - t0;
      assert.equal(res.status, 504);
      assert.equal(res.body, 'upstream request timeout');
      assert.ok(took >= 200 && took < 900, `two tries of 100ms (${took}ms)`);
      assert.equal(rt.counter('cluster.backend.upstream_rq_per_try_timeout'), 2);
      assert.equal(rt.counter('cluster.backend.upstream_rq_504'), 1);
      assert.equal(up.requests, 2);
      assert.equal(up.log[0].headers['x-envoy-expected-rq-timeout-ms'], '100');
      const [, code, flags] = await logLine('pertry');
      assert.equal(code, '504');
      assert.equal(flags, 'UT,URX');
    } finally {
      await rt.close();
    }
  });

  it('the route timeout spans attempts and answers 504 UT', async () => {
    const rt = await proxy({ timeoutMs: 150, retryPolicy: retryPolicy({ retryOn: '5xx', numRetries: 5 }) });
    try {
      up.reset();
      const t0 = Date.now();
      const res = await request(`${rt.url()}/?delay=1s`, { headers: { 'x-scenario-id': 'global' } });
      const took = Date.now() - t0;
      assert.equal(res.status, 504);
      assert.equal(res.body, 'upstream request timeout');
      assert.ok(took >= 140 && took < 800, `${took}ms`);
      assert.equal(rt.counter('cluster.backend.upstream_rq_timeout'), 1);
      assert.equal(rt.counter('cluster.backend.upstream_rq_retry'), 0, 'the route timeout is never retried');
      assert.equal(up.log[0].headers['x-envoy-expected-rq-timeout-ms'], '150');
      const [, code, flags] = await logLine('global');
      assert.equal(code, '504');
      assert.equal(flags, 'UT');
    } finally {
      await rt.close();
    }
  });

  it('a connection closed by the upstream is a connection termination (UC), retried under 5xx', async () => {
    const rt = await proxy({ retryPolicy: retryPolicy({ retryOn: '5xx', numRetries: 1 }) });
    try {
      up.reset();
      const res = await request(`${rt.url()}/?close=true`, { headers: { 'x-scenario-id': 'uc' } });
      assert.equal(res.status, 503);
      assert.match(res.body, /retried and the latest reset reason: connection termination$/);
      assert.equal(up.requests, 2);
      const [, , flags] = await logLine('uc');
      assert.equal(flags, 'UC,URX');
    } finally {
      await rt.close();
    }
  });

  it('max_retries 0 refuses the retry: the response goes out verbatim with UO and retry_overflow', async () => {
    const rt = await proxy({ retryPolicy: retryPolicy({ retryOn: '5xx', numRetries: 3 }) }, { circuitBreakers: { maxConnections: 1024, maxPendingRequests: 1024, maxRequests: 1024, maxRetries: 0 } });
    try {
      up.reset();
      const res = await request(`${rt.url()}/status/503`, { headers: { 'x-scenario-id': 'uo' } });
      assert.equal(res.status, 503);
      assert.equal(res.headers['x-upstream-index'], '0');
      assert.equal(up.requests, 1);
      assert.equal(rt.counter('cluster.backend.upstream_rq_retry_overflow'), 1);
      assert.equal(rt.counter('cluster.backend.upstream_rq_retry'), 0);
      const [, , flags] = await logLine('uo');
      assert.equal(flags, 'UO');
    } finally {
      await rt.close();
    }
  });

  it('max_pending_requests overflow answers 503 UO with x-envoy-overloaded', async () => {
    const rt = await proxy({}, { circuitBreakers: { maxConnections: 1, maxPendingRequests: 0, maxRequests: 1024, maxRetries: 3 } });
    try {
      const res = await request(`${rt.url()}/`, { headers: { 'x-scenario-id': 'pending' } });
      assert.equal(res.status, 503);
      assert.equal(res.headers['x-envoy-overloaded'], 'true');
      assert.match(res.body, /reset reason: overflow$/);
      assert.equal(rt.counter('cluster.backend.upstream_rq_pending_overflow'), 1);
      const [, , flags] = await logLine('pending');
      assert.equal(flags, 'UO');
    } finally {
      await rt.close();
    }
  });

  it('previous_hosts moves every retry to the other endpoint', async () => {
    const bad = http.createServer((req, res) => {
      req.resume();
      res.writeHead(503).end('bad');
    });
    await new Promise<void>((r) => bad.listen(0, '127.0.0.1', () => r()));
    const badPort = (bad.address() as AddressInfo).port;
    const rt = await proxy(
      { retryPolicy: retryPolicy({ retryOn: '5xx', numRetries: 1, hostPredicates: ['envoy.retry_host_predicates.previous_hosts'], hostSelectionRetryMaxAttempts: 30 }) },
      { lbPolicy: 'RANDOM' },
      [{ port: badPort }, { port: up.port }],
    );
    try {
      up.reset();
      for (let i = 0; i < 20; i++) {
        const res = await request(`${rt.url()}/status/200`);
        assert.equal(res.status, 200, `request ${i}`);
      }
    } finally {
      await rt.close();
      await new Promise<void>((r) => bad.close(() => r()));
    }
  });

  it('replays a POST body on retry', async () => {
    const bodies: string[] = [];
    let n = 0;
    const srv = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        bodies.push(Buffer.concat(chunks).toString());
        if (n++ === 0) res.writeHead(503).end('no');
        else res.writeHead(200).end(`echo:${bodies[bodies.length - 1]}`);
      });
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
    const rt = await proxy({ retryPolicy: retryPolicy({ retryOn: '5xx', numRetries: 1 }) }, {}, [{ port: (srv.address() as AddressInfo).port }]);
    try {
      const payload = 'x'.repeat(100_000);
      const res = await request(`${rt.url()}/post`, { method: 'POST', body: payload });
      assert.equal(res.status, 200);
      assert.equal(res.body, `echo:${payload}`);
      assert.deepEqual(bodies.map((b) => b.length), [100_000, 100_000]);
    } finally {
      await rt.close();
      await new Promise<void>((r) => srv.close(() => r()));
    }
  });

  it('a body over the buffer limit abandons retries (retry_or_shadow_abandoned)', async () => {
    const rt = await proxy({ retryPolicy: retryPolicy({ retryOn: '5xx', numRetries: 3 }) }, {}, undefined, 1024);
    try {
      up.reset();
      const res = await request(`${rt.url()}/status/503`, { method: 'POST', body: 'y'.repeat(64 * 1024) });
      assert.equal(res.status, 503);
      assert.equal(up.requests, 1);
      assert.equal(rt.counter('cluster.backend.retry_or_shadow_abandoned'), 1);
      assert.equal(rt.counter('cluster.backend.upstream_rq_retry'), 0);
    } finally {
      await rt.close();
    }
  });

  it('an unparsable response is a protocol error: 502 UPE', async () => {
    const net = await import('node:net');
    const srv = net.createServer((s) => s.once('data', () => s.end('this is not http\r\n\r\n')));
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
    const rt = await proxy({}, {}, [{ port: (srv.address() as AddressInfo).port }]);
    try {
      const res = await request(`${rt.url()}/`, { headers: { 'x-scenario-id': 'upe' } });
      assert.equal(res.status, 502);
      assert.match(res.body, /reset reason: protocol error/);
      const [, , flags] = await logLine('upe');
      assert.equal(flags, 'UPE');
    } finally {
      await rt.close();
      await new Promise<void>((r) => srv.close(() => r()));
    }
  });
});
