/**
 * DestinationRules across objects: which rule applies to a registry service for one proxy, and
 * the cluster settings it yields (spec/sources-istio.md §4.3, §5).
 *
 * Istio's rules, as pilot's destination rule index applies them:
 * - short hosts resolve in the rule's namespace;
 * - rules of one namespace for one host are merged (mergeDestinationRule): subsets are combined
 *   (a repeated subset name keeps the first), and the first rule's trafficPolicy wins;
 * - for a service, the rules of the proxy's namespace are looked at first, then those of the
 *   service's namespace, then the root namespace (istio-system); within a namespace an exact
 *   host beats the most specific wildcard.
 */
import { Codes } from '../../lib/errors';
import type { ClusterPolicy, Service } from '../../ir/model';
import type { FieldPath } from '../document';
import { FieldReader } from '../fields';
import type { SourceObject } from '../object';
import { byNamespaceName, provenanceOf } from '../provenance';
import type { DestinationSettings } from '../registry';
import { readDestinationRule, type DestinationRuleSpec, type SubsetSpec } from './destinationRule';
import { hostCovers, isWildcard, resolveHost } from './hosts';
import { policyForPort, policyForSubset, toIrPolicy, type TrafficPolicySpec } from './trafficPolicy';

/** Istio's default config root namespace. */
export const ROOT_NAMESPACE = 'istio-system';

interface Owned<T> {
  value: T;
  from: SourceObject;
}

/** The merged rules of one namespace for one (resolved) host. */
export interface ConsolidatedRule {
  namespace: string;
  host: string;
  first: SourceObject;
  trafficPolicy?: Owned<TrafficPolicySpec>;
  subsets: Array<Owned<SubsetSpec>>;
}

export type Warn = (object: SourceObject, code: typeof Codes.ConflictingPolicies | typeof Codes.ReferencedResourceNotFound, path: FieldPath, message: string) => void;

/** Merges the (valid) DestinationRules per namespace and host; warns about what merging drops. */
export function consolidateRules(objects: SourceObject[], declared: ReadonlySet<string>, warn: Warn): ConsolidatedRule[] {
  const out = new Map<string, ConsolidatedRule>();
  for (const object of [...objects].sort(byNamespaceName)) {
    const spec = readDestinationRule(new FieldReader(object));
    if (spec.selective || spec.host === '') continue;
    const host = resolveHost(spec.host, object.namespace, declared);
    if (![...declared].some((h) => hostCovers(host, h))) {
      warn(object, Codes.ReferencedResourceNotFound, ['spec', 'host'], `no service declares host ${host === spec.host ? host : `${spec.host} (${host})`}; this DestinationRule has no effect`);
    }
    const key = `${object.namespace}/${host}`;
    const rule = out.get(key);
    if (!rule) out.set(key, newRule(object, host, spec));
    else mergeInto(rule, object, spec, warn);
  }
  return [...out.values()];
}

function newRule(object: SourceObject, host: string, spec: DestinationRuleSpec): ConsolidatedRule {
  const rule: ConsolidatedRule = { namespace: object.namespace, host, first: object, subsets: spec.subsets.map((value) => ({ value, from: object })) };
  if (spec.trafficPolicy) rule.trafficPolicy = { value: spec.trafficPolicy, from: object };
  return rule;
}

function mergeInto(rule: ConsolidatedRule, object: SourceObject, spec: DestinationRuleSpec, warn: Warn): void {
  const where = (o: SourceObject): string => `DestinationRule ${o.namespace}/${o.name}`;
  for (const subset of spec.subsets) {
    const first = rule.subsets.find((s) => s.value.name === subset.name);
    if (!first) rule.subsets.push({ value: subset, from: object });
    else warn(object, Codes.ConflictingPolicies, [...subset.path, 'name'], `subset ${subset.name} of host ${rule.host} is already defined by ${where(first.from)}; Istio keeps the first and ignores this one`);
  }
  if (!spec.trafficPolicy) return;
  if (!rule.trafficPolicy) rule.trafficPolicy = { value: spec.trafficPolicy, from: object };
  else warn(object, Codes.ConflictingPolicies, ['spec', 'trafficPolicy'], `host ${rule.host} already has a trafficPolicy from ${where(rule.trafficPolicy.from)}; Istio merges rules for one host (subsets are combined, the first rule's trafficPolicy wins), so this one is ignored`);
}

/** The rule that applies to `service` for a proxy in `proxyNamespace`, if any. */
export function ruleFor(rules: readonly ConsolidatedRule[], service: Service, proxyNamespace: string): ConsolidatedRule | undefined {
  for (const ns of [proxyNamespace, service.namespace, ROOT_NAMESPACE]) {
    const inNs = rules.filter((r) => r.namespace === ns && hostCovers(r.host, service.host));
    const exact = inNs.find((r) => r.host === service.host);
    if (exact) return exact;
    // Most specific wildcard: the longest one covering the host.
    const wild = inNs.filter((r) => isWildcard(r.host)).sort((a, b) => b.host.length - a.host.length)[0];
    if (wild) return wild;
  }
  return undefined;
}

/**
 * The cluster settings of `service` under `rule`: one policy per port and per port and subset,
 * leaving out the empty ones (those clusters keep Istio's defaults).
 */
export function settingsFor(service: Service, rule: ConsolidatedRule): DestinationSettings {
  const policies: ClusterPolicy[] = [];
  const top = rule.trafficPolicy?.value;
  const ports = service.ports.filter((p) => p.protocol !== 'UDP').map((p) => p.number).sort((a, b) => a - b);
  for (const port of ports) {
    const { effective } = policyForPort(top, port);
    if (Object.keys(effective.groups).length === 0) continue;
    policies.push({ port, policy: toIrPolicy(effective.groups), source: provenanceOf(rule.trafficPolicy?.from ?? rule.first, effective.path ?? ['spec', 'host']) });
  }
  for (const { value: subset, from } of rule.subsets) {
    for (const port of ports) {
      const effective = policyForSubset(top, subset.trafficPolicy, port);
      if (Object.keys(effective.groups).length === 0) continue;
      const owner = subset.trafficPolicy ? from : rule.trafficPolicy?.from ?? from;
      policies.push({ port, subset: subset.name, policy: toIrPolicy(effective.groups), source: provenanceOf(owner, effective.path ?? subset.path) });
    }
  }
  return {
    host: service.host,
    subsets: rule.subsets.map(({ value }) => ({ name: value.name, labels: { ...value.labels } })),
    policies,
    source: provenanceOf(rule.first, ['spec', 'host']),
  };
}

/** DestinationSettings for every registry service a rule applies to, for one proxy. */
export function destinationSettings(rules: readonly ConsolidatedRule[], services: Iterable<Service>, proxyNamespace: string): Map<string, DestinationSettings> {
  const out = new Map<string, DestinationSettings>();
  for (const service of services) {
    const rule = ruleFor(rules, service, proxyNamespace);
    if (!rule || out.has(service.host)) continue;
    const settings = settingsFor(service, rule);
    if (settings.subsets.length > 0 || settings.policies.length > 0) out.set(service.host, settings);
  }
  return out;
}

/** Whether the cluster a destination goes to uses consistent hashing (§1.2: drops previous_hosts). */
export function usesConsistentHash(settings: DestinationSettings | undefined, port: number, subset?: string): boolean {
  const p = settings?.policies.find((c) => c.port === port && c.subset === subset);
  return p?.policy.loadBalancer?.consistentHash === true;
}
