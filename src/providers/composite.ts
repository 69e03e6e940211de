import { ReplaySubject, type Subscription } from 'rxjs';
import { Codes, type Diagnostic } from '../lib/errors';
import type { SourceDocument } from '../sources/document';
import { readHeader } from '../sources/header';
import { objectKey } from '../sources/object';
import type { Provider, ProviderRevision } from './provider';

export interface CompositeProviderOptions {
  /** Quiet period before a burst of child revisions becomes one revision. */
  debounceMs?: number;
}

/** Where the served copy of an object comes from. */
export interface ObjectOrigin {
  file: string;
  /** 0-based document index in the file. */
  document: number;
  provider: string;
}

/** The identity (`group/Kind/namespace/name`) of a document, when its header can be read. */
function identityOf(document: SourceDocument): string | undefined {
  const { object } = readHeader(document);
  return object ? objectKey(object) : undefined;
}

/**
 * Merges several providers into one revision stream, e.g. the `--sources` directory and the
 * admin API's store. Providers are given in priority order: when two define the same object,
 * the earlier one's copy is served and the later one's is dropped here with a DuplicateObject
 * error naming the file that wins, whatever the validity of either copy, so the outcome does not
 * depend on which one compiles. A file that cannot be read right now keeps the identities it
 * held last time (the control plane keeps serving its last good objects).
 */
export class CompositeProvider implements Provider {
  readonly description: string;
  private readonly subject = new ReplaySubject<ProviderRevision>(1);
  readonly revisions = this.subject.asObservable();
  private readonly latest: Array<ProviderRevision | undefined>;
  private subscriptions: Subscription[] = [];
  private revision = 0;
  private started = false;
  private timer: NodeJS.Timeout | undefined;
  /** Per provider: the identities each of its files held when last readable, with their document index. */
  private fileIdentities: Array<Map<string, Map<string, number>>>;
  private origins = new Map<string, ObjectOrigin>();

  constructor(private readonly providers: Provider[], private readonly opts: CompositeProviderOptions = {}) {
    this.description = providers.map((p) => p.description).join(' + ');
    this.latest = providers.map(() => undefined);
    this.fileIdentities = providers.map(() => new Map());
  }

  async start(): Promise<void> {
    this.subscriptions = this.providers.map((p, i) =>
      p.revisions.subscribe({
        next: (rev) => {
          this.latest[i] = rev;
          if (this.started) this.schedule();
        },
        error: (err: unknown) => this.subject.error(err),
      }),
    );
    await Promise.all(this.providers.map((p) => p.start()));
    this.started = true;
    // The first revision goes out at once: ControlPlane.start resolves with it compiled.
    this.publish();
  }

  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.started = false;
    for (const s of this.subscriptions) s.unsubscribe();
    await Promise.allSettled(this.providers.map((p) => p.close()));
    this.subject.complete();
  }

  /** Where the object `group/Kind/namespace/name` is served from, as of the last revision. */
  originOf(identity: { group: string; kind: string; namespace: string; name: string }): ObjectOrigin | undefined {
    return this.origins.get(objectKey(identity));
  }

  private schedule(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.publish();
    }, this.opts.debounceMs ?? 20);
  }

  private publish(): void {
    this.revision++;
    this.subject.next({ revision: this.revision, ...this.merge() });
  }

  private merge(): Omit<ProviderRevision, 'revision'> {
    const documents: SourceDocument[] = [];
    const diagnostics: Diagnostic[] = [];
    const unreadableFiles = new Set<string>();
    const origins = new Map<string, ObjectOrigin & { index: number }>();
    this.latest.forEach((rev, index) => {
      if (!rev) return;
      const provider = this.providers[index].description;
      diagnostics.push(...rev.diagnostics);
      for (const f of rev.unreadableFiles) unreadableFiles.add(f);
      const identities = new Map<string, Map<string, number>>();
      const hold = (file: string, id: string, document: number): void => {
        if (!identities.has(file)) identities.set(file, new Map());
        identities.get(file)?.set(id, document);
      };
      for (const document of rev.documents) {
        const id = identityOf(document);
        const owner = id === undefined ? undefined : origins.get(id);
        if (id !== undefined && owner && owner.index < index) {
          diagnostics.push(shadowed(document, owner));
          continue;
        }
        documents.push(document);
        if (id === undefined) continue;
        if (!owner) origins.set(id, { file: document.file, document: document.index, provider, index });
        hold(document.file, id, document.index);
      }
      // An unreadable file keeps what it held: its objects are still served from the last good read.
      for (const file of rev.unreadableFiles) {
        for (const [id, document] of this.fileIdentities[index].get(file) ?? []) {
          if (!origins.has(id)) origins.set(id, { file, document, provider, index });
          hold(file, id, document);
        }
      }
      this.fileIdentities[index] = identities;
    });
    this.origins = new Map([...origins].map(([id, { file, document, provider }]) => [id, { file, document, provider }]));
    return { documents, diagnostics, unreadableFiles };
  }
}

function shadowed(document: SourceDocument, owner: ObjectOrigin): Diagnostic {
  const { object } = readHeader(document);
  return {
    severity: 'Error',
    code: Codes.DuplicateObject,
    ...(object ? { object: { kind: object.kind, namespace: object.namespace, name: object.name } } : {}),
    message: `already defined in ${owner.file} (document ${owner.document + 1}, ${owner.provider}), which wins; this copy is ignored`,
    location: document.locate(['metadata', 'name']),
  };
}
