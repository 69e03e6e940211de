/** Per-route fault injection: `typedPerFilterConfig` for the HTTP fault filter (sources-istio.md §3). */
import { formatProtoDuration } from '../../lib/duration';
import type { JsonObject } from '../../lib/protos/protoJson';
import type { FaultPolicy } from '../../ir/model';
import { TYPE } from './names';

export const FAULT_FILTER = 'envoy.filters.http.fault';

/**
 * Istio's percentage → FractionalPercent: `uint32(p * 10000)` per MILLION, so 50 → 500000 and
 * 0.1 → 1000 (Go's conversion truncates, and so does this). 0% is left out: Envoy reads an
 * absent percentage as 0%, so the fault never fires.
 */
export function millionPercentage(percent: number): JsonObject | undefined {
  const numerator = Math.trunc(percent * 10000);
  return numerator > 0 ? { numerator, denominator: 'MILLION' } : undefined;
}

/** The route's HTTPFault config, or undefined when neither a delay nor an abort survives. */
export function faultFilterConfig(fault: FaultPolicy): JsonObject | undefined {
  const out: JsonObject = { '@type': TYPE.fault };
  if (fault.delay) {
    const delay: JsonObject = { fixedDelay: formatProtoDuration(fault.delay.fixedDelayMs) };
    const percentage = millionPercentage(fault.delay.percentage);
    if (percentage) delay.percentage = percentage;
    out.delay = delay;
  }
  const status: JsonObject | undefined = fault.abort?.httpStatus !== undefined ? { httpStatus: fault.abort.httpStatus }
    : fault.abort?.grpcStatus !== undefined ? { grpcStatus: fault.abort.grpcStatus } : undefined;
  if (fault.abort && status) {
    const abort: JsonObject = { ...status };
    const percentage = millionPercentage(fault.abort.percentage);
    if (percentage) abort.percentage = percentage;
    out.abort = abort;
  }
  return out.delay || out.abort ? out : undefined;
}
