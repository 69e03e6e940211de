/**
 * ServiceEntry: validation with Istio's webhook rules (ValidateServiceEntry) and conversion to
 * IR services, one per host (spec/sources-istio.md §4).
 */
import { isHttpProtocol } from '../../ir/model';
import { Codes, type Diagnostic } from '../../lib/errors';
import type { Endpoint, Protocol, Resolution, Service, ServicePort } from '../../ir/model';
import type { FieldPath } from '../document';
import { FieldReader } from '../fields';
import { fqdnError, isCidr, isDns1123Label, isIpAddress, labelKeyError, labelValueError } from '../names';
import type { SourceObject } from '../object';
import { provenanceOf } from '../provenance';
import { checkWildcardHost, readPort } from './validation';

export interface ServiceEntrySpec {
  hosts: string[];
  addresses: string[];
  ports: ServicePort[];
  resolution: Resolution;
  external: boolean;
  endpoints: Endpoint[];
}

/** Istio's protocol.Parse names (case-insensitive) → IR protocol. */
const PROTOCOLS: Readonly<Record<string, Protocol>> = {
  http: 'HTTP', http2: 'HTTP2', https: 'HTTPS', grpc: 'GRPC', 'grpc-web': 'GRPC-WEB', tls: 'TLS',
  tcp: 'TCP', udp: 'UDP', mongo: 'MONGO', redis: 'REDIS', mysql: 'MYSQL',
  // HTTP_PROXY is an HTTP protocol to Istio (IsHTTP); the IR has no separate name for it.
  http_proxy: 'HTTP',
};
const PROTOCOL_NAMES = 'HTTP, HTTP2, HTTPS, GRPC, GRPC-WEB, TLS, TCP, UDP, MONGO, REDIS, MYSQL, HTTP_PROXY';
const RESOLUTIONS: readonly Resolution[] = ['NONE', 'STATIC', 'DNS', 'DNS_ROUND_ROBIN'];
const LOCATIONS = ['MESH_EXTERNAL', 'MESH_INTERNAL'] as const;

export { isHttpProtocol } from '../../ir/model';

const SPEC_FIELDS = {
  supported: ['hosts', 'addresses', 'ports', 'location', 'resolution', 'endpoints'],
  notYet: {
    exportTo: 'the entry is visible to every namespace',
    subjectAltNames: 'Ricochet does not originate Istio mutual TLS, so it is ignored',
    workloadSelector: 'list the endpoints under endpoints instead; ignored',
  },
} as const;
const PORT_FIELDS = { supported: ['number', 'protocol', 'name', 'targetPort'] } as const;
const ENDPOINT_FIELDS = {
  supported: ['address', 'ports', 'labels', 'weight'],
  notYet: { network: 'ignored', locality: 'ignored; all endpoints share one locality', serviceAccount: 'ignored' },
} as const;

export function validateServiceEntry(object: SourceObject): Diagnostic[] {
  const r = new FieldReader(object);
  readServiceEntry(r);
  return r.diagnostics;
}

/** Reads and validates a ServiceEntry's spec; problems land in `r.diagnostics`. */
export function readServiceEntry(r: FieldReader): ServiceEntrySpec {
  const empty: ServiceEntrySpec = { hosts: [], addresses: [], ports: [], resolution: 'NONE', external: true, endpoints: [] };
  if (r.mapping(['spec'], { required: true }) === undefined) return empty;
  r.checkFields(['spec'], SPEC_FIELDS);
  const hosts = readHosts(r);
  // Undefined when the value is refused: the resolution-specific rules are then skipped, since
  // checking the rest against a resolution the user did not write only misleads.
  const resolution = readResolution(r);
  const addresses = readAddresses(r, resolution);
  const ports = readPorts(r);
  const external = readLocation(r);
  const endpoints = readEndpoints(r, resolution, hosts, new Set(ports.map((p) => p.name)));
  if (resolution !== undefined) checkMultipleHosts(r, resolution, hosts);
  return { hosts, addresses, ports, resolution: resolution ?? 'NONE', external, endpoints };
}

function readHosts(r: FieldReader): string[] {
  const path = ['spec', 'hosts'];
  const hosts = r.stringList(path);
  if (!r.has(path)) r.error(path, 'hosts is required: service entry must have at least one host', Codes.MissingField);
  else if (hosts.length === 0 && Array.isArray(r.at(path))) r.error(path, 'service entry must have at least one host');
  const seen = new Set<string>();
  hosts.forEach((host, i) => {
    const at = [...path, i];
    if (!checkWildcardHost(r, at, host, 'invalid host *; a ServiceEntry cannot declare every host, list the hosts or use "*.domain"')) return;
    if (host.startsWith('*') && !host.startsWith('*.')) r.warn(at, `partial wildcard ${JSON.stringify(host)} is not supported by Istio; use "*.${host.slice(1).replace(/^[-.]/, '')}"`);
    if (seen.has(host)) r.warn(at, `host ${JSON.stringify(host)} is listed twice`);
    seen.add(host);
  });
  return [...seen];
}

/** The resolution (NONE when unset, the enum's zero), or undefined when the value is refused. */
function readResolution(r: FieldReader): Resolution | undefined {
  const path = ['spec', 'resolution'];
  const raw = r.at(path);
  const value = r.string(path);
  if (raw === undefined) return 'NONE';
  if (value === undefined) return undefined;
  if ((RESOLUTIONS as readonly string[]).includes(value)) return value as Resolution;
  if (value === 'DYNAMIC_DNS') r.error(path, 'resolution DYNAMIC_DNS is not supported by Ricochet yet; use DNS with the hosts listed', Codes.UnsupportedField);
  else r.error(path, `unsupported resolution type ${JSON.stringify(value)}; accepted: ${RESOLUTIONS.join(', ')}`);
  return undefined;
}

function readLocation(r: FieldReader): boolean {
  const value = r.string(['spec', 'location']);
  if (value !== undefined && !(LOCATIONS as readonly string[]).includes(value)) {
    r.error(['spec', 'location'], `unknown location ${JSON.stringify(value)}; accepted: ${LOCATIONS.join(', ')}`);
  }
  // MESH_EXTERNAL is enum value 0, so an unset location is external.
  return value !== 'MESH_INTERNAL';
}

function readAddresses(r: FieldReader, resolution: Resolution | undefined): string[] {
  const path = ['spec', 'addresses'];
  const addresses = r.stringList(path);
  addresses.forEach((a, i) => {
    if (a.includes('/')) {
      if (!isCidr(a)) r.error([...path, i], `${a} is not a valid CIDR block`);
      else if (resolution !== undefined && resolution !== 'NONE' && resolution !== 'STATIC') r.error([...path, i], 'CIDR addresses are allowed only for NONE/STATIC resolution types');
    } else if (!isIpAddress(a)) {
      r.error([...path, i], `${a} is not a valid IP; addresses are IPs or CIDR blocks`);
    }
  });
  return addresses;
}

function readPorts(r: FieldReader): ServicePort[] {
  const path = ['spec', 'ports'];
  const items = r.list(path) ?? [];
  const names = new Set<string>();
  const numbers = new Set<number>();
  const out: ServicePort[] = [];
  items.forEach((_, i) => {
    const port = readServicePort(r, [...path, i]);
    if (!port) return;
    if (names.has(port.name)) r.error([...path, i, 'name'], `service entry port name ${JSON.stringify(port.name)} already defined`);
    if (numbers.has(port.number)) r.error([...path, i, 'number'], `service entry port ${port.number} already defined`);
    names.add(port.name);
    numbers.add(port.number);
    out.push(port);
  });
  return out;
}

function readServicePort(r: FieldReader, path: FieldPath): ServicePort | undefined {
  if (r.mapping(path, { required: true }) === undefined) return undefined;
  r.checkFields(path, PORT_FIELDS);
  const number = readPort(r, [...path, 'number'], true);
  const name = r.string([...path, 'name'], { required: true });
  if (name !== undefined && !isDns1123Label(name)) r.error([...path, 'name'], `invalid port name: ${name}; port names are DNS-1123 labels such as http or grpc-api`);
  const protocol = readProtocol(r, [...path, 'protocol'], number);
  const targetPort = readPort(r, [...path, 'targetPort']);
  if (number === undefined || name === undefined || protocol === undefined) return undefined;
  const port: ServicePort = { number, name, protocol };
  if (targetPort !== undefined) port.targetPort = targetPort;
  return port;
}

function readProtocol(r: FieldReader, path: FieldPath, number: number | undefined): Protocol | undefined {
  const raw = r.string(path);
  if (raw === undefined || raw === '') {
    // Istio sniffs an unset protocol; HTTP traffic then gets HTTP routes, which is what we model.
    r.warn(path, `protocol is unset: Istio would sniff it, Ricochet treats port ${number ?? '?'} as HTTP; set protocol (${PROTOCOL_NAMES}) to say so`);
    return 'HTTP';
  }
  const p = PROTOCOLS[raw.toLowerCase()];
  if (!p) r.error(path, `unsupported protocol: ${raw}; accepted: ${PROTOCOL_NAMES}`);
  return p;
}

function readEndpoints(r: FieldReader, resolution: Resolution | undefined, hosts: string[], portNames: Set<string>): Endpoint[] {
  const path = ['spec', 'endpoints'];
  const items = r.list(path) ?? [];
  if (resolution === 'NONE' && items.length > 0) r.error(path, 'no endpoints should be provided for resolution type none; use STATIC or DNS to list endpoints');
  if (resolution === 'DNS_ROUND_ROBIN' && items.length > 1) r.error(path, 'there must only be 0 or 1 endpoint for resolution mode DNS_ROUND_ROBIN');
  if (resolution === 'STATIC' && items.length === 0) r.warn(['spec', 'resolution'], 'STATIC resolution without endpoints: nothing to send traffic to (WorkloadEntry is not supported)', Codes.ReferencedResourceNotFound);
  if ((resolution === 'DNS' || resolution === 'DNS_ROUND_ROBIN') && items.length === 0) checkDnsHosts(r, resolution, hosts);
  const out: Endpoint[] = [];
  items.forEach((_, i) => {
    const e = readEndpoint(r, [...path, i], resolution, portNames);
    if (e) out.push(e);
  });
  return out;
}

/** Without endpoints, a DNS entry resolves its hosts, so they cannot be wildcards. */
function checkDnsHosts(r: FieldReader, resolution: Resolution, hosts: string[]): void {
  hosts.forEach((h) => {
    if (fqdnError(h)) r.error(['spec', 'hosts', indexIn(r.at(['spec', 'hosts']), h)], `hosts must be FQDN if no endpoints are provided for resolution mode ${resolution}; list endpoints or use resolution NONE for ${h}`);
  });
}

/** Index of a value in a raw YAML list, for pointing at it; 0 when not found. */
export function indexIn(list: unknown, value: string): number {
  return Array.isArray(list) ? Math.max(0, list.indexOf(value)) : 0;
}

function readEndpoint(r: FieldReader, path: FieldPath, resolution: Resolution | undefined, portNames: Set<string>): Endpoint | undefined {
  if (r.mapping(path, { required: true }) === undefined) return undefined;
  r.checkFields(path, ENDPOINT_FIELDS);
  const address = r.string([...path, 'address'], { required: true });
  if (address !== undefined) checkEndpointAddress(r, [...path, 'address'], address, resolution);
  const ports = readEndpointPorts(r, [...path, 'ports'], portNames);
  if (address?.startsWith('unix://') && Object.keys(ports).length > 0) r.error([...path, 'ports'], `unix endpoint ${address} must not include ports`);
  const labels = readLabels(r, [...path, 'labels']);
  const weight = r.integer([...path, 'weight'], { min: 0 });
  if (address === undefined) return undefined;
  const e: Endpoint = { address, ports, labels };
  // Weight 0 means "unset" in the proto; Envoy then uses 1.
  if (weight) e.weight = weight;
  return e;
}

function checkEndpointAddress(r: FieldReader, path: FieldPath, address: string, resolution: Resolution | undefined): void {
  if (address.startsWith('unix://')) {
    const p = address.slice('unix://'.length);
    if (!p.startsWith('@') && (!p.startsWith('/') || p.endsWith('/'))) r.error(path, `${p} is not an absolute path to a file`);
    return;
  }
  if (isIpAddress(address)) return;
  if (resolution === 'STATIC') r.error(path, `endpoint address ${JSON.stringify(address)} is not a valid IP address; STATIC resolution needs IPs (use DNS for hostnames)`);
  else if (fqdnError(address)) r.error(path, `endpoint address ${JSON.stringify(address)} is not a valid FQDN or an IP address`);
}

function readEndpointPorts(r: FieldReader, path: FieldPath, portNames: Set<string>): Record<string, number> {
  const map = r.mapping(path) ?? {};
  const out: Record<string, number> = {};
  for (const name of Object.keys(map)) {
    const port = readPort(r, [...path, name], true);
    if (!portNames.has(name)) r.error([...path, name], `endpoint port ${name} is not defined by the service entry; its ports are: ${[...portNames].join(', ') || 'none'}`);
    else if (port !== undefined) out[name] = port;
  }
  return out;
}

function readLabels(r: FieldReader, path: FieldPath): Record<string, string> {
  const labels = r.stringMap(path);
  for (const [k, v] of Object.entries(labels)) {
    const err = labelKeyError(k) ?? labelValueError(v);
    if (err) r.error([...path, k], err);
  }
  return labels;
}

/** With several hosts, only HTTP (Host header) or TLS (SNI) can tell them apart, unless resolution is NONE. */
function checkMultipleHosts(r: FieldReader, resolution: Resolution, hosts: string[]): void {
  if (resolution === 'NONE' || hosts.length < 2) return;
  const ports = r.list(['spec', 'ports']) ?? [];
  const i = ports.findIndex((_, k) => {
    const p = PROTOCOLS[String(r.at(['spec', 'ports', k, 'protocol']) ?? '').toLowerCase()];
    return !p || !(isHttpProtocol(p) || p === 'HTTPS' || p === 'TLS');
  });
  if (i >= 0) r.error(['spec', 'ports', i], 'multiple hosts provided with non-HTTP, non-TLS ports; split the hosts into one ServiceEntry each, or use resolution NONE');
}

/** One IR service per host of a valid ServiceEntry. */
export function servicesFromServiceEntry(object: SourceObject, spec: ServiceEntrySpec): Service[] {
  const hostsList = new FieldReader(object).at(['spec', 'hosts']);
  return spec.hosts.map((host) => ({
    host,
    namespace: object.namespace,
    addresses: [...spec.addresses],
    ports: spec.ports.map((p) => ({ ...p })),
    resolution: spec.resolution,
    endpoints: spec.endpoints.map((e) => ({ ...e, ports: { ...e.ports }, labels: { ...e.labels } })),
    external: spec.external,
    source: provenanceOf(object, ['spec', 'hosts', indexIn(hostsList, host)]),
  }));
}
