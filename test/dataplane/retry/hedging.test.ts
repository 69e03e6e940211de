/**
 * §7.2 hedge_on_per_try_timeout: the two retry-state methods the router's hedging uses
 * (HedgingRetryState in src/dataplane/router/engine.ts).
 */
import * as assert from 'node:assert/strict';
import type { HedgingRetryState } from '../../../src/dataplane/router/engine';
import { harness, policy, statValues, ZERO_STATS } from './helpers';

function hedging(p = policy({ retryOn: '5xx', numRetries: 1 }), circuitMax = 3) {
  const h = harness({ policy: p }, circuitMax);
  const state = h.state as HedgingRetryState;
  assert.equal(typeof state.onHedgedPerTryTimeout, 'function');
  assert.equal(typeof state.wouldRetryResponse, 'function');
  return { ...h, state };
}

describe('retry engine: hedging on per-try timeout (§7.2)', () => {
  it('a per-try timeout is always retriable: schedules an exponential-backoff retry, counted at launch', () => {
    const h = hedging(policy({ retryOn: 'retriable-status-codes', retriableStatusCodes: [418], numRetries: 1 }));
    const d = h.state.onHedgedPerTryTimeout();
    assert.equal(d.retry, true);
    assert.equal(d.retry && d.kind, 'exponential');
    assert.ok(d.retry && d.backoffMs >= 0 && d.backoffMs < 25);
    assert.equal(h.circuit.outstanding, 1, 'the hedged retry holds a circuit-breaker slot');
    assert.deepEqual(statValues(h.stats), ZERO_STATS);
    h.state.onRetryLaunched();
    assert.equal(h.state.retriesDone, 1);
    assert.deepEqual(statValues(h.stats), { ...ZERO_STATS, retry: 1, retryBackoffExponential: 1 });
  });

  it('uses up a retry: with num_retries 1 the next retriable outcome hits the limit (URX)', () => {
    const h = hedging();
    assert.equal(h.state.onHedgedPerTryTimeout().retry, true);
    h.state.onRetryLaunched();
    assert.deepEqual(h.state.onHedgedPerTryTimeout(), { retry: false, reason: 'limit-exceeded' });
    assert.deepEqual(h.state.onResponseHeaders(503, {}), { retry: false, reason: 'limit-exceeded' });
    assert.equal(h.stats.retryLimitExceeded.value, 2);
  });

  it('0 retries left → limit-exceeded without touching the circuit', () => {
    const h = hedging(policy({ retryOn: '5xx', numRetries: 0 }));
    assert.deepEqual(h.state.onHedgedPerTryTimeout(), { retry: false, reason: 'limit-exceeded' });
    assert.deepEqual(h.circuit.calls, []);
    assert.deepEqual(statValues(h.stats), { ...ZERO_STATS, retryLimitExceeded: 1 });
  });

  it('circuit full → overflow (UO), the retry still used up', () => {
    const h = hedging(policy({ retryOn: '5xx', numRetries: 1 }), 0);
    assert.deepEqual(h.state.onHedgedPerTryTimeout(), { retry: false, reason: 'overflow' });
    assert.deepEqual(statValues(h.stats), { ...ZERO_STATS, retryOverflow: 1 });
    h.circuit.max = 3;
    assert.deepEqual(h.state.onHedgedPerTryTimeout(), { retry: false, reason: 'limit-exceeded' });
  });

  it('the slot of the hedged retry is released by the next decision and by finish()', () => {
    const h = hedging(policy({ retryOn: '5xx', numRetries: 2 }));
    assert.equal(h.state.onHedgedPerTryTimeout().retry, true);
    h.state.onRetryLaunched();
    assert.deepEqual(h.state.onResponseHeaders(200, {}), { retry: false, reason: 'not-retriable' });
    assert.equal(h.circuit.outstanding, 0);
    assert.equal(h.stats.retrySuccess.value, 1);
    assert.equal(h.state.onHedgedPerTryTimeout().retry, true);
    h.state.finish();
    assert.equal(h.circuit.outstanding, 0);
  });

  it('wouldRetryResponse answers like the header rules and counts nothing', () => {
    const h = hedging(policy({ retryOn: '5xx,retriable-status-codes', retriableStatusCodes: [409], numRetries: 0 }));
    assert.equal(h.state.wouldRetryResponse(503, {}), true);
    assert.equal(h.state.wouldRetryResponse(409, {}), true);
    assert.equal(h.state.wouldRetryResponse(200, {}), false);
    assert.equal(h.state.wouldRetryResponse(404, {}), false);
    assert.deepEqual(statValues(h.stats), ZERO_STATS);
    assert.deepEqual(h.circuit.calls, []);
  });

  it('wouldRetryResponse: x-envoy-ratelimited only retriable with envoy-ratelimited', () => {
    assert.equal(hedging(policy({ retryOn: '5xx' })).state.wouldRetryResponse(503, { 'x-envoy-ratelimited': 'true' }), false);
    assert.equal(hedging(policy({ retryOn: 'envoy-ratelimited' })).state.wouldRetryResponse(429, { 'x-envoy-ratelimited': 'true' }), true);
  });

  it('wouldRetryResponse leaves a pending retry and its slot alone', () => {
    const h = hedging(policy({ retryOn: '5xx', numRetries: 2 }));
    assert.equal(h.state.onHedgedPerTryTimeout().retry, true);
    assert.equal(h.state.wouldRetryResponse(503, {}), true);
    assert.equal(h.circuit.outstanding, 1);
    assert.equal(h.stats.retrySuccess.value, 0);
  });
});
