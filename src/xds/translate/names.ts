/** Istio's cluster name: `outbound|<port>|<subset>|<host>` (sources-istio.md §4.3). */
export function outboundClusterName(host: string, port: number, subset = ''): string {
  return `outbound|${port}|${subset}|${host}`;
}

/** Istio's virtual host name: `<host>:<port>` (sources-istio.md §4.5). */
export function virtualHostName(host: string, port: number): string {
  return `${host}:${port}`;
}

export const PASSTHROUGH_CLUSTER = 'PassthroughCluster';
export const ALLOW_ANY_VHOST = 'allow_any';
export const BLOCK_ALL_VHOST = 'block_all';

/** Name shared by the dynamic forward proxy filter and clusters: they must use one DNS cache. */
export const EGRESS_DNS_CACHE = 'ricochet_egress_dns_cache';

export const TYPE = {
  hcm: 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
  router: 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router',
  fault: 'type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault',
  dfpFilter: 'type.googleapis.com/envoy.extensions.filters.http.dynamic_forward_proxy.v3.FilterConfig',
  dfpCluster: 'type.googleapis.com/envoy.extensions.clusters.dynamic_forward_proxy.v3.ClusterConfig',
  previousHosts: 'type.googleapis.com/envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate',
  previousPriorities: 'type.googleapis.com/envoy.extensions.retry.priority.previous_priorities.v3.PreviousPrioritiesConfig',
} as const;
