import type { JsonObject } from '../../lib/protos/protoJson';
import type { Endpoint, Service, ServicePort } from '../../ir/model';
import { EGRESS_DNS_CACHE, PASSTHROUGH_CLUSTER, TYPE, outboundClusterName } from './names';

/** Istio's outbound defaults (sources-istio.md §4.2, §5.1). */
const CONNECT_TIMEOUT = '10s';
const MAX_U32 = 4294967295;
const DEFAULT_CIRCUIT_BREAKERS: JsonObject = {
  thresholds: [{ maxConnections: MAX_U32, maxPendingRequests: MAX_U32, maxRequests: MAX_U32, maxRetries: MAX_U32 }],
};

/** The DNS cache shared by the passthrough cluster and the dynamic forward proxy filter. */
export function egressDnsCacheConfig(): JsonObject {
  return { name: EGRESS_DNS_CACHE, dnsLookupFamily: 'V4_ONLY' };
}

/** Port an endpoint listens on for a service port: its own ports map, else targetPort, else the port. */
export function endpointPort(endpoint: Endpoint | undefined, port: ServicePort): number {
  return endpoint?.ports[port.name] ?? port.targetPort ?? port.number;
}

export function lbEndpoints(service: Service, port: ServicePort): JsonObject[] {
  const endpoints: Array<Endpoint | undefined> = service.endpoints.length > 0 ? service.endpoints : [undefined];
  return endpoints.map((ep) => {
    const lb: JsonObject = {
      endpoint: { address: { socketAddress: { address: ep?.address ?? service.host, portValue: endpointPort(ep, port) } } },
    };
    if (ep?.weight !== undefined) lb.loadBalancingWeight = ep.weight;
    if (ep && Object.keys(ep.labels).length > 0) lb.metadata = { filterMetadata: { istio: { labels: ep.labels } } };
    return lb;
  });
}

/** One cluster per service port, typed by the ServiceEntry resolution (sources-istio.md §4.1). */
export function clusterForServicePort(service: Service, port: ServicePort): JsonObject {
  const name = outboundClusterName(service.host, port.number);
  const cluster: JsonObject = { name, connectTimeout: CONNECT_TIMEOUT, lbPolicy: 'LEAST_REQUEST' };
  switch (service.resolution) {
    case 'DNS':
    case 'DNS_ROUND_ROBIN': {
      cluster.type = service.resolution === 'DNS' ? 'STRICT_DNS' : 'LOGICAL_DNS';
      let endpoints = lbEndpoints(service, port);
      // LOGICAL_DNS takes exactly one host.
      if (service.resolution === 'DNS_ROUND_ROBIN') endpoints = endpoints.slice(0, 1);
      cluster.loadAssignment = { clusterName: name, endpoints: [{ lbEndpoints: endpoints }] };
      // Istio also sets dnsRefreshRate 60s and respectDnsTtl; both are deprecated in Envoy 1.40
      // (warnings on every update), so Envoy's defaults apply (5 s refresh).
      cluster.dnsLookupFamily = 'V4_ONLY';
      break;
    }
    case 'STATIC':
      cluster.type = 'EDS';
      cluster.edsClusterConfig = {
        serviceName: name,
        edsConfig: { ads: {}, initialFetchTimeout: '0s', resourceApiVersion: 'V3' },
      };
      break;
    case 'NONE':
      // Istio uses ORIGINAL_DST here. On an explicit egress proxy the original destination is
      // the proxy itself, so the request's Host is resolved instead (dynamic forward proxy).
      Object.assign(cluster, dynamicForwardProxyCluster(name));
      break;
  }
  cluster.circuitBreakers = DEFAULT_CIRCUIT_BREAKERS;
  if (port.protocol === 'HTTP2' || port.protocol === 'GRPC') {
    cluster.typedExtensionProtocolOptions = {
      'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
        '@type': 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
        explicitHttpConfig: { http2ProtocolOptions: {} },
      },
    };
  }
  const filterMetadata: JsonObject = { ricochet: { source: `${service.source.kind} ${service.source.namespace}/${service.source.name}` } };
  if (service.external) filterMetadata.istio = { external: true };
  cluster.metadata = { filterMetadata };
  return cluster;
}

function dynamicForwardProxyCluster(name: string): JsonObject {
  return {
    name,
    lbPolicy: 'CLUSTER_PROVIDED',
    clusterType: {
      name: 'envoy.clusters.dynamic_forward_proxy',
      typedConfig: { '@type': TYPE.dfpCluster, dnsCacheConfig: egressDnsCacheConfig() },
    },
  };
}

/** Where unregistered hosts go in ALLOW_ANY mode: resolved by Host, never retried (sources-istio.md §1.1). */
export function passthroughCluster(): JsonObject {
  return { connectTimeout: CONNECT_TIMEOUT, ...dynamicForwardProxyCluster(PASSTHROUGH_CLUSTER) };
}
