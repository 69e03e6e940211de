/**
 * A DestinationRule `trafficPolicy` (top level or a subset's): validation (validateTrafficPolicy,
 * validatePortTrafficPolicies) and Istio's rules for which settings a cluster gets
 * (util.GetPortLevelTrafficPolicy, MergeSubsetTrafficPolicy; spec/sources-istio.md §5).
 */
import { Codes } from '../../lib/errors';
import type { ConnectionPool, OutlierDetection, RetryBudget, TrafficPolicy } from '../../ir/model';
import type { FieldPath } from '../document';
import type { FieldReader } from '../fields';
import { readConnectionPool, readLoadBalancer, readOutlierDetection, readRetryBudget, type LoadBalancer } from './policyGroups';
import { readPort } from './validation';

/** The groups Istio merges one by one; `undefined` = not written. */
export interface PolicyGroups {
  connectionPool?: ConnectionPool;
  outlierDetection?: OutlierDetection;
  loadBalancer?: LoadBalancer;
  retryBudget?: RetryBudget;
}

export interface PortPolicy extends PolicyGroups {
  port: number;
  path: FieldPath;
}

export interface TrafficPolicySpec extends PolicyGroups {
  path: FieldPath;
  /** First entry per port, as GetPortLevelTrafficPolicy picks it. */
  portLevel: PortPolicy[];
}

const POLICY_FIELDS = {
  supported: ['connectionPool', 'outlierDetection', 'loadBalancer', 'retryBudget', 'portLevelSettings'],
  notYet: {
    tls: 'Ricochet does not originate TLS, so traffic stays plaintext; ignored',
    tunnel: 'ignored',
    proxyProtocol: 'ignored',
  },
} as const;
const PORT_FIELDS = {
  supported: ['port', 'connectionPool', 'outlierDetection', 'loadBalancer'],
  notYet: { tls: POLICY_FIELDS.notYet.tls },
} as const;
/** Fields that count for "traffic policy must have at least one field" (istio#57322 added retryBudget). */
const ANY_POLICY_FIELD = ['outlierDetection', 'connectionPool', 'loadBalancer', 'tls', 'portLevelSettings', 'tunnel', 'proxyProtocol', 'retryBudget'];

/** Reads and validates a traffic policy at `path`; undefined when absent. */
export function readTrafficPolicy(r: FieldReader, path: FieldPath): TrafficPolicySpec | undefined {
  if (r.mapping(path) === undefined) return undefined;
  r.checkFields(path, POLICY_FIELDS);
  if (!ANY_POLICY_FIELD.some((f) => r.has([...path, f]))) {
    r.error(path, `traffic policy must have at least one field; accepted: ${POLICY_FIELDS.supported.join(', ')}`);
  }
  if (r.has([...path, 'tunnel']) && r.has([...path, 'proxyProtocol'])) r.error(path, 'tunnel and proxyProtocol must not be set together');
  const out: TrafficPolicySpec = { ...readGroups(r, path), path, portLevel: readPortLevel(r, [...path, 'portLevelSettings']) };
  const budget = readRetryBudget(r, [...path, 'retryBudget']);
  if (budget) out.retryBudget = budget;
  return out;
}

function readGroups(r: FieldReader, path: FieldPath): PolicyGroups {
  const out: PolicyGroups = {};
  const pool = readConnectionPool(r, [...path, 'connectionPool']);
  if (pool) out.connectionPool = pool;
  const outlier = readOutlierDetection(r, [...path, 'outlierDetection']);
  if (outlier) out.outlierDetection = outlier;
  const lb = readLoadBalancer(r, [...path, 'loadBalancer']);
  if (lb) out.loadBalancer = lb;
  return out;
}

function readPortLevel(r: FieldReader, path: FieldPath): PortPolicy[] {
  const out: PortPolicy[] = [];
  (r.list(path) ?? []).forEach((_, i) => {
    const at = [...path, i];
    if (r.mapping(at, { required: true }) === undefined) return;
    r.checkFields(at, PORT_FIELDS);
    if (!['outlierDetection', 'connectionPool', 'loadBalancer', 'tls'].some((f) => r.has([...at, f]))) {
      r.error(at, 'port traffic policy must have at least one field; accepted: connectionPool, outlierDetection, loadBalancer');
    }
    const port = readPortSelector(r, [...at, 'port']);
    const groups = readGroups(r, at);
    if (port === undefined) return;
    if (out.some((p) => p.port === port)) {
      r.warn([...at, 'port', 'number'], `port ${port} is already listed in portLevelSettings; only the first entry for a port applies (as in Istio)`, Codes.ConflictingPolicies);
      return;
    }
    out.push({ ...groups, port, path: at });
  });
  return out;
}

function readPortSelector(r: FieldReader, path: FieldPath): number | undefined {
  if (r.mapping(path) === undefined) {
    if (!r.has(path)) r.error(path, 'portTrafficPolicy must have valid port; write port: {number: 80}', Codes.MissingField);
    return undefined;
  }
  r.checkFields(path, { supported: ['number'] });
  return readPort(r, [...path, 'number'], true);
}

/** The effective settings of one cluster, and the field that decided them (for provenance). */
export interface EffectivePolicy {
  groups: PolicyGroups;
  path?: FieldPath;
}

/**
 * GetPortLevelTrafficPolicy: a portLevelSettings entry for the port replaces the policy
 * wholesale; groups it omits fall back to defaults, and the top-level retryBudget (not a
 * port-level field) does not carry over.
 */
export function policyForPort(policy: TrafficPolicySpec | undefined, port: number): { effective: EffectivePolicy; portLevel: boolean } {
  if (!policy) return { effective: { groups: {} }, portLevel: false };
  const entry = policy.portLevel.find((p) => p.port === port);
  if (entry) return { effective: { groups: pickGroups(entry, false), path: entry.path }, portLevel: true };
  return { effective: { groups: pickGroups(policy, true), path: policy.path }, portLevel: false };
}

/**
 * MergeSubsetTrafficPolicy: the subset's (port-level) policy over the destination's, group by
 * group. A subset port-level entry replaces connectionPool, outlierDetection and loadBalancer
 * even where it omits them; retryBudget is taken from the subset only when the subset sets it.
 */
export function policyForSubset(top: TrafficPolicySpec | undefined, subset: TrafficPolicySpec | undefined, port: number): EffectivePolicy {
  const base = policyForPort(top, port).effective;
  if (!subset) return base;
  const { effective: own, portLevel } = policyForPort(subset, port);
  if (!top) return own;
  const merged: PolicyGroups = { ...base.groups };
  for (const key of ['connectionPool', 'outlierDetection', 'loadBalancer'] as const) {
    if (own.groups[key] !== undefined || portLevel) assignGroup(merged, own.groups, key);
  }
  if (own.groups.retryBudget !== undefined) merged.retryBudget = own.groups.retryBudget;
  return { groups: merged, path: own.path };
}

function assignGroup(to: PolicyGroups, from: PolicyGroups, key: 'connectionPool' | 'outlierDetection' | 'loadBalancer'): void {
  if (from[key] === undefined) delete to[key];
  else Object.assign(to, { [key]: from[key] });
}

function pickGroups(p: PolicyGroups, withBudget: boolean): PolicyGroups {
  const out: PolicyGroups = {};
  if (p.connectionPool) out.connectionPool = p.connectionPool;
  if (p.outlierDetection) out.outlierDetection = p.outlierDetection;
  if (p.loadBalancer) out.loadBalancer = p.loadBalancer;
  if (withBudget && p.retryBudget) out.retryBudget = p.retryBudget;
  return out;
}

/** The IR form: deep copies, so clusters never share objects. */
export function toIrPolicy(groups: PolicyGroups): TrafficPolicy {
  return structuredClone({ ...groups }) as TrafficPolicy;
}
