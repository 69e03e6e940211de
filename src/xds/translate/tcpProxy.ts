/**
 * Outbound TCP listeners (tcp_proxy) for a sidecar's TCP service ports: one listener per TCP
 * route at `<address>:<service port>`, named like Istio's outbound listeners (`<address>_<port>`),
 * forwarding to the service port's cluster, with Kuma's `maxConnectAttempts` when set
 * (sources-kuma-fsm.md §1.1.2 "TCP", §1.2.3). Envoy's default is 1 attempt.
 */
import type { JsonObject } from '../../lib/protos/protoJson';
import { describeProvenance, type TcpRoute } from '../../ir/model';
import { outboundClusterName } from './names';

export const TCP_PROXY_TYPE = 'type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy';

/** One listener per port: two services on one port cannot share an address, so the first (by host) wins. */
export function tcpEgressListeners(routes: readonly TcpRoute[], address: string): JsonObject[] {
  const byPort = new Map<number, TcpRoute>();
  for (const route of [...routes].sort((a, b) => a.port - b.port || (a.host < b.host ? -1 : a.host > b.host ? 1 : 0))) {
    if (!byPort.has(route.port)) byPort.set(route.port, route);
  }
  return [...byPort.values()].map((route) => tcpListener(route, address));
}

function tcpListener(route: TcpRoute, address: string): JsonObject {
  const cluster = outboundClusterName(route.host, route.port);
  const tcpProxy: JsonObject = { '@type': TCP_PROXY_TYPE, statPrefix: cluster, cluster };
  if (route.maxConnectAttempts !== undefined) tcpProxy.maxConnectAttempts = route.maxConnectAttempts;
  return {
    name: `${address}_${route.port}`,
    address: { socketAddress: { address, portValue: route.port } },
    trafficDirection: 'OUTBOUND',
    filterChains: [{ filters: [{ name: 'envoy.filters.network.tcp_proxy', typedConfig: tcpProxy }] }],
    // Which object set the connect attempts, for config dumps (as routes carry it).
    metadata: { filterMetadata: { ricochet: { maxConnectAttemptsFrom: describeProvenance(route.from) } } },
  };
}
