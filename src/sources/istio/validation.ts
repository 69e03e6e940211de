/**
 * Field readers with Istio's own validation rules (pkg/config/validation), shared by the
 * ServiceEntry and VirtualService readers. Messages keep Istio's wording where users may
 * search for it, and add what is accepted instead.
 */
import type { FieldPath } from '../document';
import type { FieldReader } from '../fields';
import { parseGoDurationNanos } from '../../lib/duration';
import { wildcardDomainError } from '../names';

export const ISTIO_GROUP = 'networking.istio.io';
/** Served versions, preferred first; all three carry the same schema. */
export const ISTIO_VERSIONS = ['v1', 'v1beta1', 'v1alpha3'] as const;

const NANOS_PER_MS = 1_000_000n;

/**
 * A duration field (`timeout`, `retries.perTryTimeout`, `retries.backoff`) in milliseconds.
 * Istio's webhook (agent.ValidateDuration) requires at least 1ms and millisecond precision (§1.6).
 */
export function readDuration(r: FieldReader, path: FieldPath, hintWhenZero = ''): number | undefined {
  const text = r.string(path);
  if (text === undefined) return undefined;
  const nanos = parseGoDurationNanos(text);
  if (nanos === undefined) {
    r.error(path, `${JSON.stringify(text)} is not a duration; write it like 20s, 500ms or 1m30s`);
    return undefined;
  }
  if (nanos < NANOS_PER_MS) {
    r.error(path, `duration must be greater than 1ms, got ${JSON.stringify(text)}${nanos === 0n ? hintWhenZero : ''}`);
    return undefined;
  }
  if (nanos % NANOS_PER_MS !== 0n) {
    r.error(path, `only durations to ms precision are supported, got ${JSON.stringify(text)}`);
    return undefined;
  }
  return Number(nanos / NANOS_PER_MS);
}

/** A port number (1..65535), with Istio's message (agent.ValidatePort). */
export function readPort(r: FieldReader, path: FieldPath, required = false): number | undefined {
  const n = r.integer(path, { required });
  if (n === undefined) return undefined;
  if (n < 1 || n > 65535) {
    r.error(path, `port number ${n} must be in the range 1..65535`);
    return undefined;
  }
  return n;
}

/** A host that may start with a wildcard label; `*` alone is refused with `wholeWildcard`. */
export function checkWildcardHost(r: FieldReader, path: FieldPath, host: string, wholeWildcard: string): boolean {
  if (host === '*') {
    r.error(path, wholeWildcard);
    return false;
  }
  const err = wildcardDomainError(host);
  if (err) {
    r.error(path, `${err}; hosts are lower-case DNS names, optionally starting with "*."`);
    return false;
  }
  return true;
}
