/**
 * The outlier detector on its own, with a fake clock (no sockets, no timers). Behaviour from
 * Envoy's docs (intro/arch_overview/upstream/outlier.rst) and its DetectorImpl
 * (source/common/upstream/outlier_detection_impl.cc); the differential suite checks the same
 * rules against a real Envoy (upstreamScenarios.ts).
 */
import * as assert from 'node:assert/strict';
import type { DpOutlierDetection } from '../../../src/dataplane/config/model';
import { OUTLIER_DEFAULTS } from '../../../src/dataplane/config/outlierDetection';
import { StatsStore } from '../../../src/dataplane/stats/store';
import { OutlierDetector, OutlierStats, grpcToHttpStatus, type HostMonitor, type OutlierClock, type OutlierHost } from '../../../src/dataplane/upstream/outlier';
import { outlierResponseCode } from '../../../src/dataplane/router/outlierReport';

class FakeClock implements OutlierClock {
  t = 0;
  rand = 0;
  timers: Array<{ at: number; cb: () => void; cleared: boolean }> = [];
  now(): number {
    return this.t;
  }
  setTimer(cb: () => void, ms: number) {
    const t = { at: this.t + ms, cb, cleared: false };
    this.timers.push(t);
    return { clear: () => (t.cleared = true) };
  }
  random(): number {
    return this.rand;
  }
  /** Moves time forward, firing due timers in order. */
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      const due = this.timers.filter((x) => !x.cleared && x.at <= end).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      due.cleared = true;
      this.t = due.at;
      due.cb();
    }
    this.t = end;
  }
}

interface Setup {
  clock: FakeClock;
  store: StatsStore;
  detector: OutlierDetector;
  hosts: OutlierHost[];
  changes: number;
  m(i: number): HostMonitor;
  stat(name: string): number;
}

function setup(n: number, od: Partial<DpOutlierDetection> = {}): Setup {
  const clock = new FakeClock();
  const store = new StatsStore();
  const config: DpOutlierDetection = { ...OUTLIER_DEFAULTS, maxEjectionTimeMs: 300_000, ...od };
  const s: Setup = {
    clock,
    store,
    hosts: [],
    changes: 0,
    detector: undefined as unknown as OutlierDetector,
    m: (i) => s.hosts[i].outlier as HostMonitor,
    stat: (name) => store.entries().find((e) => e.name === `cluster.c.outlier_detection.${name}`)?.value ?? 0,
  };
  s.detector = new OutlierDetector(config, new OutlierStats(store, 'c'), () => s.changes++, clock);
  for (let i = 0; i < n; i++) {
    const h: OutlierHost = { outlierEjected: false, outlier: undefined };
    s.hosts.push(h);
    s.detector.addHost(h);
  }
  return s;
}

const repeat = (k: number, f: () => void) => Array.from({ length: k }, f);

describe('dataplane outlier detection (Envoy outlier.rst, outlier_detection_impl.cc)', () => {
  it('consecutive_5xx: ejects when the count reaches the threshold; any non-5xx resets it', () => {
    const s = setup(2, { consecutive5xx: 3, maxEjectionPercent: 50 });
    s.m(0).putHttpResponseCode(503);
    s.m(0).putHttpResponseCode(500);
    s.m(0).putHttpResponseCode(404);
    s.m(0).putHttpResponseCode(503);
    s.m(0).putHttpResponseCode(599);
    assert.equal(s.hosts[0].outlierEjected, false, 'the 404 reset the count');
    s.m(0).putHttpResponseCode(502);
    assert.equal(s.hosts[0].outlierEjected, true);
    assert.equal(s.changes, 1);
    assert.equal(s.stat('ejections_detected_consecutive_5xx'), 1);
    assert.equal(s.stat('ejections_enforced_consecutive_5xx'), 1);
    assert.equal(s.stat('ejections_enforced_total'), 1);
    assert.equal(s.stat('ejections_total'), 1);
    assert.equal(s.stat('ejections_consecutive_5xx'), 1);
    assert.equal(s.stat('ejections_active'), 1);
  });

  it('consecutive_gateway_failure counts 502/503/504 only, a 500 resets it; not enforced by default but still detected', () => {
    const s = setup(2, { consecutive5xx: 100, consecutiveGatewayFailure: 2, maxEjectionPercent: 50 });
    s.m(0).putHttpResponseCode(503);
    s.m(0).putHttpResponseCode(500);
    s.m(0).putHttpResponseCode(504);
    assert.equal(s.stat('ejections_detected_consecutive_gateway_failure'), 0);
    s.m(0).putHttpResponseCode(502);
    assert.equal(s.stat('ejections_detected_consecutive_gateway_failure'), 1);
    assert.equal(s.hosts[0].outlierEjected, false, 'enforcing_consecutive_gateway_failure defaults to 0');
    assert.equal(s.stat('ejections_total'), 0, 'the deprecated total counts only consecutive 5xx and success rate');
  });

  it('max_ejection_percent: (ejected + 1) / hosts must not exceed it; always_eject_one_host allows the first', () => {
    const s = setup(2, { consecutive5xx: 1 });
    s.m(0).putHttpResponseCode(503);
    assert.equal(s.hosts[0].outlierEjected, false, 'default 10 % of two hosts: no ejection');
    assert.equal(s.stat('ejections_overflow'), 1);
    assert.equal(s.stat('ejections_detected_consecutive_5xx'), 1);
    const t = setup(2, { consecutive5xx: 1, alwaysEjectOneHost: true });
    t.m(0).putHttpResponseCode(503);
    t.m(1).putHttpResponseCode(503);
    assert.deepEqual(t.hosts.map((h) => h.outlierEjected), [true, false], 'only the first');
    assert.equal(t.stat('ejections_overflow'), 1);
    const u = setup(10, { consecutive5xx: 1, maxEjectionPercent: 20 });
    for (let i = 0; i < 3; i++) u.m(i).putHttpResponseCode(503);
    assert.deepEqual(u.hosts.slice(0, 3).map((h) => h.outlierEjected), [true, true, false], '10 % and 20 % fit, 30 % does not');
  });

  it('enforcing 0: detected (and counted in ejections_total) but not ejected; the counter restarts', () => {
    const s = setup(2, { consecutive5xx: 2, enforcingConsecutive5xx: 0, maxEjectionPercent: 50 });
    repeat(4, () => s.m(0).putHttpResponseCode(503));
    assert.equal(s.hosts[0].outlierEjected, false);
    assert.equal(s.stat('ejections_detected_consecutive_5xx'), 2);
    assert.equal(s.stat('ejections_total'), 2);
    assert.equal(s.stat('ejections_enforced_total'), 0);
  });

  it('an ejected host is left alone: its count runs past the threshold without new detections', () => {
    const s = setup(2, { consecutive5xx: 1, maxEjectionPercent: 50 });
    repeat(5, () => s.m(0).putHttpResponseCode(503));
    assert.equal(s.stat('ejections_detected_consecutive_5xx'), 1);
    assert.equal(s.m(0).consecutive5xx, 4);
  });

  it('ejection time: base × times ejected, checked at each interval, capped by max_ejection_time; counters reset on return', () => {
    const s = setup(2, { consecutive5xx: 1, maxEjectionPercent: 50, intervalMs: 1000, baseEjectionTimeMs: 3000, maxEjectionTimeMs: 7000 });
    s.m(0).putHttpResponseCode(503);
    s.clock.advance(2999);
    assert.equal(s.hosts[0].outlierEjected, true);
    s.clock.advance(1);
    assert.equal(s.hosts[0].outlierEjected, false, 'back after base_ejection_time, at an interval tick');
    assert.equal(s.stat('ejections_active'), 0);
    s.m(0).putHttpResponseCode(503);
    s.clock.advance(5999);
    assert.equal(s.hosts[0].outlierEjected, true, 'second ejection in a row: 2 × base');
    s.clock.advance(1);
    assert.equal(s.hosts[0].outlierEjected, false);
    s.m(0).putHttpResponseCode(503);
    s.clock.advance(6999);
    assert.equal(s.hosts[0].outlierEjected, true, 'third: 3 × base = 9 s, capped at max_ejection_time 7 s');
    s.clock.advance(1);
    assert.equal(s.hosts[0].outlierEjected, false);
  });

  it('a host that stays healthy for an interval after returning gets its multiplier decremented', () => {
    const s = setup(2, { consecutive5xx: 1, maxEjectionPercent: 50, intervalMs: 1000, baseEjectionTimeMs: 2000 });
    s.m(0).putHttpResponseCode(503);
    s.clock.advance(2000);
    assert.equal(s.m(0).ejectTimeBackoff, 1);
    s.clock.advance(2000);
    assert.equal(s.m(0).ejectTimeBackoff, 0);
    s.m(0).putHttpResponseCode(503);
    s.clock.advance(2000);
    assert.equal(s.hosts[0].outlierEjected, false, 'ejected for 1 × base again, not 2 ×');
  });

  it('max_ejection_time_jitter adds random() × (jitter + 1) ms to the ejection', () => {
    const s = setup(2, { consecutive5xx: 1, maxEjectionPercent: 50, intervalMs: 100, baseEjectionTimeMs: 1000, maxEjectionTimeJitterMs: 1000 });
    s.clock.rand = 0.5;
    s.m(0).putHttpResponseCode(503);
    s.clock.advance(1400);
    assert.equal(s.hosts[0].outlierEjected, true);
    s.clock.advance(200);
    assert.equal(s.hosts[0].outlierEjected, false);
  });

  it('without the split, local-origin results map to HTTP codes: connect failure 503, timeout 504 (or the code given), connect success nothing', () => {
    const s = setup(2, { consecutive5xx: 2, consecutiveGatewayFailure: 2, enforcingConsecutiveGatewayFailure: 100, maxEjectionPercent: 50 });
    s.m(0).putResult('local-origin-connect-failed');
    s.m(0).putResult('local-origin-connect-success');
    s.m(0).putResult('local-origin-timeout', 504);
    assert.equal(s.stat('ejections_detected_consecutive_gateway_failure'), 1, '503 then 504: two gateway errors, the connect success said nothing');
    const t = setup(2, { consecutive5xx: 2, maxEjectionPercent: 50 });
    t.m(0).putResult('local-origin-timeout', 204);
    t.m(0).putResult('local-origin-connect-failed');
    assert.equal(t.hosts[0].outlierEjected, false, 'a 204 timeout code (alt-response) is a success');
    t.m(0).putResult('local-origin-connect-success-final');
    assert.equal(t.m(0).consecutive5xx, 0, 'the TCP proxy\'s connect success counts as 200');
  });

  it('split_external_local_origin_errors: local-origin failures have their own counter; 5xx responses keep theirs', () => {
    const s = setup(2, { splitExternalLocalOriginErrors: true, consecutiveLocalOriginFailure: 2, consecutive5xx: 2, maxEjectionPercent: 50 });
    s.m(0).putResult('local-origin-connect-failed');
    s.m(0).putResult('local-origin-connect-success');
    s.m(0).putResult('local-origin-timeout', 504);
    assert.equal(s.m(0).consecutive5xx, 0, 'local results never count as 5xx in split mode');
    assert.equal(s.hosts[0].outlierEjected, false, 'the connect success reset the local count');
    s.m(0).putResult('local-origin-connect-failed');
    assert.equal(s.hosts[0].outlierEjected, true);
    assert.equal(s.stat('ejections_enforced_consecutive_local_origin_failure'), 1);
    assert.equal(s.stat('ejections_total'), 0);
  });

  it('success rate: hosts below mean − stdev × factor over the last interval are ejected (min hosts, request volume)', () => {
    const s = setup(6, { consecutive5xx: 1000, maxEjectionPercent: 50, intervalMs: 1000, successRateRequestVolume: 10 });
    const traffic = (ok: number[]) => ok.forEach((good, i) => {
      for (let k = 0; k < 20; k++) s.m(i).putHttpResponseCode(k < good ? 200 : 500);
    });
    traffic([20, 20, 20, 20, 20, 2]);
    s.clock.advance(999);
    assert.equal(s.hosts[5].outlierEjected, false, 'judged at the interval tick, over the interval that just ended');
    s.clock.advance(1);
    assert.equal(s.hosts[5].outlierEjected, true, '10 % against a mean of 85 % and a stdev of 33.5: below 85 − 1.9 × 33.5 = 21.3');
    assert.equal(s.m(0).external.successRate, 100, 'the rate /clusters shows');
    s.clock.advance(1000);
    assert.equal(s.m(0).external.successRate, -1, 'no request in the next interval: no rate');
    assert.equal(s.stat('ejections_detected_success_rate'), 1);
    assert.equal(s.stat('ejections_enforced_success_rate'), 1);
    assert.equal(s.stat('ejections_success_rate'), 1);
    assert.equal(s.stat('ejections_total'), 1);
    const few = setup(4, { intervalMs: 1000, successRateRequestVolume: 10, maxEjectionPercent: 50 });
    [20, 20, 20, 0].forEach((good, i) => { for (let k = 0; k < 20; k++) few.m(i).putHttpResponseCode(k < good ? 200 : 500); });
    few.clock.advance(1000);
    assert.equal(few.stat('ejections_detected_success_rate'), 0, 'fewer than success_rate_minimum_hosts (5)');
  });

  it('failure percentage: hosts at or above the threshold are detected; enforced only when enforcing_failure_percentage says so', () => {
    const run = (enforcing: number) => {
      const s = setup(5, { consecutive5xx: 1000, maxEjectionPercent: 50, intervalMs: 1000, failurePercentageRequestVolume: 10, enforcingFailurePercentage: enforcing, enforcingSuccessRate: 0 });
      for (let i = 0; i < 5; i++) for (let k = 0; k < 20; k++) s.m(i).putHttpResponseCode(i === 4 && k < 18 ? 503 : 200);
      s.clock.advance(1000);
      return s;
    };
    const detectOnly = run(0);
    assert.equal(detectOnly.stat('ejections_detected_failure_percentage'), 1, '90 % failures ≥ 85 %');
    assert.equal(detectOnly.hosts[4].outlierEjected, false);
    const enforced = run(100);
    assert.equal(enforced.hosts[4].outlierEjected, true);
    assert.equal(enforced.stat('ejections_enforced_failure_percentage'), 1);
  });

  it('a removed ejected host and a destroyed detector give their ejections back to ejections_active', () => {
    const s = setup(3, { consecutive5xx: 1, maxEjectionPercent: 100 });
    s.m(0).putHttpResponseCode(503);
    s.m(1).putHttpResponseCode(503);
    assert.equal(s.stat('ejections_active'), 2);
    s.detector.removeHost(s.hosts[0]);
    assert.equal(s.stat('ejections_active'), 1);
    s.detector.destroy();
    assert.equal(s.stat('ejections_active'), 0);
    assert.equal(s.clock.timers.every((t) => t.cleared), true, 'no interval timer left');
  });

  it('gRPC requests: grpc-status in response headers is mapped to HTTP for the detector; other requests use the status', () => {
    assert.equal(outlierResponseCode(200, { 'grpc-status': '14' }, true), 503);
    assert.equal(outlierResponseCode(200, { 'grpc-status': '0' }, true), 200);
    assert.equal(outlierResponseCode(200, { 'grpc-status': '99' }, true), 500, 'beyond the known codes: InvalidCode → 500');
    assert.equal(outlierResponseCode(200, { 'grpc-status': 'x' }, true), 500);
    assert.equal(outlierResponseCode(502, {}, true), 502, 'no grpc-status: the HTTP status');
    assert.equal(outlierResponseCode(200, { 'grpc-status': '14' }, false), 200, 'not a gRPC request');
    assert.deepEqual([1, 4, 8, 12, 16].map(grpcToHttpStatus), [499, 504, 429, 501, 401]);
  });
});
