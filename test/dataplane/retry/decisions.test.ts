/**
 * §1.3 / §1.4 / §1.5: every retry_on token against every outcome class, with the expected
 * retrying outcomes written out per token (not derived from the implementation).
 */
import * as assert from 'node:assert/strict';
import type { HeaderMap, ResetReason } from '../../../src/dataplane/retry/api';
import { harness, policy } from './helpers';

interface Outcome {
  name: string;
  run: (h: ReturnType<typeof harness>) => ReturnType<ReturnType<typeof harness>['state']['onReset']>;
}

const RESET_REASONS: ResetReason[] = [
  'local connection failure',
  'remote connection failure',
  'connection timeout',
  'connection termination',
  'local reset',
  'remote reset',
  'remote refused stream reset',
  'overflow',
  'protocol error',
];

function response(name: string, status: number, headers: HeaderMap = {}): Outcome {
  return { name, run: (h) => h.state.onResponseHeaders(status, headers) };
}

/** `pre:` the request never reached a codec; `post:` it did (§1.4 step 4). */
function reset(reason: ResetReason, started: boolean): Outcome {
  return { name: `${started ? 'post' : 'pre'}:${reason}`, run: (h) => h.state.onReset(reason, started) };
}

const OUTCOMES: Outcome[] = [
  ...[200, 204, 404, 409, 429, 500, 501, 502, 503, 504, 505, 599].map((s) => response(`h${s}`, s)),
  response('h503+ratelimited', 503, { 'x-envoy-ratelimited': 'true' }),
  response('h200+ratelimited', 200, { 'x-envoy-ratelimited': '' }),
  response('h200+x-retry-me', 200, { 'x-retry-me': 'yes' }),
  ...[1, 2, 4, 8, 13, 14, 16].map((g) => response(`grpc${g}`, 200, { 'grpc-status': String(g) })),
  ...RESET_REASONS.map((r) => reset(r, false)),
  ...RESET_REASONS.map((r) => reset(r, true)),
];

const NON_OVERFLOW_RESETS = RESET_REASONS.filter((r) => r !== 'overflow').flatMap((r) => [`pre:${r}`, `post:${r}`]);
const CONNECT_FAILURES = ['local connection failure', 'remote connection failure', 'connection timeout'].flatMap((r) => [`pre:${r}`, `post:${r}`]);

/** §1.5, one row per token: the outcomes that are retried; every other outcome is not. */
const TABLE: Array<{ token: string; retries: string[] }> = [
  { token: '5xx', retries: ['h500', 'h501', 'h502', 'h503', 'h504', 'h505', 'h599', ...NON_OVERFLOW_RESETS] },
  { token: 'gateway-error', retries: ['h502', 'h503', 'h504', ...NON_OVERFLOW_RESETS] },
  { token: 'reset', retries: NON_OVERFLOW_RESETS },
  { token: 'reset-before-request', retries: RESET_REASONS.filter((r) => r !== 'overflow').map((r) => `pre:${r}`) },
  { token: 'connect-failure', retries: CONNECT_FAILURES },
  { token: 'envoy-ratelimited', retries: ['h503+ratelimited', 'h200+ratelimited'] },
  { token: 'retriable-4xx', retries: ['h409'] },
  { token: 'refused-stream', retries: ['pre:remote refused stream reset', 'post:remote refused stream reset'] },
  { token: 'retriable-status-codes', retries: ['h429'] },
  { token: 'retriable-headers', retries: ['h200+x-retry-me'] },
  { token: 'http3-post-connect-failure', retries: [] },
  { token: 'cancelled', retries: ['grpc1'] },
  { token: 'deadline-exceeded', retries: ['grpc4'] },
  { token: 'resource-exhausted', retries: ['grpc8'] },
  { token: 'internal', retries: ['grpc13'] },
  { token: 'unavailable', retries: ['grpc14'] },
];

function decide(retryOn: string, outcome: Outcome): boolean {
  const h = harness({
    policy: policy({
      retryOn,
      numRetries: 1,
      retriableStatusCodes: [429],
      retriableHeaders: [{ name: 'x-retry-me', present: true, invert: false, ignoreCase: false }],
    }),
  });
  const d = outcome.run(h);
  return d.retry;
}

describe('retry engine: decisions per retry_on token (§1.5)', () => {
  for (const row of TABLE) {
    it(`§1.5 ${row.token}: retries exactly ${row.retries.length} outcome classes of ${OUTCOMES.length}`, () => {
      for (const name of row.retries) assert.ok(OUTCOMES.some((o) => o.name === name), `unknown outcome ${name}`);
      for (const o of OUTCOMES) {
        assert.equal(decide(row.token, o), row.retries.includes(o.name), `${row.token} × ${o.name}`);
      }
    });
  }

  it('§1.3 item 1: x-envoy-ratelimited overrides every other condition (503 not retried under 5xx, gateway-error, retriable-status-codes)', () => {
    const all = '5xx,gateway-error,retriable-status-codes,retriable-headers,unavailable';
    const h = harness({ policy: policy({ retryOn: all, retriableStatusCodes: [503], retriableHeaders: [{ name: 'x-envoy-ratelimited', invert: false, ignoreCase: false }] }) });
    assert.deepEqual(h.state.onResponseHeaders(503, { 'x-envoy-ratelimited': 'true', 'grpc-status': '14' }), { retry: false, reason: 'not-retriable' });
  });

  it('§1.3 item 1: with envoy-ratelimited, any status carrying the header is retried (200, 404, 503)', () => {
    for (const status of [200, 404, 503]) {
      const h = harness({ policy: policy({ retryOn: 'envoy-ratelimited' }) });
      assert.equal(h.state.onResponseHeaders(status, { 'x-envoy-ratelimited': 'yes' }).retry, true, String(status));
    }
  });

  it('§1.3 item 5: retriable_status_codes is only consulted with the retriable-status-codes token', () => {
    const h = harness({ policy: policy({ retryOn: 'retriable-4xx', retriableStatusCodes: [418] }) });
    assert.equal(h.state.onResponseHeaders(418, {}).retry, false);
    const h2 = harness({ policy: policy({ retryOn: 'retriable-4xx,retriable-status-codes', retriableStatusCodes: [418] }) });
    assert.equal(h2.state.onResponseHeaders(418, {}).retry, true);
  });

  it('§1.3 item 6: retriable-headers retries a 200 whose headers match, regardless of status', () => {
    const matcher = { name: 'x-upstream-state', exact: 'retry', invert: false, ignoreCase: false };
    for (const [status, value, want] of [[200, 'retry', true], [201, 'retry', true], [200, 'ok', false], [500, 'ok', false]] as const) {
      const h = harness({ policy: policy({ retryOn: 'retriable-headers', retriableHeaders: [matcher] }) });
      assert.equal(h.state.onResponseHeaders(status, { 'x-upstream-state': value }).retry, want, `${status} ${value}`);
    }
  });

  it('§1.3 item 6: retriable-headers with an empty matcher list never retries', () => {
    const h = harness({ policy: policy({ retryOn: 'retriable-headers' }) });
    assert.equal(h.state.onResponseHeaders(200, { anything: 'x' }).retry, false);
  });

  it('§1.3 item 7: grpc-status is parsed like Envoy (SimpleAtoi, > 16 invalid, empty ignored, duplicates coalesced)', () => {
    const cases: Array<[HeaderMap, boolean]> = [
      [{ 'grpc-status': '14' }, true],
      [{ 'grpc-status': ' 14 ' }, true],
      [{ 'grpc-status': '+14' }, true],
      [{ 'grpc-status': '014' }, true],
      [{ 'grpc-status': '14.0' }, false],
      [{ 'grpc-status': '' }, false],
      [{ 'grpc-status': ['14', '14'] }, false],
      [{ 'grpc-status': '-14' }, false],
      [{}, false],
    ];
    for (const [headers, want] of cases) {
      const h = harness({ policy: policy({ retryOn: 'unavailable' }) });
      assert.equal(h.state.onResponseHeaders(200, headers).retry, want, JSON.stringify(headers));
    }
  });

  it('§1.3 item 7: grpc tokens apply to any request and any HTTP status (503 + grpc-status 14 with only unavailable)', () => {
    const h = harness({ policy: policy({ retryOn: 'unavailable' }) });
    assert.equal(h.state.onResponseHeaders(503, { 'grpc-status': '14' }).retry, true);
  });

  it('§1.4 step 4: reset-before-request uses the sticky requestStarted flag', () => {
    const h = harness({ policy: policy({ retryOn: 'reset-before-request', numRetries: 5 }) });
    assert.equal(h.state.onReset('remote connection failure', false).retry, true);
    h.state.onRetryLaunched();
    assert.equal(h.state.onReset('connection termination', true).retry, false, 'started attempt');
    const h2 = harness({ policy: policy({ retryOn: 'reset-before-request', numRetries: 5 }) });
    assert.equal(h2.state.onReset('connection termination', true).retry, false);
    // Once some attempt started, a later connect failure (requestStarted passed false) still does not qualify.
    assert.equal(h2.state.onReset('local connection failure', false).retry, false, 'sticky');
  });

  it('§1.4 step 2: connect-failure is checked before reset-before-request (connect failures still retried after a started attempt)', () => {
    const h = harness({ policy: policy({ retryOn: 'connect-failure,reset-before-request', numRetries: 5 }) });
    assert.equal(h.state.onReset('connection termination', true).retry, false);
    assert.equal(h.state.onReset('connection timeout', false).retry, true);
  });

  it('§1.4 step 1: overflow is never retried, whatever the tokens', () => {
    const h = harness({ policy: policy({ retryOn: '5xx,gateway-error,reset,reset-before-request,connect-failure,refused-stream' }) });
    assert.deepEqual(h.state.onReset('overflow', false), { retry: false, reason: 'not-retriable' });
  });

  it('§3.1 / RS wouldRetryFromHeaders: a listed 425 is RetryImmediately (no backoff, no backoff stat) unless the request came as early-data', () => {
    const h = harness({ policy: policy({ retryOn: 'retriable-status-codes', retriableStatusCodes: [425] }) });
    assert.deepEqual(h.state.onResponseHeaders(425, {}), { retry: true, backoffMs: 0, kind: 'immediate' });
    assert.equal(h.stats.retry.value, 0, 'not at scheduling (observed on Envoy 1.40: counted at launch)');
    h.state.onRetryLaunched();
    assert.equal(h.stats.retry.value, 1);
    assert.equal(h.stats.retryBackoffExponential.value + h.stats.retryBackoffRatelimited.value, 0);
    const e = harness({ policy: policy({ retryOn: 'retriable-status-codes', retriableStatusCodes: [425] }), requestHeaders: { 'early-data': '1' } });
    assert.equal(e.state.onResponseHeaders(425, {}).retry, false);
    // A 425 under 5xx-style tokens is not special: retriable-4xx only covers 409.
    const f = harness({ policy: policy({ retryOn: 'retriable-4xx' }) });
    assert.equal(f.state.onResponseHeaders(425, {}).retry, false);
  });
});
