/** §4.1 retry circuit breaker (max_retries) and §4.2 retry budget, with the overflow stat counted by the state. */
import * as assert from 'node:assert/strict';
import { ClusterRetryCircuit, createRetryState } from '../../../src/dataplane/retry';
import { makeStats, policy, seeded } from './helpers';

describe('retry engine: retry circuit and budget (§4.1, §4.2)', () => {
  it('§4.1 max_retries default 3: a 4th concurrent retry is refused; a finished one frees a slot', () => {
    const c = new ClusterRetryCircuit();
    assert.deepEqual([c.tryStartRetry(), c.tryStartRetry(), c.tryStartRetry(), c.tryStartRetry()], [true, true, true, false]);
    c.retryFinished();
    assert.equal(c.tryStartRetry(), true);
  });

  it('§4.1 max_retries 0 never allows a retry', () => {
    assert.equal(new ClusterRetryCircuit({ maxRetries: 0 }).tryStartRetry(), false);
  });

  it('§4.2 budget replaces max_retries: max(floor(percent% × (active + pending)), min_retry_concurrency)', () => {
    let active = 0;
    let pending = 0;
    const c = new ClusterRetryCircuit({ maxRetries: 100, budget: { budgetPercent: 20, minRetryConcurrency: 3 }, activeRequests: () => active, pendingRequests: () => pending });
    assert.equal(c.limit(), 3, 'min when idle');
    active = 40;
    pending = 9;
    assert.equal(c.limit(), 9, 'floor(0.2 × 49) = 9');
    active = 10;
    pending = 0;
    assert.equal(c.limit(), 3);
  });

  it('§4.2 retry_budget {} gets the defaults 20 % and 3', () => {
    const c = new ClusterRetryCircuit({ budget: {}, activeRequests: () => 100 });
    assert.equal(c.limit(), 20);
    assert.equal(new ClusterRetryCircuit({ budget: {} }).limit(), 3);
  });

  it('§4.2 budget_percent 0 + min_retry_concurrency 0 never allows a retry', () => {
    const c = new ClusterRetryCircuit({ budget: { budgetPercent: 0, minRetryConcurrency: 0 }, activeRequests: () => 1000 });
    assert.equal(c.tryStartRetry(), false);
  });

  it('§4.2 the budget is computed live at each check', () => {
    let active = 0;
    const c = new ClusterRetryCircuit({ budget: { budgetPercent: 50, minRetryConcurrency: 0 }, activeRequests: () => active });
    assert.equal(c.tryStartRetry(), false);
    active = 2;
    assert.equal(c.tryStartRetry(), true);
    assert.equal(c.tryStartRetry(), false);
    active = 4;
    assert.equal(c.tryStartRetry(), true);
  });

  it('§4.1 rq_retry_open: onOpenChange reports full / not full transitions', () => {
    const seen: boolean[] = [];
    const c = new ClusterRetryCircuit({ maxRetries: 1, onOpenChange: (o) => seen.push(o) });
    c.tryStartRetry();
    c.tryStartRetry();
    c.retryFinished();
    assert.deepEqual(seen, [true, false]);
  });

  it('§4.1 / §6.1 the circuit is shared across requests; overflow is counted by the retry state, once per refused retry', () => {
    const circuit = new ClusterRetryCircuit({ maxRetries: 1 });
    const stats = makeStats();
    const p = policy({ retryOn: '5xx', numRetries: 3 });
    const a = createRetryState({ policy: p, requestHeaders: {}, internal: false, stats, circuit, random: seeded(1) })!;
    const b = createRetryState({ policy: p, requestHeaders: {}, internal: false, stats, circuit, random: seeded(2) })!;
    assert.equal(a.onResponseHeaders(503, {}).retry, true);
    assert.deepEqual(b.onResponseHeaders(503, {}), { retry: false, reason: 'overflow' });
    assert.equal(stats.retryOverflow.value, 1);
    a.finish();
    assert.equal(circuit.outstanding, 0);
    const c = createRetryState({ policy: p, requestHeaders: {}, internal: false, stats, circuit })!;
    assert.equal(c.onResponseHeaders(503, {}).retry, true);
  });
});
