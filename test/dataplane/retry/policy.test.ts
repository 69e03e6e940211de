/** §1.1 / §9 item 2: the effective policy of a request, x-envoy-* headers, retriable_request_headers. */
import * as assert from 'node:assert/strict';
import type { HeaderMap } from '../../../src/dataplane/retry/api';
import { RETRY_REQUEST_HEADERS } from '../../../src/dataplane/retry';
import { harness, policy, tryHarness } from './helpers';

const ALL_RETRY_HEADERS: HeaderMap = {
  'x-envoy-retry-on': '5xx',
  'x-envoy-retry-grpc-on': 'unavailable',
  'x-envoy-max-retries': '4',
  'x-envoy-retriable-status-codes': '418',
  'x-envoy-retriable-header-names': 'x-foo',
  'x-envoy-upstream-rq-per-try-timeout-ms': '100',
  'x-envoy-hedge-on-per-try-timeout': 'true',
  'x-keep': 'me',
};

/** Runs up to 10 failing attempts and returns how many retries were scheduled. */
function retriesFor(state: NonNullable<ReturnType<typeof tryHarness>['state']>, fail: () => boolean): number {
  let n = 0;
  for (let i = 0; i < 10; i++) {
    if (!fail()) break;
    n++;
    state.onRetryLaunched();
  }
  return n;
}

describe('retry engine: effective policy and x-envoy-* headers (§1.1)', () => {
  it('§1.1 no policy and no header → no retry state (the router never retries)', () => {
    assert.equal(tryHarness({}).state, undefined);
    assert.equal(tryHarness({ policy: policy({ retryOn: '' }) }).state, undefined);
  });

  it('§1.1 a retry_on of only unknown tokens (Istio "503", "5XX") → no retry state', () => {
    assert.equal(tryHarness({ policy: policy({ retryOn: '503,5XX, Reset ,retriable_4xx' }) }).state, undefined);
  });

  it('§1.1 retry headers are removed in every case: internal, external, with and without a policy, with and without a state', () => {
    for (const internal of [true, false]) {
      for (const p of [undefined, policy({ retryOn: 'reset' }), policy({ retryOn: 'bogus' })]) {
        const headers = { ...ALL_RETRY_HEADERS };
        tryHarness({ policy: p, requestHeaders: headers, internal });
        for (const name of RETRY_REQUEST_HEADERS) assert.equal(name in headers, false, `${name} internal=${internal} policy=${p?.retryOn}`);
        assert.equal(headers['x-keep'], 'me');
      }
    }
  });

  it('§1.1 external requests: x-envoy-retry-on / -grpc-on have no effect', () => {
    const h = tryHarness({ requestHeaders: { 'x-envoy-retry-on': '5xx', 'x-envoy-retry-grpc-on': 'unavailable' }, internal: false });
    assert.equal(h.state, undefined);
  });

  it('§1.1 internal requests: x-envoy-retry-on alone creates a state with num_retries 1 (§2.1 default)', () => {
    const h = harness({ requestHeaders: { 'x-envoy-retry-on': '5xx' }, internal: true });
    assert.equal(retriesFor(h.state, () => h.state.onResponseHeaders(503, {}).retry), 1);
  });

  it('§1.1 x-envoy-retry-on takes HTTP tokens only; x-envoy-retry-grpc-on gRPC tokens only', () => {
    assert.equal(tryHarness({ requestHeaders: { 'x-envoy-retry-on': 'unavailable,cancelled' }, internal: true }).state, undefined);
    assert.equal(tryHarness({ requestHeaders: { 'x-envoy-retry-grpc-on': '5xx,reset' }, internal: true }).state, undefined);
    const g = harness({ requestHeaders: { 'x-envoy-retry-grpc-on': 'unavailable' }, internal: true });
    assert.equal(g.state.onResponseHeaders(200, { 'grpc-status': '14' }).retry, true);
  });

  it('§1.1 header conditions are OR-ed into the route policy', () => {
    const h = harness({ policy: policy({ retryOn: 'connect-failure', numRetries: 5 }), requestHeaders: { 'x-envoy-retry-on': 'retriable-4xx' }, internal: true });
    assert.equal(h.state.onResponseHeaders(409, {}).retry, true);
    h.state.onRetryLaunched();
    assert.equal(h.state.onReset('connection timeout', false).retry, true);
  });

  it('§1.1 x-envoy-max-retries replaces num_retries (lower and higher, "0" too), internal only', () => {
    for (const [header, want] of [['0', 0], ['2', 2], ['7', 7], [' 3 ', 3], ['+3', 3]] as const) {
      const h = harness({ policy: policy({ retryOn: '5xx', numRetries: 4 }), requestHeaders: { 'x-envoy-max-retries': header }, internal: true });
      assert.equal(retriesFor(h.state, () => h.state.onResponseHeaders(503, {}).retry), want, header);
    }
    const ext = harness({ policy: policy({ retryOn: '5xx', numRetries: 4 }), requestHeaders: { 'x-envoy-max-retries': '1' }, internal: false });
    assert.equal(retriesFor(ext.state, () => ext.state.onResponseHeaders(503, {}).retry), 4);
  });

  it('§1.1 x-envoy-max-retries that is not a uint64 is ignored (num_retries kept)', () => {
    for (const header of ['-1', 'two', '1.5', '', '3,3', '18446744073709551616']) {
      const h = harness({ policy: policy({ retryOn: '5xx', numRetries: 2 }), requestHeaders: { 'x-envoy-max-retries': header }, internal: true });
      assert.equal(retriesFor(h.state, () => h.state.onResponseHeaders(503, {}).retry), 2, JSON.stringify(header));
    }
  });

  it('§1.1 x-envoy-max-retries is stored in uint32 like Envoy: 4294967297 wraps to 1', () => {
    const h = harness({ policy: policy({ retryOn: '5xx', numRetries: 3 }), requestHeaders: { 'x-envoy-max-retries': '4294967297' }, internal: true });
    assert.equal(retriesFor(h.state, () => h.state.onResponseHeaders(503, {}).retry), 1);
  });

  it('§1.1 x-envoy-max-retries alone (no condition anywhere) creates no state', () => {
    assert.equal(tryHarness({ requestHeaders: { 'x-envoy-max-retries': '3' }, internal: true }).state, undefined);
  });

  it('§1.1 x-envoy-retriable-status-codes appends to the list (only used with retriable-status-codes); bad entries skipped', () => {
    const h = harness({
      policy: policy({ retryOn: 'retriable-status-codes', retriableStatusCodes: [429], numRetries: 9 }),
      requestHeaders: { 'x-envoy-retriable-status-codes': '418, 500 ,x,,-1,4294967296' },
      internal: true,
    });
    for (const [status, want] of [[429, true], [418, true], [500, true], [503, false], [404, false]] as const) {
      assert.equal(h.state.onResponseHeaders(status, {}).retry, want, String(status));
    }
    const without = harness({ policy: policy({ retryOn: '5xx' }), requestHeaders: { 'x-envoy-retriable-status-codes': '418' }, internal: true });
    assert.equal(without.state.onResponseHeaders(418, {}).retry, false);
  });

  it('§1.1 / §5.3 x-envoy-retriable-header-names appends name-presence matchers (trimmed, lower-cased)', () => {
    const h = harness({
      policy: policy({ retryOn: 'retriable-headers', numRetries: 9 }),
      requestHeaders: { 'x-envoy-retriable-header-names': ' X-Retry-A ,x-retry-b' },
      internal: true,
    });
    assert.equal(h.state.onResponseHeaders(200, { 'x-retry-a': '' }).retry, true);
    assert.equal(h.state.onResponseHeaders(200, { 'x-retry-b': 'v' }).retry, true);
    assert.equal(h.state.onResponseHeaders(200, { 'x-retry-c': 'v' }).retry, false);
  });

  it('§1.1 status codes / header names from external requests are ignored', () => {
    const h = harness({
      policy: policy({ retryOn: 'retriable-status-codes,retriable-headers', numRetries: 9 }),
      requestHeaders: { 'x-envoy-retriable-status-codes': '418', 'x-envoy-retriable-header-names': 'x-a' },
      internal: false,
    });
    assert.equal(h.state.onResponseHeaders(418, {}).retry, false);
    assert.equal(h.state.onResponseHeaders(200, { 'x-a': '1' }).retry, false);
  });

  it('§1.1 retriable_request_headers: no match clears every condition (header-requested ones too) → no state, no stats', () => {
    const p = policy({ retryOn: '5xx', retriableRequestHeaders: [{ name: ':method', exact: 'GET', invert: false, ignoreCase: false }] });
    const post = tryHarness({ policy: p, requestHeaders: { 'x-envoy-retry-on': 'reset' }, internal: true, pseudoHeaders: { ':method': 'POST' } });
    assert.equal(post.state, undefined);
    assert.equal('x-envoy-retry-on' in post.headers, false, 'headers still removed');
    const get = tryHarness({ policy: p, internal: true, pseudoHeaders: { ':method': 'GET' } });
    assert.ok(get.state);
  });

  it('§1.1 retriable_request_headers: any one matching matcher is enough; plain request headers are matched too', () => {
    const p = policy({
      retryOn: '5xx',
      retriableRequestHeaders: [
        { name: ':method', exact: 'GET', invert: false, ignoreCase: false },
        { name: 'x-idempotent', present: true, invert: false, ignoreCase: false },
      ],
    });
    assert.ok(tryHarness({ policy: p, requestHeaders: { 'x-idempotent': '1' }, pseudoHeaders: { ':method': 'POST' } }).state);
    assert.equal(tryHarness({ policy: p, requestHeaders: {}, pseudoHeaders: { ':method': 'POST' } }).state, undefined);
  });

  it('§1.1 retriable_request_headers sees the request before the x-envoy-* headers are removed', () => {
    const p = policy({ retryOn: '5xx', retriableRequestHeaders: [{ name: 'x-envoy-max-retries', present: true, invert: false, ignoreCase: false }] });
    assert.ok(tryHarness({ policy: p, requestHeaders: { 'x-envoy-max-retries': '1' }, internal: false }).state);
  });

  it('§1.1 x-envoy-max-retries is applied only after retriable_request_headers (a cleared request ignores it)', () => {
    const p = policy({ retryOn: '5xx', retriableRequestHeaders: [{ name: 'x-ok', present: true, invert: false, ignoreCase: false }] });
    assert.equal(tryHarness({ policy: p, requestHeaders: { 'x-envoy-max-retries': '5' }, internal: true }).state, undefined);
  });

  it('§4.3 host predicates / host_selection_retry_max_attempts and per-try timeouts are exposed from the policy', () => {
    const h = harness({
      policy: policy({
        retryOn: '5xx',
        hostPredicates: ['envoy.retry_host_predicates.previous_hosts'],
        hostSelectionRetryMaxAttempts: 4,
        perTryTimeoutMs: 250,
        perTryIdleTimeoutMs: 90,
      }),
    });
    assert.deepEqual(h.state.hostPredicates, ['envoy.retry_host_predicates.previous_hosts']);
    assert.equal(h.state.hostSelectionRetryMaxAttempts, 4);
    assert.equal(h.state.perTryTimeoutMs, 250);
    assert.equal(h.state.perTryIdleTimeoutMs, 90);
  });
});
