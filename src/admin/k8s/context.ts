/**
 * What every object route shares: the served objects (store + files), computed status, the
 * write lock and the mapping of store refusals to Kubernetes Status errors.
 */
import type { ControlPlane } from '../../controlplane/controlPlane';
import { StoreConflictError, type KubeObject, type ObjectStore } from '../../store/types';
import { Catalog, type ServedObject } from './catalog';
import { deepClone, isJsonMap } from './json';
import { StatusTracker } from './objectStatus';
import type { ApiResource } from './resources';
import { alreadyExists, conflict, notFound, serviceUnavailable, type ApiError } from './status';

export class ApiContext {
  readonly catalog: Catalog;
  readonly tracker = new StatusTracker();
  private chain: Promise<unknown> = Promise.resolve();

  constructor(readonly controlPlane: ControlPlane, private readonly objectStore: ObjectStore | undefined) {
    this.catalog = new Catalog(controlPlane, objectStore);
  }

  get hasStore(): boolean {
    return this.objectStore !== undefined;
  }

  get optionalStore(): ObjectStore | undefined {
    return this.objectStore;
  }

  /** The store, for writes; a server without one is read-only (503). */
  get store(): ObjectStore {
    if (!this.objectStore) throw serviceUnavailable('this server keeps no objects of its own (start it with serve --data DIR to write through the API); objects from --sources files are read-only');
    return this.objectStore;
  }

  /**
   * A served object as the API returns it: a copy, with `status.conditions` computed now. A
   * status the object carries as data (a file's Pod with `status.podIP`) keeps its other fields.
   */
  present(served: ServedObject): KubeObject {
    const out = deepClone(served.object) as KubeObject & { status?: unknown };
    const own = isJsonMap(out.status) ? out.status : {};
    out.status = { ...own, ...this.tracker.statusOf(this.controlPlane, served) };
    return out;
  }

  /**
   * Runs writes one at a time: a patch reads, merges and commits without another write slipping
   * in between, so kubectl's PATCH (which carries no resourceVersion, §4.2) never sees a spurious 409.
   */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn, fn);
    this.chain = run.catch(() => undefined);
    return run;
  }
}

/** The store refused a commit: the Status kubectl expects for it. */
export function storeRefusal(err: StoreConflictError, resource: ApiResource): ApiError {
  const name = err.key.name;
  switch (err.reason) {
    case 'AlreadyExists': return alreadyExists(resource, name);
    case 'NotFound': return notFound(resource, name);
    case 'Conflict': return conflict(resource, name);
  }
}

export function isStoreRefusal(err: unknown): err is StoreConflictError {
  return err instanceof StoreConflictError;
}
