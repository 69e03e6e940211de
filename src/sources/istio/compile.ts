/**
 * Valid ServiceEntry and VirtualService objects → IR services and virtual hosts, with Istio's
 * cross-object rules: which VirtualService routes which registry host (§4.5), Istio's default
 * route for hosts nobody routes (§1.1), and warnings for what Istio would silently drop.
 */
import { Codes, type Diagnostic } from '../../lib/errors';
import type { Route, Service, VirtualHost } from '../../ir/model';
import type { FieldPath } from '../document';
import { FieldReader } from '../fields';
import type { SourceObject } from '../object';
import { byNamespaceName } from '../provenance';
import type { CompileContext, DestinationSettings, RegistryOutput, SystemOutput } from '../registry';
import { consolidateRules, destinationSettings } from './destinationRules';
import { hostCovers, isWildcard, resolveHost } from './hosts';
import type { DestinationSpec } from './httpRoute';
import { istioDefaultRetryPolicy } from './retryPolicy';
import { indexIn, isHttpProtocol, readServiceEntry, servicesFromServiceEntry } from './serviceEntry';
import { matchApplies, readVirtualService, routesForVirtualHost, type VirtualServiceSpec } from './virtualService';

interface ReadVs {
  object: SourceObject;
  spec: VirtualServiceSpec;
}

/** Collects cross-object warnings, each about one field of one object. */
class Findings {
  readonly diagnostics: Diagnostic[] = [];
  warn(object: SourceObject, code: Diagnostic['code'], path: FieldPath, message: string): void {
    const { kind, namespace, name, document } = object;
    this.diagnostics.push({ severity: 'Warning', code, message, object: { kind, namespace, name }, location: document.locate(path) });
  }
}

function ofKind(objects: SourceObject[], kind: string): SourceObject[] {
  return objects.filter((o) => o.kind === kind).sort(byNamespaceName);
}

/** Registry stage: ServiceEntry hosts, each with Istio's default retry policy for its default route (§1.1). */
export function istioRegistry(objects: SourceObject[]): RegistryOutput {
  const findings = new Findings();
  const services = registerServices(ofKind(objects, 'ServiceEntry'), findings);
  for (const s of services.values()) {
    s.defaultRetry = { policy: istioDefaultRetryPolicy(), from: 'default', reason: 'Istio default policy (no VirtualService for this host)', level: 'default' };
  }
  return { services: [...services.values()], diagnostics: findings.diagnostics };
}

/**
 * For one proxy: virtual hosts for the registry hosts (of any system) that a VirtualService
 * routes, and the cluster settings DestinationRules give registry hosts (§5).
 */
export function compileIstio(objects: SourceObject[], ctx: CompileContext): SystemOutput {
  const findings = new Findings();
  const services = new Map<string, Service>();
  for (const s of ctx.registry.services) if (!services.has(s.host)) services.set(s.host, s);
  const rules = consolidateRules(ofKind(objects, 'DestinationRule'), new Set(services.keys()), (o, code, path, message) => findings.warn(o, code, path, message));
  const settings = destinationSettings(rules, services.values(), ctx.proxy.namespace);
  const vss = ofKind(objects, 'VirtualService')
    .map((object) => ({ object, spec: readVirtualService(new FieldReader(object)) }))
    .filter((v) => v.spec.appliesToMesh && v.spec.http.length > 0);
  const routedBy = assignHosts(vss, services, findings);
  vss.forEach((v) => checkDestinations(v, { services, settings }, listenerPortsOf(v, routedBy, services), findings));
  const virtualHosts = [...routedBy.keys()].flatMap((host) => {
    const service = services.get(host);
    return service ? virtualHostsFor(service, routedBy.get(host), { services, settings }) : [];
  });
  return { virtualHosts, destinationSettings: [...settings.values()], diagnostics: findings.diagnostics };
}

/** What destination checks and route building know about the registry, for this proxy. */
interface Known {
  services: Map<string, Service>;
  settings: ReadonlyMap<string, DestinationSettings>;
}

/** One service per host; when two entries declare a host, the first by (namespace, name) wins. */
function registerServices(entries: SourceObject[], findings: Findings): Map<string, Service> {
  const out = new Map<string, Service>();
  for (const object of entries) {
    const reader = new FieldReader(object);
    const spec = readServiceEntry(reader);
    for (const service of servicesFromServiceEntry(object, spec)) {
      const winner = out.get(service.host);
      if (!winner) {
        out.set(service.host, service);
        continue;
      }
      findings.warn(object, Codes.ConflictingPolicies, ['spec', 'hosts', indexIn(reader.at(['spec', 'hosts']), service.host)],
        `host ${service.host} is already declared by ServiceEntry ${winner.namespace}/${winner.source.name} (the first by namespace/name wins); this declaration of it is ignored`);
    }
  }
  return out;
}

/** Which VirtualService routes each registry host: the first by (namespace, name) that covers it. */
function assignHosts(vss: ReadVs[], services: Map<string, Service>, findings: Findings): Map<string, ReadVs> {
  const declared = new Set(services.keys());
  const out = new Map<string, ReadVs>();
  for (const vs of vss) {
    vs.spec.hosts.forEach((written, i) => {
      const host = resolveHost(written, vs.object.namespace, declared);
      const covered = isWildcard(host) ? [...declared].filter((h) => hostCovers(host, h)) : declared.has(host) ? [host] : [];
      if (covered.length === 0) {
        findings.warn(vs.object, Codes.ReferencedResourceNotFound, ['spec', 'hosts', i], undeclaredHost(written, host, declared));
      }
      for (const h of covered) claimHost(out, h, vs, i, findings);
    });
  }
  return out;
}

function claimHost(out: Map<string, ReadVs>, host: string, vs: ReadVs, index: number, findings: Findings): void {
  const winner = out.get(host);
  if (!winner) {
    out.set(host, vs);
    return;
  }
  findings.warn(vs.object, Codes.ConflictingPolicies, ['spec', 'hosts', index],
    `host ${host} is already routed by VirtualService ${winner.object.namespace}/${winner.object.name} (the first by namespace/name wins); this VirtualService's routes for it are ignored`);
}

/** The warning for a VirtualService host no ServiceEntry declares. */
function undeclaredHost(written: string, host: string, declared: Set<string>): string {
  const wildcard = [...declared].find((h) => isWildcard(h) && hostCovers(h, host));
  if (wildcard) {
    return `no ServiceEntry declares host ${describeHost(written, host)} itself; its traffic takes the routes of ${wildcard} instead (name ${wildcard} in this VirtualService to route it)`;
  }
  return `no ServiceEntry declares host ${describeHost(written, host)}; traffic to it gets no retries, as in Istio (declare it with a ServiceEntry)`;
}

function describeHost(written: string, resolved: string): string {
  return written === resolved ? written : `${written} (${resolved})`;
}

/**
 * Destinations that name no registry host, or a port the host does not have, lead to 503s.
 * `listenerPorts` are the HTTP ports of the hosts this VirtualService routes: a destination
 * without a port on a multi-port service is sent to the listener port (§4.3).
 */
function checkDestinations(vs: ReadVs, known: Known, listenerPorts: number[], findings: Findings): void {
  for (const http of vs.spec.http) {
    const ports = listenerPorts.filter((p) => http.matches.some((m) => matchApplies(m, p)));
    for (const d of http.destinations) checkDestination(vs, ['spec', 'http', http.index, 'route', d.index, 'destination'], d, known, ports, findings);
  }
}

function checkDestination(vs: ReadVs, at: FieldPath, d: DestinationSpec, known: Known, ports: number[], findings: Findings): void {
  const { services } = known;
  const host = resolveHost(d.host, vs.object.namespace, new Set(services.keys()));
  const service = services.get(host);
  const warn = (path: FieldPath, message: string): void => findings.warn(vs.object, Codes.ReferencedResourceNotFound, path, message);
  if (!service) {
    warn([...at, 'host'], `no ServiceEntry declares destination host ${describeHost(d.host, host)}; requests routed there fail (no such cluster)`);
    return;
  }
  if (d.subset !== undefined && !known.settings.get(host)?.subsets.some((s) => s.name === d.subset)) {
    // Istio's analyzer reports this as IST0101 ReferencedResourceNotFound.
    const port = d.port ?? (service.ports.length === 1 ? String(service.ports[0].number) : '<port>');
    warn([...at, 'subset'], `no DestinationRule for host ${host} defines subset ${d.subset}; requests routed there fail (no such cluster outbound|${port}|${d.subset}|${host})`);
  }
  const has = (p: number): boolean => service.ports.some((sp) => sp.number === p);
  const declaredPorts = `ServiceEntry ${service.namespace}/${service.source.name} declares ${service.ports.map((p) => p.number).join(', ')}`;
  if (d.port !== undefined && !has(d.port)) {
    warn([...at, 'port', 'number'], `port ${d.port} is not a port of ${host} (${declaredPorts}); requests routed there fail (no such cluster)`);
  } else if (d.port === undefined && service.ports.length > 1) {
    for (const p of ports.filter((lp) => !has(lp))) {
      warn(at, `no port given, and ${host} has several, so requests arriving on port ${p} go to its port ${p}, which it does not have (${declaredPorts}); set destination.port.number`);
    }
  }
}

/** HTTP ports of the hosts a VirtualService won: the listener ports its routes are built for. */
function listenerPortsOf(vs: ReadVs, routedBy: Map<string, ReadVs>, services: Map<string, Service>): number[] {
  const ports = new Set<number>();
  for (const [host, winner] of routedBy) {
    if (winner !== vs) continue;
    for (const p of services.get(host)?.ports ?? []) if (isHttpProtocol(p.protocol)) ports.add(p.number);
  }
  return [...ports].sort((a, b) => a - b);
}

/** One virtual host per HTTP port of a service, in port order (§4.5). */
function virtualHostsFor(service: Service, vs: ReadVs | undefined, known: Known): VirtualHost[] {
  const ports = service.ports.filter((p) => isHttpProtocol(p.protocol)).sort((a, b) => a.number - b.number);
  return ports.map((p) => {
    const routes = vs ? routesForVirtualHost(vs.object, vs.spec, { ...known, port: p.number }) : [];
    // Like Istio, a VirtualService that yields no route for this port leaves the default in place.
    return { host: service.host, port: p.number, routes: routes.length > 0 ? routes : [defaultRoute(service, p.number, vs !== undefined)] };
  });
}

/** Istio's route for a service no VirtualService routes: `default`, prefix `/`, no timeout, default retries (§1.1). */
export function defaultRoute(service: Service, port: number, vsHadNoRoute = false): Route {
  const why = vsHadNoRoute ? 'its VirtualService has no route for this port' : 'no VirtualService for this host';
  return {
    name: 'default',
    match: { uri: { prefix: '/' }, headers: [] },
    destinations: [{ host: service.host, port, weight: 100 }],
    timeoutMs: 0,
    retry: { policy: istioDefaultRetryPolicy(), from: 'default', reason: `Istio default policy (${why})`, level: 'default' },
    source: 'default',
  };
}
