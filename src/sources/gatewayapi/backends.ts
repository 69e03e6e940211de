/**
 * backendRefs → IR destinations, and the route's `ResolvedRefs` condition (HTTPBackendRef in
 * httproute_types.go): InvalidKind (not a core Service), RefNotPermitted (another namespace
 * without a ReferenceGrant), BackendNotFound (no such Service, or no such port on it).
 *
 * An unresolved backend keeps its share of the traffic and points at a cluster that does not
 * exist, so Envoy answers that share itself (503, "no cluster") where the API asks for 500.
 */
import type { RouteDestination } from '../../ir/model';
import type { FieldPath } from '../document';
import type { ServiceRegistry } from '../serviceRegistry';
import { GATEWAY_API_GROUP } from './fields';
import type { BackendRefSpec, HttpRouteSpec } from './httpRoute';
import type { Read } from './model';
import { referencePermitted, type ReadGrant } from './referenceGrant';

export interface BackendProblem {
  reason: 'InvalidKind' | 'RefNotPermitted' | 'BackendNotFound';
  message: string;
  path: FieldPath;
}

export interface ResolvedBackends {
  /** Destinations per rule index (weight-0 backends left out). */
  destinations: Map<number, RouteDestination[]>;
  problems: BackendProblem[];
}

export function resolveBackends(route: Read<HttpRouteSpec>, registry: ServiceRegistry, grants: readonly ReadGrant[]): ResolvedBackends {
  const out: ResolvedBackends = { destinations: new Map(), problems: [] };
  for (const rule of route.spec.rules) {
    const dests: RouteDestination[] = [];
    for (const ref of rule.backendRefs) {
      const path: FieldPath = ['spec', 'rules', rule.index, 'backendRefs', ref.index];
      const resolved = resolveOne(route, ref, registry, grants, path);
      if ('problem' in resolved) out.problems.push(resolved.problem);
      if (ref.weight > 0) dests.push(resolved.destination);
    }
    out.destinations.set(rule.index, dests);
  }
  return out;
}

type Resolution = { destination: RouteDestination } | { destination: RouteDestination; problem: BackendProblem };

function resolveOne(route: Read<HttpRouteSpec>, ref: BackendRefSpec, registry: ServiceRegistry, grants: readonly ReadGrant[], path: FieldPath): Resolution {
  const namespace = ref.namespace ?? route.object.namespace;
  const unresolved: RouteDestination = { host: `${ref.name}.${namespace}.svc.cluster.local`, port: ref.port ?? 0, weight: ref.weight };
  const fail = (reason: BackendProblem['reason'], message: string, field?: string): Resolution => ({
    destination: unresolved,
    problem: { reason, message: `backendRefs ${namespace}/${ref.name}: ${message}`, path: field ? [...path, field] : path },
  });
  if (ref.group !== '' || ref.kind !== 'Service') {
    return fail('InvalidKind', `kind ${ref.kind} of group ${JSON.stringify(ref.group)} is not supported; Ricochet forwards to core Services (group "", kind Service)`, 'kind');
  }
  if (namespace !== route.object.namespace) {
    const from = { group: GATEWAY_API_GROUP, kind: 'HTTPRoute', namespace: route.object.namespace };
    if (!referencePermitted(grants, from, { group: '', kind: 'Service', namespace, name: ref.name })) {
      return fail('RefNotPermitted', `a reference to namespace ${namespace} needs a ReferenceGrant there from HTTPRoutes in ${route.object.namespace} to Services`, 'namespace');
    }
  }
  const service = registry.byName(namespace, ref.name);
  if (!service) return fail('BackendNotFound', `Service ${namespace}/${ref.name} not found`, 'name');
  if (ref.port === undefined || !service.ports.some((p) => p.number === ref.port)) {
    const ports = service.ports.map((p) => p.number).join(', ');
    return fail('BackendNotFound', `Service ${namespace}/${ref.name} has no port ${ref.port ?? '(none given)'}; its ports: ${ports || 'none'}`, 'port');
  }
  return { destination: { host: service.host, port: ref.port, weight: ref.weight } };
}
