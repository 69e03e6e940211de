/**
 * Which mesh `Retry` a sidecar uses toward each destination (spec/sources-kuma-fsm.md §2.1
 * selection): the Retries whose source is the proxy's ServiceAccount, and per destination
 * Service the first matching entry of a Retry. OSM takes the first Retry in informer order,
 * which is effectively unspecified; Ricochet picks the oldest `metadata.creationTimestamp`, then
 * namespace/name, the same order as the cross-system rule (src/ir/precedence.ts), attaches only
 * that one and warns about the others.
 */
import { Codes, type Diagnostic } from '../../lib/errors';
import { describeProvenance, isHttpProtocol, type ObjectCondition, type ProxyIdentity, type RetryDecision, type Service } from '../../ir/model';
import { compareRetryDecisions, describeProxy } from '../../ir/precedence';
import type { SourceObject } from '../object';
import { compareStrings, provenanceOf } from '../provenance';
import type { RetryAttachment } from '../registry';
import type { ServiceRegistry } from '../serviceRegistry';
import { meshRetryPolicy } from './retryOn';
import type { RetryRef, RetrySpec } from './retrySpec';

export interface ReadRetry {
  object: SourceObject;
  spec: RetrySpec;
}

export interface SelectionResult {
  attachments: RetryAttachment[];
  diagnostics: Diagnostic[];
  conditions: ObjectCondition[];
}

/** One Retry's claim on one destination Service for this proxy. */
interface Claim {
  retry: ReadRetry;
  destination: RetryRef;
  service: Service;
  decision: RetryDecision;
}

/** True when the Retry's source is this sidecar's ServiceAccount (namespace and name). */
export function appliesToProxy(spec: RetrySpec, proxy: ProxyIdentity): boolean {
  const s = spec.source;
  return proxy.role === 'sidecar' && s !== undefined && s.namespace === proxy.namespace && s.name === proxy.serviceAccount;
}

/** The attachments for one sidecar: at most one Retry per destination Service, on every port (§2.1). */
export function selectRetries(retries: readonly ReadRetry[], registry: ServiceRegistry, proxy: ProxyIdentity): SelectionResult {
  const byHost = new Map<string, Claim[]>();
  for (const retry of retries) {
    if (!appliesToProxy(retry.spec, proxy)) continue;
    for (const claim of claimsOf(retry, registry)) {
      const list = byHost.get(claim.service.host) ?? [];
      list.push(claim);
      byHost.set(claim.service.host, list);
    }
  }
  const out: SelectionResult = { attachments: [], diagnostics: [], conditions: [] };
  for (const host of [...byHost.keys()].sort(compareStrings)) {
    const [winner, ...losers] = (byHost.get(host) ?? []).sort(compareClaims);
    // No port: the Retry applies to every (HTTP) port of the Service (§2.1 "The port is ignored").
    out.attachments.push({ host, role: 'sidecar', decision: winner.decision });
    for (const loser of losers) reportLoser(loser, winner, proxy, out);
  }
  return out;
}

/** A Retry's destinations that exist; a Service named twice counts once, at its first entry (OSM's first match). */
function claimsOf(retry: ReadRetry, registry: ServiceRegistry): Claim[] {
  const policySpec = retry.spec.retryPolicy;
  const source = retry.spec.source;
  if (!policySpec || !source) return [];
  const { object } = retry;
  const decision: RetryDecision = {
    policy: meshRetryPolicy(policySpec, retry.spec.dialect),
    from: provenanceOf(object, ['spec', 'retryPolicy']),
    reason: `Retry ${object.namespace}/${object.name} (source ServiceAccount ${source.namespace}/${source.name})`,
    level: 'destination',
  };
  const claims: Claim[] = [];
  for (const destination of retry.spec.destinations) {
    const service = registry.byName(destination.namespace, destination.name);
    if (!service || claims.some((c) => c.service.host === service.host)) continue;
    claims.push({ retry, destination, service, decision });
  }
  return claims;
}

/** Oldest first, then namespace/name (compareRetryDecisions), then the API group (FSM before OSM). */
function compareClaims(a: Claim, b: Claim): number {
  return compareRetryDecisions(a.decision, b.decision) || compareStrings(a.retry.object.group, b.retry.object.group);
}

function reportLoser(loser: Claim, winner: Claim, proxy: ProxyIdentity, out: SelectionResult): void {
  const { object } = loser.retry;
  const { service } = loser;
  const rule = ruleApplied(loser, winner);
  const message = `its retry policy for Service ${service.namespace}/${service.name ?? service.host} is not used for ${describeProxy(proxy)}: `
    + `${describeProvenance(winner.decision.from)}${winner.retry.object.group === object.group ? '' : ` (${winner.retry.object.apiVersion})`} takes precedence (one Retry per destination; ${rule}; see docs/sources/fsm-retry.md)`;
  out.diagnostics.push({
    severity: 'Warning',
    code: Codes.ConflictingPolicies,
    message,
    object: { kind: object.kind, namespace: object.namespace, name: object.name },
    location: object.document.locate(['spec', 'destinations', loser.destination.index]),
  });
  out.conditions.push({
    object: { group: object.group, kind: object.kind, namespace: object.namespace, name: object.name },
    condition: { type: 'Overridden', status: 'True', reason: 'Conflicted', message },
  });
}

function ruleApplied(loser: Claim, winner: Claim): string {
  const created = (c: Claim): string | undefined => (c.decision.from === 'default' ? undefined : c.decision.from.created);
  const w = created(winner);
  const l = created(loser);
  if (w !== l) return `the older object wins (created ${w ?? '-'} vs ${l ?? 'no creationTimestamp'})`;
  return 'same creationTimestamp, so the first by namespace/name wins';
}

/** Destinations no registry Service answers to: that traffic gets no retries from this Retry. */
export function missingDestinations(retry: ReadRetry, registry: ServiceRegistry): Diagnostic[] {
  const { object } = retry;
  const out: Diagnostic[] = [];
  for (const d of retry.spec.destinations) {
    const service = registry.byName(d.namespace, d.name);
    let message: string | undefined;
    if (!service) {
      message = `Service ${d.namespace}/${d.name} not found (no Kubernetes Service declares it); this destination gets no retries from this Retry`;
    } else if (!service.ports.some((p) => isHttpProtocol(p.protocol))) {
      const ports = service.ports.map((p) => `${p.number}/${p.protocol}`).join(', ');
      message = `Service ${d.namespace}/${d.name} has no HTTP port (${ports}); a Retry applies to HTTP traffic only, so it does nothing here`;
    }
    if (message === undefined) continue;
    out.push({
      severity: 'Warning',
      code: Codes.ReferencedResourceNotFound,
      message,
      object: { kind: object.kind, namespace: object.namespace, name: object.name },
      location: object.document.locate(['spec', 'destinations', d.index]),
    });
  }
  return out;
}

/** Objects in a stable order: namespace, name, then group. */
export function compareObjects(a: SourceObject, b: SourceObject): number {
  return compareStrings(a.namespace, b.namespace) || compareStrings(a.name, b.name) || compareStrings(a.group, b.group);
}
