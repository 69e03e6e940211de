/**
 * A gateway proxy's listeners and route configurations, from the IR's GatewayConfig: one Envoy
 * listener per distinct port at `address:port`, each with an HTTP connection manager whose routes
 * come over RDS as `http.<port>` (Istio's gateway naming). The HTTP filters are the egress
 * listener's (fault, router) without the forward proxy: a gateway only forwards to its routes.
 */
import type { JsonObject } from '../../lib/protos/protoJson';
import type { GatewayConfig, GatewayListener } from '../../ir/model';
import { FAULT_HTTP_FILTER, ROUTER_HTTP_FILTER, adsRds, httpFilterChain } from './listener';
import { envoyRoute } from './route';
import { TYPE } from './names';

export function gatewayListenerName(gateway: Pick<GatewayConfig, 'namespace' | 'name'>, port: number): string {
  return `gateway.${gateway.namespace}.${gateway.name}.${port}`;
}

export function gatewayRouteConfigName(port: number): string {
  return `http.${port}`;
}

export function gatewayResources(gateway: GatewayConfig, address: string): { listeners: JsonObject[]; routes: JsonObject[] } {
  const ports = [...new Set(gateway.listeners.map((l) => l.port))].sort((a, b) => a - b);
  return {
    listeners: ports.map((port) => gatewayListener(gateway, address, port)),
    routes: ports.map((port) => routeConfiguration(gateway, gateway.listeners.filter((l) => l.port === port), port)),
  };
}

function gatewayListener(gateway: GatewayConfig, address: string, port: number): JsonObject {
  const hcm: JsonObject = {
    '@type': TYPE.hcm,
    statPrefix: `gateway_${port}`,
    rds: adsRds(gatewayRouteConfigName(port)),
    httpFilters: [FAULT_HTTP_FILTER, ROUTER_HTTP_FILTER],
    // Route hostnames match the Host header without its port (HTTPRouteSpec.hostnames).
    stripAnyHostPort: true,
  };
  return {
    name: gatewayListenerName(gateway, port),
    address: { socketAddress: { address, portValue: port } },
    filterChains: [httpFilterChain(hcm)],
  };
}

/**
 * The virtual hosts of every Gateway listener on one port. Listeners sharing a port differ by
 * hostname; a domain belongs to the first listener that serves it, listeners being taken most
 * specific hostname first (the IR lists them so), as Gateway API listener isolation asks.
 */
function routeConfiguration(gateway: GatewayConfig, listeners: GatewayListener[], port: number): JsonObject {
  const taken = new Set<string>();
  const virtualHosts: JsonObject[] = [];
  for (const listener of listeners) {
    for (const vh of listener.virtualHosts) {
      const domains = vh.domains.filter((d) => !taken.has(d));
      if (domains.length === 0) continue;
      for (const d of domains) taken.add(d);
      virtualHosts.push({
        name: `${gateway.namespace}/${gateway.name}/${listener.name}/${vh.name}`,
        domains,
        routes: vh.routes.map((r) => envoyRoute(r)),
        includeRequestAttemptCount: true,
      });
    }
  }
  // A backend that does not resolve has no cluster; Envoy answers for it instead of rejecting the config.
  const out: JsonObject = { name: gatewayRouteConfigName(port) };
  // proto3 JSON leaves an empty list out; no virtual host means 404 for every request.
  if (virtualHosts.length > 0) out.virtualHosts = virtualHosts;
  out.validateClusters = false;
  return out;
}
