import type { JsonObject } from '../../lib/protos/protoJson';
import type { Mesh, Service, Subset } from '../../ir/model';
import type { XdsResources } from '../resources';
import { clusterForServicePort, passthroughCluster } from './cluster';
import { loadAssignmentForServicePort } from './endpoint';
import { egressListener } from './listener';
import { gatewayResources } from './gateway';
import { tcpEgressListeners } from './tcpProxy';
import { catchAllVirtualHost, envoyVirtualHost, type OutboundTrafficPolicy } from './route';

export type { OutboundTrafficPolicy } from './route';

export interface TranslateOptions {
  egress: { address: string; port: number };
  outboundTrafficPolicy: OutboundTrafficPolicy;
  /** Address a gateway proxy's listeners bind (each on its Gateway listener's port). */
  gatewayAddress: string;
}

export const DEFAULT_TRANSLATE_OPTIONS: TranslateOptions = {
  egress: { address: '127.0.0.1', port: 15001 },
  outboundTrafficPolicy: 'ALLOW_ANY',
  gatewayAddress: '127.0.0.1',
};

/** IR → the Envoy resources a sidecar gets. Pure and deterministic: same mesh, same JSON. */
export function translateMesh(mesh: Mesh, options: TranslateOptions = DEFAULT_TRANSLATE_OPTIONS): XdsResources {
  const routeConfigName = String(options.egress.port);
  const { clusters, endpoints } = clustersAndEndpoints(mesh.services);
  if (mesh.role === 'gateway' || mesh.gateway) {
    // A gateway proxy whose GATEWAY names no Gateway gets clusters and no listener at all.
    const gw = mesh.gateway ? gatewayResources(mesh.gateway, options.gatewayAddress) : { listeners: [], routes: [] };
    return { listeners: gw.listeners, routes: gw.routes, clusters, endpoints };
  }
  if (options.outboundTrafficPolicy === 'ALLOW_ANY') clusters.push(passthroughCluster());

  const servicesByHost = new Map<string, Service>();
  for (const s of mesh.services) if (!servicesByHost.has(s.host)) servicesByHost.set(s.host, s);
  const taken = new Set<string>();
  const virtualHosts: JsonObject[] = [];
  for (const vh of mesh.virtualHosts) {
    const out = envoyVirtualHost(vh, servicesByHost.get(vh.host), taken);
    if (out) virtualHosts.push(out);
  }
  virtualHosts.push(catchAllVirtualHost(options.outboundTrafficPolicy));

  const routes: JsonObject[] = [{
    name: routeConfigName,
    virtualHosts,
    // Routes may name clusters that do not exist (yet); Envoy answers 503 for those instead of NACKing.
    validateClusters: false,
  }];
  const listeners = [
    egressListener({ address: options.egress.address, port: options.egress.port, routeConfigName }),
    ...tcpEgressListeners(mesh.tcpRoutes ?? [], options.egress.address),
  ];
  return { listeners, routes, clusters, endpoints };
}

/**
 * One cluster per service port and one per port and DestinationRule subset
 * (`outbound|<port>|<subset>|<host>`, sources-istio.md §4.3); EDS clusters get their
 * ClusterLoadAssignment (a subset's holds the endpoints whose labels include the subset's).
 */
function clustersAndEndpoints(services: readonly Service[]): { clusters: JsonObject[]; endpoints: JsonObject[] } {
  const clusters: JsonObject[] = [];
  const endpoints: JsonObject[] = [];
  const seen = new Set<string>();
  for (const service of services) {
    for (const port of service.ports) {
      if (port.protocol === 'UDP') continue;
      const subsets: Array<Subset | undefined> = [undefined, ...(service.subsets ?? [])];
      for (const subset of subsets) {
        const cluster = clusterForServicePort(service, port, subset);
        if (!cluster) continue;
        const name = String(cluster.name);
        // Two services declaring the same host and port: the first (sorted) wins.
        if (seen.has(name)) continue;
        seen.add(name);
        clusters.push(cluster);
        if (cluster.type === 'EDS') endpoints.push(loadAssignmentForServicePort(service, port, subset));
      }
    }
  }
  return { clusters, endpoints };
}
