/**
 * Endpoints of a service port, and of a DestinationRule subset: the service endpoints whose
 * labels include the subset's labels (sources-istio.md §4.3).
 */
import type { JsonObject } from '../../lib/protos/protoJson';
import type { Endpoint, Service, ServicePort, Subset } from '../../ir/model';
import { outboundClusterName } from './names';

/** Port an endpoint listens on for a service port: its own ports map, else targetPort, else the port. */
export function endpointPort(endpoint: Endpoint | undefined, port: ServicePort): number {
  return endpoint?.ports[port.name] ?? port.targetPort ?? port.number;
}

/** Whether an endpoint belongs to a subset: every subset label is on the endpoint. */
export function inSubset(labels: Record<string, string>, subset: Subset | undefined): boolean {
  if (!subset) return true;
  return Object.entries(subset.labels).every(([k, v]) => labels[k] === v);
}

/**
 * The endpoints of a cluster. A service without declared endpoints (DNS resolution) has one
 * implicit endpoint, the host itself, with no labels: a subset with labels matches none.
 */
export function clusterEndpoints(service: Service, subset?: Subset): Array<Endpoint | undefined> {
  if (service.endpoints.length === 0) return inSubset({}, subset) ? [undefined] : [];
  return service.endpoints.filter((ep) => inSubset(ep.labels, subset));
}

export function lbEndpoints(service: Service, port: ServicePort, endpoints: Array<Endpoint | undefined>): JsonObject[] {
  return endpoints.map((ep) => {
    const lb: JsonObject = {
      endpoint: { address: { socketAddress: { address: ep?.address ?? service.host, portValue: endpointPort(ep, port) } } },
    };
    if (ep?.weight !== undefined) lb.loadBalancingWeight = ep.weight;
    if (ep && Object.keys(ep.labels).length > 0) lb.metadata = { filterMetadata: { istio: { labels: ep.labels } } };
    return lb;
  });
}

/** ClusterLoadAssignment for an EDS cluster (a STATIC service, or one of its subsets), sent over ADS. */
export function loadAssignmentForServicePort(service: Service, port: ServicePort, subset?: Subset): JsonObject {
  const clusterName = outboundClusterName(service.host, port.number, subset?.name);
  const eps = service.endpoints.length > 0 ? clusterEndpoints(service, subset) : [];
  return { clusterName, endpoints: eps.length > 0 ? [{ lbEndpoints: lbEndpoints(service, port, eps) }] : [] };
}
