/** Per-route fault injection: `typedPerFilterConfig` for the HTTP fault filter (sources-istio.md §3). */
import type { JsonObject } from '../../lib/protos/protoJson';
import type { FaultPolicy } from '../../ir/model';

export const FAULT_FILTER = 'envoy.filters.http.fault';

/** The route's HTTPFault config, or undefined when neither a delay nor an abort survives. */
export function faultFilterConfig(_fault: FaultPolicy): JsonObject | undefined {
  return undefined;
}
