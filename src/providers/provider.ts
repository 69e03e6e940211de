import type { Observable } from 'rxjs';
import type { Diagnostic } from '../lib/errors';
import type { SourceDocument } from '../sources/document';

/** One consistent view of everything a provider holds, published as a whole. */
export interface ProviderRevision {
  /** Increases with every published revision. */
  revision: number;
  documents: SourceDocument[];
  /** Problems reading the input (unreadable files, YAML syntax), with file and line. */
  diagnostics: Diagnostic[];
  /** Files whose content could not be fully read this time: their last good objects are kept. */
  unreadableFiles: Set<string>;
}

/**
 * Where source objects come from: a directory today, the admin store and Kubernetes later.
 * A provider only reads and publishes; validation happens downstream.
 */
export interface Provider {
  readonly description: string;
  readonly revisions: Observable<ProviderRevision>;
  start(): Promise<void>;
  close(): Promise<void>;
}
