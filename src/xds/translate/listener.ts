import type { JsonObject } from '../../lib/protos/protoJson';
import { egressDnsCacheConfig } from './cluster';
import { TYPE } from './names';

export interface EgressListenerOptions {
  address: string;
  port: number;
  routeConfigName: string;
}

/**
 * The egress listener every sidecar gets (DESIGN.md, default ports): one HTTP connection manager
 * that routes by Host/:authority and accepts absolute-form URIs, so apps can use it as HTTP_PROXY.
 * Filters: fault (static, configured per route, sources-istio.md §3), dynamic forward proxy (only
 * acts on passthrough routes), router.
 */
export function egressListener(opts: EgressListenerOptions): JsonObject {
  const hcm: JsonObject = {
    '@type': TYPE.hcm,
    statPrefix: `outbound_${opts.port}`,
    rds: { routeConfigName: opts.routeConfigName, configSource: { ads: {}, resourceApiVersion: 'V3' } },
    httpFilters: [
      { name: 'envoy.filters.http.fault', typedConfig: { '@type': TYPE.fault } },
      { name: 'envoy.filters.http.dynamic_forward_proxy', typedConfig: { '@type': TYPE.dfpFilter, dnsCacheConfig: egressDnsCacheConfig() } },
      { name: 'envoy.filters.http.router', typedConfig: { '@type': TYPE.router } },
    ],
    httpProtocolOptions: { allowAbsoluteUrl: true },
  };
  return {
    name: `egress_${opts.port}`,
    address: { socketAddress: { address: opts.address, portValue: opts.port } },
    trafficDirection: 'OUTBOUND',
    filterChains: [{ filters: [{ name: 'envoy.filters.network.http_connection_manager', typedConfig: hcm }] }],
  };
}
