/**
 * What the demo prints: per walkthrough a header, the `ricochet load` command that repeats the
 * load, the before/after table side by side (codes, latency, retry stats), the retry policy the
 * proxy ran in each column, and the verdict; at the end a summary. Pure formatting.
 */
import type { LoadResult } from '../load/types';
import { formatPercent } from './promise';
import type { Walkthrough } from './walkthroughs';

/** One measured column of a walkthrough's table. */
export interface PhaseReport {
  label: string;
  result: LoadResult;
  /** Stat name (after `cluster.<cluster>.`) → delta over the phase; absent when the proxy has no such stat. */
  stats: Record<string, number>;
  /** What the proxy's route for the call carried (retryPolicy.ts). */
  retryPolicy: string;
  /** The `ricochet load` command that repeats this column's load. */
  command: string;
}

export function walkthroughHeader(w: Walkthrough, index: number, total: number, dataPlane: string): string {
  const id = w.identity;
  const who = id.gateway
    ? `gateway proxy of Gateway ${id.gateway}`
    : `sidecar, namespace ${id.namespace}, service account ${id.serviceAccount}${id.labels ? `, labels ${Object.entries(id.labels).map(([k, v]) => `${k}=${v}`).join(',')}` : ''}`;
  return [
    '',
    `━━ ${index}/${total} ${w.id}: ${w.title}`,
    `  doc:      ${w.doc}`,
    `  example:  ${w.examples.map((e) => `examples/${e}`).join(', ')}`,
    `  proxy:    ${dataPlane}, node ${id.nodeId} (${who})`,
  ].join('\n');
}

export function commandLines(phases: readonly PhaseReport[], w: Walkthrough): string {
  const distinct = [...new Set(phases.map((p) => p.command))];
  const lines = distinct.map((c) => `  $ ${c}`);
  if (w.load.timeoutWhy) lines.push(`    (-timeout ${w.load.timeoutMs / 1000}s: ${w.load.timeoutWhy})`);
  return lines.join('\n');
}

/**
 * The before/after table, one column per phase. Retry stats that stayed 0 everywhere are left out
 * unless a phase's promise names them (`upstream_rq_retry` always shows).
 */
export function phaseTable(phases: readonly PhaseReport[], w: Walkthrough): string {
  const codes = [...new Set(phases.flatMap((p) => p.result.codes.map((c) => c.code)))].sort((a, b) => a - b);
  const promised = new Set(['upstream_rq_retry', ...w.phases.flatMap((p) => Object.keys(p.expect.stats ?? {}))]);
  const statNames = [...new Set(phases.flatMap((p) => Object.keys(p.stats)))]
    .filter((name) => promised.has(name) || phases.some((p) => (p.stats[name] ?? 0) !== 0))
    .sort(byStatOrder);
  const rows: string[][] = [['', ...phases.map((p) => p.label)]];
  for (const code of codes) {
    rows.push([code === -1 ? 'Code -1 (error)' : `Code ${code}`, ...phases.map((p) => codeCell(p.result, code))]);
  }
  rows.push(['avg / p99', ...phases.map((p) => `${ms(p.result.latency.avgMs)} / ${ms(p99(p.result))}`)]);
  for (const name of statNames) rows.push([name, ...phases.map((p) => (p.stats[name] === undefined ? 'n/a' : String(p.stats[name])))]);
  return alignColumns(rows).map((l) => `  ${l}`.trimEnd()).join('\n');
}

export function retryPolicyLines(phases: readonly PhaseReport[]): string {
  const width = Math.max(...phases.map((p) => p.label.length));
  return ['  retry policy the proxy ran:', ...phases.map((p) => `    ${p.label.padEnd(width)}  ${p.retryPolicy}`)].join('\n');
}

export function verdictLines(w: Walkthrough, problems: readonly string[]): string {
  const lines = problems.length === 0 ? [`  ✔ promised: ${w.promise}`] : problems.map((p) => `  ✘ ${p}`);
  for (const n of w.notes ?? []) lines.push(`  note: ${n}`);
  return lines.join('\n');
}

export interface SummaryRow {
  id: string;
  ok: boolean;
  seconds: number;
  /** First problem, when not ok. */
  why?: string;
}

export function summaryLines(rows: readonly SummaryRow[], totalSeconds: number, dataPlane: string): string {
  const table = alignColumns([
    ['walkthrough', 'result', 'seconds'],
    ...rows.map((r) => [r.id, r.ok ? '✔ shown' : `✘ ${r.why ?? 'failed'}`, r.seconds.toFixed(1)]),
  ]);
  const failed = rows.filter((r) => !r.ok).length;
  const end = failed === 0
    ? `All ${rows.length} walkthrough(s) showed their promised effect, in ${totalSeconds.toFixed(1)} s (${dataPlane}).`
    : `${failed} of ${rows.length} walkthrough(s) did NOT show their promised effect; total ${totalSeconds.toFixed(1)} s (${dataPlane}).`;
  return ['', '━━ Summary', ...table.map((l) => `  ${l}`.trimEnd()), '', end].join('\n');
}

function codeCell(r: LoadResult, code: number): string {
  const c = r.codes.find((x) => x.code === code);
  return c ? `${c.count} (${formatPercent(c.percent)})` : '0';
}

function p99(r: LoadResult): number {
  return r.latency.percentiles.find((p) => p.percentile === 99)?.ms ?? r.latency.maxMs;
}

/** `0.9 ms`, `12 ms`, `2.35 s`. */
export function ms(value: number): string {
  if (value >= 1000) return `${(value / 1000).toFixed(2)} s`;
  if (value >= 100) return `${Math.round(value)} ms`;
  return `${value.toFixed(1)} ms`;
}

/** upstream_rq_retry first, then the others alphabetically. */
function byStatOrder(a: string, b: string): number {
  if (a === 'upstream_rq_retry') return -1;
  if (b === 'upstream_rq_retry') return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

function alignColumns(rows: readonly string[][]): string[] {
  const widths: number[] = [];
  for (const r of rows) r.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, [...cell].length)));
  return rows.map((r) => r.map((cell, i) => cell + ' '.repeat(widths[i] - [...cell].length)).join('   '));
}
