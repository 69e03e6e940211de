/**
 * runLoad on real sockets against the flaky upstream (src/upstream), checked against what the
 * upstream itself counted. The behaviours are fortio's (`fortio load -h`, periodic.go): -n split
 * across connections, -qps shared and paced per connection, -t, code -1 for socket errors and
 * timeouts, "Sockets used" for keep-alive.
 */
import * as assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { FORTIO_DEFAULTS, runLoad, type LoadOptions, type LoadResult } from '../../src/load';
import { startUpstream, type Upstream } from '../../src/upstream';
import { freePort } from '../support/processes';

function options(url: string, shape: Partial<LoadOptions>): LoadOptions {
  return { ...FORTIO_DEFAULTS, url, ...shape };
}

function codeCount(r: LoadResult, code: number): number {
  return r.codes.find((c) => c.code === code)?.count ?? 0;
}

describe('load: runLoad', function () {
  this.timeout(20_000);
  let upstream: Upstream;

  before(async () => {
    upstream = await startUpstream({ host: '127.0.0.1', port: 0, seed: 61 });
  });
  beforeEach(() => upstream.reset());
  after(async () => upstream.close());

  it('-c 1 -n 200 against status=503:10: codes add up and match what the upstream answered', async () => {
    const r = await runLoad(options(`${upstream.url}/echo?status=503:10`, { connections: 1, calls: 200, qps: 0 }));
    assert.equal(r.calls, 200);
    assert.equal(r.codes.reduce((n, c) => n + c.count, 0), 200);
    assert.deepEqual(r.codes.map((c) => c.code), [...upstream.countsByStatus.keys()].sort((a, b) => a - b));
    for (const c of r.codes) {
      assert.equal(c.count, upstream.countsByStatus.get(c.code), `Code ${c.code}`);
      assert.ok(Math.abs(c.percent - (100 * c.count) / 200) < 1e-9);
    }
    // 10 % of 200, within 3.5 standard deviations of a binomial(200, 0.1).
    assert.ok(codeCount(r, 503) >= 5 && codeCount(r, 503) <= 35, `503 count ${codeCount(r, 503)}`);
    assert.equal(r.errors.count, codeCount(r, 503), 'Error cases are the non-2xx calls');
    const l = r.latency;
    const pct = (p: number): number => l.percentiles.find((x) => x.percentile === p)?.ms ?? NaN;
    assert.equal(l.count, 200);
    assert.ok(l.minMs > 0 && l.minMs <= pct(50) && pct(50) <= pct(99) && pct(99) <= l.maxMs, JSON.stringify(l));
    assert.ok(l.avgMs >= l.minMs && l.avgMs <= l.maxMs);
    assert.ok(Math.abs(l.sumMs - l.avgMs * 200) < 1e-6);
    assert.deepEqual(l.percentiles.map((p) => p.percentile), FORTIO_DEFAULTS.percentiles);
    assert.equal(r.socketsUsed, 1, 'one keep-alive socket for one connection');
    assert.equal(r.interrupted, false);
    assert.equal(r.connectedTo, `127.0.0.1:${upstream.port}`);
  });

  it('-c 4 -n 10 sends exactly 10 calls, over 4 keep-alive sockets', async () => {
    const r = await runLoad(options(`${upstream.url}/echo`, { connections: 4, calls: 10, qps: 0 }));
    assert.equal(r.calls, 10);
    assert.equal(upstream.requests, 10);
    assert.equal(r.socketsUsed, 4);
    assert.equal(r.shape.connections, 4);
  });

  it('-n smaller than -c uses only n connections (no idle sockets)', async () => {
    const r = await runLoad(options(`${upstream.url}/echo`, { connections: 8, calls: 3, qps: 0 }));
    assert.equal(r.calls, 3);
    assert.equal(r.shape.connections, 3);
    assert.equal(r.socketsUsed, 3);
  });

  it('-qps 20 -n 20 -c 2 is paced: about one second', async () => {
    const r = await runLoad(options(`${upstream.url}/echo`, { connections: 2, calls: 20, qps: 20 }));
    assert.equal(r.calls, 20);
    assert.ok(r.durationMs >= 800 && r.durationMs <= 2500, `took ${r.durationMs} ms`);
    assert.ok(r.actualQps > 8 && r.actualQps <= 25, `qps ${r.actualQps}`);
  });

  it('-t 1s (no -n) runs about one second, at the asked rate', async () => {
    const r = await runLoad(options(`${upstream.url}/echo`, { connections: 2, calls: 0, durationMs: 1000, qps: 40 }));
    assert.ok(r.durationMs >= 900 && r.durationMs <= 2000, `took ${r.durationMs} ms`);
    assert.ok(r.calls >= 30 && r.calls <= 42, `${r.calls} calls`);
    assert.equal(r.shape.durationMs, 1000);
  });

  it('-t 1s at max qps keeps sending until the deadline', async () => {
    const r = await runLoad(options(`${upstream.url}/echo`, { connections: 2, calls: 0, durationMs: 1000, qps: 0 }));
    assert.ok(r.durationMs >= 950 && r.durationMs <= 2000, `took ${r.durationMs} ms`);
    assert.ok(r.calls > 50, `${r.calls} calls`);
    assert.equal(r.calls, upstream.requests);
  });

  it('a refused port: every call is code -1 with ECONNREFUSED', async () => {
    const port = await freePort();
    const r = await runLoad(options(`http://127.0.0.1:${port}/echo`, { connections: 2, calls: 6, qps: 0 }));
    assert.equal(r.calls, 6);
    assert.deepEqual(r.codes, [{ code: -1, count: 6, percent: 100 }]);
    assert.deepEqual(r.socketErrors, [{ message: 'ECONNREFUSED', count: 6 }]);
    assert.equal(r.errors.count, 6);
  });

  it('a response slower than -timeout is code -1 "timeout after 200ms", timed at the timeout', async () => {
    const r = await runLoad(options(`${upstream.url}/echo?delay=2s`, { connections: 1, calls: 2, qps: 0, timeoutMs: 200 }));
    assert.deepEqual(r.codes, [{ code: -1, count: 2, percent: 100 }]);
    assert.deepEqual(r.socketErrors, [{ message: 'timeout after 200ms', count: 2 }]);
    assert.ok(r.latency.minMs >= 195 && r.latency.maxMs < 1000, JSON.stringify(r.latency));
  });

  it('a connection dropped without a response (close=) is code -1 with the reset', async () => {
    const r = await runLoad(options(`${upstream.url}/echo?close=true`, { connections: 1, calls: 3, qps: 0 }));
    assert.deepEqual(r.codes, [{ code: -1, count: 3, percent: 100 }]);
    assert.equal(upstream.closes, 3);
    assert.equal(r.socketErrors.length, 1);
    assert.match(r.socketErrors[0].message, /ECONNRESET|socket hang up/);
    assert.equal(r.socketsUsed, 3, 'each drop costs a new socket');
  });

  it('the abort signal stops an unbounded run and still gives the result', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 400);
    const started = Date.now();
    const r = await runLoad(options(`${upstream.url}/echo`, { connections: 2, calls: 0, durationMs: 0, qps: 50, signal: controller.signal }));
    assert.equal(r.interrupted, true);
    assert.ok(Date.now() - started < 1500);
    assert.ok(r.calls >= 10 && r.calls <= 30, `${r.calls} calls`);
    assert.ok(r.codes.every((c) => c.code === 200), 'calls cut by the abort are not counted as failures');
  });

  it('32 connections with a signal: one abort listener per run (no MaxListenersExceededWarning in the user\'s report), calls in flight cut', async () => {
    const warnings: Error[] = [];
    const onWarning = (w: Error): void => void warnings.push(w);
    process.on('warning', onWarning);
    try {
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 300);
      const r = await runLoad(options(`${upstream.url}/echo?delay=1s:20`, { connections: 32, calls: 0, durationMs: 0, qps: 0, signal: controller.signal }));
      assert.equal(r.interrupted, true);
      assert.ok(r.calls > 0);
      await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(warnings.map((w) => w.name), []);
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('paced connections are staggered across the interval, not all due at once (-qps 40 -c 4)', async () => {
    const r = await runLoad(options(`${upstream.url}/echo`, { connections: 4, calls: 8, qps: 40 }));
    assert.equal(r.calls, 8);
    // Arrival times at the upstream: with 4 connections sharing 40 qps, a call every 25 ms, not 4 every 100 ms.
    const at = upstream.log.map((q) => q.at).sort((a, b) => a - b);
    const gaps = at.slice(1).map((t, i) => t - at[i]);
    const bunched = gaps.filter((g) => g < 5).length;
    assert.ok(bunched <= 2, `arrival gaps ${gaps.join(', ')} ms: ${bunched} calls arrived together`);
  });

  it('onProgress reports calls so far and the codes', async () => {
    const seen: Array<{ done: number; total: number | undefined; ok: number }> = [];
    await runLoad(options(`${upstream.url}/echo`, {
      connections: 1, calls: 12, qps: 20, progressEveryMs: 150,
      onProgress: (p) => seen.push({ done: p.done, total: p.total, ok: p.codes.get(200) ?? 0 }),
    }));
    assert.ok(seen.length >= 2, `${seen.length} progress reports`);
    for (const s of seen) assert.equal(s.total, 12);
    assert.ok(seen.some((s) => s.done > 0 && s.done < 12 && s.ok === s.done), JSON.stringify(seen));
  });

  describe('proxy and headers', () => {
    let server: http.Server;
    let port: number;
    const got: Array<{ url: string | undefined; host: string | undefined; extra: string | undefined }> = [];

    before(async () => {
      server = http.createServer((req, res) => {
        got.push({ url: req.url, host: req.headers.host, extra: req.headers['x-extra'] as string | undefined });
        res.end('ok');
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      port = (server.address() as AddressInfo).port;
    });
    beforeEach(() => {
      got.length = 0;
    });
    after(async () => new Promise<void>((resolve) => server.close(() => resolve())));

    it('connects to the proxy and sends origin-form path with the URL authority as Host', async () => {
      const r = await runLoad(options('http://reviews.default.svc.cluster.local:9080/ratings/1?x=y', { connections: 1, calls: 2, qps: 0, proxy: { host: '127.0.0.1', port } }));
      assert.deepEqual(r.codes, [{ code: 200, count: 2, percent: 100 }]);
      assert.equal(r.connectedTo, `127.0.0.1:${port}`);
      assert.deepEqual(got, [
        { url: '/ratings/1?x=y', host: 'reviews.default.svc.cluster.local:9080', extra: undefined },
        { url: '/ratings/1?x=y', host: 'reviews.default.svc.cluster.local:9080', extra: undefined },
      ]);
    });

    it('-H adds headers, and a Host header replaces the URL authority', async () => {
      await runLoad(options(`http://127.0.0.1:${port}/p`, { connections: 1, calls: 1, qps: 0, headers: [['Host', 'httpbin'], ['X-Extra', 'v']] }));
      assert.deepEqual(got, [{ url: '/p', host: 'httpbin', extra: 'v' }]);
    });
  });

  it('refuses a shape fortio would refuse, naming the field', async () => {
    await assert.rejects(runLoad(options(`${upstream.url}/echo`, { connections: 0 })), /connections 0/);
    await assert.rejects(runLoad(options('ftp://x/', { calls: 1 })), /only http/);
  });
});
