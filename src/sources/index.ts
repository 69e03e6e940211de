/**
 * Entry points of the sources stage: documents → objects (header checks, kind registry),
 * per-object validation with each system's own rules, and compilation of valid objects into
 * one deterministic mesh model.
 */
import { Codes, type Diagnostic } from '../lib/errors';
import {
  DEFAULT_PROXY, isHttpProtocol, type Mesh, type ObjectCondition, type ProxyIdentity, type ProxySelector, type RetryDecision, type Route,
  type Service, type TcpRoute, type VirtualHost,
} from '../ir/model';
import { applyRetryPrecedence, type PrecedenceResult } from '../ir/precedence';
import { istioDefaultRetryPolicy } from './istio/retryPolicy';
import { ServiceRegistry } from './serviceRegistry';
import type { SourceDocument } from './document';
import { readHeader } from './header';
import { objectKey, type SourceObject } from './object';
import { compareStrings } from './provenance';
import {
  DEFAULT_COMPILE_OPTIONS, lookupKind, SYSTEMS, type CompileContext, type CompileOptions, type DestinationSettings, type KindEntry,
  type SourceSystem, type SystemOutput,
} from './registry';

export type { CompileContext, CompileOptions, KindEntry, SourceSystem, SystemOutput } from './registry';
export { DEFAULT_COMPILE_OPTIONS, SYSTEMS } from './registry';

/**
 * Reads object headers. Malformed headers are errors; kinds no system reads are warnings; both
 * leave the object out. A second object with the same identity is an error and is left out.
 */
export function readObjects(documents: SourceDocument[]): { objects: SourceObject[]; diagnostics: Diagnostic[] } {
  const objects: SourceObject[] = [];
  const diagnostics: Diagnostic[] = [];
  const seen = new Map<string, SourceObject>();
  for (const document of documents) {
    const header = readHeader(document);
    diagnostics.push(...header.diagnostics);
    const object = header.object;
    if (!object) continue;
    const unknown = unknownKind(object);
    if (unknown) {
      diagnostics.push(unknown);
      continue;
    }
    const first = seen.get(objectKey(object));
    if (first) {
      diagnostics.push(duplicate(object, first));
      continue;
    }
    seen.set(objectKey(object), object);
    objects.push(object);
  }
  return { objects, diagnostics };
}

/** Validates one object with its system's rules; any Error means the object is rejected. */
export function validateObject(object: SourceObject): Diagnostic[] {
  const entry = servedEntry(object);
  if (!entry) return [{ ...(unknownKind(object) as Diagnostic), severity: 'Error' }];
  return entry.validate(object);
}

/**
 * Registry stage: the services every system declares, sorted by host (then system, namespace).
 * When two systems declare one host, the first system in `SYSTEMS` keeps it and the other is warned.
 */
export function compileRegistry(objects: SourceObject[], options: CompileOptions = DEFAULT_COMPILE_OPTIONS): { registry: ServiceRegistry; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const declared: Array<{ service: Service; system: number }> = [];
  SYSTEMS.forEach((system, index) => {
    if (!system.registry) return;
    const out = system.registry(ownObjects(system, objects), options);
    diagnostics.push(...out.diagnostics);
    for (const service of out.services) declared.push({ service, system: index });
  });
  declared.sort((a, b) => compareStrings(a.service.host, b.service.host) || a.system - b.system || compareStrings(a.service.namespace, b.service.namespace));
  const services: Service[] = [];
  const owner = new Map<string, { service: Service; system: number }>();
  for (const d of declared) {
    const first = owner.get(d.service.host);
    if (!first) {
      owner.set(d.service.host, d);
      services.push(d.service);
    } else if (first.system !== d.system) {
      diagnostics.push(hostTaken(d.service, first.service));
    }
  }
  return { registry: new ServiceRegistry(services), diagnostics };
}

/** The proxy selectors used by any object, deduplicated; a proxy's view is the subset it matches. */
export function proxySelectors(objects: SourceObject[]): ProxySelector[] {
  const out = new Map<string, ProxySelector>();
  for (const system of SYSTEMS) {
    for (const s of system.selectors?.(ownObjects(system, objects)) ?? []) out.set(selectorKey(s), s);
  }
  return [...out.keys()].sort(compareStrings).map((k) => out.get(k) as ProxySelector);
}

export interface MeshCompileResult {
  mesh: Mesh;
  diagnostics: Diagnostic[];
  conditions: ObjectCondition[];
}

/**
 * Compiles valid objects into the mesh one proxy sees: the registry, each system's decisions for
 * that proxy, default routes for hosts nobody routes, and the precedence rule across systems.
 * Cross-object findings are warnings. Deterministic whatever the input order.
 */
export function compileMesh(
  objects: SourceObject[],
  proxy: ProxyIdentity = DEFAULT_PROXY,
  options: CompileOptions = DEFAULT_COMPILE_OPTIONS,
): MeshCompileResult {
  const { registry, diagnostics } = compileRegistry(objects, options);
  const ctx: CompileContext = { registry, proxy, options };
  const outputs: SystemOutput[] = SYSTEMS.map((system) => system.compile(ownObjects(system, objects), ctx));
  for (const out of outputs) diagnostics.push(...out.diagnostics);
  const conditions = outputs.flatMap((o) => o.conditions ?? []);
  const mesh = assembleMesh(registry, outputs, proxy, options);
  const precedence = resolvePrecedence(mesh, outputs, proxy);
  diagnostics.push(...precedence.diagnostics);
  conditions.push(...precedence.conditions);
  return { mesh, diagnostics, conditions };
}

function ownObjects(system: SourceSystem, objects: SourceObject[]): SourceObject[] {
  return objects.filter((o) => system.kinds.some((k) => k.group === o.group && k.kind === o.kind));
}

function resolvePrecedence(mesh: Mesh, outputs: SystemOutput[], proxy: ProxyIdentity): PrecedenceResult {
  const attached = outputs.flatMap((o) => o.retryAttachments ?? []).filter((a) => a.role === proxy.role);
  const routes: Array<{ route: Route; where: string }> = [];
  if (mesh.gateway) {
    for (const l of mesh.gateway.listeners) {
      for (const vh of l.virtualHosts) for (const route of vh.routes) routes.push({ route, where: `${l.name}/${vh.name}/${route.name ?? '-'}` });
    }
  } else {
    for (const vh of mesh.virtualHosts) for (const route of vh.routes) routes.push({ route, where: `${vh.host}:${vh.port}/${route.name ?? '-'}` });
  }
  return applyRetryPrecedence(routes, attached, proxy);
}

/** Services with their cluster settings, one virtual host per HTTP port, TCP routes, the gateway. */
function assembleMesh(registry: ServiceRegistry, outputs: SystemOutput[], proxy: ProxyIdentity, options: CompileOptions): Mesh {
  const settings = new Map<string, DestinationSettings>();
  for (const out of outputs) for (const d of out.destinationSettings ?? []) if (!settings.has(d.host)) settings.set(d.host, d);
  const services = registry.services.map((s) => withSettings(s, settings.get(s.host)));

  const owned = new Map<string, VirtualHost>();
  for (const out of outputs) for (const vh of out.virtualHosts) if (!owned.has(`${vh.host}:${vh.port}`)) owned.set(`${vh.host}:${vh.port}`, vh);
  const virtualHosts: VirtualHost[] = [];
  const tcpRoutes: TcpRoute[] = [];
  const tcp = outputs.flatMap((o) => o.tcpAttachments ?? []);
  for (const service of services) {
    const aliases = [...(service.aliases ?? [])];
    if (service.localAlias !== undefined && service.namespace === proxy.namespace) aliases.push(service.localAlias);
    for (const port of [...service.ports].sort((a, b) => a.number - b.number)) {
      if (isHttpProtocol(port.protocol)) {
        const vh = owned.get(`${service.host}:${port.number}`) ?? { host: service.host, port: port.number, routes: [defaultRoute(service, port.number, options)] };
        virtualHosts.push(aliases.length > 0 ? { ...vh, aliases } : vh);
        continue;
      }
      const attempts = tcp.find((t) => t.host === service.host && (t.port === undefined || t.port === port.number));
      if (attempts) tcpRoutes.push({ host: service.host, port: port.number, maxConnectAttempts: attempts.maxConnectAttempts, from: attempts.from });
    }
  }
  virtualHosts.sort((a, b) => compareStrings(a.host, b.host) || a.port - b.port);
  const mesh: Mesh = { services, virtualHosts };
  if (tcpRoutes.length > 0) mesh.tcpRoutes = tcpRoutes;
  if (proxy.role === 'gateway') {
    mesh.role = 'gateway';
    const gateway = outputs.find((o) => o.gateway)?.gateway;
    if (gateway) mesh.gateway = gateway;
  }
  return mesh;
}

function withSettings(service: Service, settings: DestinationSettings | undefined): Service {
  if (!settings) return service;
  return { ...service, subsets: settings.subsets, clusterPolicies: settings.policies };
}

/**
 * The route of a service port nobody routes: `default`, prefix `/`, no timeout, and the
 * service's default retry decision (Istio's default for ServiceEntry hosts, none for a plain
 * Kubernetes Service unless `--default-retry-policy istio`).
 */
export function defaultRoute(service: Service, port: number, options: CompileOptions = DEFAULT_COMPILE_OPTIONS): Route {
  return {
    name: 'default',
    match: { uri: { prefix: '/' }, headers: [] },
    destinations: [{ host: service.host, port, weight: 100 }],
    timeoutMs: 0,
    retry: service.defaultRetry ?? defaultRetryFor(options),
    source: 'default',
  };
}

function defaultRetryFor(options: CompileOptions): RetryDecision {
  if (options.defaultRetryPolicy === 'istio') {
    return { policy: istioDefaultRetryPolicy(), from: 'default', reason: 'Istio default policy (serve --default-retry-policy istio)', level: 'default' };
  }
  return { policy: null, from: 'default', reason: 'no policy of any system sets retries for this service', level: 'default' };
}

/** Canonical text of a selector, the unit of a view key. */
export function selectorKey(s: ProxySelector): string {
  switch (s.kind) {
    case 'serviceAccount': return `sa:${s.namespace}/${s.name}`;
    case 'gateway': return `gw:${s.namespace}/${s.name}`;
    case 'labels': return `labels:${Object.keys(s.match).sort(compareStrings).map((k) => `${k}=${s.match[k]}`).join(',')}`;
  }
}

function hostTaken(service: Service, first: Service): Diagnostic {
  const s = service.source;
  return {
    severity: 'Warning',
    code: Codes.ConflictingPolicies,
    message: `host ${service.host} is already declared by ${first.source.kind} ${first.source.namespace}/${first.source.name}; this declaration of it is ignored`,
    object: { kind: s.kind, namespace: s.namespace, name: s.name },
    location: { file: s.file, line: s.line },
  };
}

function servedEntry(object: SourceObject): KindEntry | undefined {
  const { entry } = lookupKind(object.group, object.kind);
  return entry && entry.versions.includes(object.version) ? entry : undefined;
}

/** The UnknownKind warning for an object no system reads, or undefined when one does. */
function unknownKind(object: SourceObject): Diagnostic | undefined {
  const { system, entry } = lookupKind(object.group, object.kind);
  if (entry && entry.versions.includes(object.version)) return undefined;
  let message: string;
  if (entry) {
    message = `${object.kind} ${object.apiVersion} is not a served version; accepted: ${entry.versions.map((v) => `${entry.group}/${v}`).join(', ')}; skipped`;
  } else if (system?.knownUnsupportedKinds?.includes(object.kind)) {
    message = `${object.kind} (${object.apiVersion}) is not supported by Ricochet yet; skipped`;
  } else {
    message = `unknown kind ${object.kind} (${object.apiVersion}); supported: ${supportedKinds()}; skipped`;
  }
  const { kind, namespace, name, document } = object;
  return { severity: 'Warning', code: Codes.UnknownKind, message, object: { kind, namespace, name }, location: document.locate(['kind']) };
}

function supportedKinds(): string {
  return SYSTEMS.flatMap((s) => s.kinds.map((k) => `${k.kind} (${k.group})`)).join(', ');
}

function duplicate(object: SourceObject, first: SourceObject): Diagnostic {
  const where = first.document.locate([]);
  const at = where.file ? ` at ${where.file}${where.line !== undefined ? `:${where.line}` : ''}` : '';
  const { kind, namespace, name, document } = object;
  return {
    severity: 'Error',
    code: Codes.DuplicateObject,
    message: `${kind} ${namespace}/${name} is defined twice; the first definition${at} is kept, this one is ignored`,
    object: { kind, namespace, name },
    location: document.locate(['metadata', 'name']),
  };
}
