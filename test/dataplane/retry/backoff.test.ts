/** §3.1 exponential backoff (the code's doubling ceiling, not the docs' formula) and §3.3 stats. */
import * as assert from 'node:assert/strict';
import { ExponentialBackOff } from '../../../src/dataplane/retry';
import { fixed, harness, policy, seeded } from './helpers';

/** Ceilings of n draws, observed with a source that always returns just under 1. */
function ceilings(base: number, max: number, n: number): number[] {
  const b = new ExponentialBackOff(base, max, fixed(0.999999999));
  return Array.from({ length: n }, () => b.nextBackOffMs() + 1);
}

describe('retry engine: exponential backoff (§3.1)', () => {
  it('§3.1 defaults 25/250: ceilings 25, 50, 100, 200, 250, 250 (retry 1 → 0–24 ms, …, 5+ → 0–249)', () => {
    assert.deepEqual(ceilings(25, 250, 6), [25, 50, 100, 200, 250, 250]);
  });

  it('§3.1 B=100, M=1000: ceilings 100, 200, 400, 800, 1000', () => {
    assert.deepEqual(ceilings(100, 1000, 6), [100, 200, 400, 800, 1000, 1000]);
  });

  it('§3.1 doubling only while ceiling < floor(M/2): B=2, M=5 gives 2 then 5 (not 4)', () => {
    assert.deepEqual(ceilings(2, 5, 4), [2, 5, 5, 5]);
  });

  it('§3.1 B = M: constant ceiling', () => {
    assert.deepEqual(ceilings(40, 40, 3), [40, 40, 40]);
  });

  it('§3.1 / §10 the doc formula (2^N−1)·B is NOT used: 3rd retry ceiling is 100 ms, not 175 ms', () => {
    assert.equal(ceilings(25, 250, 3)[2], 100);
  });

  it('§3.1 delay is random mod ceiling: a source of 0 gives 0 ms every time', () => {
    const b = new ExponentialBackOff(25, 250, fixed(0));
    assert.deepEqual([b.nextBackOffMs(), b.nextBackOffMs(), b.nextBackOffMs()], [0, 0, 0]);
  });

  it('§3.1 over many seeded draws every delay is an integer in [0, ceiling − 1] and the range is covered', () => {
    for (let seed = 1; seed <= 200; seed++) {
      const b = new ExponentialBackOff(25, 250, seeded(seed));
      for (const ceiling of [25, 50, 100, 200, 250, 250, 250]) {
        const d = b.nextBackOffMs();
        assert.ok(Number.isInteger(d) && d >= 0 && d <= ceiling - 1, `seed ${seed}: ${d} vs ceiling ${ceiling}`);
      }
    }
    const first = new Set<number>();
    for (let seed = 1; seed <= 2000; seed++) first.add(new ExponentialBackOff(25, 250, seeded(seed)).nextBackOffMs());
    assert.equal(first.size, 25, 'all of 0..24 drawn for the first retry');
  });

  it('§3.1 a random source returning exactly 1 cannot exceed the ceiling', () => {
    const b = new ExponentialBackOff(25, 250, fixed(1));
    assert.equal(b.nextBackOffMs(), 24);
  });

  it('§3.1 the strategy is per request: two retry states start at the base ceiling', () => {
    const p = policy({ retryOn: '5xx', numRetries: 5 });
    const a = harness({ policy: p, random: fixed(0.999999) });
    const bounds = [25, 50, 100].map(() => {
      const d = a.state.onResponseHeaders(503, {});
      a.state.onRetryLaunched();
      return d.retry ? d.backoffMs + 1 : -1;
    });
    assert.deepEqual(bounds, [25, 50, 100]);
    const b = harness({ policy: p, random: fixed(0.999999) });
    const d = b.state.onResponseHeaders(503, {});
    assert.equal(d.retry && d.backoffMs, 24);
  });

  it('§3.1 the policy back_off (base/max) drives the state', () => {
    const h = harness({ policy: policy({ retryOn: 'reset', numRetries: 4, backOff: { baseIntervalMs: 100, maxIntervalMs: 300 } }), random: fixed(0.999999) });
    const seen: number[] = [];
    for (let i = 0; i < 4; i++) {
      const d = h.state.onReset('remote reset', true);
      h.state.onRetryLaunched();
      if (d.retry) seen.push(d.backoffMs + 1);
    }
    assert.deepEqual(seen, [100, 200, 300, 300]);
  });

  it('§3.3 resets always use exponential backoff (kind exponential, backoff_exponential += 1)', () => {
    const h = harness({ policy: policy({ retryOn: 'reset', rateLimitedBackOff: { resetHeaders: [{ name: 'retry-after', format: 'SECONDS' }], maxIntervalMs: 300000 } }) });
    const d = h.state.onReset('remote reset', true);
    assert.equal(d.retry && d.kind, 'exponential');
    assert.equal(h.stats.retryBackoffExponential.value, 0, 'not at scheduling (observed on Envoy 1.40: counted at launch)');
    h.state.onRetryLaunched();
    assert.equal(h.stats.retryBackoffExponential.value, 1);
  });
});
