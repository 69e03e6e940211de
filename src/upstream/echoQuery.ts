/**
 * fortio's echo query syntax, so tests and demos can reuse the URLs people already write against
 * `fortio server` (and Istio's docs use):
 *
 *   ?status=503            every request gets 503
 *   ?status=503:25         25% get 503, the rest 200
 *   ?status=503:10,500:5   10% 503, 5% 500, the rest 200: disjoint buckets, one roll per request
 *   ?delay=50ms:10         10% are delayed 50ms (same list syntax, Go durations; capped like fortio)
 *   ?close=true | close=N  close the connection without any response (always / N percent)
 *   ?header=name:value     add a response header (repeatable), e.g. retry-after or x-envoy-ratelimited
 *   /status/<code>         httpbin style, same as ?status=<code>
 *
 * One deliberate difference from fortio: fortio's `close` sends the response and then
 * `Connection: close`; ours drops the connection *before* a response, because that is the failure
 * Envoy's `reset` / `5xx` retry conditions exist for. Another: a malformed query gets a 400 with
 * the reason, instead of being silently ignored, so a typo in a test fails loudly.
 */
import { parseGoDuration } from '../lib/duration';

/** One weighted choice: `value` is picked for `percent`% of requests. */
export interface Bucket<T> {
  value: T;
  percent: number;
}

/** What a request asked for, before any dice are rolled. */
export interface EchoSpec {
  /** Status buckets; requests that fall in no bucket get 200. */
  status: Bucket<number>[];
  /** Delay buckets in milliseconds; requests that fall in no bucket are not delayed. */
  delay: Bucket<number>[];
  /** Percentage of requests whose connection is closed without a response. */
  closePercent: number;
  /** Extra response headers. */
  headers: Array<[string, string]>;
}

/** Three independent uniform rolls in [0, 1), one per decision. */
export interface Rolls {
  delay: number;
  close: number;
  status: number;
}

/** The decided fate of one request. */
export interface Outcome {
  status: number;
  delayMs: number;
  close: boolean;
}

/** fortio's default `-maxdelay`: a stray `delay=1h` must not hang a test run. */
export const DEFAULT_MAX_DELAY_MS = 1500;

export class EchoQueryError extends Error {
  constructor(readonly param: string, message: string) {
    super(`${param}: ${message}`);
    this.name = 'EchoQueryError';
  }
}

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** Parses a request target (path + query) into an EchoSpec; throws EchoQueryError when malformed. */
export function parseEchoRequest(target: string): EchoSpec {
  const url = new URL(target, 'http://upstream.invalid');
  const spec = parseEchoQuery(url.searchParams);
  const m = /^\/status\/([^/]+)\/?$/.exec(url.pathname);
  if (m) spec.status = [{ value: parseStatusCode('status', m[1]), percent: 100 }];
  return spec;
}

/** Parses fortio's echo parameters out of a query string. */
export function parseEchoQuery(query: URLSearchParams | string): EchoSpec {
  const params = typeof query === 'string' ? new URLSearchParams(query) : query;
  const status = params.get('status');
  const delay = params.get('delay');
  return {
    status: status ? parseBuckets('status', status, (s) => parseStatusCode('status', s)) : [],
    delay: delay ? parseBuckets('delay', delay, parseDelay) : [],
    closePercent: parseClose(params.get('close')),
    headers: params.getAll('header').map(parseHeader),
  };
}

/** Picks the bucket a roll in [0, 1) lands in, fortio-style (cumulative percentages). */
export function pickBucket<T>(buckets: readonly Bucket<T>[], roll: number): T | undefined {
  const at = roll * 100;
  let upTo = 0;
  for (const b of buckets) {
    upTo += b.percent;
    if (at < upTo) return b.value;
  }
  return undefined;
}

/** Decides one request's outcome from its spec and rolls. Pure, so it is unit-testable. */
export function decideOutcome(spec: EchoSpec, rolls: Rolls, maxDelayMs = DEFAULT_MAX_DELAY_MS): Outcome {
  return {
    delayMs: Math.min(pickBucket(spec.delay, rolls.delay) ?? 0, maxDelayMs),
    close: rolls.close * 100 < spec.closePercent,
    status: pickBucket(spec.status, rolls.status) ?? 200,
  };
}

function parseBuckets<T>(param: string, text: string, parseValue: (s: string) => T): Bucket<T>[] {
  const entries = text.split(',');
  // As in fortio, a bare value means 100%, but only on its own: "503,500" is ambiguous.
  if (entries.length === 1 && !text.includes(':')) return [{ value: parseValue(text), percent: 100 }];
  let total = 0;
  return entries.map((entry) => {
    const parts = entry.split(':');
    if (parts.length !== 2) throw new EchoQueryError(param, `"${entry}" is not <value>:<percent> (list form is e.g. 503:10,500:5)`);
    const percent = Number(parts[1]);
    if (parts[1].trim() === '' || !Number.isFinite(percent) || percent < 0 || percent > 100) {
      throw new EchoQueryError(param, `percentage "${parts[1]}" in "${entry}" is not a number between 0 and 100`);
    }
    total += percent;
    // Rounded as fortio does, so 33.3+33.3+33.4 is exactly 100 and not 100.00000000000001.
    if (Math.round(total * 1e6) / 1e6 > 100) throw new EchoQueryError(param, `percentages in "${text}" add up to more than 100`);
    return { value: parseValue(parts[0]), percent };
  });
}

function parseStatusCode(param: string, text: string): number {
  const code = Number(text);
  if (!/^\d{3}$/.test(text) || code < 200 || code > 599) {
    throw new EchoQueryError(param, `"${text}" is not an HTTP status code between 200 and 599`);
  }
  return code;
}

function parseDelay(text: string): number {
  const ms = parseGoDuration(text);
  if (ms === undefined) throw new EchoQueryError('delay', `"${text}" is not a duration like 50ms, 1s or 1.5s`);
  return ms;
}

function parseClose(text: string | null): number {
  if (text === null || text === '' || text === 'false') return 0;
  if (text === 'true') return 100;
  const percent = Number(text);
  if (!Number.isFinite(percent) || percent < 0 || percent > 100) {
    throw new EchoQueryError('close', `"${text}" is not true, false or a percentage between 0 and 100`);
  }
  return percent;
}

function parseHeader(text: string): [string, string] {
  const i = text.indexOf(':');
  const name = i > 0 ? text.slice(0, i).trim() : '';
  if (!HEADER_NAME.test(name)) throw new EchoQueryError('header', `"${text}" is not <name>:<value>`);
  return [name, text.slice(i + 1).trim()];
}
