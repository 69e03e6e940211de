/**
 * Did a walkthrough show what its doc promises? One pure function over what each phase measured:
 * the share of calls answered 2xx and the deltas of the cluster's `upstream_rq_retry*` stats.
 * The thresholds are data (walkthroughs.ts); this file only compares.
 */

/** A stat's delta during a phase must be exactly, at least or at most this. */
export interface StatExpectation {
  equals?: number;
  atLeast?: number;
  atMost?: number;
}

export interface PhaseExpectation {
  /** Inclusive bounds on the percentage of calls answered 2xx. */
  successPercent?: { min?: number; max?: number };
  /** The index of an earlier phase this one must beat on success (the retries helped). */
  moreSuccessfulThan?: number;
  /** `upstream_rq_retry` etc. (the name after `cluster.<cluster>.`) → expectation on its delta. */
  stats?: Record<string, StatExpectation>;
}

/** What one phase measured. */
export interface PhaseObservation {
  label: string;
  calls: number;
  /** Calls answered 2xx. */
  successes: number;
  /** Stat name → delta over the phase; a stat the proxy does not have is absent. */
  stats: Record<string, number>;
}

export interface Verdict {
  ok: boolean;
  /** `expected …, saw …`, one per broken promise, naming the phase and the number. */
  problems: string[];
}

export function successPercent(o: Pick<PhaseObservation, 'calls' | 'successes'>): number {
  return o.calls === 0 ? 0 : (100 * o.successes) / o.calls;
}

export function formatPercent(p: number): string {
  return `${p.toFixed(1)} %`;
}

/** Checks every phase's expectation against its observation (same order, same count). */
export function evaluate(expectations: readonly PhaseExpectation[], observations: readonly PhaseObservation[]): Verdict {
  const problems: string[] = [];
  if (observations.length !== expectations.length) {
    problems.push(`expected ${expectations.length} phases measured, saw ${observations.length}`);
    return { ok: false, problems };
  }
  expectations.forEach((expect, i) => problems.push(...phaseProblems(expect, observations[i], observations)));
  return { ok: problems.length === 0, problems };
}

function phaseProblems(expect: PhaseExpectation, seen: PhaseObservation, all: readonly PhaseObservation[]): string[] {
  const problems: string[] = [];
  const where = seen.label;
  if (seen.calls === 0 && (expect.successPercent || expect.moreSuccessfulThan !== undefined)) {
    return [`expected calls in ${where}, saw none`];
  }
  const pct = successPercent(seen);
  const range = expect.successPercent;
  if (range?.min !== undefined && pct < range.min) problems.push(`expected ${where}: ≥ ${formatPercent(range.min)} 2xx, saw ${formatPercent(pct)}`);
  if (range?.max !== undefined && pct > range.max) problems.push(`expected ${where}: ≤ ${formatPercent(range.max)} 2xx, saw ${formatPercent(pct)}`);
  if (expect.moreSuccessfulThan !== undefined) {
    const other = all[expect.moreSuccessfulThan];
    if (!other) problems.push(`expected ${where} to be compared with phase ${expect.moreSuccessfulThan + 1}, which does not exist`);
    else if (pct <= successPercent(other)) problems.push(`expected ${where} better than ${other.label}, saw ${formatPercent(pct)} vs ${formatPercent(successPercent(other))} 2xx`);
  }
  for (const [stat, want] of Object.entries(expect.stats ?? {})) {
    const value = seen.stats[stat];
    if (value === undefined) {
      problems.push(`expected ${where}: stat ${stat} ${describeStat(want)}, saw no such stat on the proxy`);
      continue;
    }
    const broken =
      (want.equals !== undefined && value !== want.equals) ||
      (want.atLeast !== undefined && value < want.atLeast) ||
      (want.atMost !== undefined && value > want.atMost);
    if (broken) problems.push(`expected ${where}: ${stat} ${describeStat(want)}, saw ${value}`);
  }
  return problems;
}

/** `= 5`, `≥ 1`, `≥ 1 and ≤ 3`. */
export function describeStat(want: StatExpectation): string {
  const parts: string[] = [];
  if (want.equals !== undefined) parts.push(`= ${want.equals}`);
  if (want.atLeast !== undefined) parts.push(`≥ ${want.atLeast}`);
  if (want.atMost !== undefined) parts.push(`≤ ${want.atMost}`);
  return parts.join(' and ') || '(any value)';
}
