import type { Subscription } from 'rxjs';
import { formatDiagnostic, type Diagnostic } from '../lib/errors';
import type { Logger } from '../lib/log';
import { DEFAULT_PROXY, type Mesh, type ObjectCondition, type ProxyIdentity, type ProxySelector } from '../ir/model';
import type { CompileOptions } from '../sources';
import type { Provider, ProviderRevision } from '../providers/provider';
import { translateMesh, type TranslateOptions } from '../xds/translate';
import { buildSnapshot, ResourceEncoder } from '../xds/cache/snapshot';
import { SnapshotCache } from '../xds/cache/snapshotCache';
import type { ProxyNode } from '../xds/resources';
import type { AcceptedObjects } from './acceptance';
import { compileForProxy, compileRevision } from './compile';
import { compileSignature, DEFAULT_VIEW, proxyIdentityOf, viewKeyOf } from './views';

export interface ControlPlaneOptions {
  provider: Provider;
  translate: TranslateOptions;
  compile?: CompileOptions;
  logger: Logger;
}

/** What the control plane currently serves, for the admin API and tests. */
export interface ControlPlaneState {
  revision: number;
  /** The mesh as the default sidecar sees it. */
  mesh: Mesh;
  diagnostics: Diagnostic[];
  conditions: ObjectCondition[];
  selectors: ProxySelector[];
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
  state: ControlPlaneState = { revision: 0, mesh: { services: [], virtualHosts: [] }, diagnostics: [], conditions: [], selectors: [], objectCount: 0 };
  /** Objects currently served, each with the document (file, or `api:…` for the store) it came from; read by the admin API. */
  get acceptedObjects(): AcceptedObjects {
    return this.accepted;
  }

  /** The compile options every revision uses (the admin API's dry runs compile with the same). */
  get compileOptions(): CompileOptions | undefined {
    return this.opts.compile;
  }

  /** Identity of each view's proxies (the key is derived from it). */
  private readonly identities = new Map<string, ProxyIdentity>([[DEFAULT_VIEW, DEFAULT_PROXY]]);
  /** This revision's resources per compile signature: views that match the same policies share them. */
  private bySignature = new Map<string, ReturnType<typeof translateMesh>>();
  /** This revision's compiled meshes by signature (the default proxy and one per selector). */
  private meshes = new Map<string, Mesh>();

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
    const identity = proxyIdentityOf(node);
    const key = viewKeyOf(identity);
    if (!this.identities.has(key)) this.identities.set(key, identity);
    return key;
  }

  /** The identity behind a view key, for debug endpoints. */
  identityOf(viewKey: string): ProxyIdentity | undefined {
    return this.identities.get(viewKey);
  }

  /** Builds a view's snapshot on first use (a proxy of a new kind connected). */
  ensureView(viewKey: string): void {
    if (!this.cache.get(viewKey)) this.publishView(viewKey);
  }

  private apply(rev: ProviderRevision): void {
    const started = process.hrtime.bigint();
    const compiled = compileRevision(rev, this.accepted, this.opts.compile);
    this.accepted = compiled.accepted;
    const diagnostics = compiled.diagnostics;
    this.state = {
      revision: rev.revision, mesh: compiled.mesh, diagnostics, conditions: compiled.conditions, selectors: compiled.selectors,
      objectCount: this.accepted.size, builtAt: new Date(),
    };
    this.bySignature = new Map();
    this.meshes = compiled.meshes;
    const views = new Set([...this.cache.viewKeys(), DEFAULT_VIEW]);
    for (const viewKey of views) this.publishView(viewKey);
    this.encoder.endRound();
    this.report(diagnostics);
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    this.opts.logger.info({ revision: rev.revision, objects: this.accepted.size, errors: diagnostics.filter((d) => d.severity === 'Error').length, ms: Math.round(ms * 10) / 10 }, 'config compiled and published');
  }

  private publishView(viewKey: string): void {
    const identity = this.identities.get(viewKey) ?? DEFAULT_PROXY;
    const signature = compileSignature(identity, this.state.selectors);
    let resources = this.bySignature.get(signature);
    if (!resources) {
      const mesh = this.meshes.get(signature) ?? compileForProxy(this.accepted, identity, this.opts.compile);
      resources = translateMesh(mesh, this.opts.translate);
      this.bySignature.set(signature, resources);
    }
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
