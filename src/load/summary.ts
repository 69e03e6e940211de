/**
 * Exact latency statistics from every recorded duration (fortio bins them in a histogram and
 * interpolates; a run of a load test on a laptop holds at most a few million calls, so keeping them
 * all is cheap and the percentiles are exact).
 */
import type { DurationSummary } from './types';

/** An append-only list of durations in ms, in a Float64Array that doubles when full. */
export class DurationRecorder {
  private values = new Float64Array(1024);
  private length = 0;

  add(ms: number): void {
    if (this.length === this.values.length) {
      const bigger = new Float64Array(this.values.length * 2);
      bigger.set(this.values);
      this.values = bigger;
    }
    this.values[this.length++] = ms;
  }

  get count(): number {
    return this.length;
  }

  /** A sorted copy of what was recorded. */
  sorted(): Float64Array {
    return this.values.slice(0, this.length).sort();
  }
}

/** count, avg, population stddev (as fortio's), min, max, sum and the asked percentiles. */
export function summarize(recorder: DurationRecorder, percentiles: readonly number[]): DurationSummary {
  const values = recorder.sorted();
  const count = values.length;
  if (count === 0) {
    return { count: 0, avgMs: 0, stddevMs: 0, minMs: 0, maxMs: 0, sumMs: 0, percentiles: percentiles.map((percentile) => ({ percentile, ms: 0 })) };
  }
  let sum = 0;
  for (const v of values) sum += v;
  const avg = sum / count;
  let squares = 0;
  for (const v of values) squares += (v - avg) * (v - avg);
  return {
    count,
    avgMs: avg,
    stddevMs: Math.sqrt(squares / count),
    minMs: values[0],
    maxMs: values[count - 1],
    sumMs: sum,
    percentiles: percentiles.map((percentile) => ({ percentile, ms: percentileOf(values, percentile) })),
  };
}

/**
 * The p-th percentile of sorted values, interpolating linearly between the two nearest ranks
 * (the common "R-7" definition: p50 of [1, 2, 3, 4] is 2.5, p100 is the max, p0 the min).
 */
export function percentileOf(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) return 0;
  const rank = (Math.min(Math.max(p, 0), 100) / 100) * (n - 1);
  const lo = Math.floor(rank);
  const hi = Math.min(lo + 1, n - 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo);
}
