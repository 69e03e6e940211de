/**
 * Retry backoff (envoy-retry.md §3): Envoy's JitteredExponentialBackOffStrategy (the code, not
 * the docs' (2^N−1)·B formula, §10) and the rate-limited JitteredLowerBoundBackOffStrategy fed by
 * Retry-After / X-RateLimit-Reset style headers.
 */
import type { DpRateLimitedBackOff } from '../config/model';
import type { HeaderMap } from './api';
import { firstHeaderValue } from './headers';
import { atoiUnsigned } from './numbers';

/** Default base interval (runtime `upstream.base_retry_backoff_ms`) and max = 10 × base (§3.1). */
export const DEFAULT_BASE_INTERVAL_MS = 25;
export const DEFAULT_MAX_INTERVAL_FACTOR = 10;

/** A uniform integer in [0, n − 1]: Envoy's `random() % n` with a [0,1) source. */
export function randomBelow(random: () => number, n: number): number {
  const r = Math.floor(random() * n);
  // Guard against sources returning exactly 1 (or slightly out of range).
  return Math.min(Math.max(r, 0), n - 1);
}

/**
 * Per-request exponential strategy (§3.1): the delay is random mod the current ceiling; then
 * the ceiling doubles while it is below floor(max/2), else becomes max. With B=2, M=5 the
 * ceilings are 2, 5 (not 4): the code compares against floor(M/2), and so do we.
 */
export class ExponentialBackOff {
  private ceiling: number;
  private readonly max: number;

  constructor(baseIntervalMs: number, maxIntervalMs: number, private readonly random: () => number) {
    // Durations are whole milliseconds, at least 1 (sub-ms rounds up, §3.1).
    const base = Math.max(1, Math.floor(baseIntervalMs));
    this.max = Math.max(base, Math.floor(maxIntervalMs));
    this.ceiling = base;
  }

  /** The ceiling the next call will use (exclusive upper bound of its delay). */
  get nextCeilingMs(): number {
    return this.ceiling;
  }

  nextBackOffMs(): number {
    const c = this.ceiling;
    this.ceiling = c < Math.floor(this.max / 2) ? c * 2 : this.max;
    return Math.min(randomBelow(this.random, c), this.max);
  }
}

/**
 * JitteredLowerBoundBackOffStrategy (§3.2): uniform in [interval, 1.5 × interval) as
 * interval + random mod (interval >> 1). Only built for intervals > 1 ms.
 */
export function rateLimitedBackOffMs(intervalMs: number, random: () => number): number {
  return intervalMs + randomBelow(random, Math.floor(intervalMs / 2));
}

const U64 = 64;

/**
 * One reset header (ResetHeaderParserImpl::parseInterval): first value only, SimpleAtoi uint64;
 * SECONDS → value × 1000 ms; UNIX_TIMESTAMP → (value − now_s) × 1000 ms, nothing if in the past.
 * Arithmetic wraps like uint64 (irrelevant in practice, exact anyway).
 */
export function parseResetHeader(
  header: { name: string; format: 'SECONDS' | 'UNIX_TIMESTAMP' },
  headers: HeaderMap,
  nowMs: number,
): number | undefined {
  const raw = firstHeaderValue(headers, header.name.toLowerCase());
  if (raw === undefined) return undefined;
  const value = atoiUnsigned(raw, U64);
  if (value === undefined) return undefined;
  if (header.format === 'SECONDS') return Number(BigInt.asUintN(U64, value * 1000n));
  const now = BigInt(Math.floor(nowMs / 1000));
  if (value < now) return undefined;
  return Number(BigInt.asUintN(U64, (value - now) * 1000n));
}

/**
 * RetryStateImpl::parseResetInterval: headers in order; an interval above max_interval is
 * discarded and the next header tried; the first one ≤ max wins, even 0 (which then falls back
 * to exponential because only intervals > 1 ms are used).
 */
export function parseResetInterval(config: DpRateLimitedBackOff, headers: HeaderMap, nowMs: number): number | undefined {
  for (const h of config.resetHeaders) {
    const interval = parseResetHeader(h, headers, nowMs);
    if (interval !== undefined && interval <= config.maxIntervalMs) return interval;
  }
  return undefined;
}
