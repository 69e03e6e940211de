/**
 * Registry stage for the Kubernetes kinds: one IR Service per core/v1 Service, with its endpoints
 * from EndpointSlices or Endpoints (and Pod labels), and the cross-object findings a cluster
 * would leave silent: endpoints for a Service that does not exist, a Service nothing serves.
 */
import { Codes } from '../../../lib/errors';
import type { Endpoint, Service, ServicePort } from '../../../ir/model';
import { FieldReader } from '../../fields';
import type { SourceObject } from '../../object';
import { byNamespaceName, provenanceOf } from '../../provenance';
import type { RegistryOutput } from '../../registry';
import { readEndpoints, type KubeEndpoints } from '../endpoints';
import { readEndpointSlice, SERVICE_NAME_LABEL, type KubeEndpointSlice } from '../endpointSlice';
import { serviceAliases, serviceHost } from '../hosts';
import { readService, type KubeService, type KubeServicePort } from '../service';
import { buildEndpoints, endpointSources, type EndpointSource, type Read } from './endpoints';
import { Findings } from './findings';
import { PodIndex } from './pods';

function readAll<T>(objects: SourceObject[], kind: string, read: (r: FieldReader) => T): Array<Read<T>> {
  return objects.filter((o) => o.kind === kind).sort(byNamespaceName).map((object) => ({ object, spec: read(new FieldReader(object)) }));
}

const key = (namespace: string, name: string): string => `${namespace}/${name}`;

export function kubernetesRegistry(objects: SourceObject[]): RegistryOutput {
  const findings = new Findings();
  const services = readAll(objects, 'Service', readService);
  const endpoints = readAll(objects, 'Endpoints', readEndpoints);
  const slices = readAll(objects, 'EndpointSlice', readEndpointSlice);
  const pods = new PodIndex(objects.filter((o) => o.kind === 'Pod').sort(byNamespaceName));

  const serviceKeys = new Set(services.map((s) => key(s.object.namespace, s.object.name)));
  checkEndpoints(endpoints, serviceKeys, findings);
  checkSlices(slices, serviceKeys, findings);

  const endpointsByKey = new Map(endpoints.map((e) => [key(e.object.namespace, e.object.name), e]));
  const slicesByKey = new Map<string, Array<Read<KubeEndpointSlice>>>();
  for (const s of slices) {
    if (s.spec.serviceName === undefined) continue;
    const k = key(s.object.namespace, s.spec.serviceName);
    slicesByKey.set(k, [...(slicesByKey.get(k) ?? []), s]);
  }
  const out = services.map((s) => {
    const k = key(s.object.namespace, s.object.name);
    return toService(s, endpointSources(slicesByKey.get(k) ?? [], endpointsByKey.get(k)), pods, findings);
  });
  return { services: out, diagnostics: findings.diagnostics };
}

/** An Endpoints object serves the Service of the same name; without one it serves nothing. */
function checkEndpoints(endpoints: ReadonlyArray<Read<KubeEndpoints>>, services: ReadonlySet<string>, findings: Findings): void {
  for (const { object } of endpoints) {
    if (services.has(key(object.namespace, object.name))) continue;
    findings.warn(object, Codes.ReferencedResourceNotFound, ['metadata', 'name'],
      `no Service ${object.namespace}/${object.name}: Endpoints belong to the Service of the same name, so these addresses are not used (add the Service)`);
  }
}

function checkSlices(slices: ReadonlyArray<Read<KubeEndpointSlice>>, services: ReadonlySet<string>, findings: Findings): void {
  for (const { object, spec } of slices) {
    if (spec.serviceName === undefined) {
      findings.warn(object, Codes.ReferencedResourceNotFound, ['metadata', 'labels'],
        `no ${SERVICE_NAME_LABEL} label: a slice belongs to the Service that label names (as for kube-proxy), so this one is not used`);
    } else if (!services.has(key(object.namespace, spec.serviceName))) {
      findings.warn(object, Codes.ReferencedResourceNotFound, ['metadata', 'labels', SERVICE_NAME_LABEL],
        `no Service ${object.namespace}/${spec.serviceName}: this slice's endpoints are not used (add the Service, or fix the ${SERVICE_NAME_LABEL} label)`);
    }
    if (spec.addressType === 'FQDN') {
      findings.warn(object, Codes.UnsupportedField, ['addressType'],
        'addressType FQDN: kube-proxy and Istio do not route to FQDN endpoints, and neither does Ricochet; its endpoints are left out (use a Service of type ExternalName for a DNS name)');
    }
  }
}

function toService(read: Read<KubeService>, sources: EndpointSource[], pods: PodIndex, findings: Findings): Service {
  const { object, spec } = read;
  const external = spec.type === 'ExternalName';
  const endpoints = external ? externalEndpoints(spec) : buildEndpoints(spec, object.namespace, sources, pods);
  if (!external) {
    checkServed(read, sources, endpoints, findings);
    checkPorts(read, sources, endpoints, findings);
  }
  const service: Service = {
    host: serviceHost(object.name, object.namespace),
    namespace: object.namespace,
    addresses: external ? [] : [...spec.clusterIPs],
    ports: spec.ports.filter((p) => p.l4 !== 'SCTP').map((p) => irPort(p)),
    resolution: external ? 'DNS' : 'STATIC',
    endpoints,
    external: false,
    source: provenanceOf(object, ['metadata', 'name']),
    aliases: serviceAliases(object.name, object.namespace),
    localAlias: object.name,
    name: object.name,
    labels: { ...spec.labels },
    annotations: { ...spec.annotations },
  };
  return service;
}

function irPort(p: KubeServicePort): ServicePort {
  const out: ServicePort = { number: p.port, name: p.name, protocol: p.protocol };
  if (typeof p.targetPort === 'number') out.targetPort = p.targetPort;
  if (p.appProtocol !== undefined) out.appProtocol = p.appProtocol;
  return out;
}

/** ExternalName is a CNAME: its one endpoint is the name itself, on the Service port. */
function externalEndpoints(spec: KubeService): Endpoint[] {
  return spec.externalName === undefined ? [] : [{ address: spec.externalName, ports: {}, labels: {} }];
}

/** A Service with no ready endpoint answers every request with 503 (no healthy upstream). */
function checkServed(read: Read<KubeService>, sources: EndpointSource[], endpoints: Endpoint[], findings: Findings): void {
  if (endpoints.length > 0 || read.spec.ports.length === 0) return;
  const { object, spec } = read;
  const fail = 'requests to it fail with no healthy upstream';
  let message: string;
  if (sources.length > 0) {
    const names = sources.map((s) => `${s.object.kind} ${s.object.namespace}/${s.object.name}`).join(', ');
    message = `${names} list${sources.length === 1 ? 's' : ''} no ready address for this Service: ${fail}`;
  } else if (spec.selector !== undefined) {
    message = `no Endpoints or EndpointSlice for this Service: ${fail}. Ricochet runs no endpoint controller and does not select Pods itself; `
      + `write Endpoints named ${object.name}, or an EndpointSlice labelled ${SERVICE_NAME_LABEL}: ${object.name}`;
  } else {
    message = `this Service has no selector and no Endpoints or EndpointSlice: ${fail}; write Endpoints named ${object.name}`;
  }
  findings.warn(object, Codes.ReferencedResourceNotFound, spec.selector !== undefined ? ['spec', 'selector'] : ['metadata', 'name'], message);
}

/**
 * A Service port no endpoint port serves gets no backend in a cluster. The IR cannot leave an
 * endpoint out of one port only, so Ricochet sends to its targetPort (or port) and says so.
 */
function checkPorts(read: Read<KubeService>, sources: EndpointSource[], endpoints: Endpoint[], findings: Findings): void {
  if (endpoints.length === 0) return;
  for (const p of read.spec.ports) {
    if (p.l4 === 'SCTP' || endpoints.some((e) => p.name in e.ports)) continue;
    const where = sources.map((s) => `${s.object.kind} ${s.object.namespace}/${s.object.name}`).join(', ');
    const port = typeof p.targetPort === 'number' ? p.targetPort : p.port;
    const named = typeof p.targetPort === 'string' ? `, so targetPort ${JSON.stringify(p.targetPort)} cannot be resolved` : '';
    const label = p.name === '' ? 'unnamed port' : `port named ${JSON.stringify(p.name)}`;
    findings.warn(read.object, Codes.ReferencedResourceNotFound, ['spec', 'ports', p.index],
      `${where} has no ${label} for Service port ${p.port}${named}; Kubernetes would have no backend for it, Ricochet sends its traffic to port ${port} of each endpoint`);
  }
}
