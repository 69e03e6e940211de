/**
 * The few absl/Envoy string helpers the retry engine needs, reproduced exactly: ASCII-only
 * whitespace and case folding, and absl::SimpleAtoi (which is what Envoy uses for every numeric
 * x-envoy-* header, reset headers, grpc-status and range matchers).
 */

/** absl::ascii_isspace / Envoy StringUtil::WhitespaceChars: " \t\n\v\f\r" (never Unicode spaces). */
const EDGE_WS = /^[ \t\n\v\f\r]+|[ \t\n\v\f\r]+$/g;

export function asciiTrim(s: string): string {
  return s.replace(EDGE_WS, '');
}

/** absl::AsciiStrToLower: only A–Z fold (EqualsIgnoreCase, StartsWithIgnoreCase, …). */
export function asciiLower(s: string): string {
  return s.replace(/[A-Z]+/g, (m) => m.toLowerCase());
}

const DIGITS = /^[0-9]+$/;

/** Sign and digits after absl's whitespace strip; undefined when not a base-10 integer. */
function parseInteger(text: string): bigint | undefined {
  let s = asciiTrim(text);
  let negative = false;
  if (s.startsWith('-')) {
    negative = true;
    s = s.slice(1);
  } else if (s.startsWith('+')) {
    s = s.slice(1);
  }
  if (!DIGITS.test(s)) return undefined;
  const v = BigInt(s);
  return negative ? -v : v;
}

/** absl::SimpleAtoi into uint32_t / uint64_t: any '-' fails (even "-0"), overflow fails. */
export function atoiUnsigned(text: string, bits: 32 | 64): bigint | undefined {
  if (asciiTrim(text).startsWith('-')) return undefined;
  const v = parseInteger(text);
  if (v === undefined || v >= 1n << BigInt(bits)) return undefined;
  return v;
}

/** absl::SimpleAtoi into int64_t (range matchers). */
export function atoiInt64(text: string): bigint | undefined {
  const v = parseInteger(text);
  if (v === undefined || v < -(1n << 63n) || v >= 1n << 63n) return undefined;
  return v;
}

/**
 * Envoy StringUtil::splitToken(source, ",", keep_empty=false, trim): empty pieces are skipped
 * (with `trim`, whitespace-only pieces too) and, with `trim`, each piece is ASCII-trimmed.
 */
export function splitToken(source: string, trim: boolean): string[] {
  const out: string[] = [];
  for (const piece of source.split(',')) {
    const t = trim ? asciiTrim(piece) : piece;
    if (t !== '') out.push(t);
  }
  return out;
}
