/**
 * `labelSelector` and `fieldSelector` query parameters (spec/kubectl-1.20.md §5.1, §7, §10).
 * The field selector must be honoured: `kubectl delete` lists with `metadata.name=<n>` and waits
 * forever when exactly one *other* object comes back (§11 pitfall 8).
 */
import { badRequest } from './status';

export type Requirement =
  | { key: string; op: 'in' | 'notin'; values: string[] }
  | { key: string; op: 'exists' | '!exists' };

export type Selector = (labels: Readonly<Record<string, unknown>>) => boolean;

const LABEL_KEY = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/;

function checkKey(key: string, text: string): string {
  if (key.length > 316 || !LABEL_KEY.test(key)) throw badRequest(`unable to parse requirement: invalid label key ${JSON.stringify(key)} in selector ${JSON.stringify(text)}`);
  return key;
}

function checkValue(value: string, text: string): string {
  if (value.length > 63 || !LABEL_VALUE.test(value)) throw badRequest(`unable to parse requirement: invalid label value ${JSON.stringify(value)} in selector ${JSON.stringify(text)}`);
  return value;
}

/** Splits on commas that are not inside `( … )`. */
function splitTerms(text: string): string[] {
  const terms: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '(') depth++;
    else if (text[i] === ')') depth--;
    else if (text[i] === ',' && depth === 0) {
      terms.push(text.slice(start, i));
      start = i + 1;
    }
    if (depth < 0 || depth > 1) throw badRequest(`unable to parse selector ${JSON.stringify(text)}: unbalanced parentheses`);
  }
  if (depth !== 0) throw badRequest(`unable to parse selector ${JSON.stringify(text)}: unbalanced parentheses`);
  terms.push(text.slice(start));
  return terms.map((t) => t.trim());
}

function parseTerm(term: string, text: string): Requirement {
  if (term === '') throw badRequest(`unable to parse selector ${JSON.stringify(text)}: empty requirement`);
  const set = /^(\S+)\s+(in|notin)\s*\((.*)\)$/.exec(term);
  if (set) {
    const values = set[3].split(',').map((v) => checkValue(v.trim(), text));
    return { key: checkKey(set[1], text), op: set[2] as 'in' | 'notin', values };
  }
  const eq = /^([^=!\s]+)\s*(==|=|!=)\s*(.*)$/.exec(term);
  if (eq) {
    const value = checkValue(eq[3].trim(), text);
    return { key: checkKey(eq[1], text), op: eq[2] === '!=' ? 'notin' : 'in', values: [value] };
  }
  if (term.startsWith('!')) return { key: checkKey(term.slice(1).trim(), text), op: '!exists' };
  return { key: checkKey(term, text), op: 'exists' };
}

/** Parses a label selector (`a=b,c!=d,e in (f,g),!h`); BadRequest on bad syntax, as the apiserver. */
export function parseLabelSelector(text: string): Requirement[] {
  if (text.trim() === '') return [];
  return splitTerms(text).map((t) => parseTerm(t, text));
}

export function matchesRequirements(requirements: readonly Requirement[], labels: Readonly<Record<string, unknown>>): boolean {
  return requirements.every((r) => {
    const has = Object.prototype.hasOwnProperty.call(labels, r.key) && typeof labels[r.key] === 'string';
    const value = has ? (labels[r.key] as string) : undefined;
    switch (r.op) {
      case 'exists': return has;
      case '!exists': return !has;
      case 'in': return value !== undefined && r.values.includes(value);
      case 'notin': return value === undefined || !r.values.includes(value);
    }
  });
}

/** The fields a field selector may name: every kind supports these two, as in the apiserver. */
export interface FieldRequirement {
  field: 'metadata.name' | 'metadata.namespace';
  equal: boolean;
  value: string;
}

/** Parses `metadata.name=x,metadata.namespace!=y`; other fields are a BadRequest (`field label not supported`). */
export function parseFieldSelector(text: string): FieldRequirement[] {
  if (text.trim() === '') return [];
  return text.split(',').map((term) => {
    const m = /^\s*([^=!\s]+)\s*(==|=|!=)\s*(.*?)\s*$/.exec(term);
    if (!m) throw badRequest(`invalid field selector ${JSON.stringify(text)}: expected <field>=<value> terms`);
    if (m[1] !== 'metadata.name' && m[1] !== 'metadata.namespace') throw badRequest(`field label not supported: ${m[1]} (supported: metadata.name, metadata.namespace)`);
    return { field: m[1], equal: m[2] !== '!=', value: m[3] };
  });
}

export function matchesFields(requirements: readonly FieldRequirement[], name: string, namespace: string): boolean {
  return requirements.every((r) => ((r.field === 'metadata.name' ? name : namespace) === r.value) === r.equal);
}

/** What a list or watch keeps: both selectors over an object's metadata. */
export interface ObjectFilter {
  labels: Requirement[];
  fields: FieldRequirement[];
}

export function parseFilter(query: { labelSelector?: unknown; fieldSelector?: unknown }): ObjectFilter {
  return {
    labels: parseLabelSelector(singleParam(query.labelSelector, 'labelSelector') ?? ''),
    fields: parseFieldSelector(singleParam(query.fieldSelector, 'fieldSelector') ?? ''),
  };
}

export function matchesFilter(filter: ObjectFilter, metadata: Readonly<Record<string, unknown>>): boolean {
  const name = typeof metadata.name === 'string' ? metadata.name : '';
  const namespace = typeof metadata.namespace === 'string' ? metadata.namespace : '';
  const labels = metadata.labels !== null && typeof metadata.labels === 'object' ? (metadata.labels as Record<string, unknown>) : {};
  return matchesFields(filter.fields, name, namespace) && matchesRequirements(filter.labels, labels);
}

/** A query parameter given once; repeated ones are a BadRequest rather than a guess. */
export function singleParam(value: unknown, name: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string') return value;
  throw badRequest(`query parameter ${name} may be given only once`);
}
