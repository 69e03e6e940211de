import * as assert from 'node:assert/strict';
import * as net from 'node:net';
import { decideOutcome, EchoQueryError, parseEchoQuery, parseEchoRequest, pickBucket } from '../../src/upstream/echoQuery';
import { createRng, deriveSeed } from '../../src/upstream/rng';
import { startUpstream, type Upstream } from '../../src/upstream/server';
import { get, load } from '../support/http';

describe('upstream: fortio echo query parsing', () => {
  it('reads a bare status as 100% and a list as disjoint buckets', () => {
    assert.deepEqual(parseEchoQuery('status=503').status, [{ value: 503, percent: 100 }]);
    assert.deepEqual(parseEchoQuery('status=503:10,500:5').status, [
      { value: 503, percent: 10 },
      { value: 500, percent: 5 },
    ]);
    assert.deepEqual(parseEchoQuery('').status, []);
  });

  it('reads delays as Go durations, close as true/false/percent, repeated headers', () => {
    const spec = parseEchoQuery('delay=50ms:10,1.5s:2&close=25&header=retry-after:1&header=x-envoy-ratelimited:');
    assert.deepEqual(spec.delay, [
      { value: 50, percent: 10 },
      { value: 1500, percent: 2 },
    ]);
    assert.equal(spec.closePercent, 25);
    assert.deepEqual(spec.headers, [
      ['retry-after', '1'],
      ['x-envoy-ratelimited', ''],
    ]);
    assert.equal(parseEchoQuery('close=true').closePercent, 100);
    assert.equal(parseEchoQuery('close=false').closePercent, 0);
    assert.deepEqual(parseEchoQuery('delay=1s').delay, [{ value: 1000, percent: 100 }]);
  });

  it('takes httpbin /status/<code> from the path, over ?status', () => {
    assert.deepEqual(parseEchoRequest('/status/429?status=503').status, [{ value: 429, percent: 100 }]);
    assert.deepEqual(parseEchoRequest('http://flaky.test/echo?status=500:50').status, [{ value: 500, percent: 50 }]);
  });

  for (const [query, fragment] of [
    ['status=503,500', 'is not <value>:<percent>'],
    ['status=503:60,500:50', 'add up to more than 100'],
    ['status=503:x', 'is not a number'],
    ['status=99', 'between 200 and 599'],
    ['delay=5 parsecs', 'is not a duration'],
    ['close=maybe', 'true, false or a percentage'],
    ['header=novalue', 'is not <name>:<value>'],
  ] as const) {
    it(`rejects ${query}`, () => {
      assert.throws(() => parseEchoQuery(query), (err: unknown) => err instanceof EchoQueryError && err.message.includes(fragment));
    });
  }

  it('accepts percentages summing to exactly 100 despite float rounding', () => {
    assert.equal(parseEchoQuery('status=500:33.3,502:33.3,503:33.4').status.length, 3);
  });

  it('picks buckets cumulatively and caps delays', () => {
    const buckets = [
      { value: 'a', percent: 10 },
      { value: 'b', percent: 5 },
    ];
    assert.equal(pickBucket(buckets, 0), 'a');
    assert.equal(pickBucket(buckets, 0.0999), 'a');
    assert.equal(pickBucket(buckets, 0.1), 'b');
    assert.equal(pickBucket(buckets, 0.1499), 'b');
    assert.equal(pickBucket(buckets, 0.15), undefined);
    const spec = parseEchoQuery('delay=1h&status=503:0');
    assert.deepEqual(decideOutcome(spec, { delay: 0, close: 0, status: 0 }, 200), { delayMs: 200, close: false, status: 200 });
  });
});

describe('upstream: determinism', () => {
  it('same seed and index give the same rolls; streams differ by index and seed', () => {
    const roll = (seed: number, i: number) => createRng(deriveSeed(seed, i))();
    assert.equal(roll(42, 7), roll(42, 7));
    assert.notEqual(roll(42, 7), roll(42, 8));
    assert.notEqual(roll(42, 7), roll(43, 7));
  });

  it('replays the same outcome sequence for the same seed, and gets roughly the asked rate', async () => {
    const run = async (seed: number) => {
      const up = await startUpstream({ seed });
      try {
        const seq: number[] = [];
        for (let i = 0; i < 400; i++) seq.push((await get(`${up.url}/?status=503:25`)).status);
        return seq;
      } finally {
        await up.close();
      }
    };
    const a = await run(1234);
    assert.deepEqual(await run(1234), a);
    assert.notDeepEqual(await run(999), a);
    const failures = a.filter((s) => s === 503).length;
    assert.ok(failures > 60 && failures < 140, `expected about 100 of 400 to be 503, got ${failures}`);
  });
});

describe('upstream: server', () => {
  let up: Upstream;
  before(async () => {
    up = await startUpstream({ seed: 7 });
  });
  after(() => up.close());
  beforeEach(() => up.reset());

  it('answers 200 by default, echoing the request line, and logs attempt headers', async () => {
    const res = await get(`${up.url}/hello?x=1`, { headers: { 'x-envoy-attempt-count': '2', 'x-request-id': 'abc' } });
    assert.equal(res.status, 200);
    assert.equal(res.headers['x-upstream-status'], '200');
    assert.equal(res.body, 'GET /hello?x=1 HTTP/1.1\n');
    assert.equal(up.requests, 1);
    assert.equal(up.log[0].attemptCount, 2);
    assert.equal(up.log[0].requestId, 'abc');
    assert.deepEqual([...up.attemptsByRequestId().keys()], ['abc']);
  });

  it('serves /status/<code>, ?status and ?header, and counts by status', async () => {
    assert.equal((await get(`${up.url}/status/503`)).status, 503);
    const res = await get(`${up.url}/?status=429&header=retry-after:2`);
    assert.equal(res.status, 429);
    assert.equal(res.headers['retry-after'], '2');
    assert.deepEqual([...up.countsByStatus], [
      [503, 1],
      [429, 1],
    ]);
  });

  it('answers a malformed query with 400 and the reason', async () => {
    const res = await get(`${up.url}/?status=503:200`);
    assert.equal(res.status, 400);
    assert.match(res.body, /status: percentage "200"/);
  });

  it('closes the connection without a response on ?close=true', async () => {
    await assert.rejects(get(`${up.url}/?close=true`), /socket hang up|ECONNRESET/);
    assert.equal(up.closes, 1);
    assert.equal(up.log[0].closed, true);
    assert.equal(up.log[0].status, undefined);
  });

  it('delays, and records an attempt the client abandoned', async () => {
    const t0 = Date.now();
    assert.equal((await get(`${up.url}/?delay=100ms`)).status, 200);
    assert.ok(Date.now() - t0 >= 95, 'delay honoured');
    // A raw socket that leaves mid-delay, like a proxy's per-try timeout.
    const sock = net.connect(up.port, up.host);
    sock.write('GET /?delay=1s HTTP/1.1\r\nhost: x\r\n\r\n');
    await new Promise((r) => setTimeout(r, 100));
    sock.destroy();
    await new Promise((r) => setTimeout(r, 100));
    const abandoned = up.log[1];
    assert.equal(abandoned.aborted, true);
    assert.equal(abandoned.status, undefined);
  });

  it('load() tallies codes fortio-style, including socket errors as -1', async () => {
    const res = await load({ url: `${up.url}/?status=503:50,500:50`, n: 40, concurrency: 4 });
    assert.equal(res.n, 40);
    assert.equal((res.codes.get(503) ?? 0) + (res.codes.get(500) ?? 0), 40);
    const closed = await load({ url: `${up.url}/?close=true`, n: 3, concurrency: 1 });
    assert.equal(closed.codes.get(-1), 3);
  });
});
