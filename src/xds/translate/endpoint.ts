import type { JsonObject } from '../../lib/protos/protoJson';
import type { Service, ServicePort } from '../../ir/model';
import { lbEndpoints } from './cluster';
import { outboundClusterName } from './names';

/** ClusterLoadAssignment for an EDS cluster (a STATIC ServiceEntry), sent over ADS. */
export function loadAssignmentForServicePort(service: Service, port: ServicePort): JsonObject {
  const clusterName = outboundClusterName(service.host, port.number);
  const endpoints = service.endpoints.length > 0 ? [{ lbEndpoints: lbEndpoints(service, port) }] : [];
  return { clusterName, endpoints };
}
