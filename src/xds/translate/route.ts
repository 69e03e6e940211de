import { formatProtoDuration } from '../../lib/duration';
import type { JsonObject } from '../../lib/protos/protoJson';
import { describeProvenance, type RetryPolicy, type Route, type Service, type VirtualHost } from '../../ir/model';
import { envoyRetryPolicy } from './retryPolicy';
import { FAULT_FILTER, faultFilterConfig } from './fault';
import { routeMatch } from './routeMatch';
import { ALLOW_ANY_VHOST, BLOCK_ALL_VHOST, PASSTHROUGH_CLUSTER, outboundClusterName, virtualHostName } from './names';

export type OutboundTrafficPolicy = 'ALLOW_ANY' | 'REGISTRY_ONLY';

/**
 * Domains a virtual host answers on the egress listener. The one listener serves every port, so
 * unlike Istio's per-port route configurations the port is part of the domain; a Host without a
 * port means 80, as HTTP says. The trailing-dot FQDN form follows Istio ≥1.27 (sources-istio.md §4.5).
 */
export function domainsFor(host: string, port: number, addresses: readonly string[], aliases: readonly string[] = []): string[] {
  const names = [host];
  if (!host.startsWith('*')) names.push(`${host}.`);
  names.push(...aliases, ...addresses);
  const out: string[] = [];
  for (const name of names) {
    if (port === 80) out.push(name);
    out.push(`${name}:${port}`);
  }
  return out;
}

function routeAction(route: Route, retryOnVirtualHost: boolean): JsonObject {
  const action: JsonObject = {};
  const clusters = route.destinations.map((d) => ({ name: outboundClusterName(d.host, d.port, d.subset), weight: d.weight }));
  if (clusters.length === 1) action.cluster = clusters[0].name;
  else action.weightedClusters = { clusters };
  action.timeout = formatProtoDuration(route.timeoutMs);
  if (route.retry.policy && !retryOnVirtualHost) action.retryPolicy = envoyRetryPolicy(route.retry.policy);
  // Istio's maxGrpcTimeout (deprecated in v3): the same cap expressed the current way.
  action.maxStreamDuration = { grpcTimeoutHeaderMax: formatProtoDuration(route.timeoutMs) };
  return action;
}

/** Provenance travels in route metadata, so config dumps say which object set each policy. */
function routeMetadata(route: Route): JsonObject {
  const ricochet: JsonObject = {
    source: describeProvenance(route.source),
    retryPolicyFrom: describeProvenance(route.retry.from),
    retryPolicyReason: route.retry.reason,
  };
  const filterMetadata: JsonObject = { ricochet };
  if (route.source !== 'default' && route.source.apiVersion.startsWith('networking.istio.io/')) {
    const s = route.source;
    filterMetadata.istio = { config: `/apis/${s.apiVersion}/namespaces/${s.namespace}/${s.kind.toLowerCase()}/${s.name}` };
  }
  return { filterMetadata };
}

export function envoyRoute(route: Route, retryOnVirtualHost = false): JsonObject {
  const out: JsonObject = {};
  if (route.name) out.name = route.name;
  out.match = routeMatch(route.match);
  out.route = routeAction(route, retryOnVirtualHost);
  out.metadata = routeMetadata(route);
  const fault = route.fault ? faultFilterConfig(route.fault) : undefined;
  if (fault) out.typedPerFilterConfig = { [FAULT_FILTER]: fault };
  return out;
}

export function envoyVirtualHost(vh: VirtualHost, service: Service | undefined, taken: Set<string>): JsonObject | undefined {
  // Envoy rejects a route configuration where two virtual hosts share a domain.
  const domains = domainsFor(vh.host, vh.port, service?.addresses ?? [], vh.aliases ?? []).filter((d) => !taken.has(d));
  if (domains.length === 0) return undefined;
  for (const d of domains) taken.add(d);
  const shared = virtualHostLevelRetry(vh.routes);
  const out: JsonObject = {
    name: virtualHostName(vh.host, vh.port),
    domains,
    routes: vh.routes.map((r) => envoyRoute(r, shared !== undefined)),
    // Istio sets this on every outbound virtual host (sources-istio.md §1.10).
    includeRequestAttemptCount: true,
  };
  if (shared) out.retryPolicy = envoyRetryPolicy(shared);
  return out;
}

/**
 * Kuma's legacy Retry lives on the virtual host (sources-kuma-fsm.md §1.1.2). When every route
 * carries the same such decision, it is emitted there and left off the routes; Envoy uses a
 * route's own policy instead of the virtual host's, so this only changes where it is written.
 */
function virtualHostLevelRetry(routes: readonly Route[]): RetryPolicy | undefined {
  const first = routes[0]?.retry;
  if (!first || first.placement !== 'virtualHost' || !first.policy) return undefined;
  return routes.every((r) => r.retry === first || (r.retry.placement === 'virtualHost' && r.retry.from === first.from && r.retry.policy === first.policy)) ? first.policy : undefined;
}

/** The catch-all for hosts nobody declared: passthrough with no retry policy, or a 502 (§1.1). */
export function catchAllVirtualHost(policy: OutboundTrafficPolicy): JsonObject {
  if (policy === 'REGISTRY_ONLY') {
    return { name: BLOCK_ALL_VHOST, domains: ['*'], routes: [{ name: BLOCK_ALL_VHOST, match: { prefix: '/' }, directResponse: { status: 502 } }] };
  }
  return {
    name: ALLOW_ANY_VHOST,
    domains: ['*'],
    routes: [{
      name: ALLOW_ANY_VHOST,
      match: { prefix: '/' },
      route: { cluster: PASSTHROUGH_CLUSTER, timeout: '0s', maxStreamDuration: { grpcTimeoutHeaderMax: '0s' } },
    }],
    includeRequestAttemptCount: true,
  };
}
