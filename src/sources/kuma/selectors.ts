/**
 * Kuma's tag selectors (`sources[].match`, `destinations[].match`) with the rules of
 * ValidateSelectors (kumahq/kuma v2.14.3 pkg/core/resources/apis/mesh/validators.go; spec
 * sources-kuma-fsm.md §1.1.1) and Kuma's rank of a match (pkg/core/policy, §1.1.3).
 */
import type { FieldPath } from '../document';
import { isMap, type FieldReader } from '../fields';
import { SERVICE_TAG } from './kinds';

export type Selector = Record<string, string>;

export interface SelectorRules {
  /** Destinations: exactly one tag, `kuma.io/service`. */
  onlyServiceTag: boolean;
}

/** Reads a selector list; every rule violation is an error at the entry's `match`. */
export function readSelectors(r: FieldReader, path: FieldPath, rules: SelectorRules): Selector[] {
  const items = r.list(path);
  if (items === undefined || items.length === 0) {
    if (items !== undefined || !r.has(path)) r.error(path, 'must have at least one element');
    return [];
  }
  const out: Selector[] = [];
  items.forEach((_, i) => {
    r.checkFields([...path, i], { supported: ['match'] });
    const selector = readSelector(r, [...path, i, 'match'], rules);
    if (selector) out.push(selector);
  });
  return out;
}

function readSelector(r: FieldReader, path: FieldPath, rules: SelectorRules): Selector | undefined {
  const raw = r.at(path);
  if (raw !== undefined && !isMap(raw)) {
    r.mapping(path);
    return undefined;
  }
  const tags = r.stringMap(path);
  const keys = Object.keys(tags);
  let ok = keys.length === Object.keys(raw ?? {}).length;
  const fail = (where: FieldPath, message: string): void => {
    r.error(where, message);
    ok = false;
  };
  if (keys.length === 0) fail(path, 'must have at least one tag');
  if (rules.onlyServiceTag && keys.length > 1) fail(path, `must consist of exactly one tag "${SERVICE_TAG}"`);
  if (keys.length > 0 && !(SERVICE_TAG in tags)) fail(path, `mandatory tag "${SERVICE_TAG}" is missing`);
  for (const key of keys) {
    if (key === '') fail(path, 'tag name must be non-empty');
    else if (tags[key] === '') fail([...path, key], 'tag value must be non-empty');
    if (rules.onlyServiceTag && key !== SERVICE_TAG) fail([...path, key], `tag ${JSON.stringify(key)} is not allowed`);
  }
  return ok ? tags : undefined;
}

/** How specific a match is: tags matched, then how many of them exactly (not `*`). */
export interface Rank {
  total: number;
  exact: number;
}

export function rankOf(selector: Selector): Rank {
  const values = Object.values(selector);
  return { total: values.length, exact: values.filter((v) => v !== '*').length };
}

export function addRanks(a: Rank, b: Rank): Rank {
  return { total: a.total + b.total, exact: a.exact + b.exact };
}

/** Positive when `a` is the more specific rank. */
export function compareRanks(a: Rank, b: Rank): number {
  return a.total - b.total || a.exact - b.exact;
}

