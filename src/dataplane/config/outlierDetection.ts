import type { JsonObject } from '../../lib/protos/protoJson';
import type { DpOutlierDetection } from './model';
import { Findings, at, bool, checkFields, durationMs, invalid, num, obj, objs, type FieldRules } from './fields';

/**
 * Envoy's `OutlierDetection` defaults (outlier_detection.proto; DetectorConfig in
 * source/common/upstream/outlier_detection_impl.cc). `maxEjectionTimeMs` is filled per config:
 * max(300 s, base_ejection_time).
 */
export const OUTLIER_DEFAULTS: Omit<DpOutlierDetection, 'maxEjectionTimeMs'> = {
  intervalMs: 10_000,
  baseEjectionTimeMs: 30_000,
  maxEjectionTimeJitterMs: 0,
  maxEjectionPercent: 10,
  alwaysEjectOneHost: false,
  consecutive5xx: 5,
  enforcingConsecutive5xx: 100,
  consecutiveGatewayFailure: 5,
  enforcingConsecutiveGatewayFailure: 0,
  splitExternalLocalOriginErrors: false,
  consecutiveLocalOriginFailure: 5,
  enforcingConsecutiveLocalOriginFailure: 100,
  successRateMinimumHosts: 5,
  successRateRequestVolume: 100,
  successRateStdevFactor: 1900,
  enforcingSuccessRate: 100,
  enforcingLocalOriginSuccessRate: 100,
  failurePercentageThreshold: 85,
  failurePercentageMinimumHosts: 5,
  failurePercentageRequestVolume: 50,
  enforcingFailurePercentage: 0,
  enforcingFailurePercentageLocalOrigin: 0,
};
const DEFAULT_MAX_EJECTION_TIME_MS = 300_000;

const OUTLIER_DETECTION: FieldRules = {
  handled: [
    'consecutive_5xx', 'interval', 'base_ejection_time', 'max_ejection_percent', 'enforcing_consecutive_5xx', 'enforcing_success_rate',
    'success_rate_minimum_hosts', 'success_rate_request_volume', 'success_rate_stdev_factor', 'consecutive_gateway_failure',
    'enforcing_consecutive_gateway_failure', 'split_external_local_origin_errors', 'consecutive_local_origin_failure',
    'enforcing_consecutive_local_origin_failure', 'enforcing_local_origin_success_rate', 'failure_percentage_threshold',
    'enforcing_failure_percentage', 'enforcing_failure_percentage_local_origin', 'failure_percentage_minimum_hosts',
    'failure_percentage_request_volume', 'max_ejection_time', 'max_ejection_time_jitter', 'always_eject_one_host', 'monitors',
  ],
  ignored: {
    successful_active_health_check_uneject_host: 'active health checking is not implemented, so no health check unejects a host',
  },
};

/** Fields that are percentages (proto validation: lte 100). */
const PERCENT_FIELDS: ReadonlyArray<[keyof DpOutlierDetection, string]> = [
  ['maxEjectionPercent', 'max_ejection_percent'],
  ['enforcingConsecutive5xx', 'enforcing_consecutive_5xx'],
  ['enforcingSuccessRate', 'enforcing_success_rate'],
  ['enforcingConsecutiveGatewayFailure', 'enforcing_consecutive_gateway_failure'],
  ['enforcingConsecutiveLocalOriginFailure', 'enforcing_consecutive_local_origin_failure'],
  ['enforcingLocalOriginSuccessRate', 'enforcing_local_origin_success_rate'],
  ['failurePercentageThreshold', 'failure_percentage_threshold'],
  ['enforcingFailurePercentage', 'enforcing_failure_percentage'],
  ['enforcingFailurePercentageLocalOrigin', 'enforcing_failure_percentage_local_origin'],
];

/** `Cluster.outlier_detection` → DpOutlierDetection, refusing what Envoy's validation refuses. */
export function outlierDetectionFromJson(json: JsonObject, path: string, f: Findings): DpOutlierDetection {
  checkFields(json, 'envoy.config.cluster.v3.OutlierDetection', path, OUTLIER_DETECTION, f);
  // UInt32Value wrappers are `{value: n}` in canonical JSON (a bare number in some writers).
  const u32 = (v: JsonObject[string] | undefined): number | undefined => (obj(v) ? num(obj(v)?.value) ?? 0 : num(v));
  const d = OUTLIER_DEFAULTS;
  const out: DpOutlierDetection = {
    intervalMs: positiveDuration(json.interval, at(path, 'interval')) ?? d.intervalMs,
    baseEjectionTimeMs: positiveDuration(json.baseEjectionTime, at(path, 'base_ejection_time')) ?? d.baseEjectionTimeMs,
    maxEjectionTimeMs: 0,
    maxEjectionTimeJitterMs: durationMs(json.maxEjectionTimeJitter) ?? d.maxEjectionTimeJitterMs,
    maxEjectionPercent: u32(json.maxEjectionPercent) ?? d.maxEjectionPercent,
    alwaysEjectOneHost: (obj(json.alwaysEjectOneHost) ? bool(obj(json.alwaysEjectOneHost)?.value) ?? false : bool(json.alwaysEjectOneHost)) ?? d.alwaysEjectOneHost,
    consecutive5xx: u32(json.consecutive5xx) ?? d.consecutive5xx,
    enforcingConsecutive5xx: u32(json.enforcingConsecutive5xx) ?? d.enforcingConsecutive5xx,
    consecutiveGatewayFailure: u32(json.consecutiveGatewayFailure) ?? d.consecutiveGatewayFailure,
    enforcingConsecutiveGatewayFailure: u32(json.enforcingConsecutiveGatewayFailure) ?? d.enforcingConsecutiveGatewayFailure,
    splitExternalLocalOriginErrors: bool(json.splitExternalLocalOriginErrors) ?? d.splitExternalLocalOriginErrors,
    consecutiveLocalOriginFailure: u32(json.consecutiveLocalOriginFailure) ?? d.consecutiveLocalOriginFailure,
    enforcingConsecutiveLocalOriginFailure: u32(json.enforcingConsecutiveLocalOriginFailure) ?? d.enforcingConsecutiveLocalOriginFailure,
    successRateMinimumHosts: u32(json.successRateMinimumHosts) ?? d.successRateMinimumHosts,
    successRateRequestVolume: u32(json.successRateRequestVolume) ?? d.successRateRequestVolume,
    successRateStdevFactor: u32(json.successRateStdevFactor) ?? d.successRateStdevFactor,
    enforcingSuccessRate: u32(json.enforcingSuccessRate) ?? d.enforcingSuccessRate,
    enforcingLocalOriginSuccessRate: u32(json.enforcingLocalOriginSuccessRate) ?? d.enforcingLocalOriginSuccessRate,
    failurePercentageThreshold: u32(json.failurePercentageThreshold) ?? d.failurePercentageThreshold,
    failurePercentageMinimumHosts: u32(json.failurePercentageMinimumHosts) ?? d.failurePercentageMinimumHosts,
    failurePercentageRequestVolume: u32(json.failurePercentageRequestVolume) ?? d.failurePercentageRequestVolume,
    enforcingFailurePercentage: u32(json.enforcingFailurePercentage) ?? d.enforcingFailurePercentage,
    enforcingFailurePercentageLocalOrigin: u32(json.enforcingFailurePercentageLocalOrigin) ?? d.enforcingFailurePercentageLocalOrigin,
  };
  for (const [key, name] of PERCENT_FIELDS) {
    if ((out[key] as number) > 100) invalid(at(path, name), `value must be less than or equal to 100, got ${out[key] as number}`);
  }
  const maxEjection = positiveDuration(json.maxEjectionTime, at(path, 'max_ejection_time'));
  // Unset: the default or base_ejection_time, whichever is larger (DetectorConfig).
  out.maxEjectionTimeMs = maxEjection ?? Math.max(DEFAULT_MAX_EJECTION_TIME_MS, out.baseEjectionTimeMs);
  if (out.maxEjectionTimeMs < out.baseEjectionTimeMs) {
    invalid(at(path, 'max_ejection_time'), "outlier detector's max_ejection_time cannot be smaller than base_ejection_time");
  }
  if (objs(json.monitors).length > 0) f.reject(at(path, 'monitors'), 'outlier detection monitor extensions are not implemented');
  return out;
}

/** A Duration that must be > 0 when present (validate.rules duration gt 0). */
function positiveDuration(v: JsonObject[string] | undefined, path: string): number | undefined {
  const ms = durationMs(v);
  if (ms === undefined) return undefined;
  if (ms <= 0) invalid(path, 'value must be greater than 0s');
  return ms;
}
