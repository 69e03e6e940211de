/**
 * core/v1 Endpoints: validation with the API server's rules (ValidateEndpoints: subsets,
 * addresses, ports) and what Ricochet reads from it: every subset's ready and not-ready
 * addresses with their Pod references, and its ports.
 */
import type { Diagnostic } from '../../lib/errors';
import type { FieldPath } from '../document';
import { FieldReader } from '../fields';
import type { SourceObject } from '../object';
import {
  mappingIndexes, readAppProtocol, readL4Protocol, readMetadata, readPortName, readPortNumber, reportInvalid, reportRequired,
  type L4Protocol, type ObjectMeta,
} from './fields';
import { dns1123LabelErrors, ipErrors, specialIpErrors } from './messages';

const TOP_FIELDS = {
  supported: ['apiVersion', 'kind', 'metadata', 'subsets'],
  misplaced: { spec: 'Endpoints has no spec: subsets go at the top level, next to metadata; spec is ignored' },
} as const;
const SUBSET_FIELDS = { supported: ['addresses', 'notReadyAddresses', 'ports'] } as const;
const ADDRESS_FIELDS = { supported: ['ip', 'hostname', 'nodeName', 'targetRef'] } as const;
const PORT_FIELDS = { supported: ['name', 'port', 'protocol', 'appProtocol'] } as const;

/** An object reference (`targetRef`); Ricochet follows only `kind: Pod`. */
export interface TargetRef {
  kind?: string;
  namespace?: string;
  name?: string;
}

export interface KubeAddress {
  ip: string;
  ready: boolean;
  targetRef?: TargetRef;
}

export interface KubePort {
  /** '' when unnamed. */
  name: string;
  /** Absent in an EndpointSlice port means "all ports"; Endpoints ports always have one. */
  port?: number;
  l4: L4Protocol;
}

export interface KubeEndpointsSubset {
  addresses: KubeAddress[];
  ports: KubePort[];
}

export interface KubeEndpoints extends ObjectMeta {
  subsets: KubeEndpointsSubset[];
}

export function validateEndpoints(object: SourceObject): Diagnostic[] {
  const r = new FieldReader(object);
  readEndpoints(r);
  return r.diagnostics;
}

export function readEndpoints(r: FieldReader): KubeEndpoints {
  const meta = readMetadata(r);
  r.checkFields([], TOP_FIELDS);
  const subsets = mappingIndexes(r, ['subsets']).map((i) => readSubset(r, ['subsets', i]));
  return { ...meta, subsets };
}

function readSubset(r: FieldReader, path: FieldPath): KubeEndpointsSubset {
  r.checkFields(path, SUBSET_FIELDS);
  const ready = mappingIndexes(r, [...path, 'addresses']).map((i) => readAddress(r, [...path, 'addresses', i], true));
  const notReady = mappingIndexes(r, [...path, 'notReadyAddresses']).map((i) => readAddress(r, [...path, 'notReadyAddresses', i], false));
  if (ready.length === 0 && notReady.length === 0) reportRequired(r, path, 'must specify `addresses` or `notReadyAddresses`');
  const count = (r.list([...path, 'ports']) ?? []).length;
  const ports = mappingIndexes(r, [...path, 'ports']).map((i) => readEndpointPort(r, [...path, 'ports', i], count > 1));
  return {
    addresses: [...ready, ...notReady].filter((a): a is KubeAddress => a !== undefined),
    ports: ports.filter((p): p is KubePort => p !== undefined),
  };
}

function readAddress(r: FieldReader, path: FieldPath, ready: boolean): KubeAddress | undefined {
  r.checkFields(path, ADDRESS_FIELDS);
  const ip = r.string([...path, 'ip']);
  if (ip === undefined && !r.has([...path, 'ip'])) reportRequired(r, [...path, 'ip']);
  const hostname = r.string([...path, 'hostname']);
  if (hostname !== undefined && hostname !== '') reportInvalid(r, [...path, 'hostname'], hostname, dns1123LabelErrors(hostname));
  r.string([...path, 'nodeName']);
  const targetRef = readTargetRef(r, [...path, 'targetRef']);
  if (ip === undefined) return undefined;
  const errs = ipErrors(ip);
  if (!reportInvalid(r, [...path, 'ip'], ip, errs.length > 0 ? errs : specialIpErrors(ip))) return undefined;
  const out: KubeAddress = { ip, ready };
  if (targetRef) out.targetRef = targetRef;
  return out;
}

/** The fields of a core/v1 ObjectReference; only kind, namespace and name are used. */
const OBJECT_REFERENCE_FIELDS = { supported: ['kind', 'namespace', 'name', 'uid', 'apiVersion', 'resourceVersion', 'fieldPath'] } as const;

/** `targetRef`: only kind, namespace and name matter here (a Pod to take labels from). */
export function readTargetRef(r: FieldReader, path: FieldPath): TargetRef | undefined {
  if (r.mapping(path) === undefined) return undefined;
  r.checkFields(path, OBJECT_REFERENCE_FIELDS);
  const out: TargetRef = {};
  const kind = r.string([...path, 'kind']);
  const namespace = r.string([...path, 'namespace']);
  const name = r.string([...path, 'name']);
  if (kind !== undefined) out.kind = kind;
  if (namespace !== undefined) out.namespace = namespace;
  if (name !== undefined) out.name = name;
  return out;
}

/** An Endpoints port (validateEndpointPort): the number is required. */
function readEndpointPort(r: FieldReader, path: FieldPath, requireName: boolean): KubePort | undefined {
  r.checkFields(path, PORT_FIELDS);
  // Endpoints port names need not be unique (the API server does not check), so each gets its own set.
  const name = readPortName(r, [...path, 'name'], requireName, new Set());
  const port = readPortNumber(r, [...path, 'port'], { required: true });
  const l4 = readL4Protocol(r, [...path, 'protocol']);
  readAppProtocol(r, [...path, 'appProtocol']);
  if (name === undefined || port === undefined || l4 === undefined) return undefined;
  return { name, port, l4 };
}
