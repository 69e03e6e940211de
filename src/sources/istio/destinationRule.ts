/**
 * DestinationRule: validation with Istio's webhook rules (ValidateDestinationRule,
 * validateSubset) and a typed read of its host, traffic policy and subsets
 * (spec/sources-istio.md §4.3, §5).
 */
import { Codes, type Diagnostic } from '../../lib/errors';
import type { FieldPath } from '../document';
import { FieldReader } from '../fields';
import { isDns1123Label, labelKeyError, labelValueError, wildcardDomainError } from '../names';
import type { SourceObject } from '../object';
import { readTrafficPolicy, type TrafficPolicySpec } from './trafficPolicy';

export interface SubsetSpec {
  name: string;
  labels: Record<string, string>;
  trafficPolicy?: TrafficPolicySpec;
  path: FieldPath;
}

export interface DestinationRuleSpec {
  /** As written; short names resolve in the rule's namespace. */
  host: string;
  trafficPolicy?: TrafficPolicySpec;
  subsets: SubsetSpec[];
  /** A rule with a workloadSelector applies to some workloads only; Ricochet leaves it out. */
  selective: boolean;
}

const SPEC_FIELDS = {
  supported: ['host', 'trafficPolicy', 'subsets'],
  notYet: {
    exportTo: 'the rule is visible in every namespace',
    workloadSelector: 'the rule would apply to the selected workloads only; Ricochet leaves the whole rule out',
  },
} as const;
const SUBSET_FIELDS = { supported: ['name', 'labels', 'trafficPolicy'] } as const;

export function validateDestinationRule(object: SourceObject): Diagnostic[] {
  const r = new FieldReader(object);
  readDestinationRule(r);
  return r.diagnostics;
}

/** Reads and validates a DestinationRule's spec; problems land in `r.diagnostics`. */
export function readDestinationRule(r: FieldReader): DestinationRuleSpec {
  const empty: DestinationRuleSpec = { host: '', subsets: [], selective: false };
  if (r.mapping(['spec'], { required: true }) === undefined) return empty;
  r.checkFields(['spec'], SPEC_FIELDS);
  const host = readHost(r);
  const trafficPolicy = readTrafficPolicy(r, ['spec', 'trafficPolicy']);
  const subsets = readSubsets(r);
  checkSelector(r);
  const out: DestinationRuleSpec = { host: host ?? '', subsets, selective: r.has(['spec', 'workloadSelector']) };
  if (trafficPolicy) out.trafficPolicy = trafficPolicy;
  return out;
}

function readHost(r: FieldReader): string | undefined {
  const path = ['spec', 'host'];
  const host = r.string(path, { required: true });
  if (host === undefined) return undefined;
  const err = wildcardDomainError(host);
  if (err) {
    r.error(path, `${err}; host is a service name (reviews, reviews.prod.svc.cluster.local) or a wildcard such as *.example.com`);
    return undefined;
  }
  return host;
}

function readSubsets(r: FieldReader): SubsetSpec[] {
  const path = ['spec', 'subsets'];
  const out: SubsetSpec[] = [];
  const names = new Set<string>();
  (r.list(path) ?? []).forEach((_, i) => {
    const at = [...path, i];
    if (r.at(at) === undefined) return r.error(at, 'subset may not be null');
    const subset = readSubset(r, at);
    if (!subset) return;
    if (names.has(subset.name)) r.error([...at, 'name'], `duplicate subset names: ${subset.name}`);
    names.add(subset.name);
    out.push(subset);
  });
  return out;
}

/** validateSubset: a DNS-1123 label name, valid labels (none means every endpoint), a valid policy. */
function readSubset(r: FieldReader, path: FieldPath): SubsetSpec | undefined {
  if (r.mapping(path) === undefined) return undefined;
  r.checkFields(path, SUBSET_FIELDS);
  const name = r.string([...path, 'name']);
  if (name === undefined || name === '') r.error([...path, 'name'], 'subset name cannot be empty', Codes.MissingField);
  else if (!isDns1123Label(name)) r.error([...path, 'name'], `subset name is invalid: ${name}; subset names are DNS-1123 labels such as v1`);
  const labels = r.stringMap([...path, 'labels']);
  for (const [k, v] of Object.entries(labels)) {
    const err = labelKeyError(k) ?? labelValueError(v);
    if (err) r.error([...path, 'labels', k], err);
  }
  const trafficPolicy = readTrafficPolicy(r, [...path, 'trafficPolicy']);
  if (!name) return undefined;
  const out: SubsetSpec = { name, labels, path };
  if (trafficPolicy) out.trafficPolicy = trafficPolicy;
  return out;
}

/** validateWorkloadSelector: no empty keys, no wildcards; no labels is a warning. */
function checkSelector(r: FieldReader): void {
  const path = ['spec', 'workloadSelector'];
  if (r.mapping(path) === undefined) return;
  const labels = r.stringMap([...path, 'matchLabels']);
  for (const [k, v] of Object.entries(labels)) {
    if (k === '') r.error([...path, 'matchLabels'], `empty key is not supported in selector: "=${v}"`);
    if (k.includes('*') || v.includes('*')) r.error([...path, 'matchLabels', k], `wildcard is not supported in selector: "${k}=${v}"`);
  }
  if (Object.keys(labels).length === 0) r.warn(path, 'workload selector specified without labels', Codes.SchemaValidation);
}
