/**
 * VirtualService: validation with Istio's webhook rules (ValidateVirtualService) and conversion
 * of its `http[]` entries into IR routes for one virtual host (spec/sources-istio.md §1, §2, §4.3, §4.5).
 */
import { Codes, type Diagnostic } from '../../lib/errors';
import type { Route, RouteDestination, RetryDecision, Service } from '../../ir/model';
import { FieldReader } from '../fields';
import { isIpAddress, wildcardDomainError } from '../names';
import type { SourceObject } from '../object';
import { provenanceOf } from '../provenance';
import type { DestinationSettings } from '../registry';
import { usesConsistentHash } from './destinationRules';
import { appliesToMesh, checkGatewayNames } from './gateways';
import { hostCovers, resolveHost } from './hosts';
import { readHttpRoute, type DestinationSpec, type HttpMatchSpec, type HttpRouteSpec } from './httpRoute';
import { istioDefaultRetryPolicy, retryPolicyFromVirtualService } from './retryPolicy';

export interface VirtualServiceSpec {
  /** As written; the compiler resolves short names against the registry. */
  hosts: string[];
  gateways: string[];
  /** Whether sidecars use it: `gateways` absent/empty or containing `mesh` (§4.5). */
  appliesToMesh: boolean;
  http: HttpRouteSpec[];
}

const SPEC_FIELDS = {
  supported: ['hosts', 'gateways', 'http'],
  notYet: { tcp: 'TCP routes are ignored', tls: 'TLS routes are ignored', exportTo: 'the VirtualService applies in every namespace' },
  misplaced: { retries: 'retries belongs to each http route (spec.http[].retries); as written it is ignored' },
} as const;

export function validateVirtualService(object: SourceObject): Diagnostic[] {
  const r = new FieldReader(object);
  readVirtualService(r);
  return r.diagnostics;
}

/** Reads and validates a VirtualService's spec; problems land in `r.diagnostics`. */
export function readVirtualService(r: FieldReader): VirtualServiceSpec {
  const empty: VirtualServiceSpec = { hosts: [], gateways: [], appliesToMesh: true, http: [] };
  if (r.mapping(['spec'], { required: true }) === undefined) return empty;
  r.checkFields(['spec'], SPEC_FIELDS);
  const gateways = checkGatewayNames(r, ['spec', 'gateways']);
  const mesh = appliesToMesh(gateways);
  const hosts = readHosts(r, mesh, gateways);
  const http = readHttpRoutes(r);
  if (!hasEntries(r, 'http') && !hasEntries(r, 'tcp') && !hasEntries(r, 'tls')) {
    r.error(['spec'], 'http, tcp or tls must be provided in virtual service');
  }
  if (!mesh) {
    r.warn(['spec', 'gateways'], `gateways ${JSON.stringify(gateways)} do not include "mesh": this VirtualService configures gateways only, which Ricochet does not serve yet; sidecar routes ignore it (add "mesh" to apply it to sidecars)`);
  }
  return { hosts, gateways, appliesToMesh: mesh, http };
}

function hasEntries(r: FieldReader, field: string): boolean {
  const v = r.at(['spec', field]);
  return Array.isArray(v) && v.length > 0;
}

function readHosts(r: FieldReader, mesh: boolean, gateways: string[]): string[] {
  const path = ['spec', 'hosts'];
  const hosts = r.stringList(path);
  if (hosts.length === 0) {
    checkDelegate(r, gateways);
    return hosts;
  }
  let valid = true;
  hosts.forEach((host, i) => {
    const err = wildcardDomainError(host);
    if (err && !isIpAddress(host)) r.error([...path, i], `${err}; hosts are lower-case DNS names, optionally starting with "*."`);
    else if (mesh && host === '*') r.error([...path, i], 'wildcard host * is not allowed for virtual services bound to the mesh gateway');
    else return;
    valid = false;
  });
  if (valid) checkDuplicateHosts(r, hosts);
  return hosts;
}

/** A VirtualService without hosts is a delegate (only used through `http[].delegate`). */
function checkDelegate(r: FieldReader, gateways: string[]): void {
  if (gateways.length > 0) r.error(['spec', 'gateways'], 'delegate virtual service must have no gateways specified');
  if (hasEntries(r, 'tls')) r.error(['spec', 'tls'], 'delegate virtual service must have no tls route specified');
  if (hasEntries(r, 'tcp')) r.error(['spec', 'tcp'], 'delegate virtual service must have no tcp route specified');
  r.warn(['spec'], 'a VirtualService without hosts is a delegate, used only through another VirtualService\'s http[].delegate, which Ricochet does not support yet; it is ignored');
}

function checkDuplicateHosts(r: FieldReader, hosts: string[]): void {
  for (let i = 0; i < hosts.length; i++) {
    for (let j = i + 1; j < hosts.length; j++) {
      if (hostCovers(hosts[i], hosts[j]) || hostCovers(hosts[j], hosts[i])) {
        r.error(['spec', 'hosts', j], `duplicate hosts in virtual service: ${hosts[i]} & ${hosts[j]}`);
      }
    }
  }
}

function readHttpRoutes(r: FieldReader): HttpRouteSpec[] {
  const items = r.list(['spec', 'http']) ?? [];
  const out: HttpRouteSpec[] = [];
  items.forEach((_, i) => {
    const route = readHttpRoute(r, ['spec', 'http', i], i);
    if (route) out.push(route);
  });
  checkUnreachable(r, out);
  return out;
}

/** Istio's analyzeUnreachableHTTPRules, first part: nothing after a rule without matches is reached. */
function checkUnreachable(r: FieldReader, routes: HttpRouteSpec[]): void {
  const catchAll = routes.findIndex((h) => !r.has(['spec', 'http', h.index, 'match']));
  if (catchAll < 0) return;
  for (const h of routes.slice(catchAll + 1)) {
    const reason = r.has(['spec', 'http', h.index, 'match']) ? 'route without matches defined before' : 'only the last rule can have no matches';
    const rule = h.name !== undefined ? JSON.stringify(h.name) : `#${h.index}`;
    r.warn(['spec', 'http', h.index], `virtualService rule ${rule} not used (${reason})`, Codes.SchemaValidation);
  }
}

/** What the compiler knows when it turns a VirtualService into routes. */
export interface RouteContext {
  /** Registry hosts (winning ServiceEntry hosts) to their services. */
  services: ReadonlyMap<string, Service>;
  /** The listener port of the virtual host being built. */
  port: number;
  /** DestinationRule settings per registry host, for this proxy. */
  settings?: ReadonlyMap<string, DestinationSettings>;
}

/** The IR routes of one VirtualService for one virtual host, in `http[]` then `match[]` order. */
export function routesForVirtualHost(object: SourceObject, vs: VirtualServiceSpec, ctx: RouteContext): Route[] {
  const out: Route[] = [];
  for (const http of vs.http) {
    if (http.skipped) continue;
    for (const m of http.matches) {
      if (!matchApplies(m, ctx.port)) continue;
      out.push(buildRoute(object, http, m, ctx));
    }
  }
  return out;
}

/** `match.port` restricts a match to one listener port; `match.gateways` without mesh excludes sidecars. */
export function matchApplies(m: HttpMatchSpec, port: number): boolean {
  if (m.port !== undefined && m.port !== port) return false;
  return m.gateways === undefined || appliesToMesh(m.gateways);
}

function buildRoute(object: SourceObject, http: HttpRouteSpec, m: HttpMatchSpec, ctx: RouteContext): Route {
  const base = ['spec', 'http', http.index];
  // Istio's route name: http[].name, plus "." and the match name when the match has one (§4.5).
  const name = m.match.name ? `${http.name ?? ''}.${m.match.name}` : http.name;
  const destinations = destinationsFor(object, http.destinations, ctx);
  const route: Route = {
    ...(name ? { name } : {}),
    match: structuredClone(m.match),
    destinations,
    timeoutMs: http.timeoutMs,
    retry: retryDecisionFor(object, http),
    source: provenanceOf(object, m.index === undefined ? base : [...base, 'match', m.index]),
  };
  dropPreviousHostsForConsistentHash(route, http, ctx);
  if (http.fault) route.fault = { ...structuredClone(http.fault), source: provenanceOf(object, [...base, 'fault']) };
  return route;
}

/**
 * §1.2/§1.8: a route whose single destination uses a consistent-hash load balancer gets no
 * previous_hosts predicate (retrying another host would break the affinity), unless
 * retries.retryIgnorePreviousHosts says otherwise.
 */
function dropPreviousHostsForConsistentHash(route: Route, http: HttpRouteSpec, ctx: RouteContext): void {
  const policy = route.retry.policy;
  if (!policy || http.retries?.retryIgnorePreviousHosts !== undefined || route.destinations.length !== 1) return;
  const d = route.destinations[0];
  if (usesConsistentHash(ctx.settings?.get(d.host), d.port, d.subset)) policy.previousHostsPredicate = false;
}

/**
 * §4.3 and Istio's weighted-cluster rules: a single destination gets weight 100 when it has
 * none; with several, weight-0 destinations are dropped. The port is the destination's, else
 * its service's only port, else the listener port.
 */
function destinationsFor(object: SourceObject, dests: DestinationSpec[], ctx: RouteContext): RouteDestination[] {
  const declared = new Set(ctx.services.keys());
  const out: RouteDestination[] = [];
  for (const d of dests) {
    if (d.weight === 0 && dests.length > 1) continue;
    const host = resolveHost(d.host, object.namespace, declared);
    const service = ctx.services.get(host);
    const port = d.port ?? (service?.ports.length === 1 ? service.ports[0].number : ctx.port);
    const rd: RouteDestination = { host, port, weight: dests.length === 1 && d.weight === 0 ? 100 : d.weight };
    if (d.subset !== undefined) rd.subset = d.subset;
    out.push(rd);
  }
  return out;
}

/** §1.1: the VS `retries` block if present (replacing the default wholesale), else Istio's default. */
export function retryDecisionFor(object: SourceObject, http: HttpRouteSpec): RetryDecision {
  const where = `VirtualService ${object.namespace}/${object.name} spec.http[${http.index}]`;
  if (http.retries === undefined) {
    return { policy: istioDefaultRetryPolicy(), from: 'default', reason: `Istio default policy (${where} sets no retries)`, level: 'default' };
  }
  const from = provenanceOf(object, ['spec', 'http', http.index, 'retries']);
  const policy = retryPolicyFromVirtualService(http.retries);
  const reason = policy === null ? `retries disabled by ${where}.retries (attempts: 0)` : `${where}.retries`;
  return { policy, from, reason, level: 'route' };
}
