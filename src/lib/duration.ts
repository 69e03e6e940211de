/**
 * Durations as users write them (Go / Kubernetes style: `20s`, `5ms`, `1m30s`, `1.5s`) and as
 * proto3 JSON writes them (`"20s"`, `"0.005s"`). Internally a duration is a whole number of
 * milliseconds, the precision every source system validates to.
 */

const UNIT_MS: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1, us: 0.001, 'µs': 0.001, ns: 0.000001 };
const GO_DURATION = /^(\d+(?:\.\d+)?)(h|ms|m|s|us|µs|ns)/;

/** Parses a Go-style duration into milliseconds; returns undefined when it is not one. */
export function parseGoDuration(text: string): number | undefined {
  if (typeof text !== 'string' || text.length === 0) return undefined;
  if (text === '0') return 0;
  let rest = text;
  let total = 0;
  while (rest.length > 0) {
    const m = GO_DURATION.exec(rest);
    if (!m) return undefined;
    total += Number(m[1]) * UNIT_MS[m[2]];
    rest = rest.slice(m[0].length);
  }
  return total;
}

/** Formats milliseconds as a proto3 JSON Duration: 0, 3, 6 or 9 fractional digits, as protobuf does. */
export function formatProtoDuration(ms: number): string {
  const totalNanos = BigInt(Math.round(ms * 1_000_000));
  const seconds = totalNanos / 1_000_000_000n;
  const nanos = Number(totalNanos % 1_000_000_000n);
  if (nanos === 0) return `${seconds}s`;
  let frac = String(nanos).padStart(9, '0');
  if (frac.endsWith('000000')) frac = frac.slice(0, 3);
  else if (frac.endsWith('000')) frac = frac.slice(0, 6);
  return `${seconds}.${frac}s`;
}

/** Parses a proto3 JSON Duration (`"1.5s"`) into milliseconds. */
export function parseProtoDuration(text: string): number | undefined {
  const m = /^(-?\d+)(?:\.(\d{1,9}))?s$/.exec(text);
  if (!m) return undefined;
  const frac = (m[2] ?? '').padEnd(9, '0');
  return Number(m[1]) * 1000 + Math.sign(Number(m[1]) || 1) * Number(frac) / 1_000_000;
}
