/**
 * Reading and validating an FSM / OSM mesh `Retry` (spec/sources-kuma-fsm.md §2.1, §2.2) with the
 * rules of the two CRDs: `spec.source`, `spec.destinations[]` (each `{kind, name, namespace}`, all
 * three required) and `spec.retryPolicy`. FSM's CRD requires only `retryPolicy.retryOn`; OSM's
 * requires all four policy fields. Neither project has a validating webhook, so everything else
 * (source and destination kinds) is checked where OSM checks it, at use: a wrong kind is a warning
 * and the entry is left out, as OSM logs and skips it.
 */
import { Codes } from '../../lib/errors';
import { parseGoDurationNanos } from '../../lib/duration';
import type { FieldPath } from '../document';
import type { FieldReader } from '../fields';

export const FSM_POLICY_GROUP = 'policy.flomesh.io';
export const OSM_POLICY_GROUP = 'policy.openservicemesh.io';
export const RETRY_VERSIONS = ['v1alpha1'] as const;

/** Which project's CRD the object follows: FSM (Pipy runtime) or OSM (Envoy). */
export type RetryDialect = 'fsm' | 'osm';

export function dialectOf(group: string): RetryDialect {
  return group === OSM_POLICY_GROUP ? 'osm' : 'fsm';
}

/** A `ServiceAccount` source or `Service` destination, as written. */
export interface RetryRef {
  name: string;
  namespace: string;
  /** The index in `spec.destinations` (destinations only). */
  index: number;
}

/** `spec.retryPolicy` as written, after validation. Durations in milliseconds. */
export interface RetryPolicySpec {
  retryOn: string;
  numRetries?: number;
  perTryTimeoutMs?: number;
  retryBackoffBaseIntervalMs?: number;
}

export interface RetrySpec {
  dialect: RetryDialect;
  /** Undefined when it is invalid or not a ServiceAccount: the Retry then applies to no proxy. */
  source?: RetryRef;
  /** Only the valid `kind: Service` entries, in written order. */
  destinations: RetryRef[];
  /** Undefined when `retryPolicy` is missing or not a mapping (an Error was reported). */
  retryPolicy?: RetryPolicySpec;
}

const SOURCE_KIND = 'ServiceAccount';
const DESTINATION_KIND = 'Service';
const REF_FIELDS = { supported: ['kind', 'name', 'namespace'] } as const;
const SPEC_FIELDS = {
  supported: ['source', 'destinations', 'retryPolicy'],
  misplaced: {
    destination: 'the field is destinations (a list); as written it is ignored',
    sources: 'a Retry has one source (spec.source, a ServiceAccount); as written it is ignored',
  },
} as const;
const POLICY_FIELDS = {
  supported: ['retryOn', 'perTryTimeout', 'numRetries', 'retryBackoffBaseInterval'],
  misplaced: {
    attempts: 'the field is numRetries; as written it is ignored',
    retryBackOff: 'the field is retryBackoffBaseInterval (a duration; the max is always 10 times it); as written it is ignored',
    retryBackoff: 'the field is retryBackoffBaseInterval (a duration; the max is always 10 times it); as written it is ignored',
  },
} as const;
const NANOS_PER_MS = 1_000_000n;

/** Reads and validates a Retry's spec; problems land in `r.diagnostics`. */
export function readRetry(r: FieldReader): RetrySpec {
  const dialect = dialectOf(r.object.group);
  const out: RetrySpec = { dialect, destinations: [] };
  if (r.mapping(['spec'], { required: true }) === undefined) return out;
  r.checkFields(['spec'], SPEC_FIELDS);
  out.source = readSource(r);
  out.destinations = readDestinations(r);
  out.retryPolicy = readPolicy(r, dialect);
  return out;
}

/** `{kind, name, namespace}` with the CRD's required fields; undefined if any is missing. */
function readRef(r: FieldReader, path: FieldPath): { kind: string; name: string; namespace: string } | undefined {
  if (r.mapping(path, { required: true }) === undefined) return undefined;
  r.checkFields(path, REF_FIELDS);
  const kind = r.string([...path, 'kind'], { required: true });
  const name = r.string([...path, 'name'], { required: true });
  const namespace = r.string([...path, 'namespace'], { required: true });
  if (kind === undefined || name === undefined || namespace === undefined) return undefined;
  return { kind, name, namespace };
}

function readSource(r: FieldReader): RetryRef | undefined {
  const path = ['spec', 'source'];
  const ref = readRef(r, path);
  if (!ref) return undefined;
  if (ref.kind !== SOURCE_KIND) {
    r.warn([...path, 'kind'], `source kind ${JSON.stringify(ref.kind)} is not supported: OSM and FSM only match a ${SOURCE_KIND} source${caseHint(ref.kind, SOURCE_KIND)}; this Retry applies to no proxy`);
    return undefined;
  }
  return { name: ref.name, namespace: ref.namespace, index: 0 };
}

function readDestinations(r: FieldReader): RetryRef[] {
  const path = ['spec', 'destinations'];
  const items = r.list(path, { required: true });
  if (items === undefined) return [];
  if (items.length === 0) r.warn(path, 'no destinations: this Retry applies to no traffic', Codes.SchemaValidation);
  const out: RetryRef[] = [];
  items.forEach((_, i) => {
    const ref = readRef(r, [...path, i]);
    if (!ref) return;
    if (ref.kind !== DESTINATION_KIND) {
      r.warn([...path, i, 'kind'], `destination kind ${JSON.stringify(ref.kind)} is not supported: OSM and FSM skip destinations that are not a ${DESTINATION_KIND}${caseHint(ref.kind, DESTINATION_KIND)}; this entry is left out`);
      return;
    }
    out.push({ name: ref.name, namespace: ref.namespace, index: i });
  });
  return out;
}

function caseHint(written: string, expected: string): string {
  return written.toLowerCase() === expected.toLowerCase() ? ` (the kind is case-sensitive: write ${expected})` : '';
}

/** OSM's CRD requires all four fields; FSM's only `retryOn` (§2.1, §2.2). */
function readPolicy(r: FieldReader, dialect: RetryDialect): RetryPolicySpec | undefined {
  const path = ['spec', 'retryPolicy'];
  if (r.mapping(path, { required: true }) === undefined) return undefined;
  r.checkFields(path, POLICY_FIELDS);
  const required = dialect === 'osm';
  const retryOn = r.string([...path, 'retryOn'], { required: true });
  const perTryTimeoutMs = readDuration(r, [...path, 'perTryTimeout'], required, 'zeroAllowed');
  const numRetries = r.integer([...path, 'numRetries'], { required, min: 0, max: 4_294_967_295 });
  const retryBackoffBaseIntervalMs = readDuration(r, [...path, 'retryBackoffBaseInterval'], required, 'positive');
  if (retryOn === undefined) return undefined;
  const out: RetryPolicySpec = { retryOn };
  if (numRetries !== undefined) out.numRetries = numRetries;
  if (perTryTimeoutMs !== undefined) out.perTryTimeoutMs = perTryTimeoutMs;
  if (retryBackoffBaseIntervalMs !== undefined) out.retryBackoffBaseIntervalMs = retryBackoffBaseIntervalMs;
  return out;
}

/**
 * A Kubernetes metav1.Duration (Go's time.ParseDuration) in whole milliseconds. Go accepts
 * negative and zero values; Envoy rejects a negative duration and a zero backoff base interval
 * (the whole route configuration would be NACKed), so those are errors here.
 */
function readDuration(r: FieldReader, path: FieldPath, required: boolean, zero: 'zeroAllowed' | 'positive'): number | undefined {
  const text = r.string(path, { required });
  if (text === undefined) return undefined;
  const nanos = parseGoDurationNanos(text);
  if (nanos === undefined) {
    r.error(path, `${JSON.stringify(text)} is not a duration; write it like 1s, 250ms or 1m30s (Go duration syntax)`);
    return undefined;
  }
  if (nanos < 0n || (zero === 'positive' && nanos === 0n)) {
    r.error(path, `${JSON.stringify(text)} must be ${zero === 'positive' ? 'greater than 0' : '0 or more'}: Envoy rejects it`);
    return undefined;
  }
  const ms = Number((nanos + NANOS_PER_MS / 2n) / NANOS_PER_MS);
  if (nanos % NANOS_PER_MS !== 0n) {
    const rounded = zero === 'positive' && ms === 0 ? 1 : ms;
    r.warn(path, `${JSON.stringify(text)} has sub-millisecond precision, which Ricochet does not keep; ${rounded}ms is used`, Codes.SchemaValidation);
    return rounded;
  }
  return ms;
}
