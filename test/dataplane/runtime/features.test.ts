import * as assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startUpstream, type Upstream } from '../../../src/upstream';
import type { HeaderRules } from '../../../src/dataplane/retry';
import { request } from '../../support/http';
import type { DpCluster, DpRetryPolicy, DpRouteAction, DpVirtualHost } from '../../../src/dataplane/config/model';
import { cluster, deadPort, httpListener, prefixRoute, retryPolicy, routeAction, sleep, snapshot, startRuntime, readText, tmpFile, vhost, waitFor } from './helpers';

/** An HTTP server whose handler decides per request; closed by the returned function. */
async function server(handler: http.RequestListener): Promise<{ port: number; close(): Promise<void> }> {
  const srv = http.createServer(handler);
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  return {
    port: (srv.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((r) => {
        srv.closeAllConnections();
        srv.close(() => r());
      }),
  };
}

describe('dataplane runtime: timers, body limits, headers, logs, stats', function () {
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

  function proxy(
    action: Partial<DpRouteAction> & { retryPolicy?: DpRetryPolicy },
    opts: { port?: number; cluster?: Partial<DpCluster>; vhost?: Partial<DpVirtualHost>; bufferLimitBytes?: number; format?: string; address?: string } = {},
  ) {
    return startRuntime(
      snapshot(
        [
          httpListener('ingress', [vhost('backend', ['*'], [prefixRoute('/', routeAction('backend', action))], opts.vhost)], {
            accessLogs: [{ path: logFile, format: opts.format ?? '%REQ(X-SCENARIO-ID)% %RESPONSE_CODE% %RESPONSE_FLAGS% %UPSTREAM_REQUEST_ATTEMPT_COUNT% %DURATION%\n' }],
            ...(opts.bufferLimitBytes !== undefined ? { bufferLimitBytes: opts.bufferLimitBytes } : {}),
          }),
        ],
        [cluster('backend', [{ port: opts.port ?? up.port, address: opts.address }], opts.cluster)],
      ),
    );
  }

  async function logLine(prefix: string): Promise<string> {
    let line: string | undefined;
    await waitFor(() => {
      line = readText(logFile)
        .split('\n')
        .find((l) => l.startsWith(prefix));
      return line !== undefined;
    });
    return line!;
  }

  it('per-try idle timeout: upstream_rq_per_try_idle_timeout, retried, then 504', async () => {
    const rt = await proxy({ retryPolicy: retryPolicy({ retryOn: 'reset', numRetries: 1, perTryIdleTimeoutMs: 100 }) });
    try {
      up.reset();
      const res = await request(`${rt.url()}/?delay=600ms`, { headers: { 'x-scenario-id': 'idle' } });
      assert.equal(res.status, 504);
      assert.equal(res.body, 'upstream request timeout');
      assert.equal(rt.counter('cluster.backend.upstream_rq_per_try_idle_timeout'), 2);
      assert.equal(rt.counter('cluster.backend.upstream_rq_retry'), 1);
      assert.equal(up.requests, 2);
    } finally {
      await rt.close();
    }
  });

  it('x-envoy-is-timeout-retry marks a retry caused by a per-try timeout', async () => {
    const seen: Array<string | undefined> = [];
    const srv = await server((req, res) => {
      req.resume();
      seen.push(req.headers['x-envoy-is-timeout-retry'] as string | undefined);
      if (seen.length === 1) return; // hang: the per-try timeout fires
      res.end('second');
    });
    const rt = await proxy({ retryPolicy: retryPolicy({ retryOn: '5xx', numRetries: 1, perTryTimeoutMs: 80 }) }, { port: srv.port, vhost: { includeIsTimeoutRetryHeader: true } });
    try {
      const res = await request(`${rt.url()}/`);
      assert.equal(res.status, 200);
      assert.equal(res.body, 'second');
      assert.deepEqual(seen, [undefined, 'true']);
    } finally {
      await rt.close();
      await srv.close();
    }
  });

  it('a body that overflows the buffer while waiting in backoff ends with 507', async () => {
    const srv = await server((req, res) => {
      req.resume();
      res.writeHead(503, { 'retry-after': '1' }).end('later');
    });
    const rt = await proxy(
      {
        retryPolicy: retryPolicy({
          retryOn: '5xx',
          numRetries: 2,
          rateLimitedBackOff: { resetHeaders: [{ name: 'retry-after', format: 'SECONDS' }], maxIntervalMs: 300_000 },
        }),
      },
      { port: srv.port, bufferLimitBytes: 1024 },
    );
    try {
      const res = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = http.request(`${rt.url()}/upload`, { method: 'POST', headers: { 'transfer-encoding': 'chunked', 'x-scenario-id': 'r507' } }, (r) => {
          let body = '';
          r.on('data', (d) => (body += d));
          r.on('end', () => resolve({ status: r.statusCode ?? 0, body }));
        });
        req.on('error', reject);
        req.write('a'.repeat(100));
        setTimeout(() => {
          req.write('b'.repeat(5000));
          req.end();
        }, 150);
      });
      assert.equal(res.status, 507);
      assert.equal(res.body, 'exceeded request buffer limit while retrying upstream');
      assert.equal(rt.counter('cluster.backend.retry_or_shadow_abandoned'), 1);
      // The retry never launched: observed on Envoy 1.40: counted at launch, so neither moves.
      assert.equal(rt.counter('cluster.backend.upstream_rq_retry_backoff_ratelimited'), 0);
      assert.equal(rt.counter('cluster.backend.upstream_rq_retry'), 0);
    } finally {
      await rt.close();
      await srv.close();
    }
  });

  it('a client that goes away resets the attempt (tx_reset) and logs DC', async () => {
    const rt = await proxy({});
    try {
      up.reset();
      await assert.rejects(request(`${rt.url()}/?delay=1s`, { headers: { 'x-scenario-id': 'gone' }, timeoutMs: 100 }));
      await waitFor(() => up.log[0]?.aborted === true);
      const line = await logLine('gone ');
      assert.equal(line.split(' ')[1], '0');
      assert.equal(line.split(' ')[2], 'DC');
      assert.equal(rt.counter('cluster.backend.upstream_rq_tx_reset'), 1);
      await waitFor(() => rt.gauge('cluster.backend.upstream_rq_active') === 0);
    } finally {
      await rt.close();
    }
  });

  it('gRPC requests get local replies as trailers-only gRPC responses', async () => {
    const rt = await proxy({}, { port: await deadPort() });
    try {
      const res = await request(`${rt.url()}/pkg.Svc/Method`, { method: 'POST', body: '', headers: { 'content-type': 'application/grpc' } });
      assert.equal(res.status, 200);
      assert.equal(res.headers['grpc-status'], '14');
      assert.match(String(res.headers['grpc-message']), /^upstream connect error/);
    } finally {
      await rt.close();
    }
  });

  it('STRICT_DNS clusters resolve their endpoints; auto_host_rewrite sends the DNS name', async () => {
    const rt = await proxy({ autoHostRewrite: true }, { address: 'localhost', cluster: { type: 'STRICT_DNS', raw: { dnsLookupFamily: 'V4_ONLY' } } });
    try {
      up.reset();
      const res = await request(`${rt.url()}/status/200`, { headers: { host: 'original.example' } });
      assert.equal(res.status, 200);
      assert.equal(up.log[0].host, 'localhost');
      const hosts = rt.runtime.clusterStatus().find((c) => c.cluster === 'backend')!.hosts;
      assert.ok(hosts.some((h) => h.address === '127.0.0.1' && h.port === up.port));
    } finally {
      await rt.close();
    }
  });

  it("writes Envoy's default access log format", async () => {
    const rt = await proxy({}, { format: undefined });
    const file = tmpFile('default.log');
    const rt2 = await startRuntime(
      snapshot(
        [httpListener('dflt', [vhost('v', ['*'], [prefixRoute('/', routeAction('backend'))])], { accessLogs: [{ path: file }] })],
        [cluster('backend', [{ port: up.port }])],
      ),
    );
    try {
      await request(`${rt2.url()}/status/201?x=1`, { headers: { 'user-agent': 'ua/1', 'x-request-id': 'rid-1', host: 'example.test' } });
      let text = '';
      await waitFor(() => (text = readText(file)).includes('\n'));
      assert.match(
        text,
        /^\[\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\] "GET \/status\/201\?x=1 HTTP\/1\.1" 201 - 0 \d+ \d+ \d+ "-" "ua\/1" "rid-1" "example\.test" "127\.0\.0\.1:\d+"\n$/,
      );
    } finally {
      await rt.close();
      await rt2.close();
    }
  });

  it("exposes cluster, HCM and retry stats under Envoy's names", async () => {
    const rt = await proxy({ retryPolicy: retryPolicy({ retryOn: '5xx', numRetries: 1 }) });
    try {
      await request(`${rt.url()}/status/503`);
      await sleep(20);
      const names = new Set(rt.stats.entries().map((e) => e.name));
      for (const n of [
        'cluster.backend.upstream_rq_total',
        'cluster.backend.upstream_rq_503',
        'cluster.backend.upstream_rq_5xx',
        'cluster.backend.upstream_rq_completed',
        'cluster.backend.upstream_rq_timeout',
        'cluster.backend.upstream_rq_per_try_timeout',
        'cluster.backend.upstream_rq_per_try_idle_timeout',
        'cluster.backend.upstream_cx_total',
        'cluster.backend.upstream_cx_active',
        'cluster.backend.upstream_cx_connect_fail',
        'cluster.backend.upstream_cx_connect_timeout',
        'cluster.backend.upstream_rq_pending_overflow',
        'cluster.backend.upstream_rq_rx_reset',
        'cluster.backend.upstream_rq_tx_reset',
        'cluster.backend.upstream_rq_retry',
        'cluster.backend.upstream_rq_retry_success',
        'cluster.backend.upstream_rq_retry_overflow',
        'cluster.backend.upstream_rq_retry_limit_exceeded',
        'cluster.backend.upstream_rq_retry_backoff_exponential',
        'cluster.backend.upstream_rq_retry_backoff_ratelimited',
        'cluster.backend.retry.upstream_rq_503',
        'cluster.backend.retry.upstream_rq_5xx',
        'cluster.backend.retry.upstream_rq_completed',
        'cluster.backend.retry_or_shadow_abandoned',
        'cluster.backend.upstream_cx_connect_attempts_exceeded',
        'cluster.backend.circuit_breakers.default.rq_retry_open',
        'cluster.backend.membership_total',
        'http.ingress.downstream_rq_total',
        'http.ingress.downstream_rq_5xx',
        'http.ingress.downstream_cx_total',
        'http.ingress.no_route',
      ]) {
        assert.ok(names.has(n), `missing stat ${n}`);
      }
      assert.equal(rt.counter('cluster.backend.upstream_rq_503'), 1);
      assert.equal(rt.counter('cluster.backend.retry.upstream_rq_503'), 1);
      assert.equal(rt.counter('http.ingress.downstream_rq_5xx'), 1);
      assert.equal(rt.gauge('cluster.backend.membership_total'), 1);
    } finally {
      await rt.close();
    }
  });

  it('internal requests: x-envoy-* retry headers apply, x-envoy-upstream-rq-timeout-alt-response turns the 504 into 204', async () => {
    const rt = await startRuntime(
      snapshot(
        [
          httpListener('internal', [vhost('v', ['*'], [prefixRoute('/', routeAction('backend', { timeoutMs: 100 }))])], {
            useRemoteAddress: true,
            internalCidrs: [{ address: '127.0.0.0', prefixLen: 8 }],
          }),
        ],
        [cluster('backend', [{ port: up.port }])],
      ),
    );
    try {
      up.reset();
      const retried = await request(`${rt.url()}/status/503`, { headers: { 'x-envoy-retry-on': '5xx', 'x-envoy-max-retries': '2' } });
      assert.equal(retried.status, 503);
      assert.equal(up.requests, 3, 'the header policy applied');
      assert.equal(up.log[0].headers['x-envoy-retry-on'], undefined, 'consumed, not forwarded');
      assert.equal(up.log[0].headers['x-envoy-internal'], 'true');
      const alt = await request(`${rt.url()}/?delay=1s`, { headers: { 'x-envoy-upstream-rq-timeout-alt-response': '1' } });
      assert.equal(alt.status, 204);
      assert.equal(alt.body, '');
      assert.equal(rt.counter('cluster.backend.upstream_rq_204'), 1);
    } finally {
      await rt.close();
    }
  });

  it('route idle_timeout (408 SI), route max_stream_duration (504, no flag: Envoy 1.40 sets none), x-envoy-upstream-stream-duration-ms (UMSDR, retried as a local reset)', async () => {
    const rt = await startRuntime(
      snapshot(
        [
          httpListener(
            'timers',
            [
              vhost('v', ['*'], [
                prefixRoute('/idle', routeAction('backend', { idleTimeoutMs: 100 })),
                prefixRoute('/duration', routeAction('backend', { maxStreamDurationMs: 100 })),
                prefixRoute('/', routeAction('backend', { retryPolicy: retryPolicy({ retryOn: 'reset', numRetries: 1 }) })),
              ]),
            ],
            { useRemoteAddress: true, internalCidrs: [{ address: '127.0.0.0', prefixLen: 8 }], accessLogs: [{ path: logFile, format: '%REQ(X-SCENARIO-ID)% %RESPONSE_CODE% %RESPONSE_FLAGS% %UPSTREAM_REQUEST_ATTEMPT_COUNT%\n' }] },
          ),
        ],
        [cluster('backend', [{ port: up.port }])],
      ),
    );
    try {
      up.reset();
      const idle = await request(`${rt.url()}/idle?delay=1s`, { headers: { 'x-scenario-id': 'si' } });
      assert.equal(idle.status, 408);
      assert.equal(idle.body, 'stream timeout');
      assert.equal((await logLine('si ')).split(' ')[2], 'SI');
      const dt = await request(`${rt.url()}/duration?delay=1s`, { headers: { 'x-scenario-id': 'dt' } });
      assert.equal(dt.status, 504);
      assert.equal(dt.body, 'downstream duration timeout');
      assert.equal((await logLine('dt ')).split(' ')[2], '-');
      const msd = await request(`${rt.url()}/?delay=1s`, { headers: { 'x-scenario-id': 'umsdr', 'x-envoy-upstream-stream-duration-ms': '80' } });
      assert.equal(msd.status, 504);
      assert.equal(msd.body, 'upstream max stream duration reached');
      assert.equal(rt.counter('cluster.backend.upstream_rq_max_duration_reached'), 2);
      assert.deepEqual((await logLine('umsdr ')).split(' ').slice(2), ['URX,UMSDR', '2']);
    } finally {
      await rt.close();
    }
  });

  it('virtual cluster and route stat_prefix scopes get the retry stats (§6.2)', async () => {
    const route = prefixRoute('/', routeAction('backend', { retryPolicy: retryPolicy({ retryOn: '5xx', numRetries: 1 }) }));
    (route as typeof route & { statPrefix: string }).statPrefix = 'sp';
    const vh = vhost('vh', ['*'], [route]);
    (vh as typeof vh & { virtualClusters: unknown }).virtualClusters = [{ name: 'all', headers: [{ name: ':path', prefix: '/', invert: false, ignoreCase: false }] }];
    const rt = await startRuntime(snapshot([httpListener('scoped', [vh])], [cluster('backend', [{ port: up.port }])]));
    try {
      await request(`${rt.url()}/status/503`);
      for (const scope of ['vhost.vh.vcluster.all.', 'vhost.vh.route.sp.']) {
        assert.equal(rt.counter(`${scope}upstream_rq_retry`), 1, scope);
        assert.equal(rt.counter(`${scope}upstream_rq_retry_limit_exceeded`), 1, scope);
        assert.equal(rt.counter(`${scope}upstream_rq_total`), 2, scope);
        assert.equal(rt.counter(`${scope}upstream_rq_503`), 1, scope);
      }
      assert.equal(rt.counter('cluster.backend.upstream_rq_retry'), 1);
    } finally {
      await rt.close();
    }
  });

  it('tcp_proxy access log: flags UF,URX and the connect attempt count', async () => {
    const file = tmpFile('tcp.log');
    const dead = await deadPort();
    const listener = {
      name: 'tcp',
      address: '127.0.0.1',
      port: 0,
      raw: {},
      filter: { kind: 'tcp' as const, tcp: { statPrefix: 'tcp', cluster: 'dead', maxConnectAttempts: 2, accessLogs: [{ path: file, format: 'tcp %RESPONSE_FLAGS% %UPSTREAM_REQUEST_ATTEMPT_COUNT%\n' }] } },
    };
    const rt = await startRuntime(snapshot([listener], [cluster('dead', [{ port: dead }])]));
    try {
      const net = await import('node:net');
      await new Promise<void>((resolve) => {
        const s = net.connect(rt.port(), '127.0.0.1');
        s.on('error', () => resolve());
        s.on('close', () => resolve());
      });
      let text = '';
      await waitFor(() => (text = readText(file)).includes('\n'));
      assert.equal(text, 'tcp UF,URX 2\n');
    } finally {
      await rt.close();
    }
  });

  it('hedge_on_per_try_timeout: the slow attempt keeps running, the hedged one wins, the loser is reset', async () => {
    // The engine's hedging decisions (HedgingRetryState) are emulated here on top of its retry state.
    const retry = await import('../../../src/dataplane/retry');
    const { setRetryEngine, retryEngine } = await import('../../../src/dataplane/router/engine');
    const base = retryEngine();
    setRetryEngine({
      ...base,
      createRetryState(input) {
        const st = base.createRetryState(input) as unknown as Record<string, unknown> | undefined;
        if (!st) return undefined;
        const internals = st as unknown as { shouldRetry(w: string, r: undefined): unknown; rules: HeaderRules };
        return Object.assign(st, {
          onHedgedPerTryTimeout: () => internals.shouldRetry('backoff', undefined),
          wouldRetryResponse: (status: number, headers: Record<string, string>) => retry.wouldRetryFromHeaders(internals.rules, status, headers) !== 'no',
        }) as never;
      },
    });
    let n = 0;
    const aborted: number[] = [];
    const srv = await server((req, res) => {
      req.resume();
      const i = ++n;
      res.on('close', () => {
        if (!res.writableEnded) aborted.push(i);
      });
      if (i === 1) setTimeout(() => !res.destroyed && res.end('slow'), 400);
      else res.end('fast');
    });
    const rt = await proxy({ hedgeOnPerTryTimeout: true, retryPolicy: retryPolicy({ retryOn: 'retriable-status-codes', retriableStatusCodes: [418], numRetries: 1, perTryTimeoutMs: 60 }) } as Partial<DpRouteAction>, { port: srv.port });
    try {
      const t0 = Date.now();
      const res = await request(`${rt.url()}/`);
      const took = Date.now() - t0;
      assert.equal(res.status, 200);
      assert.equal(res.body, 'fast');
      assert.ok(took < 300, `the hedge answered (${took}ms)`);
      await waitFor(() => aborted.includes(1));
      assert.equal(rt.counter('cluster.backend.upstream_rq_per_try_timeout'), 0, 'not counted when hedging');
      assert.equal(rt.counter('cluster.backend.upstream_rq_retry'), 1);
      assert.equal(rt.counter('cluster.backend.upstream_rq_total'), 2);
    } finally {
      setRetryEngine(undefined);
      await rt.close();
      await srv.close();
    }
  });

  it('streams a large upload with flow control when nothing is buffered for retries', async () => {
    let received = 0;
    const srv = await server((req, res) => {
      req.on('data', (c: Buffer) => (received += c.length));
      req.on('end', () => res.end(String(received)));
    });
    const rt = await proxy({}, { port: srv.port });
    try {
      const body = 'z'.repeat(8 * 1024 * 1024);
      const res = await request(`${rt.url()}/big`, { method: 'POST', body });
      assert.equal(res.status, 200);
      assert.equal(res.body, String(body.length));
    } finally {
      await rt.close();
      await srv.close();
    }
  });
});
