/** §2.3: route and per-try timeouts after internal x-envoy-* headers, expected-timeout header value. */
import * as assert from 'node:assert/strict';
import type { HeaderMap } from '../../../src/dataplane/retry/api';
import { effectiveTimeouts, expectedTimeoutMs } from '../../../src/dataplane/retry';
import { policy } from './helpers';

describe('retry engine: effective timeouts (§2.3)', () => {
  it('§2.3 route timeout alone: expected = route timeout', () => {
    assert.deepEqual(effectiveTimeouts(15000, undefined, {}, false), { routeTimeoutMs: 15000, expectedTimeoutMs: 15000 });
  });

  it('§2.3 route timeout 0 disables it; no expected timeout without per-try', () => {
    assert.deepEqual(effectiveTimeouts(0, undefined, {}, false), { routeTimeoutMs: 0 });
  });

  it('§2.3 per-try below the route timeout is used and is the expected timeout', () => {
    assert.deepEqual(effectiveTimeouts(1000, policy({ perTryTimeoutMs: 300 }), {}, false), { routeTimeoutMs: 1000, perTryTimeoutMs: 300, expectedTimeoutMs: 300 });
  });

  it('§2.3 per-try ≥ a non-zero route timeout is ignored (equal and greater)', () => {
    for (const perTry of [1000, 5000]) {
      assert.deepEqual(effectiveTimeouts(1000, policy({ perTryTimeoutMs: perTry }), {}, false), { routeTimeoutMs: 1000, expectedTimeoutMs: 1000 }, String(perTry));
    }
  });

  it('§2.3 per-try with route timeout 0 is kept (nothing to compare with)', () => {
    assert.deepEqual(effectiveTimeouts(0, policy({ perTryTimeoutMs: 5000 }), {}, false), { routeTimeoutMs: 0, perTryTimeoutMs: 5000, expectedTimeoutMs: 5000 });
  });

  it('§2.3 per-try idle timeout comes from the policy and is not bounded by the route timeout', () => {
    assert.deepEqual(effectiveTimeouts(100, policy({ perTryIdleTimeoutMs: 500 }), {}, false), { routeTimeoutMs: 100, perTryIdleTimeoutMs: 500, expectedTimeoutMs: 100 });
  });

  it('§2.3 internal: x-envoy-upstream-rq-timeout-ms replaces the route timeout (0 disables) and is removed', () => {
    const h: HeaderMap = { 'x-envoy-upstream-rq-timeout-ms': '2500' };
    assert.equal(effectiveTimeouts(15000, undefined, h, true).routeTimeoutMs, 2500);
    assert.equal('x-envoy-upstream-rq-timeout-ms' in h, false);
    assert.equal(effectiveTimeouts(15000, undefined, { 'x-envoy-upstream-rq-timeout-ms': '0' }, true).routeTimeoutMs, 0);
  });

  it('§2.3 internal: x-envoy-upstream-rq-per-try-timeout-ms replaces per_try_timeout and is removed; then the ≥ route rule applies', () => {
    const h: HeaderMap = { 'x-envoy-upstream-rq-per-try-timeout-ms': '200' };
    assert.equal(effectiveTimeouts(1000, policy({ perTryTimeoutMs: 700 }), h, true).perTryTimeoutMs, 200);
    assert.equal('x-envoy-upstream-rq-per-try-timeout-ms' in h, false);
    assert.equal(effectiveTimeouts(1000, policy({ perTryTimeoutMs: 700 }), { 'x-envoy-upstream-rq-per-try-timeout-ms': '1000' }, true).perTryTimeoutMs, undefined);
    assert.equal(effectiveTimeouts(1000, policy({ perTryTimeoutMs: 700 }), { 'x-envoy-upstream-rq-per-try-timeout-ms': '0' }, true).perTryTimeoutMs, undefined);
  });

  it('§2.3 internal: both headers together — per-try compared with the header route timeout', () => {
    const t = effectiveTimeouts(15000, undefined, { 'x-envoy-upstream-rq-timeout-ms': '500', 'x-envoy-upstream-rq-per-try-timeout-ms': '800' }, true);
    assert.deepEqual(t, { routeTimeoutMs: 500, expectedTimeoutMs: 500 });
  });

  it('§2.3 internal: unparsable timeout headers are ignored but still removed', () => {
    const h: HeaderMap = { 'x-envoy-upstream-rq-timeout-ms': '1s', 'x-envoy-upstream-rq-per-try-timeout-ms': '-5' };
    assert.deepEqual(effectiveTimeouts(3000, policy({ perTryTimeoutMs: 100 }), h, true), { routeTimeoutMs: 3000, perTryTimeoutMs: 100, expectedTimeoutMs: 100 });
    assert.deepEqual(Object.keys(h), []);
  });

  it('§2.3 / CMU external: timeout headers have no effect and are stripped (incl. expected-rq-timeout and alt-response)', () => {
    const h: HeaderMap = {
      'x-envoy-upstream-rq-timeout-ms': '10',
      'x-envoy-upstream-rq-per-try-timeout-ms': '5',
      'x-envoy-expected-rq-timeout-ms': '1',
      'x-envoy-upstream-rq-timeout-alt-response': '204',
      other: 'x',
    };
    assert.deepEqual(effectiveTimeouts(1000, undefined, h, false), { routeTimeoutMs: 1000, expectedTimeoutMs: 1000 });
    assert.deepEqual(Object.keys(h), ['other']);
  });

  it('§2.3 setTimeoutHeaders: expected timeout on a retry is capped by the global time left, 1 once it is used up', () => {
    const t = { routeTimeoutMs: 1000, perTryTimeoutMs: 300 };
    assert.equal(expectedTimeoutMs(t, 0), 300);
    assert.equal(expectedTimeoutMs(t, 800), 200);
    assert.equal(expectedTimeoutMs(t, 1000), 1);
    assert.equal(expectedTimeoutMs({ routeTimeoutMs: 1000 }, 250), 750);
    assert.equal(expectedTimeoutMs({ routeTimeoutMs: 0, perTryTimeoutMs: 300 }, 5000), 300);
    assert.equal(expectedTimeoutMs({ routeTimeoutMs: 0 }, 0), undefined);
  });
});
