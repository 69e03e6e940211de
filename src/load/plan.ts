/**
 * How a run's load is shared across its connections, as fortio shares it across its threads
 * (`fortio load -h`; periodic.go): `-n` split evenly, the remainder one each to the first
 * connections; `-qps` shared evenly, each connection paced at qps/c with catch-up (a late call is
 * sent at once, the schedule is not shifted).
 */
import { Codes, RicochetError } from '../lib/errors';
import type { LoadOptions, LoadShape } from './types';

export interface ConnectionPlan {
  /** Calls this connection sends; Infinity when the run is bounded by time or the signal. */
  calls: number;
  /** Milliseconds between two scheduled calls of this connection; 0 = back to back. */
  intervalMs: number;
}

export interface RunPlan {
  /** The shape as run: `connections` lowered to `calls` when fewer calls than connections were asked. */
  shape: LoadShape;
  connections: ConnectionPlan[];
  /** Milliseconds after the start at which no new call is sent; Infinity = none. */
  deadlineMs: number;
}

export function planRun(opts: LoadOptions): RunPlan {
  validateShape(opts);
  const connections = opts.calls > 0 ? Math.min(opts.connections, opts.calls) : opts.connections;
  const shape: LoadShape = {
    connections,
    calls: opts.calls,
    durationMs: opts.calls > 0 ? 0 : opts.durationMs,
    qps: opts.qps,
    timeoutMs: opts.timeoutMs,
    percentiles: [...opts.percentiles],
  };
  const intervalMs = opts.qps > 0 ? (1000 * connections) / opts.qps : 0;
  const each = Math.floor(opts.calls / connections);
  const leftOver = opts.calls % connections;
  return {
    shape,
    connections: Array.from({ length: connections }, (_, i) => ({ calls: opts.calls > 0 ? each + (i < leftOver ? 1 : 0) : Infinity, intervalMs })),
    deadlineMs: opts.calls === 0 && opts.durationMs > 0 ? opts.durationMs : Infinity,
  };
}

function validateShape(s: LoadShape): void {
  const bad = (field: string, value: unknown, want: string): never => {
    throw new RicochetError(Codes.InvalidFlag, `load ${field} ${String(value)}: ${want}`);
  };
  if (!Number.isInteger(s.connections) || s.connections < 1) bad('connections', s.connections, 'an integer >= 1');
  if (!Number.isInteger(s.calls) || s.calls < 0) bad('calls', s.calls, 'an integer >= 0 (0 = run for the duration)');
  if (!Number.isFinite(s.durationMs) || s.durationMs < 0) bad('durationMs', s.durationMs, 'a duration >= 0 (0 = until interrupted)');
  if (!Number.isFinite(s.qps) || s.qps < 0) bad('qps', s.qps, 'a rate >= 0 (0 = as fast as possible)');
  if (!Number.isFinite(s.timeoutMs) || s.timeoutMs <= 0) bad('timeoutMs', s.timeoutMs, 'a duration > 0');
  for (const p of s.percentiles) if (!Number.isFinite(p) || p < 0 || p > 100) bad('percentiles', p, 'each between 0 and 100');
}
