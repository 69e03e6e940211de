/**
 * Go's time.ParseDuration, exactly, in integer nanoseconds. Source systems validate durations
 * to the millisecond (`only durations to ms precision are supported`), and a float parser turns
 * `1.1s` into 1100.0000000000002 ms, so validation needs exact arithmetic.
 */

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
