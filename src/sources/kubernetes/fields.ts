/**
 * Field readers with the API server's rules, shared by every Kubernetes kind: metadata labels and
 * annotations, port numbers, port names and L4 protocols. Problems land in the FieldReader with
 * the field path (and line) and Kubernetes' wording (./messages.ts).
 */
import { Codes } from '../../lib/errors';
import type { FieldPath } from '../document';
import type { FieldReader } from '../fields';
import {
  dns1123LabelErrors, duplicate, invalid, labelValueErrors, portNumErrors, qualifiedNameErrors, required, unsupported,
} from './messages';

export const L4_PROTOCOLS = ['SCTP', 'TCP', 'UDP'] as const;
export type L4Protocol = (typeof L4_PROTOCOLS)[number];

/** Reports each message as an Invalid value at `path`. */
export function reportInvalid(r: FieldReader, path: FieldPath, value: unknown, errs: readonly string[]): boolean {
  for (const e of errs) r.error(path, invalid(value, e));
  return errs.length === 0;
}

export function reportRequired(r: FieldReader, path: FieldPath, detail = ''): void {
  r.error(path, required(detail), Codes.MissingField);
}

export interface ObjectMeta {
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

/** `metadata.labels` (ValidateLabels) and `metadata.annotations` (keys are qualified names). */
export function readMetadata(r: FieldReader): ObjectMeta {
  const labels = readLabels(r, ['metadata', 'labels']);
  const annotations = r.stringMap(['metadata', 'annotations']);
  for (const key of Object.keys(annotations)) reportInvalid(r, ['metadata', 'annotations', key], key, qualifiedNameErrors(key.toLowerCase()));
  return { labels, annotations };
}

/** A label map (metadata.labels, a Service selector): keys are qualified names, values label values. */
export function readLabels(r: FieldReader, path: FieldPath): Record<string, string> {
  const labels = r.stringMap(path);
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(labels)) {
    const keyOk = reportInvalid(r, [...path, key], key, qualifiedNameErrors(key));
    const valueOk = reportInvalid(r, [...path, key], value, labelValueErrors(value));
    if (keyOk && valueOk) out[key] = value;
  }
  return out;
}

/** A port number, 1..65535 (IsValidPortNum). */
export function readPortNumber(r: FieldReader, path: FieldPath, opts: { required?: boolean } = {}): number | undefined {
  const value = r.at(path);
  if (value === undefined) {
    if (opts.required) reportRequired(r, path);
    return undefined;
  }
  const n = r.integer(path, { min: -2_147_483_648, max: 2_147_483_647 });
  if (n === undefined) return undefined;
  return reportInvalid(r, path, n, portNumErrors(n)) ? n : undefined;
}

/** A port's `protocol`: TCP when unset (the API server's default), else TCP, UDP or SCTP. */
export function readL4Protocol(r: FieldReader, path: FieldPath): L4Protocol | undefined {
  const value = r.string(path);
  if (value === undefined) return 'TCP';
  if ((L4_PROTOCOLS as readonly string[]).includes(value)) return value as L4Protocol;
  r.error(path, unsupported(value, L4_PROTOCOLS));
  return undefined;
}

/**
 * A port `name`: required when the list has more than one port, a DNS-1123 label, unique in the
 * list (`seen`). Returns '' for an unnamed port.
 */
export function readPortName(r: FieldReader, path: FieldPath, requireName: boolean, seen: Set<string>): string | undefined {
  const raw = r.at(path);
  if (raw !== undefined && typeof raw !== 'string') {
    r.string(path); // reports the wrong type
    return undefined;
  }
  const name = raw ?? '';
  if (name === '') {
    if (requireName) reportRequired(r, path);
    return '';
  }
  if (!reportInvalid(r, path, name, dns1123LabelErrors(name))) return undefined;
  if (seen.has(name)) r.error(path, duplicate(name));
  seen.add(name);
  return name;
}

/** `appProtocol`: a qualified name (`http`, `kubernetes.io/h2c`, `example.com/custom`). */
export function readAppProtocol(r: FieldReader, path: FieldPath): string | undefined {
  const value = r.string(path);
  if (value === undefined) return undefined;
  return reportInvalid(r, path, value, qualifiedNameErrors(value)) ? value : undefined;
}

/** Indexes of a list at `path` that are mappings; other entries are reported. */
export function mappingIndexes(r: FieldReader, path: FieldPath): number[] {
  const items = r.list(path) ?? [];
  const out: number[] = [];
  items.forEach((_, i) => {
    if (r.mapping([...path, i], { required: true }) !== undefined) out.push(i);
  });
  return out;
}
