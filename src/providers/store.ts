import { ReplaySubject } from 'rxjs';
import { SourceDocument } from '../sources/document';
import { keyString } from '../store/metadata';
import type { ObjectKey, ObjectStore, StoredObject } from '../store/types';
import type { Provider, ProviderRevision } from './provider';

/**
 * Where an API object comes from, as diagnostics print it: `api:<group>/<Kind>/<namespace>/<name>`
 * (`core` for the core group, no namespace segment for cluster-scoped kinds).
 */
export function storeOrigin(key: ObjectKey): string {
  return `api:${key.group || 'core'}/${key.kind}/${key.namespace ? `${key.namespace}/` : ''}${key.name}`;
}

/** The store's objects are frozen; the pipeline gets its own copy, as it gets a fresh parse of a file. */
export function storeDocument(stored: StoredObject): SourceDocument {
  return SourceDocument.fromValue(structuredClone(stored.object), storeOrigin(stored.key), 0);
}

/**
 * Publishes the objects of the admin API's store, one document each, and a new revision after
 * every commit (the events of one batch, delivered together, make one revision).
 */
export class StoreProvider implements Provider {
  readonly description: string;
  private readonly subject = new ReplaySubject<ProviderRevision>(1);
  readonly revisions = this.subject.asObservable();
  private revision = 0;
  private watch: { close(): void } | undefined;
  private scheduled = false;
  private closed = false;
  /** One document per object version, reused while the object does not change. */
  private documents = new Map<string, { resourceVersion: number; document: SourceDocument }>();

  constructor(private readonly store: ObjectStore, description = 'object store') {
    this.description = description;
  }

  async start(): Promise<void> {
    this.publish();
    this.watch = this.store.watch(this.store.resourceVersion, () => this.schedule());
  }

  async close(): Promise<void> {
    this.closed = true;
    this.watch?.close();
    this.subject.complete();
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    queueMicrotask(() => {
      this.scheduled = false;
      if (!this.closed) this.publish();
    });
  }

  private publish(): void {
    this.revision++;
    // store.all() is sorted by identity: the same objects always give the same documents in the same order.
    const next = new Map<string, { resourceVersion: number; document: SourceDocument }>();
    const documents = this.store.all().map((stored) => {
      const id = keyString(stored.key);
      const cached = this.documents.get(id);
      const entry = cached?.resourceVersion === stored.resourceVersion ? cached : { resourceVersion: stored.resourceVersion, document: storeDocument(stored) };
      next.set(id, entry);
      return entry.document;
    });
    this.documents = next;
    this.subject.next({ revision: this.revision, documents, diagnostics: [], unreadableFiles: new Set() });
  }
}
