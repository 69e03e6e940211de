/**
 * FSM / OSM mesh `Retry` (spec/sources-kuma-fsm.md §2.1, §2.2): the kinds, their validation,
 * the ServiceAccount selectors they use, and what they attach for one proxy. Reading is in
 * ./retrySpec, the policy in ./retryOn, the per-proxy selection in ./retrySelection.
 */
import { Codes, type Diagnostic } from '../../lib/errors';
import type { ProxySelector } from '../../ir/model';
import { FieldReader } from '../fields';
import type { SourceObject } from '../object';
import type { CompileContext, KindEntry, SystemOutput } from '../registry';
import { envoyRetryOn } from './retryOn';
import { compareObjects, missingDestinations, selectRetries, type ReadRetry } from './retrySelection';
import { FSM_POLICY_GROUP, OSM_POLICY_GROUP, readRetry, RETRY_VERSIONS } from './retrySpec';

export function validateMeshRetry(object: SourceObject): Diagnostic[] {
  const r = new FieldReader(object);
  const spec = readRetry(r);
  if (spec.retryPolicy) {
    for (const note of envoyRetryOn(spec.retryPolicy.retryOn, spec.dialect).notes) {
      r.report(note.severity, Codes.SchemaValidation, ['spec', 'retryPolicy', 'retryOn'], note.message);
    }
  }
  return r.diagnostics;
}

export const MESH_RETRY_KINDS: readonly KindEntry[] = [
  { group: FSM_POLICY_GROUP, kind: 'Retry', versions: RETRY_VERSIONS, scope: 'Namespaced', validate: validateMeshRetry },
  { group: OSM_POLICY_GROUP, kind: 'Retry', versions: RETRY_VERSIONS, scope: 'Namespaced', validate: validateMeshRetry },
];

function readAll(objects: SourceObject[]): ReadRetry[] {
  return [...objects].sort(compareObjects).map((object) => ({ object, spec: readRetry(new FieldReader(object)) }));
}

/** One ServiceAccount selector per Retry source: only those sidecars see a Retry. */
export function meshRetrySelectors(objects: SourceObject[]): ProxySelector[] {
  const out: ProxySelector[] = [];
  for (const { spec } of readAll(objects)) {
    if (spec.source) out.push({ kind: 'serviceAccount', namespace: spec.source.namespace, name: spec.source.name });
  }
  return out;
}

/**
 * For a sidecar whose ServiceAccount is a Retry's source: one attachment per destination Service
 * (every port). Missing destination Services are reported for every proxy, so the warning does
 * not depend on which proxies are connected.
 */
export function compileMeshRetries(objects: SourceObject[], ctx: CompileContext): SystemOutput {
  const retries = readAll(objects);
  const diagnostics = retries.flatMap((r) => missingDestinations(r, ctx.registry));
  const selected = selectRetries(retries, ctx.registry, ctx.proxy);
  return {
    virtualHosts: [],
    retryAttachments: selected.attachments,
    conditions: selected.conditions,
    diagnostics: [...diagnostics, ...selected.diagnostics],
  };
}
