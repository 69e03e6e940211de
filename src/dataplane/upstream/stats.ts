/**
 * Cluster statistics with Envoy's names (`cluster.<name>.…`, envoy-retry.md §6.1). Every counter a
 * request can touch is resolved once when the cluster is built; the per-status-code counters are
 * resolved on first use and cached in an array indexed by the code, so the hot path never builds
 * a stat name.
 */
import type { RetryStats } from '../retry/api';
import type { Counter, Gauge, StatsStore } from '../stats/store';

export class ClusterStats {
  readonly prefix: string;

  // connections
  readonly upstream_cx_total: Counter;
  readonly upstream_cx_active: Gauge;
  readonly upstream_cx_http1_total: Counter;
  readonly upstream_cx_http2_total: Counter;
  readonly upstream_cx_connect_fail: Counter;
  readonly upstream_cx_connect_timeout: Counter;
  readonly upstream_cx_overflow: Counter;
  readonly upstream_cx_none_healthy: Counter;
  readonly upstream_cx_destroy: Counter;
  readonly upstream_cx_destroy_local: Counter;
  readonly upstream_cx_destroy_remote: Counter;
  readonly upstream_cx_destroy_with_active_rq: Counter;
  readonly upstream_cx_destroy_local_with_active_rq: Counter;
  readonly upstream_cx_destroy_remote_with_active_rq: Counter;
  readonly upstream_cx_protocol_error: Counter;
  readonly upstream_cx_connect_attempts_exceeded: Counter;
  readonly upstream_cx_max_requests: Counter;
  readonly upstream_cx_idle_timeout: Counter;
  readonly upstream_cx_max_duration_reached: Counter;
  readonly upstream_cx_rx_bytes_total: Counter;
  readonly upstream_cx_tx_bytes_total: Counter;

  // requests
  readonly upstream_rq_total: Counter;
  readonly upstream_rq_active: Gauge;
  readonly upstream_rq_pending_total: Counter;
  readonly upstream_rq_pending_active: Gauge;
  readonly upstream_rq_pending_overflow: Counter;
  readonly upstream_rq_active_overflow: Counter;
  readonly upstream_rq_pending_failure_eject: Counter;
  readonly upstream_rq_cancelled: Counter;
  readonly upstream_rq_completed: Counter;
  readonly upstream_rq_timeout: Counter;
  readonly upstream_rq_per_try_timeout: Counter;
  readonly upstream_rq_per_try_idle_timeout: Counter;
  readonly upstream_rq_rx_reset: Counter;
  readonly upstream_rq_tx_reset: Counter;
  readonly upstream_rq_max_duration_reached: Counter;
  readonly retry_or_shadow_abandoned: Counter;

  // retries (moved by the retry engine through `retry`)
  readonly retry: RetryStats;
  readonly retry_upstream_rq_completed: Counter;

  // membership and circuit breakers
  readonly lb_healthy_panic: Counter;
  readonly membership_total: Gauge;
  readonly membership_healthy: Gauge;
  readonly cb_cx_open: Gauge;
  readonly cb_cx_pool_open: Gauge;
  readonly cb_rq_pending_open: Gauge;
  readonly cb_rq_open: Gauge;
  readonly cb_rq_retry_open: Gauge;

  private readonly codes: Array<Counter | undefined> = [];
  private readonly classes: Counter[];
  private readonly retryCodes: Array<Counter | undefined> = [];
  private readonly retryClasses: Counter[];

  constructor(private readonly store: StatsStore, clusterName: string) {
    const p = (this.prefix = `cluster.${clusterName}.`);
    const c = (n: string) => store.counter(p + n);
    const g = (n: string) => store.gauge(p + n);
    this.upstream_cx_total = c('upstream_cx_total');
    this.upstream_cx_active = g('upstream_cx_active');
    this.upstream_cx_http1_total = c('upstream_cx_http1_total');
    this.upstream_cx_http2_total = c('upstream_cx_http2_total');
    this.upstream_cx_connect_fail = c('upstream_cx_connect_fail');
    this.upstream_cx_connect_timeout = c('upstream_cx_connect_timeout');
    this.upstream_cx_overflow = c('upstream_cx_overflow');
    this.upstream_cx_none_healthy = c('upstream_cx_none_healthy');
    this.upstream_cx_destroy = c('upstream_cx_destroy');
    this.upstream_cx_destroy_local = c('upstream_cx_destroy_local');
    this.upstream_cx_destroy_remote = c('upstream_cx_destroy_remote');
    this.upstream_cx_destroy_with_active_rq = c('upstream_cx_destroy_with_active_rq');
    this.upstream_cx_destroy_local_with_active_rq = c('upstream_cx_destroy_local_with_active_rq');
    this.upstream_cx_destroy_remote_with_active_rq = c('upstream_cx_destroy_remote_with_active_rq');
    this.upstream_cx_protocol_error = c('upstream_cx_protocol_error');
    this.upstream_cx_connect_attempts_exceeded = c('upstream_cx_connect_attempts_exceeded');
    this.upstream_cx_max_requests = c('upstream_cx_max_requests');
    this.upstream_cx_idle_timeout = c('upstream_cx_idle_timeout');
    this.upstream_cx_max_duration_reached = c('upstream_cx_max_duration_reached');
    this.upstream_cx_rx_bytes_total = c('upstream_cx_rx_bytes_total');
    this.upstream_cx_tx_bytes_total = c('upstream_cx_tx_bytes_total');

    this.upstream_rq_total = c('upstream_rq_total');
    this.upstream_rq_active = g('upstream_rq_active');
    this.upstream_rq_pending_total = c('upstream_rq_pending_total');
    this.upstream_rq_pending_active = g('upstream_rq_pending_active');
    this.upstream_rq_pending_overflow = c('upstream_rq_pending_overflow');
    this.upstream_rq_active_overflow = c('upstream_rq_active_overflow');
    this.upstream_rq_pending_failure_eject = c('upstream_rq_pending_failure_eject');
    this.upstream_rq_cancelled = c('upstream_rq_cancelled');
    this.upstream_rq_completed = c('upstream_rq_completed');
    this.upstream_rq_timeout = c('upstream_rq_timeout');
    this.upstream_rq_per_try_timeout = c('upstream_rq_per_try_timeout');
    this.upstream_rq_per_try_idle_timeout = c('upstream_rq_per_try_idle_timeout');
    this.upstream_rq_rx_reset = c('upstream_rq_rx_reset');
    this.upstream_rq_tx_reset = c('upstream_rq_tx_reset');
    this.upstream_rq_max_duration_reached = c('upstream_rq_max_duration_reached');
    this.retry_or_shadow_abandoned = c('retry_or_shadow_abandoned');

    this.retry = {
      retry: c('upstream_rq_retry'),
      retrySuccess: c('upstream_rq_retry_success'),
      retryOverflow: c('upstream_rq_retry_overflow'),
      retryLimitExceeded: c('upstream_rq_retry_limit_exceeded'),
      retryBackoffExponential: c('upstream_rq_retry_backoff_exponential'),
      retryBackoffRatelimited: c('upstream_rq_retry_backoff_ratelimited'),
    };
    this.retry_upstream_rq_completed = c('retry.upstream_rq_completed');

    this.lb_healthy_panic = c('lb_healthy_panic');
    this.membership_total = g('membership_total');
    this.membership_healthy = g('membership_healthy');
    this.cb_cx_open = g('circuit_breakers.default.cx_open');
    this.cb_cx_pool_open = g('circuit_breakers.default.cx_pool_open');
    this.cb_rq_pending_open = g('circuit_breakers.default.rq_pending_open');
    this.cb_rq_open = g('circuit_breakers.default.rq_open');
    this.cb_rq_retry_open = g('circuit_breakers.default.rq_retry_open');

    this.classes = [1, 2, 3, 4, 5].map((n) => c(`upstream_rq_${n}xx`));
    this.retryClasses = [1, 2, 3, 4, 5].map((n) => c(`retry.upstream_rq_${n}xx`));
  }

  /** The final response for a request (upstream's or Envoy's own): `upstream_rq_<code>`, `<N>xx`, `completed`. */
  chargeResponse(code: number): void {
    let counter = this.codes[code];
    if (counter === undefined) counter = this.codes[code] = this.store.counter(`${this.prefix}upstream_rq_${code}`);
    counter.inc();
    const cls = this.classes[Math.floor(code / 100) - 1];
    if (cls !== undefined) cls.inc();
    this.upstream_rq_completed.inc();
  }

  /** An upstream response that triggered a retry: `retry.upstream_rq_<code>`, `retry.upstream_rq_<N>xx`, `retry.upstream_rq_completed`. */
  chargeRetryResponse(code: number): void {
    let counter = this.retryCodes[code];
    if (counter === undefined) counter = this.retryCodes[code] = this.store.counter(`${this.prefix}retry.upstream_rq_${code}`);
    counter.inc();
    const cls = this.retryClasses[Math.floor(code / 100) - 1];
    if (cls !== undefined) cls.inc();
    this.retry_upstream_rq_completed.inc();
  }
}
