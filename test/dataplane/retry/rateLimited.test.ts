/** §3.2 rate-limited backoff from Retry-After / X-RateLimit-Reset style headers, and its stats (§3.3). */
import * as assert from 'node:assert/strict';
import type { DpRateLimitedBackOff } from '../../../src/dataplane/config/model';
import type { HeaderMap } from '../../../src/dataplane/retry/api';
import { parseResetHeader, parseResetInterval, rateLimitedBackOffMs } from '../../../src/dataplane/retry';
import { fixed, harness, policy, seeded } from './helpers';

const NOW_MS = 1_700_000_000_500; // 1700000000 s and a half
const SECONDS = { name: 'Retry-After', format: 'SECONDS' as const };
const UNIX = { name: 'X-RateLimit-Reset', format: 'UNIX_TIMESTAMP' as const };

function cfg(resetHeaders: DpRateLimitedBackOff['resetHeaders'], maxIntervalMs = 300_000): DpRateLimitedBackOff {
  return { resetHeaders, maxIntervalMs };
}

describe('retry engine: rate-limited backoff (§3.2)', () => {
  const secondsCases: Array<[string, HeaderMap, number | undefined]> = [
    ['unsigned integer seconds → ×1000 ms', { 'retry-after': '3' }, 3000],
    ['surrounding ASCII whitespace and "+" accepted (SimpleAtoi)', { 'retry-after': ' +2 ' }, 2000],
    ['0 → 0 ms (a value, not "absent")', { 'retry-after': '0' }, 0],
    ['HTTP-date is not supported → ignored', { 'retry-after': 'Wed, 21 Oct 2015 07:28:00 GMT' }, undefined],
    ['negative → ignored', { 'retry-after': '-1' }, undefined],
    ['fraction → ignored', { 'retry-after': '1.5' }, undefined],
    ['absent → nothing', {}, undefined],
    ['first value only when repeated', { 'retry-after': ['4', '9'] }, 4000],
  ];
  for (const [title, headers, want] of secondsCases) {
    it(`§3.2 SECONDS: ${title}`, () => assert.equal(parseResetHeader(SECONDS, headers, NOW_MS), want));
  }

  const unixCases: Array<[string, HeaderMap, number | undefined]> = [
    ['future timestamp → (value − now_s) × 1000', { 'x-ratelimit-reset': '1700000005' }, 5000],
    ['now → 0', { 'x-ratelimit-reset': '1700000000' }, 0],
    ['past → ignored', { 'x-ratelimit-reset': '1699999999' }, undefined],
    ['not a number → ignored', { 'x-ratelimit-reset': 'soon' }, undefined],
  ];
  for (const [title, headers, want] of unixCases) {
    it(`§3.2 UNIX_TIMESTAMP: ${title}`, () => assert.equal(parseResetHeader(UNIX, headers, NOW_MS), want));
  }

  it('§3.2 headers tried in order; an interval above max_interval is discarded and the next header tried', () => {
    const c = cfg([SECONDS, UNIX], 10_000);
    assert.equal(parseResetInterval(c, { 'retry-after': '60', 'x-ratelimit-reset': '1700000002' }, NOW_MS), 2000);
    assert.equal(parseResetInterval(c, { 'retry-after': '60' }, NOW_MS), undefined);
    assert.equal(parseResetInterval(c, { 'retry-after': '3', 'x-ratelimit-reset': '1700000002' }, NOW_MS), 3000);
  });

  it('§3.2 the first usable header wins even when it is 0 (the search stops; exponential is then used)', () => {
    assert.equal(parseResetInterval(cfg([SECONDS, UNIX]), { 'retry-after': '0', 'x-ratelimit-reset': '1700000002' }, NOW_MS), 0);
  });

  it('§3.2 interval equal to max_interval is kept (discard only when greater)', () => {
    assert.equal(parseResetInterval(cfg([SECONDS], 5000), { 'retry-after': '5' }, NOW_MS), 5000);
  });

  it('§3.2 delay = interval + random mod (interval/2): integer in [interval, 1.5 × interval) over many draws', () => {
    const random = seeded(7);
    let min = Infinity;
    let max = -Infinity;
    for (let i = 0; i < 5000; i++) {
      const d = rateLimitedBackOffMs(3000, random);
      assert.ok(Number.isInteger(d) && d >= 3000 && d < 4500, String(d));
      min = Math.min(min, d);
      max = Math.max(max, d);
    }
    assert.ok(min < 3010 && max > 4490, `${min}..${max} spans the range`);
    assert.equal(rateLimitedBackOffMs(3000, fixed(0.9999999)), 4499);
  });

  it('§3.2 / §3.3 header-triggered retry with a usable header: kind ratelimited, backoff_ratelimited += 1 (not exponential)', () => {
    const h = harness({
      policy: policy({ retryOn: '5xx', rateLimitedBackOff: cfg([SECONDS]) }),
      random: fixed(0),
      nowMs: () => NOW_MS,
    });
    assert.deepEqual(h.state.onResponseHeaders(503, { 'retry-after': '2' }), { retry: true, backoffMs: 2000, kind: 'ratelimited' });
    assert.equal(h.stats.retryBackoffRatelimited.value + h.stats.retry.value, 0, 'not at scheduling (observed on Envoy 1.40: counted at launch)');
    h.state.onRetryLaunched();
    assert.equal(h.stats.retryBackoffRatelimited.value, 1);
    assert.equal(h.stats.retryBackoffExponential.value, 0);
    assert.equal(h.stats.retry.value, 1);
  });

  it('§3.2 UNIX_TIMESTAMP uses the injected clock', () => {
    const h = harness({ policy: policy({ retryOn: 'envoy-ratelimited', rateLimitedBackOff: cfg([UNIX]) }), random: fixed(0), nowMs: () => NOW_MS });
    const d = h.state.onResponseHeaders(429, { 'x-envoy-ratelimited': 'true', 'x-ratelimit-reset': '1700000010' });
    assert.deepEqual(d, { retry: true, backoffMs: 10000, kind: 'ratelimited' });
  });

  it('§3.2 fallback to exponential when no header / unusable / 0 / too large', () => {
    for (const headers of [{}, { 'retry-after': 'later' }, { 'retry-after': '0' }, { 'retry-after': '301' }] as HeaderMap[]) {
      const h = harness({ policy: policy({ retryOn: '5xx', rateLimitedBackOff: cfg([SECONDS]) }), nowMs: () => NOW_MS });
      const d = h.state.onResponseHeaders(503, headers);
      assert.equal(d.retry && d.kind, 'exponential', JSON.stringify(headers));
      h.state.onRetryLaunched(); // counted at launch (Envoy 1.40)
      assert.equal(h.stats.retryBackoffExponential.value, 1);
      assert.equal(h.stats.retryBackoffRatelimited.value, 0);
    }
  });

  it('§3.2 without rate_limited_retry_back_off a Retry-After header is ignored', () => {
    const h = harness({ policy: policy({ retryOn: '5xx' }) });
    const d = h.state.onResponseHeaders(503, { 'retry-after': '2' });
    assert.equal(d.retry && d.kind, 'exponential');
  });

  it('§3.2 the rate-limited choice applies to one retry only and does not advance the exponential ceiling', () => {
    const h = harness({
      policy: policy({ retryOn: '5xx', numRetries: 3, rateLimitedBackOff: cfg([SECONDS]) }),
      random: fixed(0.999999),
      nowMs: () => NOW_MS,
    });
    const a = h.state.onResponseHeaders(503, { 'retry-after': '1' });
    h.state.onRetryLaunched();
    const b = h.state.onResponseHeaders(503, {});
    h.state.onRetryLaunched();
    const c = h.state.onResponseHeaders(503, {});
    assert.deepEqual([a, b, c].map((d) => (d.retry ? [d.kind, d.backoffMs] : d.reason)), [
      ['ratelimited', 1499],
      ['exponential', 24],
      ['exponential', 49],
    ]);
  });

  it('§3.2 a non-retriable response with Retry-After is not retried (the header does not make it retriable)', () => {
    const h = harness({ policy: policy({ retryOn: '5xx', rateLimitedBackOff: cfg([SECONDS]) }), nowMs: () => NOW_MS });
    assert.equal(h.state.onResponseHeaders(429, { 'retry-after': '1' }).retry, false);
  });
});
