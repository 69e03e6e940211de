/**
 * The progress line of a long run (`  3.0s  24/100 calls  Code 200: 22  Code 503: 2`), printed to
 * stderr only: on a terminal it rewrites itself once a second, otherwise a plain line every 5 s so
 * logs stay short. Runs expected to be short (≤ 2 s) print none.
 */
import type { LoadProgress, LoadShape } from './types';

/** Runs shorter than this get no progress line. */
export const PROGRESS_AFTER_MS = 2000;

export function formatProgress(p: LoadProgress): string {
  const codes = [...p.codes.entries()].sort(([a], [b]) => a - b).map(([code, n]) => `Code ${code}: ${n}`);
  const done = p.total === undefined ? `${p.done} calls` : `${p.done}/${p.total} calls`;
  return [`${(p.elapsedMs / 1000).toFixed(1).padStart(5)}s`, done, ...codes].join('  ');
}

/** How long the run should last, when the shape says (-n at a set qps, or -t); undefined = unknown or unbounded. */
export function expectedMs(shape: LoadShape): number | undefined {
  if (shape.calls > 0) return shape.qps > 0 ? (1000 * shape.calls) / shape.qps : undefined;
  return shape.durationMs > 0 ? shape.durationMs : undefined;
}

export interface ProgressWriter {
  /** Called once a second with the run's progress. */
  update(p: LoadProgress): void;
  /** Ends the line (on a terminal) before the report is printed. */
  finish(): void;
}

/**
 * A writer for `out` (stderr). A run whose length is unknown prints once it has lasted
 * PROGRESS_AFTER_MS; a run expected to be shorter prints nothing.
 */
export function progressWriter(out: NodeJS.WriteStream, shape: LoadShape): ProgressWriter {
  const expected = expectedMs(shape);
  const tty = out.isTTY === true;
  let drawn = false;
  let lastPlainMs = -Infinity;
  return {
    update(p) {
      if (expected !== undefined ? expected <= PROGRESS_AFTER_MS : p.elapsedMs < PROGRESS_AFTER_MS) return;
      if (tty) {
        out.write(`\r${formatProgress(p)}\x1b[K`);
        drawn = true;
      } else if (p.elapsedMs - lastPlainMs >= 5000 - 100) {
        out.write(`${formatProgress(p)}\n`);
        lastPlainMs = p.elapsedMs;
      }
    },
    finish() {
      if (drawn) out.write('\r\x1b[K');
    },
  };
}
