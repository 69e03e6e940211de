/**
 * A Service's endpoints, as kube-proxy and Istio read them: its EndpointSlices when it has any,
 * else its Endpoints; ready addresses only (unless `publishNotReadyAddresses`); one IR endpoint
 * per address, whose `ports` map each Service port name to the port the address serves it on.
 */
import type { Endpoint } from '../../../ir/model';
import type { SourceObject } from '../../object';
import type { KubeAddress, KubeEndpoints, KubePort } from '../endpoints';
import type { KubeEndpointSlice } from '../endpointSlice';
import type { KubeService, KubeServicePort } from '../service';
import type { PodIndex } from './pods';

export interface Read<T> {
  object: SourceObject;
  spec: T;
}

/** Addresses and the ports they serve: one Endpoints subset, or one EndpointSlice. */
export interface AddressGroup {
  addresses: KubeAddress[];
  ports: KubePort[];
}

export interface EndpointSource {
  object: SourceObject;
  groups: AddressGroup[];
}

/**
 * Where a Service's endpoints come from. The EndpointSlice controller mirrors Endpoints into
 * slices, so when both exist the slices are the truth (as for kube-proxy since 1.19). FQDN slices
 * are not routable endpoints (kube-proxy and Istio skip them).
 */
export function endpointSources(slices: ReadonlyArray<Read<KubeEndpointSlice>>, endpoints: Read<KubeEndpoints> | undefined): EndpointSource[] {
  if (slices.length > 0) {
    return slices.map((s) => {
      const routable = s.spec.addressType === 'IPv4' || s.spec.addressType === 'IPv6';
      return { object: s.object, groups: routable ? [{ addresses: s.spec.endpoints.flatMap((e) => e.addresses), ports: s.spec.ports }] : [] };
    });
  }
  return endpoints ? [{ object: endpoints.object, groups: endpoints.spec.subsets }] : [];
}

/**
 * The Endpoints or slice port that serves a Service port: the one with the Service port's name
 * (the endpoint controllers copy it), or the single unnamed port of a single-port Service.
 */
export function matchPort(servicePort: KubeServicePort, serviceHasOnePort: boolean, ports: readonly KubePort[]): number | undefined {
  const byName = ports.find((p) => p.name === servicePort.name && p.l4 === servicePort.l4 && p.port !== undefined);
  if (byName) return byName.port;
  if (serviceHasOnePort && ports.length === 1 && ports[0].name === '' && ports[0].l4 === servicePort.l4) return ports[0].port;
  return undefined;
}

/** One IR endpoint per address (first seen wins, ports merged), with its Pod's labels. */
export function buildEndpoints(service: KubeService, namespace: string, sources: readonly EndpointSource[], pods: PodIndex): Endpoint[] {
  const byAddress = new Map<string, Endpoint>();
  for (const group of sources.flatMap((s) => s.groups)) {
    const ports: Record<string, number> = {};
    for (const sp of service.ports) {
      const n = matchPort(sp, service.ports.length === 1, group.ports);
      if (n !== undefined) ports[sp.name] = n;
    }
    for (const address of group.addresses) {
      if (!address.ready && !service.publishNotReadyAddresses) continue;
      const seen = byAddress.get(address.ip);
      if (seen) {
        for (const [name, n] of Object.entries(ports)) if (!(name in seen.ports)) seen.ports[name] = n;
        continue;
      }
      byAddress.set(address.ip, { address: address.ip, ports: { ...ports }, labels: pods.labelsFor(address, namespace) });
    }
  }
  return [...byAddress.values()];
}
