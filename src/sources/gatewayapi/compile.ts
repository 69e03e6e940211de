/**
 * Valid Gateway API objects → statuses for every object (independent of the proxy) and, for a
 * proxy with `ROLE: gateway` and `GATEWAY: ns/name`, that Gateway's listeners with the routes
 * attached to them (sources: GatewayClass, Gateway, HTTPRoute, ReferenceGrant).
 */
import type { GatewayConfig, GatewayListener, GatewayVirtualHost, ProxySelector } from '../../ir/model';
import { FieldReader } from '../fields';
import type { SourceObject } from '../object';
import { byNamespaceName, compareStrings, provenanceOf } from '../provenance';
import type { CompileContext, SystemOutput } from '../registry';
import type { ServiceRegistry } from '../serviceRegistry';
import { attachRoute, type Attachment } from './attachment';
import { resolveBackends, type ResolvedBackends } from './backends';
import { protocolIs, readGateway, type GatewaySpec } from './gateway';
import { readGatewayClass } from './gatewayClass';
import { compareHostnameSpecificity } from './hostnames';
import { readHttpRoute, type HttpRouteSpec } from './httpRoute';
import { gatewayKey, type GatewayApiObjects, type Read } from './model';
import { readReferenceGrant } from './referenceGrant';
import { compareRanked, routesOfRule, type RankedRoute } from './routes';
import { StatusCollector } from './status';

function ofKind(objects: SourceObject[], kind: string): SourceObject[] {
  return objects.filter((o) => o.kind === kind).sort(byNamespaceName);
}

/** Oldest first (objects without a creationTimestamp last), then namespace/name. */
function byAge(a: SourceObject, b: SourceObject): number {
  const ca = Date.parse(provenanceOf(a).created ?? '');
  const cb = Date.parse(provenanceOf(b).created ?? '');
  const ka = Number.isNaN(ca) ? Number.POSITIVE_INFINITY : ca;
  const kb = Number.isNaN(cb) ? Number.POSITIVE_INFINITY : cb;
  return (ka === kb ? 0 : ka < kb ? -1 : 1) || byNamespaceName(a, b);
}

export function readObjects(objects: SourceObject[]): GatewayApiObjects {
  const read = <T>(kind: string, reader: (r: FieldReader) => T, order = byNamespaceName): Array<Read<T>> =>
    objects.filter((o) => o.kind === kind).sort(order).map((object) => ({ object, spec: reader(new FieldReader(object)) }));
  return {
    classes: new Map(read('GatewayClass', readGatewayClass).map((c) => [c.object.name, c])),
    gateways: new Map(read('Gateway', readGateway).map((g) => [gatewayKey(g.object.namespace, g.object.name), g])),
    routes: read('HTTPRoute', readHttpRoute, byAge),
    grants: read('ReferenceGrant', readReferenceGrant).map((g) => ({ namespace: g.object.namespace, spec: g.spec })),
  };
}

/** One `gateway` selector per Gateway: a gateway proxy's view depends on which Gateway it serves. */
export function gatewaySelectors(objects: SourceObject[]): ProxySelector[] {
  return ofKind(objects, 'Gateway').map((g) => ({ kind: 'gateway', namespace: g.namespace, name: g.name }));
}

export function compileGatewayApi(objects: SourceObject[], ctx: CompileContext): SystemOutput {
  const world = readObjects(objects);
  const status = new StatusCollector();
  classStatuses(world, status);
  const attachments = world.routes.flatMap((route) => attachRoute(route, world, status));
  const backends = new Map<SourceObject, ResolvedBackends>();
  for (const route of world.routes) backends.set(route.object, routeBackends(route, ctx.registry, world, status));
  gatewayStatuses(world, attachments, status);
  const out: SystemOutput = { virtualHosts: [], conditions: status.conditions, diagnostics: status.diagnostics };
  const wanted = ctx.proxy.role === 'gateway' ? ctx.proxy.gateway : undefined;
  const gateway = wanted ? world.gateways.get(gatewayKey(wanted.namespace, wanted.name)) : undefined;
  if (gateway && gateway.spec.gatewayClassName !== undefined && world.classes.has(gateway.spec.gatewayClassName)) {
    out.gateway = gatewayConfig(gateway, attachments.filter((a) => a.gateway === gateway), backends);
  }
  return out;
}

/** Every class is served by Ricochet, whatever its controllerName. */
function classStatuses(world: GatewayApiObjects, status: StatusCollector): void {
  for (const c of world.classes.values()) {
    status.ok(c.object, 'Accepted', 'Accepted', `Ricochet serves Gateways of this class (controllerName ${c.spec.controllerName ?? ''})`);
  }
}

function routeBackends(route: Read<HttpRouteSpec>, registry: ServiceRegistry, world: GatewayApiObjects, status: StatusCollector): ResolvedBackends {
  const resolved = resolveBackends(route, registry, world.grants);
  if (resolved.problems.length === 0) status.ok(route.object, 'ResolvedRefs', 'ResolvedRefs', 'every backendRef resolves to a Service port');
  else status.failMany(route.object, 'ResolvedRefs', resolved.problems[0].reason, resolved.problems);
  return resolved;
}

/** Gateway `Accepted` and `Programmed`, naming listeners that are not served and why. */
function gatewayStatuses(world: GatewayApiObjects, attachments: Attachment[], status: StatusCollector): void {
  for (const gw of world.gateways.values()) {
    const className = gw.spec.gatewayClassName ?? '';
    if (!world.classes.has(className)) {
      status.set(gw.object, { type: 'Accepted', status: 'Unknown', reason: 'Pending', message: `GatewayClass ${JSON.stringify(className)} not found; no controller serves this Gateway` }, ['spec', 'gatewayClassName']);
      continue;
    }
    const served = gw.spec.listeners.filter((l) => protocolIs(l, 'HTTP'));
    const notServed = gw.spec.listeners.filter((l) => !protocolIs(l, 'HTTP')).map((l) => `${l.name} (protocol ${l.protocol} is not supported; only HTTP)`);
    const counts = served.map((l) => `${l.name}: ${new Set(attachments.filter((a) => a.gateway === gw && a.listener === l).map((a) => a.route)).size} route(s)`);
    const listenerNote = notServed.length > 0 ? `; listeners not programmed: ${notServed.join(', ')}` : '';
    status.ok(gw.object, 'Accepted', notServed.length > 0 ? 'ListenersNotValid' : 'Accepted', `accepted by Ricochet (class ${className})${listenerNote}`);
    if (served.length === 0) {
      status.fail(gw.object, 'Programmed', 'Invalid', `no listener can be served${listenerNote}`, ['spec', 'listeners']);
    } else {
      status.ok(gw.object, 'Programmed', 'Programmed', `listeners programmed: ${counts.join(', ')}${listenerNote}`);
    }
  }
}

/** The proxy's Gateway: one IR listener per HTTP listener, one virtual host per domain. */
function gatewayConfig(gw: Read<GatewaySpec>, attachments: Attachment[], backends: Map<SourceObject, ResolvedBackends>): GatewayConfig {
  // Most specific hostname first: on a shared port, a domain belongs to the first listener serving it.
  const listeners: GatewayListener[] = gw.spec.listeners
    .filter((l) => protocolIs(l, 'HTTP'))
    .sort((a, b) => compareHostnameSpecificity(a.hostname, b.hostname) || a.index - b.index)
    .map((l) => ({
      name: l.name,
      port: l.port,
      protocol: 'HTTP',
      virtualHosts: virtualHostsOf(attachments.filter((a) => a.listener === l), backends),
    }));
  return { namespace: gw.object.namespace, name: gw.object.name, listeners, source: provenanceOf(gw.object) };
}

function virtualHostsOf(attachments: Attachment[], backends: Map<SourceObject, ResolvedBackends>): GatewayVirtualHost[] {
  const byDomain = new Map<string, RankedRoute[]>();
  for (const a of attachments) {
    const resolved = backends.get(a.route.object);
    for (const domain of a.domains) {
      const list = byDomain.get(domain) ?? [];
      for (const rule of a.route.spec.rules) {
        const dests = resolved?.destinations.get(rule.index) ?? [];
        // A rule with no (weighted) backend has nothing to forward to; Envoy answers 404 for it.
        if (dests.length > 0) list.push(...routesOfRule(a.route, rule, dests));
      }
      byDomain.set(domain, list);
    }
  }
  return [...byDomain.keys()]
    .sort((a, b) => compareHostnameSpecificity(a, b) || compareStrings(a, b))
    .map((domain) => ({ name: domain, domains: [domain], routes: (byDomain.get(domain) ?? []).sort(compareRanked).map((r) => r.route) }));
}
