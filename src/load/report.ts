/**
 * fortio's text report of a LoadResult: the lines the walkthroughs teach users to read
 * (`Code 200 : 89 (89.0 %)`, `Aggregated Function Time : count ...`, `# target 99% ...`,
 * `All done ...`). Times in seconds with Go's `%g` forms, as fortio prints them; the layout follows
 * fortio's published output (README and the Istio circuit-breaking task), without its histogram
 * bucket lines, which exact percentiles make unnecessary.
 */
import { VERSION } from '../version';
import { formatG, goDuration } from './goFormat';
import type { DurationSummary, LoadResult, LoadShape } from './types';

export function formatReport(r: LoadResult): string {
  const lines = [
    headerLine(r),
    startingLine(r.shape),
    `${r.interrupted ? 'Interrupted' : 'Ended'} after ${goDuration(r.durationMs)} : ${r.calls} calls. qps=${formatG(r.actualQps, 5)}`,
    summaryLines('Aggregated Function Time', r.latency, true),
    summaryLines('Error cases', r.errors, false),
    `Sockets used: ${r.socketsUsed} (for perfect keepalive, would be ${r.shape.connections})`,
    formatCodeLines(r).trimEnd(),
    `All done ${r.calls} calls ${(r.latency.avgMs).toFixed(3)} ms avg, ${r.actualQps.toFixed(1)} qps`,
  ];
  return `${lines.filter((l) => l !== '').join('\n')}\n`;
}

/** Just the `Code N : count (pct %)` lines, then the reasons of the -1s (`Code -1 reason ECONNREFUSED : 4`). */
export function formatCodeLines(r: LoadResult): string {
  const lines = r.codes.map((c) => `Code ${c.code} : ${c.count} (${c.percent.toFixed(1)} %)`);
  for (const e of r.socketErrors) lines.push(`Code -1 reason ${e.message} : ${e.count}`);
  return lines.length > 0 ? `${lines.join('\n')}\n` : '';
}

/**
 * One line to compare runs side by side (the demo's before/after):
 * `100 calls, 89.0 % 200, 11.0 % 503, avg 4.2 ms, p99 9.1 ms` (p99 when asked, else the largest
 * percentile asked).
 */
export function summaryLine(r: LoadResult): string {
  const parts = [`${r.calls} calls`, ...r.codes.map((c) => `${c.percent.toFixed(1)} % ${c.code}`), `avg ${r.latency.avgMs.toFixed(1)} ms`];
  const p = r.latency.percentiles.find((x) => x.percentile === 99) ?? r.latency.percentiles[r.latency.percentiles.length - 1];
  if (p !== undefined) parts.push(`p${formatG(p.percentile)} ${p.ms.toFixed(1)} ms`);
  return parts.join(', ');
}

function headerLine(r: LoadResult): string {
  const s = r.shape;
  const how = s.calls > 0 ? `for ${s.calls} calls` : s.durationMs > 0 ? `for ${goDuration(s.durationMs)}` : 'until interrupted';
  const via = connectedVia(r);
  return `Fortio-style load by Ricochet ${VERSION} running at ${formatG(s.qps)} queries per second, ${s.connections} connection(s), ${how}: ${r.url}${via}`;
}

/** fortio's "Starting at ... with N thread(s) ..." line, in connections. */
function startingLine(s: LoadShape): string {
  const rate = s.qps > 0 ? `${formatG(s.qps)} qps` : 'max qps';
  if (s.calls > 0) {
    return `Starting at ${rate} with ${s.connections} connection(s) for exactly ${s.calls} calls (${Math.floor(s.calls / s.connections)} per connection + ${s.calls % s.connections})`;
  }
  return `Starting at ${rate} with ${s.connections} connection(s) ${s.durationMs > 0 ? `for ${goDuration(s.durationMs)}` : 'until interrupted'}`;
}

/** ` (via 127.0.0.1:15001)` when the calls went to a proxy rather than the URL's host. */
function connectedVia(r: LoadResult): string {
  try {
    const u = new URL(r.url);
    const direct = `${u.hostname}:${u.port === '' ? 80 : u.port}`;
    return direct === r.connectedTo ? '' : ` (via ${r.connectedTo})`;
  } catch {
    return '';
  }
}

/** `Name : count N avg … +/- … min … max … sum …` in seconds, then `# target P% …` lines. */
function summaryLines(name: string, d: DurationSummary, withTargets: boolean): string {
  if (d.count === 0) return `${name} : no data`;
  const sec = (ms: number): number => Math.round(ms * 1e6) / 1e9;
  const lines = [`${name} : count ${d.count} avg ${formatG(sec(d.avgMs), 8)} +/- ${formatG(sec(d.stddevMs), 4)} min ${formatG(sec(d.minMs))} max ${formatG(sec(d.maxMs))} sum ${formatG(sec(d.sumMs), 9)}`];
  if (withTargets) for (const p of d.percentiles) lines.push(`# target ${formatG(p.percentile)}% ${formatG(sec(p.ms), 6)}`);
  return lines.join('\n');
}
