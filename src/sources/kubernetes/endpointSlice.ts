/**
 * discovery.k8s.io/v1 EndpointSlice: validation with the API server's rules
 * (pkg/apis/discovery/validation ValidateEndpointSlice) and what Ricochet reads: the Service it
 * belongs to (label `kubernetes.io/service-name`), its address type, endpoints (addresses,
 * `conditions.ready`, the Pod in `targetRef`) and ports.
 */
import type { Diagnostic } from '../../lib/errors';
import type { FieldPath } from '../document';
import { FieldReader } from '../fields';
import type { SourceObject } from '../object';
import { readTargetRef, type KubeAddress, type KubePort } from './endpoints';
import {
  mappingIndexes, readAppProtocol, readL4Protocol, readMetadata, readPortName, readPortNumber, reportInvalid, reportRequired, type ObjectMeta,
} from './fields';
import { dns1123LabelErrors, dns1123SubdomainErrors, ipErrors, specialIpErrors, tooMany, unsupported } from './messages';

export const DISCOVERY_GROUP = 'discovery.k8s.io';
/** The label that ties a slice to its Service (discovery.LabelServiceName). */
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
export const ADDRESS_TYPES = ['FQDN', 'IPv4', 'IPv6'] as const;
export type AddressType = (typeof ADDRESS_TYPES)[number];

const MAX_ENDPOINTS = 1000;
const MAX_ADDRESSES = 100;
const MAX_PORTS = 20000;

const TOP_FIELDS = {
  supported: ['apiVersion', 'kind', 'metadata', 'addressType', 'endpoints', 'ports'],
  misplaced: { spec: 'EndpointSlice has no spec: addressType, endpoints and ports go at the top level; spec is ignored' },
} as const;
const ENDPOINT_FIELDS = { supported: ['addresses', 'conditions', 'hostname', 'targetRef', 'nodeName', 'zone', 'hints', 'deprecatedTopology'] } as const;
const CONDITION_FIELDS = { supported: ['ready', 'serving', 'terminating'] } as const;
const PORT_FIELDS = { supported: ['name', 'port', 'protocol', 'appProtocol'] } as const;

export interface SliceEndpoint {
  addresses: KubeAddress[];
}

export interface KubeEndpointSlice extends ObjectMeta {
  addressType?: AddressType;
  /** The `kubernetes.io/service-name` label, when set. */
  serviceName?: string;
  endpoints: SliceEndpoint[];
  ports: KubePort[];
}

export function validateEndpointSlice(object: SourceObject): Diagnostic[] {
  const r = new FieldReader(object);
  readEndpointSlice(r);
  return r.diagnostics;
}

export function readEndpointSlice(r: FieldReader): KubeEndpointSlice {
  const meta = readMetadata(r);
  r.checkFields([], TOP_FIELDS);
  const addressType = readAddressType(r);
  const endpoints = readEndpointList(r, addressType);
  const ports = readPorts(r);
  const out: KubeEndpointSlice = { ...meta, endpoints, ports };
  if (addressType) out.addressType = addressType;
  const serviceName = meta.labels[SERVICE_NAME_LABEL];
  if (serviceName !== undefined) out.serviceName = serviceName;
  return out;
}

function readAddressType(r: FieldReader): AddressType | undefined {
  const value = r.string(['addressType']);
  if (value === undefined || value === '') {
    if (!r.has(['addressType']) || value === '') reportRequired(r, ['addressType']);
    return undefined;
  }
  if ((ADDRESS_TYPES as readonly string[]).includes(value)) return value as AddressType;
  r.error(['addressType'], unsupported(value, ADDRESS_TYPES));
  return undefined;
}

function readEndpointList(r: FieldReader, addressType: AddressType | undefined): SliceEndpoint[] {
  const path = ['endpoints'];
  const count = (r.list(path) ?? []).length;
  if (count > MAX_ENDPOINTS) r.error(path, tooMany(count, MAX_ENDPOINTS));
  return mappingIndexes(r, path).map((i) => readEndpoint(r, [...path, i], addressType));
}

function readEndpoint(r: FieldReader, path: FieldPath, addressType: AddressType | undefined): SliceEndpoint {
  r.checkFields(path, ENDPOINT_FIELDS);
  r.checkFields([...path, 'conditions'], CONDITION_FIELDS);
  // An unset `ready` means unknown, which consumers read as ready (EndpointConditions doc).
  const ready = r.boolean([...path, 'conditions', 'ready']) ?? true;
  r.boolean([...path, 'conditions', 'serving']);
  r.boolean([...path, 'conditions', 'terminating']);
  const hostname = r.string([...path, 'hostname']);
  if (hostname !== undefined) reportInvalid(r, [...path, 'hostname'], hostname, dns1123LabelErrors(hostname));
  const targetRef = readTargetRef(r, [...path, 'targetRef']);
  const addresses = readAddresses(r, [...path, 'addresses'], addressType);
  return { addresses: addresses.map((ip) => (targetRef ? { ip, ready, targetRef } : { ip, ready })) };
}

/** 1 to 100 addresses, each of the slice's address type. */
function readAddresses(r: FieldReader, path: FieldPath, addressType: AddressType | undefined): string[] {
  const list = r.stringList(path);
  if (list.length === 0 && (r.at(path) === undefined || Array.isArray(r.at(path)))) reportRequired(r, path, 'must contain at least 1 address');
  else if (list.length > MAX_ADDRESSES) r.error(path, tooMany(list.length, MAX_ADDRESSES));
  return list.filter((a, i) => reportInvalid(r, [...path, i], a, addressErrors(a, addressType)));
}

function addressErrors(address: string, addressType: AddressType | undefined): string[] {
  switch (addressType) {
    case 'IPv4':
    case 'IPv6': {
      const errs = ipErrors(address, addressType === 'IPv4' ? 4 : 6);
      return errs.length > 0 ? errs : specialIpErrors(address);
    }
    case 'FQDN': return dns1123SubdomainErrors(address);
    default: return [];
  }
}

/** Ports: names optional, DNS-1123 labels, unique; `protocol` defaults to TCP; the number may be unset. */
function readPorts(r: FieldReader): KubePort[] {
  const path = ['ports'];
  const count = (r.list(path) ?? []).length;
  if (count > MAX_PORTS) r.error(path, tooMany(count, MAX_PORTS));
  const names = new Set<string>();
  const out: KubePort[] = [];
  for (const i of mappingIndexes(r, path)) {
    const at = [...path, i];
    r.checkFields(at, PORT_FIELDS);
    const name = readPortName(r, [...at, 'name'], false, names);
    const port = readPortNumber(r, [...at, 'port']);
    const l4 = readL4Protocol(r, [...at, 'protocol']);
    readAppProtocol(r, [...at, 'appProtocol']);
    if (name === undefined || l4 === undefined || (port === undefined && r.has([...at, 'port']))) continue;
    out.push(port === undefined ? { name, l4 } : { name, port, l4 });
  }
  return out;
}
