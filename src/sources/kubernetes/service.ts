/**
 * core/v1 Service: validation with the API server's rules (pkg/apis/core/validation ValidateService,
 * validateServicePort) and the fields Ricochet reads: type, ports (with their protocol, see
 * ./protocol.ts), selector, externalName, clusterIP(s), publishNotReadyAddresses.
 */
import { Codes, type Diagnostic } from '../../lib/errors';
import type { Protocol } from '../../ir/model';
import type { FieldPath } from '../document';
import { FieldReader } from '../fields';
import type { SourceObject } from '../object';
import {
  mappingIndexes, readAppProtocol, readL4Protocol, readLabels, readMetadata, readPortName, readPortNumber, reportInvalid, reportRequired,
  type L4Protocol, type ObjectMeta,
} from './fields';
import { isIpAddress } from '../names';
import { dns1123SubdomainErrors, duplicate, portNameErrors, portNumErrors, unsupported } from './messages';
import { portProtocol } from './protocol';

export const SERVICE_TYPES = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'] as const;
export type ServiceType = (typeof SERVICE_TYPES)[number];
const SESSION_AFFINITIES = ['ClientIP', 'None'] as const;

/**
 * Every ServiceSpec field of Kubernetes 1.33. Those Ricochet does not read are accepted: they
 * shape how a cluster exposes the Service (node ports, load balancers, IP families), not how a
 * sidecar routes to it. The few that would change routing get an Info in `noteIgnored`.
 */
const SPEC_FIELDS = {
  supported: [
    'ports', 'selector', 'type', 'externalName', 'clusterIP', 'clusterIPs', 'publishNotReadyAddresses',
    'sessionAffinity', 'sessionAffinityConfig', 'internalTrafficPolicy', 'trafficDistribution',
    'externalIPs', 'externalTrafficPolicy', 'healthCheckNodePort', 'ipFamilies', 'ipFamilyPolicy',
    'loadBalancerIP', 'loadBalancerSourceRanges', 'loadBalancerClass', 'allocateLoadBalancerNodePorts',
  ],
} as const;
const PORT_FIELDS = { supported: ['name', 'protocol', 'appProtocol', 'port', 'targetPort', 'nodePort'] } as const;

export interface KubeServicePort {
  /** Index in `spec.ports`, for pointing at it. */
  index: number;
  /** '' for the one unnamed port. */
  name: string;
  port: number;
  l4: L4Protocol;
  protocol: Protocol;
  /** A number, or a name the endpoints resolve; absent means `port`. */
  targetPort?: number | string;
  appProtocol?: string;
}

export interface KubeService extends ObjectMeta {
  type: ServiceType;
  ports: KubeServicePort[];
  selector?: Record<string, string>;
  /** ExternalName's DNS name, without a trailing dot. */
  externalName?: string;
  /** The Service's virtual IPs (`clusterIPs`, else `clusterIP`), without `None`. */
  clusterIPs: string[];
  headless: boolean;
  publishNotReadyAddresses: boolean;
}

export function validateService(object: SourceObject): Diagnostic[] {
  const r = new FieldReader(object);
  readService(r);
  return r.diagnostics;
}

/** Reads and validates a Service; problems land in `r.diagnostics`. */
export function readService(r: FieldReader): KubeService {
  const meta = readMetadata(r);
  const spec = r.mapping(['spec']);
  r.checkFields(['spec'], SPEC_FIELDS);
  const type = readType(r);
  const clusterIPs = readClusterIPs(r);
  const headless = r.at(['spec', 'clusterIP']) === 'None';
  const ports = readPorts(r, type, headless || type === 'ExternalName');
  const out: KubeService = {
    ...meta, type, ports, clusterIPs, headless, publishNotReadyAddresses: r.boolean(['spec', 'publishNotReadyAddresses']) ?? false,
  };
  if (spec && r.has(['spec', 'selector'])) out.selector = readLabels(r, ['spec', 'selector']);
  if (type === 'ExternalName') out.externalName = readExternalName(r);
  noteIgnored(r);
  return out;
}

function readType(r: FieldReader): ServiceType {
  const value = r.string(['spec', 'type']);
  if (value === undefined) return 'ClusterIP';
  if ((SERVICE_TYPES as readonly string[]).includes(value)) return value as ServiceType;
  r.error(['spec', 'type'], unsupported(value, SERVICE_TYPES));
  return 'ClusterIP';
}

function readClusterIPs(r: FieldReader): string[] {
  const listed = r.has(['spec', 'clusterIPs']) ? r.stringList(['spec', 'clusterIPs']).map((ip, i) => ({ ip, path: ['spec', 'clusterIPs', i] as FieldPath })) : [];
  const single = r.string(['spec', 'clusterIP']);
  const all = listed.length > 0 ? listed : single !== undefined ? [{ ip: single, path: ['spec', 'clusterIP'] as FieldPath }] : [];
  const out: string[] = [];
  for (const { ip, path } of all) {
    if (ip === 'None' || ip === '') continue;
    if (reportInvalid(r, path, ip, isIpAddress(ip) ? [] : ["must be empty, 'None', or a valid IP address"])) out.push(ip);
  }
  return out;
}

/** ExternalName: a CNAME target, a DNS-1123 subdomain after an optional trailing dot. */
function readExternalName(r: FieldReader): string | undefined {
  const path = ['spec', 'externalName'];
  const cname = (r.string(path) ?? '').replace(/\.$/, '');
  if (cname === '') {
    if (typeof r.at(path) !== 'string' && r.has(path)) return undefined;
    reportRequired(r, path);
    return undefined;
  }
  return reportInvalid(r, path, cname, dns1123SubdomainErrors(cname)) ? cname : undefined;
}

/** `spec.ports`: required unless ExternalName or headless; names required when more than one. */
function readPorts(r: FieldReader, type: ServiceType, portsOptional: boolean): KubeServicePort[] {
  const path = ['spec', 'ports'];
  const count = (r.list(path) ?? []).length;
  if (count === 0 && !portsOptional && (r.at(path) === undefined || Array.isArray(r.at(path)))) reportRequired(r, path);
  const names = new Set<string>();
  const keys = new Set<string>();
  const out: KubeServicePort[] = [];
  for (const i of mappingIndexes(r, path)) {
    const port = readPort(r, [...path, i], i, count > 1, names, type);
    if (!port) continue;
    // The API server refuses two ports with one (protocol, port) pair.
    const key = `${port.l4}/${port.port}`;
    if (keys.has(key)) r.error([...path, i], duplicate(`${port.port}/${port.l4}`));
    keys.add(key);
    out.push(port);
  }
  return out;
}

function readPort(r: FieldReader, path: FieldPath, index: number, requireName: boolean, names: Set<string>, type: ServiceType): KubeServicePort | undefined {
  r.checkFields(path, PORT_FIELDS);
  const name = readPortName(r, [...path, 'name'], requireName, names);
  const port = readPortNumber(r, [...path, 'port'], { required: true });
  const l4 = readL4Protocol(r, [...path, 'protocol']);
  const appProtocol = readAppProtocol(r, [...path, 'appProtocol']);
  const targetPort = readTargetPort(r, [...path, 'targetPort']);
  if (name === undefined || port === undefined || l4 === undefined) return undefined;
  const choice = portProtocol(port, name, l4, appProtocol);
  const out: KubeServicePort = { index, name, port, l4, protocol: choice.protocol };
  // ExternalName is a CNAME: clients connect to the Service port itself.
  if (targetPort !== undefined && targetPort !== port && type !== 'ExternalName') out.targetPort = targetPort;
  if (appProtocol !== undefined) out.appProtocol = appProtocol;
  if (l4 === 'SCTP') r.report('Info', Codes.UnsupportedField, [...path, 'protocol'], `SCTP port ${port} is not proxied by Ricochet's sidecars; it is left out`);
  else if (choice.by === 'default') noteSniffed(r, path, port, appProtocol);
  return out;
}

/** A number 1..65535 or an IANA service name; 0 or "" mean "same as port", as API defaulting does. */
function readTargetPort(r: FieldReader, path: FieldPath): number | string | undefined {
  const value = r.at(path);
  if (value === undefined || value === 0 || value === '') return undefined;
  if (typeof value === 'number' && Number.isInteger(value)) return reportInvalid(r, path, value, portNumErrors(value)) ? value : undefined;
  if (typeof value === 'string') return reportInvalid(r, path, value, portNameErrors(value)) ? value : undefined;
  r.error(path, `must be a port number or name (int-or-string), got ${typeof value === 'object' ? 'a mapping or list' : String(value)}`);
  return undefined;
}

/** Istio would sniff this port's protocol; Ricochet's egress listener treats it as HTTP. */
function noteSniffed(r: FieldReader, path: FieldPath, port: number, appProtocol: string | undefined): void {
  const why = appProtocol !== undefined
    ? `appProtocol ${JSON.stringify(appProtocol)} names no protocol Istio knows`
    : 'neither appProtocol nor the port name (http, http-*, grpc-*, tcp-*, ...) says its protocol';
  r.report('Info', Codes.UnsupportedField, appProtocol !== undefined ? [...path, 'appProtocol'] : path,
    `port ${port}: ${why}; Istio would sniff it, Ricochet treats it as HTTP (set appProtocol to say so)`);
}

/** Standard fields that would change routing in a cluster but not on Ricochet's sidecars. */
function noteIgnored(r: FieldReader): void {
  const affinity = r.string(['spec', 'sessionAffinity']);
  if (affinity !== undefined && !(SESSION_AFFINITIES as readonly string[]).includes(affinity)) {
    r.error(['spec', 'sessionAffinity'], unsupported(affinity, SESSION_AFFINITIES));
  } else if (affinity === 'ClientIP') {
    r.report('Info', Codes.UnsupportedField, ['spec', 'sessionAffinity'], 'sessionAffinity ClientIP is not applied: Envoy balances every request over all endpoints');
  }
  if (r.at(['spec', 'internalTrafficPolicy']) === 'Local') {
    r.report('Info', Codes.UnsupportedField, ['spec', 'internalTrafficPolicy'], 'internalTrafficPolicy Local is not applied: Ricochet knows no nodes, every endpoint is used');
  }
  if (r.has(['spec', 'trafficDistribution'])) {
    r.report('Info', Codes.UnsupportedField, ['spec', 'trafficDistribution'], 'trafficDistribution is not applied: Ricochet knows no zones, every endpoint is used alike');
  }
}
