/** `spec.parentRefs` of a route (ParentReference, shared_types.go), with the CEL distinctness rules. */
import type { FieldReader } from '../fields';
import { GATEWAY_API_GROUP, readBoundedList, readGroup, readKind, readNamespace, readObjectName, readPortNumber, readSectionName } from './fields';

export interface ParentRefSpec {
  index: number;
  group: string;
  kind: string;
  /** Unset: the route's own namespace. */
  namespace?: string;
  name: string;
  sectionName?: string;
  port?: number;
}

export function readParentRefs(r: FieldReader): ParentRefSpec[] {
  const out: ParentRefSpec[] = [];
  readBoundedList(r, ['spec', 'parentRefs'], { max: 32 }).forEach((_, i) => {
    const at = ['spec', 'parentRefs', i];
    if (r.mapping(at, { required: true }) === undefined) return;
    r.checkFields(at, { supported: ['group', 'kind', 'namespace', 'name', 'sectionName', 'port'] });
    const group = r.has([...at, 'group']) ? readGroup(r, [...at, 'group']) : GATEWAY_API_GROUP;
    const kind = r.has([...at, 'kind']) ? readKind(r, [...at, 'kind']) : 'Gateway';
    const namespace = r.has([...at, 'namespace']) ? readNamespace(r, [...at, 'namespace']) : undefined;
    const name = readObjectName(r, [...at, 'name'], true);
    const sectionName = r.has([...at, 'sectionName']) ? readSectionName(r, [...at, 'sectionName']) : undefined;
    const port = r.has([...at, 'port']) ? readPortNumber(r, [...at, 'port']) : undefined;
    if (group === undefined || kind === undefined || name === undefined) return;
    const ref: ParentRefSpec = { index: i, group, kind, name };
    if (namespace !== undefined) ref.namespace = namespace;
    if (sectionName !== undefined) ref.sectionName = sectionName;
    if (port !== undefined) ref.port = port;
    out.push(ref);
  });
  checkDistinct(r, out);
  return out;
}

/**
 * Two refs to the same parent must both set sectionName or port, and differ in them (the
 * experimental channel's CEL rule, which also covers the standard one's sectionName-only rule).
 */
function checkDistinct(r: FieldReader, refs: ParentRefSpec[]): void {
  refs.forEach((ref, n) => {
    for (const other of refs.slice(0, n)) {
      if (other.group !== ref.group || other.kind !== ref.kind || other.name !== ref.name || (other.namespace ?? '') !== (ref.namespace ?? '')) continue;
      const sameShape = (other.sectionName === undefined) === (ref.sectionName === undefined) && (other.port === undefined) === (ref.port === undefined);
      if (!sameShape || (ref.sectionName === undefined && ref.port === undefined)) {
        r.error(['spec', 'parentRefs', ref.index], 'sectionName or port must be specified when parentRefs includes 2 or more references to the same parent');
        return;
      }
      if (other.sectionName === ref.sectionName && other.port === ref.port) {
        r.error(['spec', 'parentRefs', ref.index], 'sectionName or port must be unique when parentRefs includes 2 or more references to the same parent');
        return;
      }
    }
  });
}
