/**
 * Kuma's legacy `Retry` (kuma.io/v1alpha1): reading and validation with Kuma's own rules and
 * messages (kumahq/kuma v2.14.3 pkg/core/resources/apis/mesh/retry_validator.go; spec
 * sources-kuma-fsm.md §1.1.1). Fields live under `spec` on Kubernetes and at the top in universal.
 */
import type { Diagnostic } from '../../lib/errors';
import type { FieldPath } from '../document';
import { FieldReader, type FieldPolicy } from '../fields';
import type { SourceObject } from '../object';
import { isUniversal, legacyRoot } from './dialect';
import { nanosToMs, readDuration } from './durations';
import { readSelectors, type Selector } from './selectors';

const UINT32_MAX = 4_294_967_295;

export const HTTP_RETRY_ON = [
  'all_5xx', 'gateway_error', 'reset', 'connect_failure', 'envoy_ratelimited', 'retriable_4xx', 'refused_stream',
  'retriable_status_codes', 'retriable_headers', 'http3_post_connect_failure',
] as const;
export const GRPC_RETRY_ON = ['cancelled', 'deadline_exceeded', 'internal', 'resource_exhausted', 'unavailable'] as const;
/** HttpMethod enum; `NONE` (0) is accepted by the decoder and rejected by the validator. */
const METHODS = ['NONE', 'CONNECT', 'DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT', 'TRACE'] as const;

export interface BackOff {
  baseMs: number;
  maxMs?: number;
}

/** Fields the http and grpc sections share. */
export interface CommonConf {
  numRetries?: number;
  perTryTimeoutMs?: number;
  backOff?: BackOff;
}

export interface LegacyHttpConf extends CommonConf {
  retriableStatusCodes: number[];
  retriableMethods: string[];
  retryOn: string[];
}

export interface LegacyGrpcConf extends CommonConf {
  retryOn: string[];
}

export interface LegacyRetrySpec {
  /** Where `sources`, `destinations` and `conf` live (`spec` or the document root). */
  root: FieldPath;
  sources: Selector[];
  destinations: Selector[];
  http?: LegacyHttpConf;
  grpc?: LegacyGrpcConf;
  tcp?: { maxConnectAttempts: number };
}

const UNIVERSAL_TOP: FieldPolicy = {
  supported: ['type', 'name', 'mesh', 'labels', 'creationTime', 'modificationTime', 'sources', 'destinations', 'conf'],
  misplaced: { spec: 'the universal (kumactl) form has no spec: sources, destinations and conf go at the top; as written they are ignored' },
};
const SPEC_FIELDS: FieldPolicy = {
  supported: ['sources', 'destinations', 'conf'],
  misplaced: { mesh: 'mesh belongs at the top of a Kubernetes Retry, next to kind; as written it is ignored' },
};
const CONF_FIELDS: FieldPolicy = { supported: ['http', 'grpc', 'tcp'] };
const HTTP_FIELDS: FieldPolicy = { supported: ['numRetries', 'perTryTimeout', 'backOff', 'retriableStatusCodes', 'retriableMethods', 'retryOn'] };
const GRPC_FIELDS: FieldPolicy = {
  supported: ['numRetries', 'perTryTimeout', 'backOff', 'retryOn'],
  misplaced: { retriableStatusCodes: 'the grpc section has no retriableStatusCodes (only http has); as written it is ignored' },
};
const TCP_FIELDS: FieldPolicy = {
  supported: ['maxConnectAttempts'],
  misplaced: { maxConnectAmount: 'the field is maxConnectAttempts (the Retry docs page calls it maxConnectAmount, which Kuma does not read); as written it is ignored' },
};

export function validateLegacyRetry(object: SourceObject): Diagnostic[] {
  const r = new FieldReader(object);
  readLegacyRetry(r);
  return r.diagnostics;
}

/** Reads and validates a legacy Retry; problems land in `r.diagnostics`. */
export function readLegacyRetry(r: FieldReader): LegacyRetrySpec {
  const root = legacyRoot(r.object);
  const spec: LegacyRetrySpec = { root, sources: [], destinations: [] };
  if (isUniversal(r.object)) r.checkFields([], UNIVERSAL_TOP);
  else if (r.mapping(['spec'], { required: true }) === undefined) return spec;
  else r.checkFields(['spec'], SPEC_FIELDS);
  spec.sources = readSelectors(r, [...root, 'sources'], { onlyServiceTag: false });
  spec.destinations = readSelectors(r, [...root, 'destinations'], { onlyServiceTag: true });
  readConf(r, [...root, 'conf'], spec);
  return spec;
}

function readConf(r: FieldReader, path: FieldPath, spec: LegacyRetrySpec): void {
  if (!r.has(path)) {
    r.error(path, 'has to be defined');
    return;
  }
  if (r.mapping(path) === undefined) return;
  r.checkFields(path, CONF_FIELDS);
  if (!['http', 'grpc', 'tcp'].some((p) => r.has([...path, p]))) r.error(path, 'missing protocol [grpc|http|tcp] configuration');
  const http = readHttp(r, [...path, 'http']);
  if (http) spec.http = http;
  const grpc = readGrpc(r, [...path, 'grpc']);
  if (grpc) spec.grpc = grpc;
  const tcp = readTcp(r, [...path, 'tcp']);
  if (tcp) spec.tcp = tcp;
}

/** A present section that is `{}` is rejected (`field cannot be empty`). */
function section(r: FieldReader, path: FieldPath, fields: FieldPolicy): boolean {
  const m = r.mapping(path);
  if (m === undefined) return false;
  if (Object.keys(m).length === 0) {
    r.error(path, 'field cannot be empty');
    return false;
  }
  r.checkFields(path, fields);
  return true;
}

function readHttp(r: FieldReader, path: FieldPath): LegacyHttpConf | undefined {
  if (!section(r, path, HTTP_FIELDS)) return undefined;
  const codes = (r.list([...path, 'retriableStatusCodes']) ?? [])
    .map((_, i) => r.integer([...path, 'retriableStatusCodes', i], { required: true, min: 0, max: UINT32_MAX }))
    .filter((c): c is number => c !== undefined);
  const methods = readEnumList(r, [...path, 'retriableMethods'], METHODS);
  for (const m of methods) if (m.value === 'NONE') r.error([...path, 'retriableMethods', m.index], 'field cannot be empty');
  const retryOn = readEnumList(r, [...path, 'retryOn'], HTTP_RETRY_ON);
  for (const item of retryOn) {
    // An empty retriableStatusCodes list decodes to nil, so `[]` fails the same way (§1.1.1).
    if (item.value === 'retriable_status_codes' && codes.length === 0) {
      r.error([...path, 'retryOn', item.index], 'retriableStatusCodes cannot be empty when this option is specified');
    }
  }
  return {
    ...readCommon(r, path),
    retriableStatusCodes: codes,
    retriableMethods: methods.map((m) => m.value).filter((m) => m !== 'NONE'),
    retryOn: retryOn.map((i) => i.value),
  };
}

function readGrpc(r: FieldReader, path: FieldPath): LegacyGrpcConf | undefined {
  if (!section(r, path, GRPC_FIELDS)) return undefined;
  const retryOn = readEnumList(r, [...path, 'retryOn'], GRPC_RETRY_ON);
  checkRepeated(r, [...path, 'retryOn'], retryOn);
  return { ...readCommon(r, path), retryOn: retryOn.map((i) => i.value) };
}

/** One violation per repeated value, sorted by value: `repeated value "cancelled" at indexes [0, 2, 3]`. */
function checkRepeated(r: FieldReader, path: FieldPath, items: Array<{ value: string; index: number }>): void {
  const at = new Map<string, number[]>();
  for (const i of items) at.set(i.value, [...(at.get(i.value) ?? []), i.index]);
  for (const value of [...at.keys()].sort()) {
    const indexes = at.get(value) ?? [];
    if (indexes.length > 1) r.error(path, `repeated value ${JSON.stringify(value)} at indexes [${indexes.join(', ')}]`);
  }
}

function readTcp(r: FieldReader, path: FieldPath): { maxConnectAttempts: number } | undefined {
  if (r.mapping(path) === undefined) return undefined;
  r.checkFields(path, TCP_FIELDS);
  const attempts = r.integer([...path, 'maxConnectAttempts'], { min: 0, max: UINT32_MAX });
  if (attempts === undefined && r.has([...path, 'maxConnectAttempts'])) return undefined;
  if (!attempts) {
    r.error([...path, 'maxConnectAttempts'], 'has to be greater than 0');
    return undefined;
  }
  return { maxConnectAttempts: attempts };
}

function readCommon(r: FieldReader, path: FieldPath): CommonConf {
  const out: CommonConf = {};
  const numRetries = r.integer([...path, 'numRetries'], { min: 0, max: UINT32_MAX });
  if (numRetries === 0) r.error([...path, 'numRetries'], 'has to be greater than 0 when defined');
  else if (numRetries !== undefined) out.numRetries = numRetries;
  const perTry = readDuration(r, [...path, 'perTryTimeout']);
  if (perTry !== undefined && perTry <= 0n) r.error([...path, 'perTryTimeout'], 'has to be greater than 0 when defined');
  else if (perTry !== undefined) out.perTryTimeoutMs = nanosToMs(perTry);
  const backOff = readBackOff(r, [...path, 'backOff']);
  if (backOff) out.backOff = backOff;
  return out;
}

function readBackOff(r: FieldReader, path: FieldPath): BackOff | undefined {
  if (r.mapping(path) === undefined) return undefined;
  r.checkFields(path, { supported: ['baseInterval', 'maxInterval'] });
  const basePath = [...path, 'baseInterval'];
  const maxPath = [...path, 'maxInterval'];
  const base = readDuration(r, basePath);
  const max = readDuration(r, maxPath);
  if (base === undefined) {
    if (!r.has(basePath)) r.error(basePath, 'has to be defined');
    return undefined;
  }
  if (base <= 0n) {
    r.error(basePath, 'has to be greater than 0');
    return undefined;
  }
  if (max === undefined) return { baseMs: nanosToMs(base) };
  if (max <= 0n) {
    r.error(maxPath, 'has to be greater than 0');
    return undefined;
  }
  // Kuma never compares the two; Envoy NACKs the whole route configuration when max < base
  // (spec/sources-kuma-fsm.md §5 item 11), so this is an error here (docs/sources/kuma.md).
  if (max < base) {
    r.error(maxPath, 'has to be greater than or equal to baseInterval: Envoy rejects a retry back-off whose max_interval is below base_interval');
    return undefined;
  }
  return { baseMs: nanosToMs(base), maxMs: nanosToMs(max) };
}

/** An enum list; unknown values are errors and left out. Indexes are kept for later messages. */
function readEnumList(r: FieldReader, path: FieldPath, allowed: readonly string[]): Array<{ value: string; index: number }> {
  const out: Array<{ value: string; index: number }> = [];
  (r.list(path) ?? []).forEach((_, i) => {
    const value = r.string([...path, i], { required: true });
    if (value === undefined) return;
    if (!allowed.includes(value)) {
      r.error([...path, i], `unknown value ${JSON.stringify(value)}; accepted: ${allowed.join(', ')}`);
      return;
    }
    out.push({ value, index: i });
  });
  return out;
}
