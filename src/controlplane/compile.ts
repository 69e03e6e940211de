import { formatDiagnostic, type Diagnostic } from '../lib/errors';
import { DEFAULT_PROXY, type Mesh, type ObjectCondition, type ProxyIdentity, type ProxySelector } from '../ir/model';
import { representativeOf } from '../ir/proxy';
import type { ProviderRevision } from '../providers/provider';
import { compileMesh, DEFAULT_COMPILE_OPTIONS, proxySelectors, type CompileOptions } from '../sources';
import type { SourceObject } from '../sources/object';
import { acceptObjects, type AcceptedObjects } from './acceptance';
import { compileSignature } from './views';

export interface CompileResult {
  accepted: AcceptedObjects;
  /** The mesh as `proxy` (default: a sidecar in `default` with no labels) sees it. */
  mesh: Mesh;
  /** Selectors the accepted objects use: a proxy's view depends on the ones it matches. */
  selectors: ProxySelector[];
  /**
   * Input, validation and cross-object findings, in that order. Cross-object findings are
   * collected over the default proxy and one proxy per selector, so a conflict that only some
   * proxies see is reported whether or not such a proxy is connected.
   */
  diagnostics: Diagnostic[];
  conditions: ObjectCondition[];
  /**
   * Every mesh compiled here, by compile signature (controlplane/views.ts): the serving side
   * reuses them for views with the same signature instead of compiling again.
   */
  meshes: Map<string, Mesh>;
}

/** Provider output → accepted objects → IR. Pure: shared by `serve` and `translate`. */
export function compileRevision(
  rev: Pick<ProviderRevision, 'documents' | 'diagnostics' | 'unreadableFiles'>,
  previous: AcceptedObjects,
  options: CompileOptions = DEFAULT_COMPILE_OPTIONS,
  proxy: ProxyIdentity = DEFAULT_PROXY,
): CompileResult {
  const acceptance = acceptObjects(rev.documents, rev.unreadableFiles, previous);
  const objects = [...acceptance.accepted.values()];
  const selectors = proxySelectors(objects);
  const main = compileMesh(objects, proxy, options);
  const diagnostics = new Map<string, Diagnostic>();
  const conditions = new Map<string, ObjectCondition>();
  const meshes = new Map<string, Mesh>([[compileSignature(proxy, selectors), main.mesh]]);
  const collect = (r: { diagnostics: Diagnostic[]; conditions: ObjectCondition[] }): void => {
    for (const d of r.diagnostics) if (!diagnostics.has(formatDiagnostic(d))) diagnostics.set(formatDiagnostic(d), d);
    for (const c of r.conditions) conditions.set(conditionKey(c), c);
  };
  collect(main);
  for (const selector of selectors) {
    const representative = representativeOf(selector);
    const signature = compileSignature(representative, selectors);
    if (meshes.has(signature)) continue;
    const compiled = compileMesh(objects, representative, options);
    meshes.set(signature, compiled.mesh);
    collect(compiled);
  }
  return {
    accepted: acceptance.accepted,
    mesh: main.mesh,
    selectors,
    diagnostics: [...rev.diagnostics, ...acceptance.diagnostics, ...diagnostics.values()],
    conditions: [...conditions.values()],
    meshes,
  };
}

/** The mesh one proxy sees, from already accepted objects. */
export function compileForProxy(accepted: AcceptedObjects, proxy: ProxyIdentity, options: CompileOptions = DEFAULT_COMPILE_OPTIONS): Mesh {
  return compileMesh([...accepted.values()] as SourceObject[], proxy, options).mesh;
}

function conditionKey(c: ObjectCondition): string {
  const o = c.object;
  return `${o.group}/${o.kind}/${o.namespace}/${o.name}\u0000${c.condition.type}\u0000${c.condition.message}`;
}
