/** The JSON inside log and snapshot records, and the checks that a payload is what we wrote. */
import type { LogEntry } from './plan';
import type { KubeObject, ObjectKey, StoredObject } from './types';

export const FORMAT_VERSION = 1;

export interface LogPayload {
  v: number;
  ops: LogEntry[];
}

export interface SnapshotPayload {
  v: number;
  resourceVersion: number;
  objects: StoredObject[];
}

function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isKey(v: unknown): v is ObjectKey {
  return isMap(v) && ['group', 'kind', 'namespace', 'name'].every((f) => typeof v[f] === 'string');
}

function isObject(v: unknown): v is KubeObject {
  return isMap(v) && typeof v.apiVersion === 'string' && typeof v.kind === 'string' && isMap(v.metadata) && typeof v.metadata.name === 'string';
}

function isVersion(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v > 0;
}

function isEntry(v: unknown): v is LogEntry {
  if (!isMap(v) || !isVersion(v.rv) || !isKey(v.key)) return false;
  if (v.type === 'delete') return true;
  return v.type === 'put' && isObject(v.object) && v.object.metadata.resourceVersion === String(v.rv);
}

function parse(payload: Buffer): unknown {
  try {
    return JSON.parse(payload.toString('utf8'));
  } catch {
    return undefined;
  }
}

/** The entries of one log record, or why they cannot be used. */
export function readLogPayload(payload: Buffer): LogEntry[] | string {
  const value = parse(payload);
  if (!isMap(value)) return 'record is not a JSON object';
  if (value.v !== FORMAT_VERSION) return `unknown record format version ${JSON.stringify(value.v)}`;
  if (!Array.isArray(value.ops) || value.ops.length === 0 || !value.ops.every(isEntry)) return 'record ops are malformed';
  const ops = value.ops as LogEntry[];
  for (let i = 1; i < ops.length; i++) if (ops[i].rv !== ops[i - 1].rv + 1) return 'record resourceVersions are not consecutive';
  return ops;
}

export function readSnapshotPayload(payload: Buffer): SnapshotPayload | string {
  const value = parse(payload);
  if (!isMap(value)) return 'snapshot is not a JSON object';
  if (value.v !== FORMAT_VERSION) return `unknown snapshot format version ${JSON.stringify(value.v)}`;
  if (!(value.resourceVersion === 0 || isVersion(value.resourceVersion))) return 'snapshot resourceVersion is malformed';
  const objects = value.objects;
  const ok = Array.isArray(objects) && objects.every((o) => isMap(o) && isKey(o.key) && isObject(o.object) && isVersion(o.resourceVersion));
  if (!ok) return 'snapshot objects are malformed';
  return value as unknown as SnapshotPayload;
}
