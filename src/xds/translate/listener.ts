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
    rds: adsRds(opts.routeConfigName),
    httpFilters: [
      FAULT_HTTP_FILTER,
      { name: 'envoy.filters.http.dynamic_forward_proxy', typedConfig: { '@type': TYPE.dfpFilter, dnsCacheConfig: egressDnsCacheConfig() } },
      ROUTER_HTTP_FILTER,
    ],
    httpProtocolOptions: { allowAbsoluteUrl: true },
  };
  return {
    name: `egress_${opts.port}`,
    address: { socketAddress: { address: opts.address, portValue: opts.port } },
    trafficDirection: 'OUTBOUND',
    filterChains: [httpFilterChain(hcm)],
  };
}

/** The fault filter, configured per route (`typedPerFilterConfig`); shared by every HTTP listener. */
export const FAULT_HTTP_FILTER: JsonObject = { name: 'envoy.filters.http.fault', typedConfig: { '@type': TYPE.fault } };
/** The router, always the last HTTP filter. */
export const ROUTER_HTTP_FILTER: JsonObject = { name: 'envoy.filters.http.router', typedConfig: { '@type': TYPE.router } };

/** Routes of an HTTP connection manager come over ADS, by route configuration name. */
export function adsRds(routeConfigName: string): JsonObject {
  return { routeConfigName, configSource: { ads: {}, resourceApiVersion: 'V3' } };
}

/** A filter chain holding only this HTTP connection manager. */
export function httpFilterChain(hcm: JsonObject): JsonObject {
  return { filters: [{ name: 'envoy.filters.network.http_connection_manager', typedConfig: hcm }] };
}
