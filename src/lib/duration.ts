/**
 * Durations as users write them (Go / Kubernetes style: `20s`, `5ms`, `1m30s`, `1.5s`) and as
 * proto3 JSON writes them (`"20s"`, `"0.005s"`). Internally a duration is a whole number of
 * milliseconds, the precision every source system validates to.
 */

// Go's time.ParseDuration, exactly, in integer nanoseconds. Source systems validate durations to
// the millisecond (`only durations to ms precision are supported`), and a float parser turns
// `1.1s` into 1100.0000000000002 ms, so validation needs exact arithmetic.
const UNIT_NANOS: Record<string, bigint> = {
  ns: 1n,
  us: 1_000n,
  'µs': 1_000n, // U+00B5 micro sign
  'μs': 1_000n, // U+03BC Greek mu, which Go accepts too
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};
const TERM = /^(\d*)(?:\.(\d*))?(ns|us|µs|μs|ms|s|m|h)/;

/** Parses a Go duration (`20s`, `1m30s`, `1.5ms`, `-2s`, `0`) to nanoseconds; undefined if it is not one. */
export function parseGoDurationNanos(text: string): bigint | undefined {
  let rest = text;
  let sign = 1n;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    sign = rest[0] === '-' ? -1n : 1n;
    rest = rest.slice(1);
  }
  if (rest === '0') return 0n;
  if (rest === '') return undefined;
  let total = 0n;
  while (rest.length > 0) {
    const m = TERM.exec(rest);
    // Go requires at least one digit on either side of the dot.
    if (!m || (m[1] === '' && (m[2] ?? '') === '')) return undefined;
    const unit = UNIT_NANOS[m[3]];
    const frac = m[2] ?? '';
    total += BigInt(m[1] || '0') * unit;
    // Go truncates sub-nanosecond fractions; BigInt division truncates the same way.
    if (frac !== '') total += (BigInt(frac) * unit) / 10n ** BigInt(frac.length);
    rest = rest.slice(m[0].length);
  }
  return sign * total;
}

/** Parses a Go-style duration into milliseconds; returns undefined when it is not one. */
export function parseGoDuration(text: string): number | undefined {
  if (typeof text !== 'string') return undefined;
  const nanos = parseGoDurationNanos(text);
  return nanos === undefined ? undefined : Number(nanos) / 1_000_000;
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
