/**
 * Which Gateway listeners accept a route, per parentRef, with the Gateway API's reasons when none
 * does (RouteConditionReason in shared_types.go): NoMatchingParent (no such Gateway, class or
 * listener), NotAllowedByListeners (allowedRoutes or protocol), NoMatchingListenerHostname.
 */
import type { FieldPath } from '../document';
import { GATEWAY_API_GROUP } from './fields';
import { protocolIs, type GatewaySpec, type ListenerSpec } from './gateway';
import { routeDomains } from './hostnames';
import type { HttpRouteSpec } from './httpRoute';
import { namespaceMatches } from './labelSelector';
import { gatewayKey, type GatewayApiObjects, type Read } from './model';
import type { ParentRefSpec } from './parentRef';
import type { StatusCollector } from './status';

/** A route attached to one listener, with the domains it serves there. */
export interface Attachment {
  route: Read<HttpRouteSpec>;
  gateway: Read<GatewaySpec>;
  listener: ListenerSpec;
  domains: string[];
}

type Outcome = { attached: Attachment[] } | { reason: string; message: string; path: FieldPath };

/** Attaches one route to the listeners its parentRefs select; records `Accepted` per parentRef. */
export function attachRoute(route: Read<HttpRouteSpec>, world: GatewayApiObjects, status: StatusCollector): Attachment[] {
  const out: Attachment[] = [];
  for (const ref of route.spec.parentRefs) {
    const label = `parentRefs[${ref.index}] ${ref.kind} ${ref.namespace ?? route.object.namespace}/${ref.name}`;
    const outcome = attachToParent(route, ref, world);
    if ('attached' in outcome) {
      out.push(...outcome.attached);
      const listeners = outcome.attached.map((a) => `${a.listener.name} (port ${a.listener.port}, ${a.domains.join(', ')})`);
      status.ok(route.object, 'Accepted', 'Accepted', `${label}: attached to listener${listeners.length > 1 ? 's' : ''} ${listeners.join('; ')}`);
    } else {
      status.fail(route.object, 'Accepted', outcome.reason, `${label}: ${outcome.message}`, outcome.path);
    }
  }
  return out;
}

function attachToParent(route: Read<HttpRouteSpec>, ref: ParentRefSpec, world: GatewayApiObjects): Outcome {
  const at: FieldPath = ['spec', 'parentRefs', ref.index];
  if (ref.group !== GATEWAY_API_GROUP || ref.kind !== 'Gateway') {
    return { reason: 'NoMatchingParent', message: `Ricochet attaches routes to Gateways (${GATEWAY_API_GROUP}) only; a ${ref.kind} parent (group ${JSON.stringify(ref.group)}) is not supported yet`, path: [...at, 'kind'] };
  }
  const namespace = ref.namespace ?? route.object.namespace;
  const gateway = world.gateways.get(gatewayKey(namespace, ref.name));
  if (!gateway) return { reason: 'NoMatchingParent', message: `Gateway ${namespace}/${ref.name} not found`, path: [...at, 'name'] };
  const className = gateway.spec.gatewayClassName;
  if (className === undefined || !world.classes.has(className)) {
    return { reason: 'NoMatchingParent', message: `its GatewayClass ${JSON.stringify(className ?? '')} does not exist, so no controller serves the Gateway`, path: [...at, 'name'] };
  }
  const selected = gateway.spec.listeners.filter((l) => (ref.sectionName === undefined || l.name === ref.sectionName) && (ref.port === undefined || l.port === ref.port));
  if (selected.length === 0) {
    const wanted = [ref.sectionName !== undefined ? `named ${JSON.stringify(ref.sectionName)}` : '', ref.port !== undefined ? `on port ${ref.port}` : ''].filter(Boolean).join(' and ');
    const field = ref.sectionName !== undefined ? 'sectionName' : 'port';
    return { reason: 'NoMatchingParent', message: `the Gateway has no listener ${wanted || 'at all'}`, path: [...at, field] };
  }
  return acceptingListeners(route, gateway, selected, at);
}

function acceptingListeners(route: Read<HttpRouteSpec>, gateway: Read<GatewaySpec>, selected: ListenerSpec[], at: FieldPath): Outcome {
  const http = selected.filter((l) => protocolIs(l, 'HTTP'));
  if (http.length === 0) {
    const which = selected.map((l) => `${l.name} (${l.protocol})`).join(', ');
    return { reason: 'NotAllowedByListeners', message: `listener${selected.length > 1 ? 's' : ''} ${which} ${selected.length > 1 ? 'are' : 'is'} not served by Ricochet, which serves HTTP listeners only`, path: at };
  }
  const refusals: string[] = [];
  const allowed = http.filter((l) => {
    const why = refusal(l, gateway.object.namespace, route.object.namespace);
    if (why) refusals.push(`${l.name}: ${why}`);
    return why === undefined;
  });
  if (allowed.length === 0) return { reason: 'NotAllowedByListeners', message: refusals.join('; '), path: at };
  const attached = allowed
    .map((listener) => ({ route, gateway, listener, domains: routeDomains(listener.hostname, route.spec.hostnames) }))
    .filter((a) => a.domains.length > 0);
  if (attached.length === 0) {
    const hosts = allowed.map((l) => `${l.name}: ${l.hostname ?? '(any)'}`).join(', ');
    return { reason: 'NoMatchingListenerHostname', message: `no route hostname (${route.spec.hostnames.join(', ')}) intersects a listener hostname (${hosts})`, path: ['spec', 'hostnames'] };
  }
  return { attached };
}

/** Why a listener refuses HTTPRoutes from `routeNamespace`, or undefined when it accepts them. */
function refusal(listener: ListenerSpec, gatewayNamespace: string, routeNamespace: string): string | undefined {
  if (listener.kinds.length > 0 && !listener.kinds.some((k) => k.group === GATEWAY_API_GROUP && k.kind === 'HTTPRoute')) {
    return `allowedRoutes.kinds (${listener.kinds.map((k) => k.kind).join(', ')}) does not include HTTPRoute`;
  }
  switch (listener.from) {
    case 'All': return undefined;
    case 'Same': return routeNamespace === gatewayNamespace ? undefined : `allowedRoutes.namespaces.from is Same (${gatewayNamespace}) and the route is in ${routeNamespace}`;
    case 'Selector': return namespaceMatches(listener.selector ?? [], routeNamespace) ? undefined : `namespace ${routeNamespace} does not match allowedRoutes.namespaces.selector`;
  }
}
