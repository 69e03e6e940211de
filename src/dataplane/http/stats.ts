/**
 * HTTP connection manager, router-filter and fault-filter stats under `http.<stat_prefix>.`, and
 * listener stats under `listener.<address>_<port>.`, with Envoy's names. Resolved once per
 * listener config.
 */
import type { Counter, Gauge, StatsStore } from '../stats/store';

export class HcmStats {
  readonly downstream_cx_total: Counter;
  readonly downstream_cx_active: Gauge;
  readonly downstream_cx_http1_total: Counter;
  readonly downstream_cx_http1_active: Gauge;
  readonly downstream_cx_destroy: Counter;
  readonly downstream_cx_destroy_remote: Counter;
  readonly downstream_cx_destroy_remote_active_rq: Counter;
  readonly downstream_rq_total: Counter;
  readonly downstream_rq_http1_total: Counter;
  readonly downstream_rq_active: Gauge;
  readonly downstream_rq_completed: Counter;
  readonly downstream_rq_rx_reset: Counter;
  readonly downstream_rq_tx_reset: Counter;
  readonly downstream_rq_non_relative_path: Counter;
  readonly downstream_rq_idle_timeout: Counter;
  readonly downstream_rq_max_duration_reached: Counter;
  readonly downstream_rq_xx: Counter[];
  // router filter
  readonly no_route: Counter;
  readonly no_cluster: Counter;
  readonly rq_total: Counter;
  readonly rq_direct_response: Counter;
  readonly rq_reset_after_downstream_response_started: Counter;
  // fault filter
  readonly fault_delays_injected: Counter;
  readonly fault_aborts_injected: Counter;
  readonly fault_active_faults: Gauge;

  constructor(store: StatsStore, statPrefix: string) {
    const p = `http.${statPrefix}.`;
    const c = (n: string) => store.counter(p + n);
    const g = (n: string) => store.gauge(p + n);
    this.downstream_cx_total = c('downstream_cx_total');
    this.downstream_cx_active = g('downstream_cx_active');
    this.downstream_cx_http1_total = c('downstream_cx_http1_total');
    this.downstream_cx_http1_active = g('downstream_cx_http1_active');
    this.downstream_cx_destroy = c('downstream_cx_destroy');
    this.downstream_cx_destroy_remote = c('downstream_cx_destroy_remote');
    this.downstream_cx_destroy_remote_active_rq = c('downstream_cx_destroy_remote_active_rq');
    this.downstream_rq_total = c('downstream_rq_total');
    this.downstream_rq_http1_total = c('downstream_rq_http1_total');
    this.downstream_rq_active = g('downstream_rq_active');
    this.downstream_rq_completed = c('downstream_rq_completed');
    this.downstream_rq_rx_reset = c('downstream_rq_rx_reset');
    this.downstream_rq_tx_reset = c('downstream_rq_tx_reset');
    this.downstream_rq_non_relative_path = c('downstream_rq_non_relative_path');
    this.downstream_rq_idle_timeout = c('downstream_rq_idle_timeout');
    this.downstream_rq_max_duration_reached = c('downstream_rq_max_duration_reached');
    this.downstream_rq_xx = [1, 2, 3, 4, 5].map((n) => c(`downstream_rq_${n}xx`));
    this.no_route = c('no_route');
    this.no_cluster = c('no_cluster');
    this.rq_total = c('rq_total');
    this.rq_direct_response = c('rq_direct_response');
    this.rq_reset_after_downstream_response_started = c('rq_reset_after_downstream_response_started');
    this.fault_delays_injected = c('fault.delays_injected');
    this.fault_aborts_injected = c('fault.aborts_injected');
    this.fault_active_faults = g('fault.active_faults');
  }

  chargeResponse(code: number): void {
    const cls = this.downstream_rq_xx[Math.floor(code / 100) - 1];
    if (cls) cls.inc();
  }
}

export class ListenerStats {
  readonly downstream_cx_total: Counter;
  readonly downstream_cx_active: Gauge;
  readonly downstream_cx_destroy: Counter;

  constructor(store: StatsStore, address: string, port: number) {
    const p = `listener.${address}_${port}.`;
    this.downstream_cx_total = store.counter(p + 'downstream_cx_total');
    this.downstream_cx_active = store.gauge(p + 'downstream_cx_active');
    this.downstream_cx_destroy = store.counter(p + 'downstream_cx_destroy');
  }
}
