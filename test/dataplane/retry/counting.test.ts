/**
 * §2.1, §4.1, §6.1, §9 item 4: the order in which a retriable outcome is counted, and exactly when
 * each upstream_rq_retry* counter moves.
 */
import * as assert from 'node:assert/strict';
import { harness, policy, statValues, ZERO_STATS } from './helpers';

const FIVE_XX = policy({ retryOn: '5xx', numRetries: 2 });

describe('retry engine: counting order and stats (§2.1, §4.1, §6.1, §9 item 4)', () => {
  it('§6.1 upstream_rq_retry + exactly one backoff stat per launched retry, none while only scheduled (observed on Envoy 1.40: counted at launch)', () => {
    const h = harness({ policy: FIVE_XX });
    const d = h.state.onResponseHeaders(503, {});
    assert.equal(d.retry, true);
    assert.deepEqual(statValues(h.stats), ZERO_STATS, 'scheduled, not launched: nothing counted yet');
    h.state.onRetryLaunched();
    assert.deepEqual(statValues(h.stats), { ...ZERO_STATS, retry: 1, retryBackoffExponential: 1 });
  });

  it('§6.1 a retry cut short in its backoff (route timeout, 507) never launches: upstream_rq_retry and backoff stats stay 0 (observed on Envoy 1.40: counted at launch)', () => {
    const h = harness({ policy: FIVE_XX });
    assert.equal(h.state.onResponseHeaders(503, {}).retry, true);
    h.state.finish();
    assert.deepEqual(statValues(h.stats), ZERO_STATS);
    assert.equal(h.circuit.outstanding, 0);
  });

  it('§2.1 limit check first: 0 retries left → limit_exceeded, no decrement, no circuit call, reason limit-exceeded (URX)', () => {
    const h = harness({ policy: policy({ retryOn: '5xx', numRetries: 0 }) });
    assert.deepEqual(h.state.onResponseHeaders(503, {}), { retry: false, reason: 'limit-exceeded' });
    assert.deepEqual(statValues(h.stats), { ...ZERO_STATS, retryLimitExceeded: 1 });
    assert.deepEqual(h.circuit.calls, []);
  });

  it('§2.1 num_retries bounds retries: num_retries 2 → 2 retries then limit_exceeded on the 3rd failure', () => {
    const h = harness({ policy: FIVE_XX });
    const seen: Array<boolean | string> = [];
    for (let i = 0; i < 3; i++) {
      const d = h.state.onReset('connection termination', true);
      seen.push(d.retry ? true : d.reason);
      if (d.retry) h.state.onRetryLaunched();
    }
    assert.deepEqual(seen, [true, true, 'limit-exceeded']);
    assert.equal(h.state.retriesDone, 2);
    assert.deepEqual(statValues(h.stats), { ...ZERO_STATS, retry: 2, retryBackoffExponential: 2, retryLimitExceeded: 1 });
  });

  it('§4.1 circuit full → overflow stat, reason overflow (UO); the retry was still used up (decrement before the breaker)', () => {
    const h = harness({ policy: policy({ retryOn: '5xx', numRetries: 1 }) }, 0);
    assert.deepEqual(h.state.onResponseHeaders(503, {}), { retry: false, reason: 'overflow' });
    assert.deepEqual(statValues(h.stats), { ...ZERO_STATS, retryOverflow: 1 });
    h.circuit.max = 3;
    // The one retry was decremented by the overflowed decision: the next retriable outcome hits the limit.
    assert.deepEqual(h.state.onResponseHeaders(503, {}), { retry: false, reason: 'limit-exceeded' });
    assert.deepEqual(statValues(h.stats), { ...ZERO_STATS, retryOverflow: 1, retryLimitExceeded: 1 });
  });

  it('§4.1 a retry holds its slot from scheduling until the next decision, which releases it before checking', () => {
    const h = harness({ policy: policy({ retryOn: '5xx', numRetries: 3 }) }, 1);
    assert.equal(h.state.onResponseHeaders(503, {}).retry, true);
    assert.equal(h.circuit.outstanding, 1);
    h.state.onRetryLaunched();
    assert.equal(h.circuit.outstanding, 1, 'held during the retry attempt');
    // With max 1 the next retry only fits because this request's own slot is released first.
    assert.equal(h.state.onResponseHeaders(503, {}).retry, true);
    assert.deepEqual(h.circuit.calls, ['try', 'finished', 'try']);
    h.state.onRetryLaunched();
    h.state.onResponseHeaders(200, {});
    assert.equal(h.circuit.outstanding, 0);
  });

  it('§4.1 finish() releases a held slot without moving any stat; finish twice is harmless', () => {
    const h = harness({ policy: FIVE_XX });
    h.state.onResponseHeaders(503, {});
    h.state.finish();
    h.state.finish();
    assert.equal(h.circuit.outstanding, 0);
    // The retry was scheduled but never launched (observed on Envoy 1.40: counted at launch).
    assert.deepEqual(statValues(h.stats), ZERO_STATS);
  });

  it('§6.1 retry_success: an outcome after a scheduled retry that asks for no retry (200) counts once', () => {
    const h = harness({ policy: FIVE_XX });
    h.state.onResponseHeaders(503, {});
    h.state.onRetryLaunched();
    assert.deepEqual(h.state.onResponseHeaders(200, {}), { retry: false, reason: 'not-retriable' });
    h.state.onFinalResponse(200, {});
    h.state.finish();
    assert.equal(h.stats.retrySuccess.value, 1);
  });

  it('§6.1 retry_success also counts for a non-retriable 404 and for a non-retriable reset after a retry', () => {
    const a = harness({ policy: FIVE_XX });
    a.state.onResponseHeaders(503, {});
    a.state.onRetryLaunched();
    a.state.onResponseHeaders(404, {});
    assert.equal(a.stats.retrySuccess.value, 1);
    const b = harness({ policy: policy({ retryOn: 'connect-failure', numRetries: 2 }) });
    b.state.onReset('remote connection failure', false);
    b.state.onRetryLaunched();
    assert.equal(b.state.onReset('connection termination', true).retry, false);
    assert.equal(b.stats.retrySuccess.value, 1);
  });

  it('§6.1 retry_success does not count without a prior retry, nor when the outcome after a retry is retriable (limit/overflow)', () => {
    const none = harness({ policy: FIVE_XX });
    none.state.onResponseHeaders(200, {});
    none.state.onFinalResponse(200, {});
    assert.equal(none.stats.retrySuccess.value, 0);

    const limit = harness({ policy: policy({ retryOn: '5xx', numRetries: 1 }) });
    limit.state.onResponseHeaders(503, {});
    limit.state.onRetryLaunched();
    assert.deepEqual(limit.state.onResponseHeaders(503, {}), { retry: false, reason: 'limit-exceeded' });
    limit.state.onFinalResponse(503, {});
    assert.equal(limit.stats.retrySuccess.value, 0);

    const overflow = harness({ policy: FIVE_XX }, 1);
    overflow.state.onResponseHeaders(503, {});
    overflow.state.onRetryLaunched();
    overflow.circuit.outstanding = 5; // other requests filled the breaker meanwhile
    assert.deepEqual(overflow.state.onResponseHeaders(503, {}), { retry: false, reason: 'overflow' });
    assert.equal(overflow.stats.retrySuccess.value, 0);
  });

  it('§6.1 retry_success is not counted when the request ends without a decision (route timeout, buffer overflow → finish)', () => {
    const h = harness({ policy: FIVE_XX });
    h.state.onResponseHeaders(503, {});
    h.state.onRetryLaunched();
    h.state.finish();
    assert.equal(h.stats.retrySuccess.value, 0);
  });

  it('§6.1 onFinalResponse after a non-retry decision is a no-op; without any decision after a retry it counts success once', () => {
    const h = harness({ policy: FIVE_XX });
    h.state.onResponseHeaders(503, {});
    h.state.onRetryLaunched();
    h.state.onFinalResponse(200, {});
    h.state.onFinalResponse(200, {});
    assert.equal(h.stats.retrySuccess.value, 1);
    assert.equal(h.circuit.outstanding, 0);
  });

  it('§6.1 a non-retriable outcome with no retry scheduled moves no stat and never touches the circuit', () => {
    const h = harness({ policy: FIVE_XX });
    h.state.onResponseHeaders(404, {});
    h.state.onReset('overflow', false);
    assert.deepEqual(statValues(h.stats), ZERO_STATS);
    assert.deepEqual(h.circuit.calls, []);
  });

  it('§2.1 retriesDone counts launched retries only (an overflowed or limited decision launches nothing)', () => {
    const h = harness({ policy: policy({ retryOn: 'reset', numRetries: 3 }) });
    assert.equal(h.state.retriesDone, 0);
    h.state.onReset('remote reset', true);
    assert.equal(h.state.retriesDone, 0, 'scheduled, not launched');
    h.state.onRetryLaunched();
    assert.equal(h.state.retriesDone, 1);
  });
});
