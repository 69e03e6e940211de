import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { ReplaySubject } from 'rxjs';
import { watch, type FSWatcher } from 'chokidar';
import { Codes, type Diagnostic } from '../lib/errors';
import { parseDocuments, type SourceDocument } from '../sources/document';
import type { Provider, ProviderRevision } from './provider';

const SOURCE_FILE = /\.(ya?ml|json)$/i;

export interface DirectoryProviderOptions {
  dir: string;
  /** Quiet period before a burst of file changes becomes one revision. */
  debounceMs?: number;
  watch?: boolean;
}

/** Reads every *.yaml / *.yml / *.json under a directory (multi-document) and watches it. */
export class DirectoryProvider implements Provider {
  readonly description: string;
  private readonly subject = new ReplaySubject<ProviderRevision>(1);
  readonly revisions = this.subject.asObservable();
  private watcher: FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  private revision = 0;
  private reading: Promise<void> = Promise.resolve();

  constructor(private readonly opts: DirectoryProviderOptions) {
    this.description = `directory ${opts.dir}`;
  }

  async start(): Promise<void> {
    await this.publish();
    if (this.opts.watch === false) return;
    this.watcher = watch(this.opts.dir, { ignoreInitial: true, awaitWriteFinish: false });
    this.watcher.on('all', (_event, file) => {
      if (typeof file === 'string' && !SOURCE_FILE.test(file)) return;
      this.schedule();
    });
    await new Promise<void>((resolve) => this.watcher?.once('ready', () => resolve()));
  }

  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    await this.watcher?.close();
    await this.reading;
    this.subject.complete();
  }

  private schedule(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.reading = this.reading.then(() => this.publish());
    }, this.opts.debounceMs ?? 100);
  }

  private async publish(): Promise<void> {
    const read = await readSourceDirectory(this.opts.dir);
    this.revision++;
    this.subject.next({ revision: this.revision, ...read });
  }
}

/** Reads a file or a directory tree into documents (also used by `ricochet translate`). */
export async function readSourceDirectory(target: string): Promise<Omit<ProviderRevision, 'revision'>> {
  const documents: SourceDocument[] = [];
  const diagnostics: Diagnostic[] = [];
  const unreadableFiles = new Set<string>();
  let files: string[];
  try {
    files = await listSourceFiles(target);
  } catch (err) {
    diagnostics.push({ severity: 'Error', code: Codes.FileRead, message: `cannot read ${target}: ${(err as Error).message}`, location: { file: target } });
    return { documents, diagnostics, unreadableFiles };
  }
  for (const file of files) {
    const display = path.relative(process.cwd(), file) || file;
    let text: string;
    try {
      text = await fs.readFile(file, 'utf8');
    } catch (err) {
      // Deleted between listing and reading: the next revision will not list it.
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      unreadableFiles.add(display);
      diagnostics.push({ severity: 'Error', code: Codes.FileRead, message: `cannot read file: ${(err as Error).message}`, location: { file: display } });
      continue;
    }
    const parsed = parseDocuments(display, text);
    documents.push(...parsed.documents);
    diagnostics.push(...parsed.diagnostics);
    if (parsed.diagnostics.length > 0) unreadableFiles.add(display);
  }
  return { documents, diagnostics, unreadableFiles };
}

async function listSourceFiles(target: string): Promise<string[]> {
  const stat = await fs.stat(target);
  if (!stat.isDirectory()) return [target];
  const out: string[] = [];
  const entries = await fs.readdir(target, { withFileTypes: true, recursive: true });
  for (const e of entries) {
    if (!e.isFile() || !SOURCE_FILE.test(e.name)) continue;
    const parent = (e as unknown as { parentPath?: string; path?: string }).parentPath ?? (e as unknown as { path: string }).path;
    out.push(path.join(parent, e.name));
  }
  return out.sort();
}
