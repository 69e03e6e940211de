/** Shared fixtures for the retry engine tests: seeded randomness, stats, circuits, policies. */
import type { DpRetryPolicy } from '../../../src/dataplane/config/model';
import type { CreateRetryStateInput, HeaderMap, RetryCircuit, RetryState, RetryStats } from '../../../src/dataplane/retry/api';
import { createRetryState } from '../../../src/dataplane/retry';
import { Counter } from '../../../src/dataplane/stats/store';
import { createRng } from '../../../src/upstream/rng';

/** A small deterministic [0,1) generator (the flaky upstream's mulberry32). */
export const seeded: (seed: number) => () => number = createRng;

/** A source returning the given values in a loop. */
export function fixed(...values: number[]): () => number {
  let i = 0;
  return () => values[i++ % values.length];
}

export function makeStats(): RetryStats {
  return {
    retry: new Counter('upstream_rq_retry'),
    retrySuccess: new Counter('upstream_rq_retry_success'),
    retryOverflow: new Counter('upstream_rq_retry_overflow'),
    retryLimitExceeded: new Counter('upstream_rq_retry_limit_exceeded'),
    retryBackoffExponential: new Counter('upstream_rq_retry_backoff_exponential'),
    retryBackoffRatelimited: new Counter('upstream_rq_retry_backoff_ratelimited'),
  };
}

export function statValues(s: RetryStats): Record<keyof RetryStats, number> {
  return {
    retry: s.retry.value,
    retrySuccess: s.retrySuccess.value,
    retryOverflow: s.retryOverflow.value,
    retryLimitExceeded: s.retryLimitExceeded.value,
    retryBackoffExponential: s.retryBackoffExponential.value,
    retryBackoffRatelimited: s.retryBackoffRatelimited.value,
  };
}

export const ZERO_STATS: Record<keyof RetryStats, number> = {
  retry: 0,
  retrySuccess: 0,
  retryOverflow: 0,
  retryLimitExceeded: 0,
  retryBackoffExponential: 0,
  retryBackoffRatelimited: 0,
};

/** A circuit with a fixed number of slots that records every call. */
export class FakeCircuit implements RetryCircuit {
  outstanding = 0;
  calls: string[] = [];
  constructor(public max = 3) {}
  tryStartRetry(): boolean {
    this.calls.push('try');
    if (this.outstanding >= this.max) return false;
    this.outstanding++;
    return true;
  }
  retryFinished(): void {
    this.calls.push('finished');
    this.outstanding--;
  }
}

export function policy(overrides: Partial<DpRetryPolicy> = {}): DpRetryPolicy {
  return {
    retryOn: '',
    numRetries: 1,
    retriableStatusCodes: [],
    retriableHeaders: [],
    retriableRequestHeaders: [],
    backOff: { baseIntervalMs: 25, maxIntervalMs: 250 },
    hostPredicates: [],
    hostSelectionRetryMaxAttempts: 1,
    ...overrides,
  };
}

export interface Harness {
  state: RetryState;
  stats: RetryStats;
  circuit: FakeCircuit;
  headers: HeaderMap;
}

/** createRetryState with fresh stats/circuit; throws if no state was created. */
export function harness(input: Partial<CreateRetryStateInput> & { policy?: DpRetryPolicy }, circuitMax = 3): Harness {
  const h = tryHarness(input, circuitMax);
  if (!h.state) throw new Error('expected a retry state');
  return h as Harness;
}

export function tryHarness(
  input: Partial<CreateRetryStateInput> & { policy?: DpRetryPolicy },
  circuitMax = 3,
): Omit<Harness, 'state'> & { state: RetryState | undefined } {
  const stats = makeStats();
  const circuit = new FakeCircuit(circuitMax);
  const headers = input.requestHeaders ?? {};
  const state = createRetryState({
    internal: false,
    random: seeded(1),
    ...input,
    requestHeaders: headers,
    stats,
    circuit,
  });
  return { state, stats, circuit, headers };
}
