/**
 * Per-attempt scripting for the upstream (envoy-retry.md §8): one downstream request is one
 * *scenario id*, and the proxy's attempts for it arrive here one after the other. The script says
 * what attempt 1, 2, 3, ... gets, so a test can make "503, then 503, then 200" happen exactly,
 * whatever the proxy's retry timing. Envoy generates its own x-request-id, so attempts are keyed
 * by a header the client sets and every proxy forwards untouched: `x-scenario-id`.
 *
 *   x-scenario-id: s42
 *   x-script: 503,503,200                attempt 1 → 503, 2 → 503, 3 and later → 200
 *
 * (or `?script=...` in the query). Steps are separated by `,`; attempts past the last step repeat
 * the last step. A step is a verb, an optional `*N` repeat, then `;`-separated parameters:
 *
 *   503                           answer 503 (any 100..599 except 1xx)
 *   503*3                         three attempts in a row get 503
 *   hang                          read the request, never answer (until the proxy gives up)
 *   close                         read the request, close the connection without a response
 *   garbage                       read the request, write bytes that are not HTTP, close
 *   rst[:CODE]                    HTTP/2: RST_STREAM with CODE (name like REFUSED_STREAM or a
 *                                 number; default REFUSED_STREAM). HTTP/1: same as close.
 *
 *   ;delay=150ms                  act this long after the request ended (Go duration; bare = ms)
 *   ;h=retry-after:1              add a response header (repeatable; value percent-decoded)
 *   ;t=grpc-status:14             add a response trailer (repeatable)
 *   ;body=text                    response body (percent-decoded); default names scenario/attempt
 *   ;abort                        send the status and headers and part of the body, then drop the
 *                                 connection (HTTP/1) or reset the stream (HTTP/2): a response
 *                                 that started and then failed
 *   ;early                        act as soon as the request headers arrive, without waiting for
 *                                 the request body to end (the body is still read and recorded)
 *
 * Every attempt is recorded in a ScriptBook: arrival time, headers seen (x-envoy-attempt-count
 * ...), the request body, which server got it, and what it was answered. A book can be shared by
 * several upstreams, so "attempt 2" means the scenario's second attempt on whichever host it
 * lands (previous_hosts, round robin).
 */
import { parseGoDuration } from '../lib/duration';

export type ScriptVerb = 'status' | 'hang' | 'close' | 'garbage' | 'rst';

export interface ScriptStep {
  verb: ScriptVerb;
  /** For `status`. */
  status?: number;
  /** For `rst`: the HTTP/2 error code. */
  rstCode?: number;
  delayMs: number;
  headers: Array<[string, string]>;
  trailers: Array<[string, string]>;
  body?: string;
  /** Send headers and part of the body, then fail the response. */
  abort: boolean;
  /** Act on the request headers, before the request body ended. */
  early: boolean;
  /** The step as written, for logs. */
  text: string;
}

export class ScriptError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ScriptError';
  }
}

/** HTTP/2 error codes by name (RFC 9113 §7). */
export const H2_ERROR_CODES: Readonly<Record<string, number>> = {
  NO_ERROR: 0,
  PROTOCOL_ERROR: 1,
  INTERNAL_ERROR: 2,
  FLOW_CONTROL_ERROR: 3,
  SETTINGS_TIMEOUT: 4,
  STREAM_CLOSED: 5,
  FRAME_SIZE_ERROR: 6,
  REFUSED_STREAM: 7,
  CANCEL: 8,
  COMPRESSION_ERROR: 9,
  CONNECT_ERROR: 10,
  ENHANCE_YOUR_CALM: 11,
  INADEQUATE_SECURITY: 12,
  HTTP_1_1_REQUIRED: 13,
};

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** Parses an `x-script` value into steps; throws ScriptError with the reason. */
export function parseScript(text: string): ScriptStep[] {
  const steps: ScriptStep[] = [];
  if (text.trim() === '') throw new ScriptError('empty script');
  for (const raw of text.split(',')) {
    const [head, ...params] = raw.trim().split(';').map((s) => s.trim());
    const rep = /^(.*?)\*(\d+)$/.exec(head);
    const verbText = rep ? rep[1] : head;
    const count = rep ? Number(rep[2]) : 1;
    if (count < 1 || count > 1000) throw new ScriptError(`"${raw.trim()}": repeat count must be 1..1000`);
    const step: ScriptStep = { verb: 'status', delayMs: 0, headers: [], trailers: [], abort: false, early: false, text: raw.trim() };
    if (/^\d{3}$/.test(verbText)) {
      const status = Number(verbText);
      if (status < 200 || status > 599) throw new ScriptError(`"${verbText}" is not a final HTTP status (200..599)`);
      step.status = status;
    } else if (verbText === 'hang' || verbText === 'close' || verbText === 'garbage') {
      step.verb = verbText;
    } else if (verbText === 'rst' || verbText.startsWith('rst:')) {
      step.verb = 'rst';
      const code = verbText === 'rst' ? 'REFUSED_STREAM' : verbText.slice(4);
      step.rstCode = /^\d+$/.test(code) ? Number(code) : H2_ERROR_CODES[code.toUpperCase()];
      if (step.rstCode === undefined) throw new ScriptError(`"${code}" is not an HTTP/2 error code (e.g. REFUSED_STREAM, INTERNAL_ERROR, 7)`);
    } else {
      throw new ScriptError(`"${verbText}" is not a step (a status like 503, hang, close, garbage or rst[:CODE])`);
    }
    for (const p of params) {
      if (p === '') continue;
      const eq = p.indexOf('=');
      const key = eq < 0 ? p : p.slice(0, eq);
      const value = eq < 0 ? '' : p.slice(eq + 1);
      if (key === 'abort' && eq < 0) step.abort = true;
      else if (key === 'early' && eq < 0) step.early = true;
      else if (key === 'delay') step.delayMs = parseDelay(value);
      else if (key === 'h' || key === 't') (key === 'h' ? step.headers : step.trailers).push(parseHeader(value));
      else if (key === 'body') step.body = decode(value);
      else throw new ScriptError(`unknown parameter "${p}" in "${raw.trim()}" (delay=, h=, t=, body=, abort, early)`);
    }
    if (step.abort && step.verb !== 'status') throw new ScriptError(`"abort" only applies to a status step ("${raw.trim()}")`);
    for (let i = 0; i < count; i++) steps.push(step);
  }
  return steps;
}

/** The step for attempt `attempt` (1-based): past the end, the last step repeats. */
export function stepFor(steps: readonly ScriptStep[], attempt: number): ScriptStep {
  return steps[Math.min(attempt, steps.length) - 1];
}

function parseDelay(text: string): number {
  const ms = /^\d+$/.test(text) ? Number(text) : parseGoDuration(text);
  if (ms === undefined || ms < 0) throw new ScriptError(`delay "${text}" is not a duration like 150ms or 1s`);
  return ms;
}

function parseHeader(text: string): [string, string] {
  const i = text.indexOf(':');
  const name = i > 0 ? text.slice(0, i).trim().toLowerCase() : '';
  if (!HEADER_NAME.test(name)) throw new ScriptError(`"${text}" is not <name>:<value>`);
  return [name, decode(text.slice(i + 1).trim())];
}

function decode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw new ScriptError(`"${s}" is not valid percent-encoding`);
  }
}

/** What one scripted attempt saw and got. */
export interface ScriptAttempt {
  scenarioId: string;
  /** 1-based, counted per scenario id across every upstream sharing the book. */
  attempt: number;
  /** Arrival of the request headers, in ms on the Date.now() scale with sub-ms precision (see now()). */
  at: number;
  /** When the request body was complete (the script's clock starts here). */
  requestEndedAt?: number;
  method: string;
  url: string;
  /** Which server got it: `host:port`. */
  server: string;
  protocol: 'HTTP/1.1' | 'HTTP/2';
  /** Request headers, lower-cased, repeated values joined with ", " (HTTP/2 pseudo-headers included). */
  headers: Record<string, string>;
  /** Request body (first 64 KiB, utf8) and its full length in bytes. */
  body: string;
  bodyBytes: number;
  step: ScriptStep;
  /** What happened: responded (status sent), closed, garbage, rst, aborted (client left first), pending. */
  result: 'pending' | 'responded' | 'closed' | 'garbage' | 'rst' | 'aborted';
  /** When the result happened. */
  endedAt?: number;
}

/** Attempts per scenario id, shareable between upstreams. */
export class ScriptBook {
  private readonly byId = new Map<string, ScriptAttempt[]>();

  /** Registers a new attempt for `scenarioId` and returns it (attempt number assigned). */
  begin(rec: Omit<ScriptAttempt, 'attempt'>): ScriptAttempt {
    const list = this.byId.get(rec.scenarioId) ?? [];
    const full: ScriptAttempt = { ...rec, attempt: list.length + 1 };
    list.push(full);
    this.byId.set(rec.scenarioId, list);
    return full;
  }

  /** The attempts seen for a scenario id, in arrival order (empty if none). */
  attempts(scenarioId: string): readonly ScriptAttempt[] {
    return this.byId.get(scenarioId) ?? [];
  }

  ids(): string[] {
    return [...this.byId.keys()];
  }

  /** Forgets one scenario id, or all. */
  clear(scenarioId?: string): void {
    if (scenarioId === undefined) this.byId.clear();
    else this.byId.delete(scenarioId);
  }
}

export const BODY_KEEP_BYTES = 64 * 1024;

/** Wall-clock ms with sub-millisecond precision (performance.timeOrigin + performance.now()). */
export function now(): number {
  return performance.timeOrigin + performance.now();
}
