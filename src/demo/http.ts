/**
 * GETs against local admin endpoints (a proxy's /ready, /stats, /config_dump; the control plane's
 * /readyz), and polling one until it answers: the demo's only waits, each with a deadline and the
 * last answer in its error, never a fixed sleep.
 */
import * as http from 'node:http';
import type { Child } from './children';

export interface HttpAnswer {
  status: number;
  body: string;
}

export function httpGet(url: string, timeoutMs = 5000): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
  });
}

export const POLL_MS = 25;

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A poll's answer: a value ends the wait; otherwise `why` says what it saw, and `fatal` stops waiting. */
export interface PollAnswer<T> {
  value?: T;
  why: string;
  fatal?: boolean;
}

/**
 * Calls `check` every POLL_MS until it returns a value. Fails with `what` and the last reason
 * `check` gave (its `why`) after `timeoutMs`, at once on a `fatal` answer, or if `child` exits meanwhile.
 * A `check` that throws (nothing listening yet) counts as a `why`.
 */
export async function pollUntil<T>(what: string, timeoutMs: number, check: () => Promise<PollAnswer<T>>, child?: Child): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer yet';
  for (;;) {
    if (child && !child.running) throw new Error(`${child.name} ended (${child.exitStatus}) while waiting for ${what}; its last output:\n${child.tail()}`);
    let r: PollAnswer<T>;
    try {
      r = await check();
    } catch (err) {
      r = { why: (err as Error).message };
    }
    if (r.value !== undefined) return r.value;
    if (r.fatal) throw new Error(`${what}: ${r.why}`);
    last = r.why;
    if (Date.now() >= deadline) throw new Error(`${what}: not within ${Math.round(timeoutMs / 1000)} s (last: ${last})`);
    await delay(POLL_MS);
  }
}

/** Polls `url` until it answers 200. */
export function waitFor200(url: string, timeoutMs: number, child?: Child): Promise<true> {
  return pollUntil(`${url} to answer 200`, timeoutMs, async () => {
    const res = await httpGet(url, 1000);
    return res.status === 200 ? { value: true as const, why: '200' } : { why: `HTTP ${res.status} ${res.body.trim().slice(0, 200)}` };
  }, child);
}
