import type { JsonObject } from '../lib/protos/protoJson';

/** xDS type URLs (xds-protocol.md §2.1 rule 1). */
export const TypeUrl = {
  Cluster: 'type.googleapis.com/envoy.config.cluster.v3.Cluster',
  Endpoint: 'type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment',
  Listener: 'type.googleapis.com/envoy.config.listener.v3.Listener',
  Route: 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration',
} as const;
export type TypeUrl = (typeof TypeUrl)[keyof typeof TypeUrl];

/** ADS push order: CDS → EDS → LDS → RDS (xds-protocol.md §2.1 rule 16). */
export const PUSH_ORDER: readonly TypeUrl[] = [TypeUrl.Cluster, TypeUrl.Endpoint, TypeUrl.Listener, TypeUrl.Route];

/** LDS and CDS are "full state" types: a SotW response lists every resource, and wildcard is allowed. */
export function isFullStateType(typeUrl: string): boolean {
  return typeUrl === TypeUrl.Cluster || typeUrl === TypeUrl.Listener;
}

/** Envoy resources for one proxy view, as proto3 JSON (the shape of Envoy's config dump). */
export interface XdsResources {
  listeners: JsonObject[];
  routes: JsonObject[];
  clusters: JsonObject[];
  endpoints: JsonObject[];
}

export function resourcesOfType(resources: XdsResources, typeUrl: TypeUrl): JsonObject[] {
  switch (typeUrl) {
    case TypeUrl.Cluster: return resources.clusters;
    case TypeUrl.Endpoint: return resources.endpoints;
    case TypeUrl.Listener: return resources.listeners;
    case TypeUrl.Route: return resources.routes;
  }
}

/** The name of a resource: `clusterName` for a ClusterLoadAssignment, `name` otherwise. */
export function resourceName(typeUrl: TypeUrl, resource: JsonObject): string {
  const name = typeUrl === TypeUrl.Endpoint ? resource.clusterName : resource.name;
  if (typeof name !== 'string' || name === '') throw new Error(`resource of ${typeUrl} without a name`);
  return name;
}

/** Proxy identity as sent in the xDS `node` (DESIGN.md, Conventions). */
export interface ProxyNode {
  id: string;
  cluster: string;
  metadata: JsonObject;
}
