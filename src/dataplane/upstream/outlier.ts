/**
 * Outlier detection, after Envoy's Outlier::DetectorImpl (source/common/upstream/
 * outlier_detection_impl.cc; docs: intro/arch_overview/upstream/outlier.rst). Passive health
 * checking: the router and the TCP proxy report what happened to each attempt, and a host that
 * fails too often is ejected — marked FAILED_OUTLIER_CHECK, so the load balancer skips it unless
 * the cluster is in panic — for base_ejection_time × (times ejected in a row), capped at
 * max_ejection_time, plus jitter.
 *
 * What counts (DetectorHostMonitorImpl):
 * - An HTTP response code (`putHttpResponseCode`): 5xx counts for consecutive_5xx, 502/503/504 also
 *   for consecutive_gateway_failure (another 5xx resets only the gateway count), anything else
 *   resets both; every code feeds the external success-rate bucket.
 * - A local-origin result (`putResult`): without split_external_local_origin_errors it is mapped to
 *   an HTTP code (connect failure 503, timeout 504 or the code given, success 200 or nothing) and
 *   counted as above; with the split it counts for consecutive_local_origin_failure and the
 *   local-origin success rate instead.
 *
 * Consecutive counters fire exactly when they reach the threshold (`==`); the detector then counts
 * `ejections_detected_<type>`, tries to eject (max_ejection_percent: ejected + 1 must stay within
 * the percentage of all hosts, unless always_eject_one_host and none is ejected; else
 * `ejections_overflow`), enforces with the `enforcing_*` probability, and resets that counter. A host
 * already ejected is left alone (its counter keeps running past the threshold until unejection).
 *
 * Every `interval`: ejected hosts whose time is up come back (counters reset), success-rate
 * buckets rotate, success-rate and failure-percentage ejections run over the last interval, and
 * hosts that stayed healthy a whole interval since their unejection get their backoff multiplier
 * decremented.
 *
 * Envoy detects on worker threads and ejects on the main thread (a posted event); this single
 * event loop ejects synchronously, so the very next host selection already sees it.
 */
import type { DpOutlierDetection } from '../config/model';
import type { Counter, Gauge, StatsStore } from '../stats/store';

/** Envoy's Outlier::Result. */
export type OutlierResult =
  | 'ext-origin-request-success'
  | 'ext-origin-request-failed'
  | 'local-origin-connect-success'
  | 'local-origin-connect-success-final'
  | 'local-origin-timeout'
  | 'local-origin-connect-failed';

/** Envoy's OutlierEjectionType, spelled as in the stat names. */
export type EjectionType =
  | 'consecutive_5xx'
  | 'consecutive_gateway_failure'
  | 'consecutive_local_origin_failure'
  | 'success_rate'
  | 'local_origin_success_rate'
  | 'failure_percentage'
  | 'local_origin_failure_percentage';

const EJECTION_TYPES: readonly EjectionType[] = [
  'consecutive_5xx', 'consecutive_gateway_failure', 'consecutive_local_origin_failure', 'success_rate',
  'local_origin_success_rate', 'failure_percentage', 'local_origin_failure_percentage',
];

/** What the detector needs of a host: the FAILED_OUTLIER_CHECK flag and where its monitor lives. */
export interface OutlierHost {
  outlierEjected: boolean;
  outlier: HostMonitor | undefined;
}

/** Time and randomness, injectable for tests. */
export interface OutlierClock {
  now(): number;
  setTimer(cb: () => void, ms: number): { clear(): void };
  /** Uniform in [0, 1). */
  random(): number;
}

export const REAL_CLOCK: OutlierClock = {
  now: () => performance.now(),
  setTimer(cb, ms) {
    const t = setTimeout(cb, ms);
    // The detector's timer must never keep the process alive.
    t.unref();
    return { clear: () => clearTimeout(t) };
  },
  random: Math.random,
};

/** `cluster.<name>.outlier_detection.*`, every name Envoy registers. */
export class OutlierStats {
  readonly ejections_active: Gauge;
  readonly ejections_enforced_total: Counter;
  readonly ejections_overflow: Counter;
  /** Deprecated in Envoy, still counted: consecutive 5xx and success-rate ejections that were allowed. */
  readonly ejections_total: Counter;
  readonly ejections_consecutive_5xx: Counter;
  readonly ejections_success_rate: Counter;
  readonly detected: Record<EjectionType, Counter>;
  readonly enforced: Record<EjectionType, Counter>;

  constructor(store: StatsStore, clusterName: string) {
    const p = `cluster.${clusterName}.outlier_detection.`;
    this.ejections_active = store.gauge(`${p}ejections_active`);
    this.ejections_enforced_total = store.counter(`${p}ejections_enforced_total`);
    this.ejections_overflow = store.counter(`${p}ejections_overflow`);
    this.ejections_total = store.counter(`${p}ejections_total`);
    this.ejections_consecutive_5xx = store.counter(`${p}ejections_consecutive_5xx`);
    this.ejections_success_rate = store.counter(`${p}ejections_success_rate`);
    const by = (kind: string) => Object.fromEntries(EJECTION_TYPES.map((t) => [t, store.counter(`${p}ejections_${kind}_${t}`)])) as Record<EjectionType, Counter>;
    this.detected = by('detected');
    this.enforced = by('enforced');
  }
}

/** Two buckets: requests of the running interval are written to one, the other holds the last interval's. */
export class SuccessRateMonitor {
  private current = { success: 0, total: 0 };
  private backup = { success: 0, total: 0 };
  /** The last computed success rate in percent, -1 when none (what /clusters shows). */
  successRate = -1;

  constructor(readonly ejectionType: EjectionType) {}

  incTotal(): void {
    this.current.total++;
  }

  incSuccess(): void {
    this.current.success++;
  }

  /** Interval boundary: the running bucket becomes the one read, a cleared one takes the writes. */
  rotate(): void {
    this.backup.success = 0;
    this.backup.total = 0;
    [this.current, this.backup] = [this.backup, this.current];
  }

  /** Success rate (percent) and request volume of the last full interval; undefined with no request. */
  rateAndVolume(): { rate: number; volume: number } | undefined {
    if (this.backup.total === 0) return undefined;
    return { rate: (this.backup.success * 100) / this.backup.total, volume: this.backup.total };
  }
}

/** Envoy's Grpc::Utility::grpcToHttpStatus, for grpc-status in response headers of gRPC requests. */
export function grpcToHttpStatus(grpcStatus: number): number {
  switch (grpcStatus) {
    case 0: return 200;
    case 1: return 499;
    case 2: return 500;
    case 3: return 400;
    case 4: return 504;
    case 5: return 404;
    case 6: return 409;
    case 7: return 403;
    case 8: return 429;
    case 9: return 400;
    case 10: return 409;
    case 11: return 400;
    case 12: return 501;
    case 13: return 500;
    case 14: return 503;
    case 15: return 500;
    case 16: return 401;
    default: return 500;
  }
}

const is5xx = (code: number) => code >= 500 && code < 600;
const isGatewayError = (code: number) => code >= 502 && code < 505;

/** One host's counters and ejection state (DetectorHostMonitorImpl). */
export class HostMonitor {
  consecutive5xx = 0;
  consecutiveGatewayFailure = 0;
  consecutiveLocalOriginFailure = 0;
  numEjections = 0;
  /** The multiplier of base_ejection_time for the current/next ejection. */
  ejectTimeBackoff = 0;
  jitterMs = 0;
  lastEjectionTime: number | undefined;
  lastUnejectionTime: number | undefined;
  readonly external = new SuccessRateMonitor('success_rate');
  readonly local = new SuccessRateMonitor('local_origin_success_rate');

  constructor(private readonly detector: OutlierDetector, readonly host: OutlierHost) {}

  /** An upstream response (or a local result mapped to its HTTP code). */
  putHttpResponseCode(code: number): void {
    this.external.incTotal();
    if (this.detector.destroyed) return;
    const c = this.detector.config;
    if (is5xx(code)) {
      if (isGatewayError(code)) {
        if (++this.consecutiveGatewayFailure === c.consecutiveGatewayFailure) this.detector.onConsecutiveError(this, 'consecutive_gateway_failure');
      } else {
        this.consecutiveGatewayFailure = 0;
      }
      if (++this.consecutive5xx === c.consecutive5xx) this.detector.onConsecutiveError(this, 'consecutive_5xx');
    } else {
      this.external.incSuccess();
      this.consecutive5xx = 0;
      this.consecutiveGatewayFailure = 0;
    }
  }

  /** A local-origin (or non-HTTP) result; `code` overrides the mapping without the split. */
  putResult(result: OutlierResult, code?: number): void {
    if (this.detector.config.splitExternalLocalOriginErrors) this.putResultSplit(result);
    else if (code !== undefined) this.putHttpResponseCode(code);
    else {
      const mapped = resultToHttpCode(result);
      if (mapped !== undefined) this.putHttpResponseCode(mapped);
    }
  }

  private putResultSplit(result: OutlierResult): void {
    switch (result) {
      case 'local-origin-connect-success':
      case 'local-origin-connect-success-final':
        return this.localOriginNoFailure();
      case 'local-origin-timeout':
      case 'local-origin-connect-failed':
        return this.localOriginFailure();
      case 'ext-origin-request-failed':
        return this.putHttpResponseCode(503);
      case 'ext-origin-request-success':
        this.putHttpResponseCode(200);
        this.localOriginNoFailure();
    }
  }

  private localOriginFailure(): void {
    if (this.detector.destroyed) return;
    this.local.incTotal();
    if (++this.consecutiveLocalOriginFailure === this.detector.config.consecutiveLocalOriginFailure) {
      this.detector.onConsecutiveError(this, 'consecutive_local_origin_failure');
    }
  }

  private localOriginNoFailure(): void {
    if (this.detector.destroyed) return;
    this.local.incTotal();
    this.local.incSuccess();
    this.consecutiveLocalOriginFailure = 0;
  }

  monitorFor(kind: 'external' | 'local'): SuccessRateMonitor {
    return kind === 'external' ? this.external : this.local;
  }
}

/** DetectorHostMonitorImpl::resultToHttpCode (no split): undefined = not reported. */
function resultToHttpCode(result: OutlierResult): number | undefined {
  switch (result) {
    case 'ext-origin-request-success':
    case 'local-origin-connect-success-final':
      return 200;
    case 'local-origin-timeout':
      return 504;
    case 'local-origin-connect-failed':
      return 503;
    case 'ext-origin-request-failed':
      return 500;
    case 'local-origin-connect-success':
      // The HTTP layer above reports the response; a connect success alone says nothing.
      return undefined;
  }
}

export class OutlierDetector {
  private readonly monitors = new Map<OutlierHost, HostMonitor>();
  private timer: { clear(): void } | undefined;
  /** Hosts ejected now (Envoy's ejections_active_helper_, mirrored in the gauge). */
  private active = 0;
  /** The last success-rate computation per kind: cluster average and ejection threshold (-1: none). */
  readonly successRateNums: Record<'external' | 'local', { average: number; threshold: number }> = {
    external: { average: -1, threshold: -1 },
    local: { average: -1, threshold: -1 },
  };
  destroyed = false;

  constructor(
    readonly config: DpOutlierDetection,
    private readonly stats: OutlierStats,
    /** A host was ejected or brought back: the cluster rebuilds its load balancer. */
    private readonly onHostChanged: (host: OutlierHost) => void,
    private readonly clock: OutlierClock = REAL_CLOCK,
  ) {
    this.armTimer();
  }

  addHost(host: OutlierHost): void {
    if (this.monitors.has(host)) return;
    const m = new HostMonitor(this, host);
    this.monitors.set(host, m);
    host.outlier = m;
  }

  removeHost(host: OutlierHost): void {
    if (!this.monitors.delete(host)) return;
    if (host.outlierEjected) this.setActive(this.active - 1);
  }

  get hostCount(): number {
    return this.monitors.size;
  }

  /** The cluster is gone or replaced: stop the timer; ejected hosts no longer count as active. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.timer?.clear();
    for (const h of this.monitors.keys()) {
      if (h.outlierEjected) this.setActive(this.active - 1);
      if (h.outlier?.host === h) h.outlier = undefined;
    }
  }

  private setActive(n: number): void {
    this.stats.ejections_active.add(n - this.active);
    this.active = n;
  }

  /** A consecutive counter reached its threshold (onConsecutiveErrorWorker). */
  onConsecutiveError(m: HostMonitor, type: EjectionType): void {
    if (this.destroyed || !this.monitors.has(m.host) || m.host.outlierEjected) return;
    this.stats.detected[type].inc();
    this.ejectHost(m, type);
    if (type === 'consecutive_5xx') {
      this.stats.ejections_consecutive_5xx.inc();
      m.consecutive5xx = 0;
    } else if (type === 'consecutive_gateway_failure') {
      m.consecutiveGatewayFailure = 0;
    } else if (type === 'consecutive_local_origin_failure') {
      m.consecutiveLocalOriginFailure = 0;
    }
  }

  private ejectHost(m: HostMonitor, type: EjectionType): void {
    const c = this.config;
    const active = this.active;
    const maxPercent = Math.min(100, c.maxEjectionPercent);
    const ejectedPercent = (100 * (active + 1)) / this.monitors.size;
    let shouldEject = ejectedPercent <= maxPercent;
    if (c.alwaysEjectOneHost) shouldEject = active === 0 || shouldEject;
    if (!shouldEject) {
      this.stats.ejections_overflow.inc();
      return;
    }
    if (type === 'consecutive_5xx' || type === 'success_rate') this.stats.ejections_total.inc();
    if (!this.enforced(type)) return;
    this.setActive(this.active + 1);
    this.stats.ejections_enforced_total.inc();
    this.stats.enforced[type].inc();
    m.host.outlierEjected = true;
    m.numEjections++;
    m.lastEjectionTime = this.clock.now();
    m.jitterMs = Math.floor(this.clock.random() * (c.maxEjectionTimeJitterMs + 1));
    if (m.ejectTimeBackoff * c.baseEjectionTimeMs < c.maxEjectionTimeMs + c.baseEjectionTimeMs) m.ejectTimeBackoff++;
    this.onHostChanged(m.host);
  }

  /** Runtime featureEnabled(key, percent) with no runtime override: true with that probability. */
  private enforced(type: EjectionType): boolean {
    const c = this.config;
    const percent = {
      consecutive_5xx: c.enforcingConsecutive5xx,
      consecutive_gateway_failure: c.enforcingConsecutiveGatewayFailure,
      consecutive_local_origin_failure: c.enforcingConsecutiveLocalOriginFailure,
      success_rate: c.enforcingSuccessRate,
      local_origin_success_rate: c.enforcingLocalOriginSuccessRate,
      failure_percentage: c.enforcingFailurePercentage,
      local_origin_failure_percentage: c.enforcingFailurePercentageLocalOrigin,
    }[type];
    if (percent >= 100) return true;
    if (percent <= 0) return false;
    return Math.floor(this.clock.random() * 100) < percent;
  }

  private unejectHost(m: HostMonitor, now: number): void {
    this.setActive(this.active - 1);
    m.host.outlierEjected = false;
    // Counters restart so a few new errors do not re-eject at once.
    m.consecutive5xx = 0;
    m.consecutiveGatewayFailure = 0;
    m.consecutiveLocalOriginFailure = 0;
    m.lastUnejectionTime = now;
    this.onHostChanged(m.host);
  }

  private armTimer(): void {
    if (this.destroyed) return;
    this.timer = this.clock.setTimer(() => this.onIntervalTimer(), this.config.intervalMs);
  }

  /** Exposed for tests driving a fake clock. */
  onIntervalTimer(): void {
    if (this.destroyed) return;
    const c = this.config;
    const now = this.clock.now();
    for (const m of this.monitors.values()) {
      if (m.host.outlierEjected && m.lastEjectionTime !== undefined) {
        const ejectFor = Math.min(c.baseEjectionTimeMs * m.ejectTimeBackoff, c.maxEjectionTimeMs) + m.jitterMs;
        if (ejectFor <= now - m.lastEjectionTime) this.unejectHost(m, now);
      }
      m.external.rotate();
      m.local.rotate();
      m.external.successRate = -1;
      m.local.successRate = -1;
    }
    this.processSuccessRate('external');
    this.processSuccessRate('local');
    for (const m of this.monitors.values()) {
      // Healthy for a whole interval since coming back: the next ejection is shorter.
      if (!m.host.outlierEjected && m.lastUnejectionTime !== undefined && now - m.lastUnejectionTime >= c.intervalMs && m.ejectTimeBackoff !== 0) {
        m.ejectTimeBackoff--;
      }
    }
    this.armTimer();
  }

  /** processSuccessRateEjections: success-rate (mean − stdev × factor) and failure-percentage ejections. */
  private processSuccessRate(kind: 'external' | 'local'): void {
    const c = this.config;
    const hosts = this.monitors.size;
    const nums = this.successRateNums[kind];
    nums.average = -1;
    nums.threshold = -1;
    if (hosts < c.successRateMinimumHosts && hosts < c.failurePercentageMinimumHosts) return;
    const validSr: Array<{ m: HostMonitor; rate: number }> = [];
    const validFp: Array<{ m: HostMonitor; rate: number }> = [];
    let sum = 0;
    for (const m of this.monitors.values()) {
      if (m.host.outlierEjected) continue;
      const sr = m.monitorFor(kind);
      const rv = sr.rateAndVolume();
      if (!rv) continue;
      if (rv.volume >= Math.min(c.successRateRequestVolume, c.failurePercentageRequestVolume)) sr.successRate = rv.rate;
      if (rv.volume >= c.successRateRequestVolume) {
        validSr.push({ m, rate: rv.rate });
        sum += rv.rate;
      }
      if (rv.volume >= c.failurePercentageRequestVolume) validFp.push({ m, rate: rv.rate });
    }
    if (validSr.length > 0 && validSr.length >= c.successRateMinimumHosts) {
      const mean = sum / validSr.length;
      const variance = validSr.reduce((v, x) => v + (x.rate - mean) ** 2, 0) / validSr.length;
      const threshold = mean - (c.successRateStdevFactor / 1000) * Math.sqrt(variance);
      nums.average = mean;
      nums.threshold = threshold;
      for (const { m, rate } of validSr) {
        if (rate >= threshold) continue;
        this.stats.ejections_success_rate.inc();
        const type = m.monitorFor(kind).ejectionType;
        this.stats.detected[type].inc();
        // Envoy would eject an already ejected host again here (a debug assertion); skip it.
        if (!m.host.outlierEjected) this.ejectHost(m, type);
      }
    }
    if (validFp.length > 0 && validFp.length >= c.failurePercentageMinimumHosts) {
      const type: EjectionType = kind === 'external' ? 'failure_percentage' : 'local_origin_failure_percentage';
      for (const { m, rate } of validFp) {
        if (100 - rate < c.failurePercentageThreshold) continue;
        this.stats.detected[type].inc();
        if (!m.host.outlierEjected) this.ejectHost(m, type);
      }
    }
  }
}
