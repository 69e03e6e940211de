/**
 * Go's number and duration formatting, so the report reads as fortio's does (fortio is in Go and
 * prints `%g`-style floats and `time.Duration` strings such as `77.394694ms` or `1m0.5s`).
 */

/** Go's `%.<precision>g` (or plain `%g`, the shortest exact form, when precision is undefined). */
export function formatG(x: number, precision?: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return '0';
  const exp = precision === undefined ? x.toExponential() : x.toExponential(Math.max(precision, 1) - 1);
  const [mantissa, expPart] = exp.split('e');
  const e = Number(expPart);
  const digits = mantissa.replace('-', '').replace('.', '').replace(/0+$/, '') || '0';
  // %g switches to exponent form when the exponent is < -4 or >= the precision (21 for the shortest form).
  const limit = precision === undefined ? 21 : Math.max(precision, 1);
  const sign = x < 0 ? '-' : '';
  if (e < -4 || e >= limit) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    return `${sign}${m}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
  }
  if (e < 0) return `${sign}0.${'0'.repeat(-e - 1)}${digits}`;
  const intLen = e + 1;
  if (digits.length <= intLen) return `${sign}${digits}${'0'.repeat(intLen - digits.length)}`;
  return `${sign}${digits.slice(0, intLen)}.${digits.slice(intLen)}`;
}

/** Go's `time.Duration.String()` for a duration in milliseconds (nanosecond resolution). */
export function goDuration(ms: number): string {
  const ns = Math.round(ms * 1e6);
  if (ns === 0) return '0s';
  const sign = ns < 0 ? '-' : '';
  const abs = Math.abs(ns);
  if (abs < 1e3) return `${sign}${abs}ns`;
  if (abs < 1e6) return `${sign}${trimFraction(abs / 1e3)}µs`;
  if (abs < 1e9) return `${sign}${trimFraction(abs / 1e6)}ms`;
  const h = Math.floor(abs / 3.6e12);
  const m = Math.floor((abs % 3.6e12) / 6e10);
  const s = (abs % 6e10) / 1e9;
  return `${sign}${h > 0 ? `${h}h` : ''}${h > 0 || m > 0 ? `${m}m` : ''}${trimFraction(s)}s`;
}

/** Up to 9 decimals (nanoseconds), trailing zeros dropped. */
function trimFraction(v: number): string {
  return v.toFixed(9).replace(/\.?0+$/, '');
}

