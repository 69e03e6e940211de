import type { JsonObject } from '../../lib/protos/protoJson';
import { describeProvenance, type ClusterPolicy, type Service, type ServicePort, type Subset } from '../../ir/model';
import { clusterEndpoints, lbEndpoints } from './endpoint';
import { EGRESS_DNS_CACHE, PASSTHROUGH_CLUSTER, TYPE, outboundClusterName } from './names';
import { applyTrafficPolicy, connectTimeout, isPassthrough, loadBalancing } from './trafficPolicy';

/** The DNS cache shared by the passthrough cluster and the dynamic forward proxy filter. */
export function egressDnsCacheConfig(): JsonObject {
  return { name: EGRESS_DNS_CACHE, dnsLookupFamily: 'V4_ONLY' };
}

/** The settings a DestinationRule (or another system) gives this port, or this port of a subset. */
export function clusterPolicyFor(service: Service, port: number, subset?: string): ClusterPolicy | undefined {
  return service.clusterPolicies?.find((p) => p.port === port && p.subset === subset);
}

/**
 * The cluster of a service port, or of one of its subsets (`outbound|<port>|<subset>|<host>`),
 * typed by the ServiceEntry resolution (sources-istio.md §4.1, §4.3), with its traffic policy
 * (§5). Undefined for a DNS subset no endpoint belongs to: Istio does not build that cluster.
 */
export function clusterForServicePort(service: Service, port: ServicePort, subset?: Subset): JsonObject | undefined {
  const name = outboundClusterName(service.host, port.number, subset?.name);
  const found = clusterPolicyFor(service, port.number, subset?.name);
  const policy = found?.policy;
  const cluster: JsonObject = { name, connectTimeout: connectTimeout(policy), ...loadBalancing(policy?.loadBalancer) };
  if (service.resolution === 'NONE' || isPassthrough(policy)) {
    // Istio uses ORIGINAL_DST here. On an explicit egress proxy the original destination is
    // the proxy itself, so the request's Host is resolved instead (dynamic forward proxy).
    Object.assign(cluster, dynamicForwardProxyCluster(name));
    delete cluster.ringHashLbConfig;
  } else if (service.resolution === 'STATIC') {
    cluster.type = 'EDS';
    cluster.edsClusterConfig = { serviceName: name, edsConfig: { ads: {}, initialFetchTimeout: '0s', resourceApiVersion: 'V3' } };
  } else {
    const dns = dnsCluster(service, port, subset, name);
    if (!dns) return undefined;
    Object.assign(cluster, dns);
  }
  applyTrafficPolicy(cluster, policy, port);
  cluster.metadata = clusterMetadata(service, subset, found);
  return cluster;
}

/** STRICT_DNS / LOGICAL_DNS with the endpoints inline; undefined when a subset selects none. */
function dnsCluster(service: Service, port: ServicePort, subset: Subset | undefined, name: string): JsonObject | undefined {
  let endpoints = clusterEndpoints(service, subset);
  if (endpoints.length === 0) return undefined;
  // LOGICAL_DNS takes exactly one host.
  if (service.resolution === 'DNS_ROUND_ROBIN') endpoints = endpoints.slice(0, 1);
  // Istio also sets dnsRefreshRate 60s and respectDnsTtl; both are deprecated in Envoy 1.40
  // (warnings on every update), so Envoy's defaults apply (5 s refresh).
  return {
    type: service.resolution === 'DNS' ? 'STRICT_DNS' : 'LOGICAL_DNS',
    loadAssignment: { clusterName: name, endpoints: [{ lbEndpoints: lbEndpoints(service, port, endpoints) }] },
    dnsLookupFamily: 'V4_ONLY',
  };
}

/** Where the cluster and its policy come from, so config dumps can tell (and Istio's subset key). */
function clusterMetadata(service: Service, subset: Subset | undefined, policy: ClusterPolicy | undefined): JsonObject {
  const ricochet: JsonObject = { source: describeProvenance(service.source) };
  if (policy) ricochet.trafficPolicyFrom = describeProvenance(policy.source);
  const filterMetadata: JsonObject = { ricochet };
  const istio: JsonObject = {};
  if (service.external) istio.external = true;
  if (subset) istio.subset = subset.name;
  if (Object.keys(istio).length > 0) filterMetadata.istio = istio;
  return { filterMetadata };
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
  return { connectTimeout: '10s', ...dynamicForwardProxyCluster(PASSTHROUGH_CLUSTER) };
}
