/**
 * FSM gateway `RetryPolicy` (gateway.flomesh.io/v1alpha1, FSM v1.2–v1.3): the spec as written,
 * validated with the CRD's markers and FSM's admission webhook (pkg/webhook/retry), and the
 * effective config per port (ComputeRetryConfig). spec/sources-kuma-fsm.md §2.3.
 */
import { Codes } from '../../lib/errors';
import type { FieldPath } from '../document';
import type { FieldReader } from '../fields';

export const FSM_GATEWAY_GROUP = 'gateway.flomesh.io';
export const FLOMESH_GROUP = 'flomesh.io';

/** CRD defaults (§2.3). */
export const DEFAULT_NUM_RETRIES = 3;
export const DEFAULT_BACKOFF_BASE_INTERVAL_S = 1.0;

export interface RetryConfigSpec {
  retryOn: string[];
  numRetries?: number;
  /** Seconds, a float. */
  backoffBaseInterval?: number;
}

export interface PortSpec {
  index: number;
  port: number;
  config?: RetryConfigSpec;
}

export interface TargetRefSpec {
  group: string;
  kind: string;
  name: string;
  namespace?: string;
}

export interface GatewayRetryPolicySpec {
  targetRef?: TargetRefSpec;
  ports: PortSpec[];
  config?: RetryConfigSpec;
}

/** The effective config of one port: retryOn never inherited, the rest from port, config, defaults. */
export interface EffectiveRetryConfig {
  retryOn: string[];
  numRetries: number;
  backoffBaseInterval: number;
}

const RETRY_ON_PATTERN = /^[1-9]?[0-9][0-9]|[1-9][x][x]$/;
const RETRY_ON_MESSAGE = 'length of status code must be 3, with leading digit and last 2 digits being 0-9 or x, i.e. 5xx, 500, 502, 503, 504';

export function readGatewayRetryPolicy(r: FieldReader): GatewayRetryPolicySpec {
  const out: GatewayRetryPolicySpec = { ports: [] };
  if (r.mapping(['spec'], { required: true }) === undefined) return out;
  r.checkFields(['spec'], { supported: ['targetRef', 'ports', 'config'], misplaced: { targetRefs: 'targetRefs (a list) is gateway.flomesh.io/v1alpha2 (FSM v1.4); v1alpha1 takes one targetRef' } });
  out.targetRef = readTargetRef(r);
  out.ports = readPorts(r);
  if (r.has(['spec', 'config'])) out.config = readRetryConfig(r, ['spec', 'config']);
  if (out.config === undefined) {
    for (const p of out.ports) {
      if (p.config === undefined) r.error(['spec', 'ports', p.index, 'config'], `config must be set for port ${p.port}, as there's no default config`);
    }
  }
  return out;
}

function readTargetRef(r: FieldReader): TargetRefSpec | undefined {
  const at = ['spec', 'targetRef'];
  if (r.mapping(at, { required: true }) === undefined) return undefined;
  r.checkFields(at, { supported: ['group', 'kind', 'name', 'namespace'] });
  // FSM's own retry doc leaves `group` out; it means the core group, as the webhook compares it with "".
  const group = r.string([...at, 'group']) ?? '';
  const kind = r.string([...at, 'kind'], { required: true });
  const name = r.string([...at, 'name'], { required: true });
  const namespace = r.string([...at, 'namespace']);
  if (group !== '' && group !== FLOMESH_GROUP) r.error([...at, 'group'], 'group must be set to flomesh.io or core');
  if (kind !== undefined && !((group === '' && kind === 'Service') || (group === FLOMESH_GROUP && kind === 'ServiceImport'))) {
    r.error([...at, 'kind'], 'kind must be set to Service for group core or ServiceImport for group flomesh.io');
  }
  if (kind === undefined || name === undefined) return undefined;
  return namespace === undefined ? { group, kind, name } : { group, kind, name, namespace };
}

function readPorts(r: FieldReader): PortSpec[] {
  const at = ['spec', 'ports'];
  const items = r.list(at) ?? [];
  if (items.length === 0) r.error(at, 'cannot be empty');
  if (items.length > 16) r.error(at, 'max port items cannot be greater than 16');
  const out: PortSpec[] = [];
  items.slice(0, 16).forEach((_, i) => {
    r.checkFields([...at, i], { supported: ['port', 'config'] });
    const port = r.integer([...at, i, 'port'], { required: true, min: 1, max: 65535 });
    const config = r.has([...at, i, 'config']) ? readRetryConfig(r, [...at, i, 'config']) : undefined;
    if (port === undefined) return;
    // `ports` is a list-map keyed by port: the API server refuses a second entry for one port.
    if (out.some((p) => p.port === port)) {
      r.error([...at, i, 'port'], `Duplicate value: port ${port} (ports is a map keyed by port)`);
      return;
    }
    out.push(config === undefined ? { index: i, port } : { index: i, port, config });
  });
  return out;
}

function readRetryConfig(r: FieldReader, at: FieldPath): RetryConfigSpec | undefined {
  if (r.mapping(at) === undefined) return undefined;
  r.checkFields(at, { supported: ['retryOn', 'numRetries', 'backoffBaseInterval'] });
  const retryOn = readRetryOn(r, [...at, 'retryOn']);
  const out: RetryConfigSpec = { retryOn };
  const numRetries = r.integer([...at, 'numRetries'], { min: 1, max: 2_147_483_647 });
  if (numRetries !== undefined) out.numRetries = numRetries;
  const backoff = readSeconds(r, [...at, 'backoffBaseInterval']);
  if (backoff !== undefined) out.backoffBaseInterval = backoff;
  return out;
}

/** 1–16 distinct items (a set), each checked by the webhook's length and pattern rules. */
function readRetryOn(r: FieldReader, at: FieldPath): string[] {
  const out: string[] = [];
  const items = r.list(at) ?? [];
  if (!r.has(at) || items.length === 0) r.error(at, 'retryOn cannot be empty', Codes.MissingField);
  if (items.length > 16) r.error(at, `must have at most 16 items, got ${items.length}`);
  items.slice(0, 16).forEach((_, i) => {
    const code = r.string([...at, i], { required: true });
    if (code === undefined) return;
    if (code.length > 3) r.error([...at, i], `Too long: ${JSON.stringify(code)} may not be longer than 3`);
    if (!RETRY_ON_PATTERN.test(code)) r.error([...at, i], `${JSON.stringify(code)}: ${RETRY_ON_MESSAGE}`);
    if (out.includes(code)) r.error([...at, i], `Duplicate value: ${JSON.stringify(code)} (retryOn is a set)`);
    else out.push(code);
  });
  return out;
}

/** `backoffBaseInterval`: a number of seconds (float), at least 0.001. */
function readSeconds(r: FieldReader, at: FieldPath): number | undefined {
  const value = r.at(at);
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    const hint = typeof value === 'string' ? '; it is a number of seconds, e.g. 2 or 0.5, not a duration' : '';
    r.error(at, `must be a number of seconds, got ${JSON.stringify(value)}${hint}`);
    return undefined;
  }
  if (value < 0.001) {
    r.error(at, `should be greater than or equal to 0.001, got ${value}`);
    return undefined;
  }
  return value;
}

/** FSM's ComputeRetryConfig (§2.3): the port's config first, then `spec.config`, then the defaults; retryOn is never inherited. */
export function effectiveConfig(spec: GatewayRetryPolicySpec, port: PortSpec): EffectiveRetryConfig | undefined {
  const own = port.config;
  const shared = spec.config;
  if (!own && !shared) return undefined;
  return {
    retryOn: own ? own.retryOn : (shared as RetryConfigSpec).retryOn,
    numRetries: own?.numRetries ?? shared?.numRetries ?? DEFAULT_NUM_RETRIES,
    backoffBaseInterval: own?.backoffBaseInterval ?? shared?.backoffBaseInterval ?? DEFAULT_BACKOFF_BASE_INTERVAL_S,
  };
}

export function sameConfig(a: EffectiveRetryConfig, b: EffectiveRetryConfig): boolean {
  return a.numRetries === b.numRetries && a.backoffBaseInterval === b.backoffBaseInterval
    && a.retryOn.length === b.retryOn.length && [...a.retryOn].sort().every((v, i) => v === [...b.retryOn].sort()[i]);
}
