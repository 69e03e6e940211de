/**
 * Retry host predicates (envoy-retry.md §4.3): asked only when a retry picks its host; a host
 * any predicate rejects is picked again, up to host_selection_retry_max_attempts times.
 *
 * - previous_hosts: a host an earlier attempt of this request went to;
 * - omit_host_metadata (OmitHostsRetryPredicate): a host whose `envoy.lb` endpoint metadata
 *   matches one of the predicates' label sets (Config::Metadata::metadataLabelMatch with
 *   list_as_any: every key present with an equal value, or a list holding it). An empty label set
 *   never rejects; a host without `envoy.lb` metadata is never rejected.
 */
import type { JsonObject } from '../../lib/protos/protoJson';
import type { Host } from '../upstream/host';

type Json = JsonObject[string];

/** ValueUtil::equal on google.protobuf.Value as JSON: same kind and value, structs and lists deeply. */
export function valueEqual(a: Json, b: Json): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => valueEqual(x, b[i]));
  }
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k) => k in b && valueEqual(a[k], b[k]));
}

/** metadataLabelMatch(labels, host's envoy.lb, list_as_any = true); false for an empty label set. */
export function hostMetadataMatches(labels: JsonObject, lbMetadata: JsonObject | undefined): boolean {
  const keys = Object.keys(labels);
  if (keys.length === 0 || !lbMetadata) return false;
  for (const k of keys) {
    if (!(k in lbMetadata)) return false;
    const have = lbMetadata[k];
    const want = labels[k];
    if (Array.isArray(have)) {
      if (!have.some((v) => valueEqual(v, want))) return false;
    } else if (!valueEqual(have, want)) {
      return false;
    }
  }
  return true;
}

/**
 * The combined predicate for a request's retries, or undefined when it has none. `attempted`
 * (previous_hosts) is read live: the router appends to it as attempts go out.
 */
export function retryHostRejecter(attempted: readonly Host[] | undefined, omitSets: readonly JsonObject[] | undefined): ((h: Host) => boolean) | undefined {
  const sets = omitSets?.filter((s) => Object.keys(s).length > 0) ?? [];
  if (!attempted && sets.length === 0) return undefined;
  return (h) => (attempted !== undefined && attempted.includes(h)) || sets.some((s) => hostMetadataMatches(s, h.lbMetadata));
}
