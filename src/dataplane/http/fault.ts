/**
 * The fault filter (envoy.filters.http.fault) in front of the router: a fixed delay for
 * `delay.percent`% of requests, then an abort (HTTP status or gRPC status) for `abort.percent`%,
 * each rolled independently, as Envoy does. The per-route config (typed_per_filter_config)
 * replaces the filter's own; the route table has already resolved which one applies.
 */
import type { DpFaultConfig } from '../config/model';

export interface FaultDecision {
  delayMs: number;
  abort: { httpStatus?: number; grpcStatus?: number } | undefined;
}

export function decideFault(config: DpFaultConfig, random: () => number = Math.random): FaultDecision | undefined {
  let delayMs = 0;
  if (config.delay && config.delay.percent > 0 && random() * 100 < config.delay.percent) delayMs = config.delay.fixedDelayMs;
  let abort: FaultDecision['abort'];
  if (config.abort && config.abort.percent > 0 && random() * 100 < config.abort.percent) {
    abort = { httpStatus: config.abort.httpStatus, grpcStatus: config.abort.grpcStatus };
  }
  if (delayMs === 0 && !abort) return undefined;
  return { delayMs, abort };
}

export const FAULT_ABORT_BODY = 'fault filter abort';
