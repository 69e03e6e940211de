/**
 * Per virtual cluster (`vhost.<vhost>.vcluster.<name>.`) and per route with a `stat_prefix`
 * (`vhost.<vhost>.route.<stat_prefix>.`) request stats (envoy-retry.md §6.2), and the retry
 * counters a request hands to the retry engine: the cluster's, fanned out to these scopes
 * (backoff counters stay cluster-only). Resolved once per scope and cached.
 */
import type { DpHeaderMatcher } from '../config/model';
import type { RetryStats } from '../retry/api';
import { Counter, type StatsStore } from '../stats/store';

export class ScopedStats {
  readonly upstream_rq_total: Counter;
  readonly upstream_rq_timeout: Counter;
  readonly retry: Counter;
  readonly retrySuccess: Counter;
  readonly retryOverflow: Counter;
  readonly retryLimitExceeded: Counter;
  private readonly codes: Array<Counter | undefined> = [];
  private readonly classes: Counter[];

  constructor(private readonly store: StatsStore, readonly prefix: string) {
    const c = (n: string) => store.counter(prefix + n);
    this.upstream_rq_total = c('upstream_rq_total');
    this.upstream_rq_timeout = c('upstream_rq_timeout');
    this.retry = c('upstream_rq_retry');
    this.retrySuccess = c('upstream_rq_retry_success');
    this.retryOverflow = c('upstream_rq_retry_overflow');
    this.retryLimitExceeded = c('upstream_rq_retry_limit_exceeded');
    this.classes = [1, 2, 3, 4, 5].map((n) => c(`upstream_rq_${n}xx`));
  }

  chargeResponse(code: number): void {
    let counter = this.codes[code];
    if (counter === undefined) counter = this.codes[code] = this.store.counter(`${this.prefix}upstream_rq_${code}`);
    counter.inc();
    this.classes[Math.floor(code / 100) - 1]?.inc();
  }
}

/** A counter that moves several: what the engine increments once lands in every scope. */
class FanOutCounter extends Counter {
  constructor(private readonly targets: Counter[]) {
    super(targets[0].name);
  }
  override inc(n = 1): void {
    for (const t of this.targets) t.inc(n);
  }
}

export function fanOutRetryStats(cluster: RetryStats, scopes: ScopedStats[]): RetryStats {
  if (scopes.length === 0) return cluster;
  return {
    retry: new FanOutCounter([cluster.retry, ...scopes.map((s) => s.retry)]),
    retrySuccess: new FanOutCounter([cluster.retrySuccess, ...scopes.map((s) => s.retrySuccess)]),
    retryOverflow: new FanOutCounter([cluster.retryOverflow, ...scopes.map((s) => s.retryOverflow)]),
    retryLimitExceeded: new FanOutCounter([cluster.retryLimitExceeded, ...scopes.map((s) => s.retryLimitExceeded)]),
    retryBackoffExponential: cluster.retryBackoffExponential,
    retryBackoffRatelimited: cluster.retryBackoffRatelimited,
  };
}

/** Optional config fields the runtime honours when the config layer provides them. */
export interface VirtualClusterConfig {
  name: string;
  headers: DpHeaderMatcher[];
}
