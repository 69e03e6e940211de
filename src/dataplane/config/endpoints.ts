import { isIP } from 'node:net';
import type { JsonObject } from '../../lib/protos/protoJson';
import type { DpEndpoint } from './model';
import { Findings, at, checkFields, index, invalid, num, obj, objs, str, type FieldRules } from './fields';

/** An endpoint with its EDS health, before the load balancer's healthy/panic selection. */
export interface CandidateEndpoint extends DpEndpoint {
  healthy: boolean;
}

/** Envoy's default `common_lb_config.healthy_panic_threshold` (percent). */
export const DEFAULT_PANIC_THRESHOLD = 50;

const SOCKET_ADDRESS: FieldRules = {
  handled: ['address', 'port_value'],
  ignored: { ipv4_compat: 'IPv4-compatible IPv6 sockets are not configured; the OS default applies' },
  rejected: {
    named_port: 'named ports are not implemented; use port_value',
    resolver_name: 'custom resolvers are not implemented',
  },
};

/**
 * `Address` → host and port. Only `socket_address` over TCP is implemented; `ipOnly` requires an
 * IP literal, as Envoy does for listeners and STATIC/EDS endpoints.
 */
export function socketAddressFromJson(json: JsonObject | undefined, path: string, f: Findings, ipOnly: boolean): { address: string; port: number } {
  if (!json) invalid(path, 'an address is required');
  checkFields(json, 'envoy.config.core.v3.Address', path, {
    handled: ['socket_address'],
    rejected: {
      pipe: 'Unix domain socket (pipe) addresses are not implemented',
      envoy_internal_address: 'Envoy internal addresses are not implemented',
    },
  }, f);
  const sa = obj(json.socketAddress);
  if (!sa) return { address: '', port: 0 };
  const spath = at(path, 'socket_address');
  checkFields(sa, 'envoy.config.core.v3.SocketAddress', spath, SOCKET_ADDRESS, f);
  if (sa.protocol === 'UDP') f.reject(at(spath, 'protocol'), 'UDP is not implemented');
  const address = str(sa.address) ?? '';
  if (address === '') invalid(at(spath, 'address'), 'address is required');
  if (ipOnly && isIP(address) === 0) invalid(at(spath, 'address'), `malformed IP address: ${address} (this address must be an IP literal)`);
  const port = num(sa.portValue) ?? 0;
  if (port > 65535) invalid(at(spath, 'port_value'), `port ${port} is out of range (0..65535)`);
  return { address, port };
}

const CLA: FieldRules = {
  handled: ['cluster_name', 'endpoints', 'policy'],
  rejected: { named_endpoints: 'named endpoints are not implemented' },
};

const POLICY: FieldRules = {
  handled: [],
  silent: ['weighted_priority_health'],
  ignored: {
    overprovisioning_factor: 'only acts across priorities and localities, which are not implemented (one priority, no locality weighting)',
    endpoint_stale_after: 'endpoints are kept until the next update',
  },
  rejected: { drop_overloads: 'EDS drop_overloads (load shedding) is not implemented' },
};

const LOCALITY_LB_ENDPOINTS: FieldRules = {
  handled: ['lb_endpoints', 'load_balancer_endpoints', 'priority'],
  // Without locality_weighted_lb_config (rejected on the cluster) Envoy ignores locality weights too.
  silent: ['locality', 'metadata', 'load_balancing_weight', 'proximity'],
  rejected: { leds_cluster_locality_config: 'LEDS is not implemented' },
};

const LB_ENDPOINT: FieldRules = {
  handled: ['endpoint', 'health_status', 'load_balancing_weight', 'metadata'],
  rejected: { endpoint_name: 'named endpoints are not implemented' },
};

/** The `envoy.lb` filter metadata key (Envoy's MetadataFilters ENVOY_LB). */
export const ENVOY_LB = 'envoy.lb';

const ENDPOINT: FieldRules = {
  handled: ['address', 'hostname'],
  silent: ['health_check_config'],
  ignored: { additional_addresses: 'only the first address of an endpoint is used (no happy eyeballs)' },
};

const UNHEALTHY = new Set(['UNHEALTHY', 'DRAINING', 'TIMEOUT']);

/**
 * `ClusterLoadAssignment` (or a cluster's `load_assignment`) → candidate endpoints, priority 0.
 * `ipOnly`: STATIC and EDS clusters take IP literals; DNS clusters take names to resolve.
 */
export function endpointsFromLoadAssignment(cla: JsonObject, path: string, f: Findings, ipOnly: boolean): CandidateEndpoint[] {
  checkFields(cla, 'envoy.config.endpoint.v3.ClusterLoadAssignment', path, CLA, f);
  const policy = obj(cla.policy);
  if (policy) checkFields(policy, 'envoy.config.endpoint.v3.ClusterLoadAssignment.Policy', at(path, 'policy'), POLICY, f);
  const out: CandidateEndpoint[] = [];
  objs(cla.endpoints).forEach((locality, li) => {
    const lpath = index(at(path, 'endpoints'), li);
    checkFields(locality, 'envoy.config.endpoint.v3.LocalityLbEndpoints', lpath, LOCALITY_LB_ENDPOINTS, f);
    const priority = num(locality.priority) ?? 0;
    if (priority !== 0) f.reject(at(lpath, 'priority'), 'priorities other than 0 (failover) are not implemented');
    const lbEndpoints = [...objs(locality.lbEndpoints), ...objs(obj(locality.loadBalancerEndpoints)?.lbEndpoints)];
    const listPath = locality.lbEndpoints ? at(lpath, 'lb_endpoints') : at(lpath, 'load_balancer_endpoints.lb_endpoints');
    lbEndpoints.forEach((lb, ei) => {
      const epath = index(listPath, ei);
      checkFields(lb, 'envoy.config.endpoint.v3.LbEndpoint', epath, LB_ENDPOINT, f);
      const endpoint = obj(lb.endpoint);
      if (!endpoint) {
        if (!lb.endpointName) invalid(at(epath, 'endpoint'), 'an lb_endpoint needs an endpoint');
        return;
      }
      checkFields(endpoint, 'envoy.config.endpoint.v3.Endpoint', at(epath, 'endpoint'), ENDPOINT, f);
      const { address, port } = socketAddressFromJson(obj(endpoint.address), at(epath, 'endpoint.address'), f, ipOnly);
      const weight = num(lb.loadBalancingWeight) ?? 1;
      if (weight < 1) invalid(at(epath, 'load_balancing_weight'), 'value must be at least 1');
      const status = str(lb.healthStatus) ?? 'UNKNOWN';
      if (status === 'DEGRADED') f.ignore(at(epath, 'health_status'), 'DEGRADED hosts are load-balanced like healthy ones');
      const ep: CandidateEndpoint = { address, port, weight, healthy: !UNHEALTHY.has(status) };
      const lbMetadata = endpointLbMetadata(obj(lb.metadata), at(epath, 'metadata'), f);
      if (lbMetadata) ep.lbMetadata = lbMetadata;
      const hostname = str(endpoint.hostname);
      if (hostname) ep.hostname = hostname;
      else if (!ipOnly && isIP(address) === 0) ep.hostname = address;
      out.push(ep);
    });
  });
  return out;
}

/**
 * An LbEndpoint's `metadata`: `filter_metadata["envoy.lb"]` is what the data plane reads (the
 * omit_host_metadata retry predicate); other namespaces carry nothing for it and are not reported.
 */
function endpointLbMetadata(json: JsonObject | undefined, path: string, f: Findings): JsonObject | undefined {
  if (!json) return undefined;
  checkFields(json, 'envoy.config.core.v3.Metadata', path, { handled: ['filter_metadata'], silent: ['typed_filter_metadata'] }, f);
  return obj(obj(json.filterMetadata)?.[ENVOY_LB]);
}

/** Candidates → the cluster's endpoints, every one, EDS health kept as a flag for the load balancer. */
export function clusterEndpoints(candidates: readonly CandidateEndpoint[]): DpEndpoint[] {
  return candidates.map(({ healthy, ...ep }) => (healthy ? ep : { ...ep, edsUnhealthy: true }));
}
