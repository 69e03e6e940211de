/**
 * The objects the API serves: those written through it (the store) and those the control plane
 * read from `--sources` files. Both show in GET and list; only the store's may be changed through
 * the API, a file's object is the file's (issue 5, "Store"). A file object carries the
 * `ricochet.io/source-file` annotation so `kubectl get -o yaml` says where it comes from.
 */
import { createHash } from 'node:crypto';
import type { SourceObject } from '../../sources/object';
import type { KubeObject, ObjectKey, ObjectStore } from '../../store/types';
import type { ControlPlane } from '../../controlplane/controlPlane';
import { deepClone, isJsonMap, setOwn, type JsonMap } from './json';
import type { ApiResource } from './resources';
import { isUniversalDocument, universalToKubernetes } from './universal';

export const SOURCE_FILE_ANNOTATION = 'ricochet.io/source-file';

/** Documents the store provider publishes are named `api:…` (src/providers/store.ts `storeOrigin`). */
const STORE_ORIGIN_PREFIX = 'api:';

export interface ServedObject {
  key: ObjectKey;
  /** As stored (frozen; clone before changing) or as built from the file. */
  object: KubeObject;
  origin: 'api' | 'file';
  /** For file objects: the file that defines it. */
  file?: string;
}

export function keyOf(resource: Pick<ApiResource, 'group' | 'kind'>, namespace: string, name: string): ObjectKey {
  return { group: resource.group, kind: resource.kind, namespace, name };
}

function sameKey(a: ObjectKey, b: ObjectKey): boolean {
  return a.group === b.group && a.kind === b.kind && a.namespace === b.namespace && a.name === b.name;
}

export function isStoreDocument(object: SourceObject): boolean {
  return object.document.file.startsWith(STORE_ORIGIN_PREFIX);
}

export class Catalog {
  constructor(private readonly controlPlane: ControlPlane, private readonly store: ObjectStore | undefined) {}

  /** Objects the control plane accepted from files (not the store's), of one kind, optionally one namespace. */
  fileObjects(resource: Pick<ApiResource, 'group' | 'kind'>, namespace?: string): SourceObject[] {
    const out: SourceObject[] = [];
    for (const o of this.controlPlane.acceptedObjects.values()) {
      if (o.group !== resource.group || o.kind !== resource.kind || isStoreDocument(o)) continue;
      if (namespace !== undefined && o.namespace !== namespace) continue;
      out.push(o);
    }
    return out;
  }

  /** The file object with this identity, if a `--sources` file defines it and the control plane accepted it. */
  fileObject(key: ObjectKey): SourceObject | undefined {
    for (const o of this.controlPlane.acceptedObjects.values()) {
      if (!isStoreDocument(o) && sameKey(o, key)) return o;
    }
    return undefined;
  }

  /**
   * The `--sources` file that defines this identity, if any: an accepted file object's, or the
   * file of an error about an object of that kind, namespace and name (a file's invalid object
   * is still the file's; diagnostics name objects without their group).
   */
  fileOwner(key: ObjectKey): string | undefined {
    const accepted = this.fileObject(key);
    if (accepted) return accepted.document.file;
    for (const d of this.controlPlane.state.diagnostics) {
      const o = d.object;
      const file = d.location?.file;
      if (d.severity !== 'Error' || !o || !file || file.startsWith(STORE_ORIGIN_PREFIX)) continue;
      if (o.kind === key.kind && o.namespace === key.namespace && o.name === key.name) return file;
    }
    return undefined;
  }

  /** Store and file objects of a kind, sorted by namespace then name; a file wins an identity both define. */
  list(resource: Pick<ApiResource, 'group' | 'kind'>, namespace?: string): ServedObject[] {
    const byId = new Map<string, ServedObject>();
    for (const stored of this.store?.list({ group: resource.group, kind: resource.kind, namespace }) ?? []) {
      byId.set(`${stored.key.namespace}/${stored.key.name}`, { key: stored.key, object: stored.object, origin: 'api' });
    }
    for (const o of this.fileObjects(resource, namespace)) byId.set(`${o.namespace}/${o.name}`, fileServed(o));
    return [...byId.values()].sort((a, b) => cmp(a.key.namespace, b.key.namespace) || cmp(a.key.name, b.key.name));
  }

  get(key: ObjectKey): ServedObject | undefined {
    const file = this.fileObject(key);
    if (file) return fileServed(file);
    const stored = this.store?.get(key);
    return stored ? { key: stored.key, object: stored.object, origin: 'api' } : undefined;
  }

  /** Every namespace an object lives in, plus `default` (what `GET /api/v1/namespaces` lists). */
  namespaces(): string[] {
    const out = new Set<string>(['default']);
    for (const s of this.store?.all() ?? []) if (s.key.namespace) out.add(s.key.namespace);
    for (const o of this.controlPlane.acceptedObjects.values()) if (o.namespace) out.add(o.namespace);
    return [...out].sort(cmp);
  }
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function fileServed(o: SourceObject): ServedObject {
  const key = { group: o.group, kind: o.kind, namespace: o.namespace, name: o.name };
  return { key, object: fileObjectView(o), origin: 'file', file: o.document.file };
}

/** A file's object as the API shows it: Kubernetes-shaped, its namespace filled in, its file named. */
export function fileObjectView(o: SourceObject): KubeObject {
  const raw = isUniversalDocument(o.raw) ? universalToKubernetes(o.raw) : deepClone(o.raw);
  const metadata: JsonMap = isJsonMap(raw.metadata) ? raw.metadata : {};
  metadata.name = o.name;
  if (o.namespace) metadata.namespace = o.namespace;
  else delete metadata.namespace;
  // A stable uid, so clients that key on it (kubectl --sort-by, caches) see one object.
  if (typeof metadata.uid !== 'string') metadata.uid = stableUid(`${o.group}/${o.kind}/${o.namespace}/${o.name}`);
  const annotations: JsonMap = isJsonMap(metadata.annotations) ? metadata.annotations : {};
  setOwn(annotations, SOURCE_FILE_ANNOTATION, o.document.file);
  metadata.annotations = annotations;
  raw.metadata = metadata;
  return raw as KubeObject;
}

function stableUid(id: string): string {
  const h = createHash('sha256').update(id).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}
