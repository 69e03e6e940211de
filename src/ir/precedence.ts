/**
 * The one precedence rule for retry policies across source systems (docs/precedence.md).
 *
 * For each route of a proxy, the candidates are the route's own decision (a VirtualService or
 * HTTPRoute rule, or the default of its service) and every policy a system attached to the
 * route's destination for this proxy. The winner is, in order:
 *   1. the strongest level: `route` (written on the route) > `destination` (attached to the
 *      destination service for this proxy) > `default` (a system default);
 *   2. the oldest object (`metadata.creationTimestamp`; objects without one come after);
 *   3. the first by kind, namespace, name.
 * Losers that are not defaults get a warning and an `Overridden` condition naming the winner.
 */
import { Codes, type Diagnostic } from '../lib/errors';
import {
  describeProvenance, type ObjectCondition, type Provenance, type ProxyIdentity, type RetryDecision, type RetryLevel, type Route,
} from './model';

/** A retry decision attached to the routes toward a host (and port), as the sources stage hands it over. */
export interface AttachedRetry {
  host: string;
  port?: number;
  decision: RetryDecision;
}

const LEVEL_RANK: Record<RetryLevel, number> = { route: 0, destination: 1, default: 2 };

/** Negative when `a` takes precedence over `b`. */
export function compareRetryDecisions(a: RetryDecision, b: RetryDecision): number {
  const byLevel = LEVEL_RANK[a.level] - LEVEL_RANK[b.level];
  if (byLevel !== 0) return byLevel;
  const ca = a.from === 'default' ? undefined : a.from.created;
  const cb = b.from === 'default' ? undefined : b.from.created;
  if (ca !== cb) {
    if (ca === undefined) return 1;
    if (cb === undefined) return -1;
    const ta = Date.parse(ca);
    const tb = Date.parse(cb);
    if (ta !== tb && !Number.isNaN(ta) && !Number.isNaN(tb)) return ta - tb;
  }
  const ka = sortKey(a.from);
  const kb = sortKey(b.from);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

function sortKey(p: Provenance | 'default'): string {
  return p === 'default' ? '\uffff' : `${p.kind}\u0000${p.namespace}\u0000${p.name}`;
}

export interface PrecedenceResult {
  diagnostics: Diagnostic[];
  conditions: ObjectCondition[];
}

/** How a proxy is named in messages: `sidecar default/sleep` (namespace/serviceAccount) or `gateway ns/name`. */
export function describeProxy(proxy: ProxyIdentity): string {
  if (proxy.role === 'gateway') return proxy.gateway ? `gateway ${proxy.gateway.namespace}/${proxy.gateway.name}` : 'gateway';
  return `sidecars of ServiceAccount ${proxy.namespace}/${proxy.serviceAccount}`;
}

/**
 * Sets each route's `retry` to the winning candidate, in place, and reports the losers.
 * `routes` pairs each route with the name users see it by (virtual host / route name).
 */
export function applyRetryPrecedence(
  routes: ReadonlyArray<{ route: Route; where: string }>,
  attached: readonly AttachedRetry[],
  proxy: ProxyIdentity,
): PrecedenceResult {
  const reported = new Map<string, { loser: Provenance; winner: RetryDecision; where: string[] }>();
  for (const { route, where } of routes) {
    const candidates = [route.retry, ...attached.filter((a) => appliesTo(a, route)).map((a) => a.decision)];
    if (candidates.length === 1) continue;
    const sorted = [...candidates].sort(compareRetryDecisions);
    const winner = sorted[0];
    route.retry = winner;
    for (const loser of sorted.slice(1)) {
      if (loser.level === 'default' || loser.from === 'default') continue;
      if (winner.from !== 'default' && sameObject(loser.from, winner.from)) continue;
      const key = `${describeProvenance(loser.from)}\u0000${describeProvenance(winner.from)}`;
      const entry = reported.get(key) ?? { loser: loser.from, winner, where: [] };
      if (!entry.where.includes(where)) entry.where.push(where);
      reported.set(key, entry);
    }
  }
  const out: PrecedenceResult = { diagnostics: [], conditions: [] };
  for (const { loser, winner, where } of reported.values()) {
    const message = `its retry policy is not used on ${describeRoutes(where)} for ${describeProxy(proxy)}: ${describeWinner(winner)} takes precedence (${ruleApplied(loser, winner)}; see docs/precedence.md)`;
    out.diagnostics.push({
      severity: 'Warning',
      code: Codes.ConflictingPolicies,
      message,
      object: { kind: loser.kind, namespace: loser.namespace, name: loser.name },
      location: { file: loser.file, line: loser.line },
    });
    out.conditions.push({
      object: { group: groupOf(loser.apiVersion), kind: loser.kind, namespace: loser.namespace, name: loser.name },
      condition: { type: 'Overridden', status: 'True', reason: 'Conflicted', message },
    });
  }
  return out;
}

function appliesTo(a: AttachedRetry, route: Route): boolean {
  return route.destinations.some((d) => d.host === a.host && (a.port === undefined || a.port === d.port));
}

function sameObject(a: Provenance, b: Provenance): boolean {
  return a.kind === b.kind && a.namespace === b.namespace && a.name === b.name && a.apiVersion === b.apiVersion;
}

function describeRoutes(where: string[]): string {
  const shown = where.slice(0, 3).join(', ');
  return where.length > 3 ? `routes ${shown} and ${where.length - 3} more` : `${where.length === 1 ? 'route' : 'routes'} ${shown}`;
}

function describeWinner(winner: RetryDecision): string {
  return winner.from === 'default' ? winner.reason : `${describeProvenance(winner.from)}`;
}

function ruleApplied(loser: Provenance, winner: RetryDecision): string {
  if (winner.level === 'route') return 'a policy written on the route beats one attached to its destination';
  const ours = loser.created ? `created ${loser.created}` : 'no creationTimestamp';
  if (winner.from !== 'default' && winner.from.created !== loser.created) {
    return `both attach to the destination; the older object wins (${winner.from.created ? `created ${winner.from.created}` : 'no creationTimestamp'} vs ${ours})`;
  }
  return 'both attach to the destination; the first by kind, namespace and name wins';
}

function groupOf(apiVersion: string): string {
  const i = apiVersion.indexOf('/');
  return i < 0 ? '' : apiVersion.slice(0, i);
}
