/**
 * How Kuma combines every MeshRetry that applies to one destination of one proxy (spec
 * sources-kuma-fsm.md §1.2.4; kumahq/kuma v2.14.3 pkg/plugins/policies/core/rules/sort): the
 * matching `to` entries are ordered, and each later one is merged into the result with RFC 7396
 * JSON merge-patch, so lists are replaced, never appended.
 */
import { isMap, type YamlMap } from '../fields';
import type { SourceObject } from '../object';
import { compareStrings } from '../provenance';
import { labelsOf } from './dialect';
import { DISPLAY_NAME_LABEL, ORIGIN_LABEL, POLICY_ROLE_LABEL, SYSTEM_NAMESPACE } from './kinds';
import type { MeshRetrySpec, MeshRetryTo } from './meshRetry';
import type { TargetRef } from './targetRef';

/** One `to` entry of one MeshRetry: the unit Kuma orders and merges. */
export interface MeshRetryEntry {
  object: SourceObject;
  spec: MeshRetrySpec;
  to: MeshRetryTo;
}

const KIND_RANK: Readonly<Record<string, number>> = {
  Mesh: 1, Dataplane: 2, MeshSubset: 3, MeshGateway: 4, MeshService: 5, MeshExternalService: 6, MeshMultiZoneService: 7, MeshServiceSubset: 8, MeshHTTPRoute: 9,
};
const ROLE_RANK: Readonly<Record<string, number>> = { system: 0, producer: 1, consumer: 2, 'workload-owner': 3 };

function kindRank(ref: TargetRef): number {
  const rank = KIND_RANK[ref.kind] ?? 0;
  // A MeshService named with a port (sectionName) is more specific than the whole service.
  return ref.kind === 'MeshService' && ref.sectionName !== undefined ? rank + 0.5 : rank;
}

/** `kuma.io/origin: global` sorts before zone-local policies (and those without the label). */
function originRank(object: SourceObject): number {
  return labelsOf(object)[ORIGIN_LABEL] === 'global' ? 0 : 1;
}

/**
 * The `kuma.io/policy-role` label when set; otherwise what Kuma's webhook would compute: system
 * for universal policies and those in kuma-system, producer when every `to` names a MeshService
 * of the policy's own namespace, consumer otherwise.
 */
export function roleOf(object: SourceObject, spec: MeshRetrySpec): string {
  const label = labelsOf(object)[POLICY_ROLE_LABEL];
  if (label && label in ROLE_RANK) return label;
  if (object.namespace === '' || object.namespace === SYSTEM_NAMESPACE) return 'system';
  const own = spec.to.length > 0 && spec.to.every((t) => t.targetRef.kind === 'MeshService' && (t.targetRef.namespace ?? object.namespace) === object.namespace);
  return own ? 'producer' : 'consumer';
}

function displayName(object: SourceObject): string {
  return labelsOf(object)[DISPLAY_NAME_LABEL] || object.name;
}

/** Kuma's order, least specific first; the last entry applied wins each field it sets. */
export function compareEntries(a: MeshRetryEntry, b: MeshRetryEntry): number {
  // Top level: the kind alone (§1.2.4 key 1); a top-level sectionName is ignored (warned), so it does not rank.
  return (KIND_RANK[a.spec.targetRef.kind] ?? 0) - (KIND_RANK[b.spec.targetRef.kind] ?? 0)
    || originRank(a.object) - originRank(b.object)
    || ROLE_RANK[roleOf(a.object, a.spec)] - ROLE_RANK[roleOf(b.object, b.spec)]
    || kindRank(a.to.targetRef) - kindRank(b.to.targetRef)
    // On a full tie the name that sorts first is applied last, and so wins (§1.2.4 key 5).
    || compareStrings(displayName(b.object), displayName(a.object))
    || compareStrings(b.object.namespace, a.object.namespace)
    || a.to.index - b.to.index;
}

/** RFC 7396 merge of the entries' `default` confs, in the given order. */
export function mergeConfs(entries: readonly MeshRetryEntry[]): YamlMap {
  let merged: YamlMap = {};
  for (const e of entries) merged = mergePatch(merged, e.to.conf) as YamlMap;
  return merged;
}

/**
 * RFC 7396, except that a YAML `null` is "not set": Kuma merges Go structs serialized with
 * omitempty, so an unset field never reaches the patch as null.
 */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isMap(patch)) return patch;
  const out: YamlMap = isMap(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null || value === undefined) continue;
    out[key] = mergePatch(out[key], value);
  }
  return out;
}
