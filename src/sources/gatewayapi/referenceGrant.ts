/**
 * ReferenceGrant: lets objects of a kind in one namespace reference objects in the grant's own
 * namespace (here: an HTTPRoute's backendRef to a Service in another namespace).
 */
import type { Diagnostic } from '../../lib/errors';
import { FieldReader } from '../fields';
import type { SourceObject } from '../object';
import { readBoundedList, readGroup, readKind, readNamespace, readObjectName } from './fields';

export interface GrantFrom {
  group: string;
  kind: string;
  namespace: string;
}

export interface GrantTo {
  group: string;
  kind: string;
  /** Unset: every object of that group and kind in the grant's namespace. */
  name?: string;
}

export interface ReferenceGrantSpec {
  from: GrantFrom[];
  to: GrantTo[];
}

export function readReferenceGrant(r: FieldReader): ReferenceGrantSpec {
  const out: ReferenceGrantSpec = { from: [], to: [] };
  if (r.mapping(['spec'], { required: true }) === undefined) return out;
  r.checkFields(['spec'], { supported: ['from', 'to'] });
  readBoundedList(r, ['spec', 'from'], { min: 1, max: 16, required: true }).forEach((_, i) => {
    const at = ['spec', 'from', i];
    r.checkFields(at, { supported: ['group', 'kind', 'namespace'] });
    const group = readGroup(r, [...at, 'group'], true);
    const kind = readKind(r, [...at, 'kind'], true);
    const namespace = readNamespace(r, [...at, 'namespace'], true);
    if (group !== undefined && kind !== undefined && namespace !== undefined) out.from.push({ group, kind, namespace });
  });
  readBoundedList(r, ['spec', 'to'], { min: 1, max: 16, required: true }).forEach((_, i) => {
    const at = ['spec', 'to', i];
    r.checkFields(at, { supported: ['group', 'kind', 'name'] });
    const group = readGroup(r, [...at, 'group'], true);
    const kind = readKind(r, [...at, 'kind'], true);
    const name = r.has([...at, 'name']) ? readObjectName(r, [...at, 'name']) : undefined;
    if (group === undefined || kind === undefined) return;
    out.to.push(name === undefined ? { group, kind } : { group, kind, name });
  });
  return out;
}

export function validateReferenceGrant(object: SourceObject): Diagnostic[] {
  const r = new FieldReader(object);
  readReferenceGrant(r);
  return r.diagnostics;
}

export interface ReadGrant {
  namespace: string;
  spec: ReferenceGrantSpec;
}

/** Whether some grant in the target's namespace lets `from` reference the target. */
export function referencePermitted(grants: readonly ReadGrant[], from: GrantFrom, target: { group: string; kind: string; namespace: string; name: string }): boolean {
  return grants.some((g) => g.namespace === target.namespace
    && g.spec.from.some((f) => f.group === from.group && f.kind === from.kind && f.namespace === from.namespace)
    && g.spec.to.some((t) => t.group === target.group && t.kind === target.kind && (t.name === undefined || t.name === target.name)));
}
