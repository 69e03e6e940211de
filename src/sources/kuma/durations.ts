/**
 * Durations in Kuma policies. The legacy Retry (protobuf Duration, read by Kuma from YAML with
 * Go's time.ParseDuration) and MeshRetry (Kubernetes metav1.Duration, same parser) both accept
 * `200ms`, `1.2s`, `30000000ns`, `0.0005m` (spec/sources-kuma-fsm.md §1.1, §1.2).
 */
import { parseGoDurationNanos } from '../../lib/duration';
import type { FieldPath } from '../document';
import type { FieldReader } from '../fields';

/** Milliseconds (fractional below a millisecond, so `30000000ns` keeps its precision). */
export function nanosToMs(nanos: bigint): number {
  return Number(nanos) / 1_000_000;
}

/** Reads a duration string; wrong types and non-durations are errors. */
export function readDuration(r: FieldReader, path: FieldPath): bigint | undefined {
  const text = r.string(path);
  if (text === undefined) return undefined;
  const nanos = parseGoDurationNanos(text);
  if (nanos === undefined) {
    r.error(path, `invalid duration ${JSON.stringify(text)}; write it like 200ms, 1.2s or 1m30s`);
    return undefined;
  }
  return nanos;
}

/** A duration already validated (e.g. inside a merged MeshRetry conf), in milliseconds. */
export function durationMs(text: unknown): number | undefined {
  if (typeof text !== 'string') return undefined;
  const nanos = parseGoDurationNanos(text);
  return nanos === undefined ? undefined : nanosToMs(nanos);
}
