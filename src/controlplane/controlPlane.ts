import type { Subscription } from 'rxjs';
import { formatDiagnostic, type Diagnostic } from '../lib/errors';
import type { Logger } from '../lib/log';
import type { Mesh } from '../ir/model';
import type { Provider, ProviderRevision } from '../providers/provider';
import { translateMesh, type TranslateOptions } from '../xds/translate';
import { buildSnapshot, ResourceEncoder } from '../xds/cache/snapshot';
import { SnapshotCache } from '../xds/cache/snapshotCache';
import type { ProxyNode } from '../xds/resources';
import type { AcceptedObjects } from './acceptance';
import { compileRevision } from './compile';
import { viewKeyForNode } from './views';

export interface ControlPlaneOptions {
  provider: Provider;
  translate: TranslateOptions;
  logger: Logger;
}

/** What the control plane currently serves, for the admin API and tests. */
export interface ControlPlaneState {
  revision: number;
  mesh: Mesh;
  diagnostics: Diagnostic[];
  objectCount: number;
  builtAt?: Date;
}

/**
 * The pipeline of DESIGN.md: provider revisions → accepted source objects → IR → Envoy resources
 * per view → snapshot cache. Every stage but this glue is a pure function.
 */
export class ControlPlane {
  readonly cache = new SnapshotCache();
  private readonly encoder = new ResourceEncoder();
  private accepted: AcceptedObjects = new Map();
  private subscription: Subscription | undefined;
  private reported = new Set<string>();
  state: ControlPlaneState = { revision: 0, mesh: { services: [], virtualHosts: [] }, diagnostics: [], objectCount: 0 };

  constructor(private readonly opts: ControlPlaneOptions) {}

  /** Starts the provider; resolves once the first revision is compiled and served. */
  async start(): Promise<void> {
    this.subscription = this.opts.provider.revisions.subscribe((rev) => this.apply(rev));
    await this.opts.provider.start();
  }

  async close(): Promise<void> {
    this.subscription?.unsubscribe();
    await this.opts.provider.close();
  }

  viewFor(node: ProxyNode): string {
    return viewKeyForNode(node);
  }

  /** Builds a view's snapshot on first use (a proxy of a new kind connected). */
  ensureView(viewKey: string): void {
    if (!this.cache.get(viewKey)) this.publishView(viewKey);
  }

  private apply(rev: ProviderRevision): void {
    const started = process.hrtime.bigint();
    const compiled = compileRevision(rev, this.accepted);
    this.accepted = compiled.accepted;
    const diagnostics = compiled.diagnostics;
    this.state = { revision: rev.revision, mesh: compiled.mesh, diagnostics, objectCount: this.accepted.size, builtAt: new Date() };
    const views = new Set([...this.cache.viewKeys(), 'sidecar']);
    for (const viewKey of views) this.publishView(viewKey);
    this.encoder.endRound();
    this.report(diagnostics);
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    this.opts.logger.info({ revision: rev.revision, objects: this.accepted.size, errors: diagnostics.filter((d) => d.severity === 'Error').length, ms: Math.round(ms * 10) / 10 }, 'config compiled and published');
  }

  private publishView(viewKey: string): void {
    const resources = translateMesh(this.state.mesh, this.opts.translate);
    this.cache.set(buildSnapshot(viewKey, resources, this.encoder));
  }

  /** Logs each diagnostic once, while it stays current, so a watched folder does not repeat itself. */
  private report(diagnostics: Diagnostic[]): void {
    const now = new Set(diagnostics.map(formatDiagnostic));
    for (const line of now) {
      if (this.reported.has(line)) continue;
      if (line.startsWith('Error')) this.opts.logger.error(line);
      else this.opts.logger.warn(line);
    }
    this.reported = now;
  }
}
