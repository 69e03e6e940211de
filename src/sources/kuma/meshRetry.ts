/**
 * `MeshRetry` (kuma.io/v1alpha1): reading and validation with Kuma's rules and messages
 * (kumahq/kuma v2.14.3 pkg/plugins/policies/meshretry/api/v1alpha1/validator.go; spec
 * sources-kuma-fsm.md §1.2.1, §1.2.2). Both dialects keep the policy under `spec`. Field paths in
 * messages are document paths (Kuma's own insert a `conf` segment under `default`).
 *
 * Beyond Kuma's checks, values Envoy would reject (and so NACK the whole route configuration of
 * every proxy using them) are errors here: back-off max below base, a zero base, an empty
 * `resetHeaders` list, a header matcher without a name (docs/sources/kuma.md).
 */
import { Codes, type Diagnostic } from '../../lib/errors';
import { goStatusOf } from '../istio/retryPolicy';
import type { FieldPath } from '../document';
import { FieldReader, type FieldPolicy, type YamlMap } from '../fields';
import type { SourceObject } from '../object';
import { hasTopLevelMesh, isUniversal, labelsOf, meshOf } from './dialect';
import { readDuration } from './durations';
import { MESH_LABEL, POLICY_ROLE_LABEL } from './kinds';
import { readTargetRef, type TargetRef } from './targetRef';

const UINT32_MAX = 4_294_967_295;

export const HTTP_RETRY_ON_TOKENS: Readonly<Record<string, string>> = {
  '5xx': '5xx', GatewayError: 'gateway-error', Reset: 'reset', Retriable4xx: 'retriable-4xx', ConnectFailure: 'connect-failure',
  EnvoyRatelimited: 'envoy-ratelimited', RefusedStream: 'refused-stream', Http3PostConnectFailure: 'http3-post-connect-failure',
};
export const HTTP_METHOD_ITEMS = ['HttpMethodConnect', 'HttpMethodDelete', 'HttpMethodGet', 'HttpMethodHead', 'HttpMethodOptions', 'HttpMethodPatch', 'HttpMethodPost', 'HttpMethodPut', 'HttpMethodTrace'] as const;
export const GRPC_RETRY_ON_ITEMS = ['Canceled', 'DeadlineExceeded', 'Internal', 'ResourceExhausted', 'Unavailable'] as const;
export const HEADER_MATCH_TYPES = ['Exact', 'Present', 'RegularExpression', 'Absent', 'Prefix'] as const;
const PREDICATES = ['OmitPreviousHosts', 'OmitHostsWithTags', 'OmitPreviousPriorities'] as const;
/** Kubernetes CRD default of `hostSelection[].updateFrequency` (kubebuilder:default=2). */
export const DEFAULT_UPDATE_FREQUENCY = 2;

/** Top-level kinds: policies in the system namespace or without a role label, and role-labelled ones (§1.2.2). */
const TOP_KINDS = ['Mesh', 'MeshSubset', 'MeshGateway', 'MeshService', 'MeshServiceSubset', 'MeshHTTPRoute', 'Dataplane'] as const;
const TOP_KINDS_WITH_ROLE = ['Mesh', 'MeshSubset', 'MeshService', 'MeshServiceSubset', 'Dataplane'] as const;
const TO_KINDS = ['Mesh', 'MeshService', 'MeshExternalService', 'MeshMultiZoneService', 'MeshHTTPRoute'] as const;
const TO_KINDS_UNDER_GATEWAY = ['Mesh', 'MeshExternalService'] as const;

export interface MeshRetryTo {
  index: number;
  targetRef: TargetRef;
  /** `default` as written (validated): merged with RFC 7396 before it is converted (§1.2.4). */
  conf: YamlMap;
}

export interface MeshRetrySpec {
  targetRef: TargetRef;
  to: MeshRetryTo[];
}

const SPEC_FIELDS: FieldPolicy = { supported: ['targetRef', 'to'], notYet: { from: 'MeshRetry has no from section; it is ignored', rules: 'rules are ignored' } };
const UNIVERSAL_TOP: FieldPolicy = { supported: ['type', 'name', 'mesh', 'labels', 'creationTime', 'modificationTime', 'spec'] };
const DEFAULT_FIELDS: FieldPolicy = { supported: ['tcp', 'http', 'grpc'] };
const TCP_FIELDS: FieldPolicy = {
  supported: ['maxConnectAttempt'],
  misplaced: { maxConnectAttempts: 'MeshRetry spells it maxConnectAttempt (singular; the legacy Retry has maxConnectAttempts); as written it is ignored' },
};
const COMMON = ['numRetries', 'perTryTimeout', 'backOff', 'rateLimitedBackOff', 'retryOn'];
const HTTP_FIELDS: FieldPolicy = { supported: [...COMMON, 'retriableResponseHeaders', 'retriableRequestHeaders', 'hostSelection', 'hostSelectionMaxAttempts'] };
const GRPC_FIELDS: FieldPolicy = { supported: COMMON };

export function validateMeshRetry(object: SourceObject): Diagnostic[] {
  const r = new FieldReader(object);
  readMeshRetry(r);
  return r.diagnostics;
}

export function readMeshRetry(r: FieldReader): MeshRetrySpec {
  const spec: MeshRetrySpec = { targetRef: { kind: 'Mesh' }, to: [] };
  if (isUniversal(r.object)) r.checkFields([], UNIVERSAL_TOP);
  // Kuma's MeshRetry CRD has no top-level mesh (§1.2): on Kubernetes the mesh is the label only.
  if (!hasTopLevelMesh(r.object) && r.has(['mesh'])) {
    r.warn(['mesh'], `unknown field "mesh" is ignored: Kuma's MeshRetry CRD has no top-level mesh; a MeshRetry's mesh is its ${MESH_LABEL} label, which puts this one in mesh ${JSON.stringify(meshOf(r.object))}`);
  }
  if (r.mapping(['spec'], { required: true }) === undefined) return spec;
  r.checkFields(['spec'], SPEC_FIELDS);
  const role = labelsOf(r.object)[POLICY_ROLE_LABEL];
  const topKinds = role === 'producer' || role === 'consumer' || role === 'workload-owner' ? TOP_KINDS_WITH_ROLE : TOP_KINDS;
  const top = r.has(['spec', 'targetRef']) ? readTargetRef(r, ['spec', 'targetRef'], topKinds, 'top') : { kind: 'Mesh' };
  if (top) spec.targetRef = top;
  const toKinds = top?.kind === 'MeshGateway' || top?.kind === 'MeshHTTPRoute' ? TO_KINDS_UNDER_GATEWAY : TO_KINDS;
  const to = r.list(['spec', 'to']);
  // Kuma's validation accepts an empty or absent `to` (§1.2.2; it refused it with "needs at least
  // one item" before kumahq/kuma#16212): valid, so not an Error, but a policy that sets nothing.
  if (to === undefined || to.length === 0) {
    r.warn(['spec', 'to'], 'has no entries: this MeshRetry configures no destination (Kuma accepts an empty to; with no entries it sets nothing for any destination)', Codes.SchemaValidation);
  }
  (to ?? []).forEach((_, index) => {
    const path = ['spec', 'to', index];
    r.checkFields(path, { supported: ['targetRef', 'default'] });
    const targetRef = r.has([...path, 'targetRef']) ? readTargetRef(r, [...path, 'targetRef'], toKinds, 'to') : undefined;
    if (!r.has([...path, 'targetRef'])) r.error([...path, 'targetRef', 'kind'], 'must be set');
    const conf = readConf(r, [...path, 'default']);
    if (targetRef && conf) spec.to.push({ index, targetRef, conf });
  });
  return spec;
}

function readConf(r: FieldReader, path: FieldPath): YamlMap | undefined {
  const raw = r.at(path);
  if (raw !== undefined && r.mapping(path) === undefined) return undefined;
  const before = r.diagnostics.length;
  r.checkFields(path, DEFAULT_FIELDS);
  const present = ['tcp', 'http', 'grpc'].filter((s) => r.has([...path, s]));
  if (present.length === 0) r.error([...path, 'conf'], "at least one of the 'tcp', 'http', 'grpc' must be specified");
  if (present.includes('tcp')) readTcp(r, [...path, 'tcp']);
  if (present.includes('http')) readHttp(r, [...path, 'http']);
  if (present.includes('grpc')) readGrpc(r, [...path, 'grpc']);
  const failed = r.diagnostics.slice(before).some((d) => d.severity === 'Error');
  return failed ? undefined : (raw as YamlMap);
}

/** A section with none of the fields Kuma reads is `must not be empty`. */
function sectionPresent(r: FieldReader, path: FieldPath, fields: FieldPolicy): boolean {
  const m = r.mapping(path);
  if (m === undefined) return false;
  r.checkFields(path, fields);
  if (!fields.supported.some((f) => r.has([...path, f]))) {
    r.error(path, 'must not be empty');
    return false;
  }
  return true;
}

function readTcp(r: FieldReader, path: FieldPath): void {
  if (!sectionPresent(r, path, TCP_FIELDS)) return;
  const n = r.integer([...path, 'maxConnectAttempt'], { min: 0, max: UINT32_MAX });
  // Envoy needs at least one attempt; Kuma rejects 0 since PR #10250 (§4 item 3).
  if (n === 0) r.error([...path, 'maxConnectAttempt'], 'must be greater than 0');
}

function readCommon(r: FieldReader, path: FieldPath): void {
  r.integer([...path, 'numRetries'], { min: 0, max: UINT32_MAX });
  readDuration(r, [...path, 'perTryTimeout']);
  readBackOff(r, [...path, 'backOff']);
  readRateLimitedBackOff(r, [...path, 'rateLimitedBackOff']);
}

function readHttp(r: FieldReader, path: FieldPath): void {
  if (!sectionPresent(r, path, HTTP_FIELDS)) return;
  readCommon(r, path);
  r.stringList([...path, 'retryOn']).forEach((item, i) => {
    if (item in HTTP_RETRY_ON_TOKENS || (HTTP_METHOD_ITEMS as readonly string[]).includes(item) || goStatusOf(item) !== undefined) return;
    const hint = item.toLowerCase() === '5xx' ? ' (items are case-sensitive: write 5xx)' : '';
    r.error([...path, 'retryOn', i], `unknown item '${item}'${hint}`);
  });
  readHeaderMatches(r, [...path, 'retriableResponseHeaders']);
  if (r.has([...path, 'retriableResponseHeaders'])) {
    // Faithful to Kuma (spec §1.2.3 step 8, §5 item 10): emitted, but inert.
    r.warn([...path, 'retriableResponseHeaders'], 'has no effect in Envoy: Envoy reads retriable_headers only when retry_on contains retriable-headers, which MeshRetry neither adds nor accepts in retryOn (Kuma behaves the same)');
  }
  readHeaderMatches(r, [...path, 'retriableRequestHeaders']);
  readHostSelection(r, [...path, 'hostSelection']);
  r.integer([...path, 'hostSelectionMaxAttempts'], { min: -Number.MAX_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER });
}

function readGrpc(r: FieldReader, path: FieldPath): void {
  if (!sectionPresent(r, path, GRPC_FIELDS)) return;
  readCommon(r, path);
  r.stringList([...path, 'retryOn']).forEach((item, i) => {
    if (!(GRPC_RETRY_ON_ITEMS as readonly string[]).includes(item)) r.error([...path, 'retryOn', i], `unknown item '${item}'`);
  });
}

const ENVOY_REJECTS = 'Envoy rejects';

function readBackOff(r: FieldReader, path: FieldPath): void {
  if (r.mapping(path) === undefined) return;
  r.checkFields(path, { supported: ['baseInterval', 'maxInterval'] });
  const base = readDuration(r, [...path, 'baseInterval']);
  const max = readDuration(r, [...path, 'maxInterval']);
  if (!r.has([...path, 'baseInterval']) && !r.has([...path, 'maxInterval'])) {
    r.error(path, 'must not be empty');
    return;
  }
  if (base !== undefined && base <= 0n) r.error([...path, 'baseInterval'], `must be greater than 0: ${ENVOY_REJECTS} a retry back-off base_interval of 0 or less`);
  if (max !== undefined && max <= 0n) r.error([...path, 'maxInterval'], `must be greater than 0: ${ENVOY_REJECTS} a retry back-off max_interval of 0 or less`);
  // Without a base, the base is 25ms (§1.2.1; docs/sources/kuma.md), so max is checked against that.
  const effectiveBase = base ?? 25_000_000n;
  if (max !== undefined && max > 0n && effectiveBase > 0n && max < effectiveBase) {
    const which = base === undefined ? 'the default baseInterval of 25ms' : 'baseInterval';
    r.error([...path, 'maxInterval'], `must be greater than or equal to ${which}: ${ENVOY_REJECTS} a retry back-off whose max_interval is below base_interval`);
  }
}

function readRateLimitedBackOff(r: FieldReader, path: FieldPath): void {
  if (r.mapping(path) === undefined) return;
  r.checkFields(path, { supported: ['resetHeaders', 'maxInterval'] });
  const max = readDuration(r, [...path, 'maxInterval']);
  if (max !== undefined && max <= 0n) r.error([...path, 'maxInterval'], 'must be greater than 0');
  const headers = r.list([...path, 'resetHeaders']);
  if (!r.has([...path, 'resetHeaders'])) {
    r.error([...path, 'resetHeaders'], 'must be defined');
    return;
  }
  if (headers !== undefined && headers.length === 0) {
    r.error([...path, 'resetHeaders'], `must have at least one entry: ${ENVOY_REJECTS} a rate-limited retry back-off without reset headers`);
  }
  (headers ?? []).forEach((_, i) => {
    const item = [...path, 'resetHeaders', i];
    r.checkFields(item, { supported: ['name', 'format'] });
    if (!r.string([...item, 'name'])) r.error([...item, 'name'], 'must be defined');
    const format = r.string([...item, 'format']);
    if (format !== undefined && format !== 'Seconds' && format !== 'UnixTimestamp') {
      r.error([...item, 'format'], `Unsupported value: ${JSON.stringify(format)}: supported values: "Seconds", "UnixTimestamp"`);
    }
  });
}

/**
 * HeaderMatch list. Kuma's validator checks neither `type` nor `name`; on Kubernetes the CRD
 * rejects an unknown type, in universal such a matcher matches on presence only (a warning here).
 */
function readHeaderMatches(r: FieldReader, path: FieldPath): void {
  (r.list(path) ?? []).forEach((_, i) => {
    const item = [...path, i];
    if (r.mapping(item, { required: true }) === undefined) return;
    r.checkFields(item, { supported: ['type', 'name', 'value'] });
    if (!r.string([...item, 'name'])) r.error([...item, 'name'], `must be defined: ${ENVOY_REJECTS} a header matcher without a name`);
    r.string([...item, 'value']);
    const type = r.string([...item, 'type']);
    if (type === undefined || (HEADER_MATCH_TYPES as readonly string[]).includes(type)) return;
    const message = `Unsupported value: ${JSON.stringify(type)}: supported values: ${HEADER_MATCH_TYPES.map((t) => JSON.stringify(t)).join(', ')}`;
    if (isUniversal(r.object)) r.warn([...item, 'type'], `${message}; Kuma accepts it in universal and the matcher then only checks that the header is present`);
    else r.error([...item, 'type'], message);
  });
}

function readHostSelection(r: FieldReader, path: FieldPath): void {
  let prioritySet = false;
  let omitSeen = false;
  (r.list(path) ?? []).forEach((_, i) => {
    const item = [...path, i];
    if (r.mapping(item, { required: true }) === undefined) return;
    r.checkFields(item, { supported: ['predicate', 'tags', 'updateFrequency'] });
    const predicate = r.string([...item, 'predicate']) ?? '';
    if (!(PREDICATES as readonly string[]).includes(predicate)) {
      r.error([...item, 'predicate'], `unknown predicate type '${predicate}'`);
      return;
    }
    if (predicate === 'OmitHostsWithTags' && !r.has([...item, 'tags'])) r.error([...item, 'tags'], 'must be defined');
    if (predicate === 'OmitHostsWithTags' && omitSeen) r.warn([...item, 'predicate'], 'only the first OmitHostsWithTags is used by Ricochet (Kuma writes one omit_host_metadata predicate per entry); merge the tags into one entry');
    if (predicate === 'OmitHostsWithTags') omitSeen = true;
    if (r.has([...item, 'tags'])) r.stringMap([...item, 'tags']);
    if (predicate !== 'OmitPreviousPriorities') return;
    if (prioritySet) r.error([...item, 'predicate'], 'OmitPreviousPriorities must only be specified once');
    prioritySet = true;
    const frequency = r.integer([...item, 'updateFrequency']) ?? (isUniversal(r.object) ? 0 : DEFAULT_UPDATE_FREQUENCY);
    if (frequency <= 0) r.error([...item, 'updateFrequency'], 'must be defined and greater than zero');
  });
}
