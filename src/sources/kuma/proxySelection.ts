/**
 * Which proxies Kuma policies apply to, expressed as the ProxySelectors a view is keyed by
 * (DESIGN.md, proxy identity: a proxy's Kuma tags are its `LABELS`). Legacy Retry: one selector
 * per `sources[].match`. MeshRetry: its top-level targetRef (Mesh or none: every proxy).
 * Meshes: a proxy belongs to the mesh its `kuma.io/mesh` label names (`default` when unset), so
 * the compile also depends on that label, through one selector per mesh the policies name plus
 * one for "has a mesh label at all".
 */
import type { ProxyIdentity, ProxySelector } from '../../ir/model';
import { DEFAULT_MESH, MESH_LABEL, SERVICE_TAG } from './kinds';
import type { TargetRef } from './targetRef';

export function proxyMeshOf(proxy: ProxyIdentity): string {
  return proxy.labels[MESH_LABEL] || DEFAULT_MESH;
}

export function meshSelectors(meshes: Iterable<string>): ProxySelector[] {
  const out: ProxySelector[] = [{ kind: 'labels', match: { [MESH_LABEL]: '*' } }];
  for (const mesh of new Set(meshes)) out.push({ kind: 'labels', match: { [MESH_LABEL]: mesh } });
  return out;
}

/**
 * The proxies a MeshRetry's top-level targetRef selects: all of them, those a selector matches, or
 * none Ricochet serves (`why`, said at `spec.targetRef.<field>`, `kind` when unset).
 */
export type TopSelection = { kind: 'all' } | { kind: 'selector'; selector: ProxySelector } | { kind: 'none'; why: string; field?: string };

/**
 * `proxyTypes` (with Mesh and MeshSubset, §1.2.2): Kuma selects a proxy when the list is empty or
 * holds its type. Ricochet serves Kuma sidecars only, so a list without `Sidecar` (e.g.
 * `[Gateway]`, the type of Kuma's builtin and delegated gateways) selects no proxy it serves.
 */
function withoutSidecars(ref: TargetRef): TopSelection | undefined {
  if (!ref.proxyTypes || ref.proxyTypes.includes('Sidecar')) return undefined;
  const why = `proxyTypes ${JSON.stringify(ref.proxyTypes)} selects no Kuma sidecar (Gateway means Kuma's builtin and delegated gateways), and Ricochet serves Kuma sidecars only`;
  return { kind: 'none', why, field: 'proxyTypes' };
}

export function topSelection(ref: TargetRef): TopSelection {
  const labels = (match: Record<string, string>): TopSelection => ({ kind: 'selector', selector: { kind: 'labels', match } });
  switch (ref.kind) {
    case 'Mesh':
      return withoutSidecars(ref) ?? { kind: 'all' };
    case 'MeshSubset':
      return withoutSidecars(ref) ?? (ref.tags && Object.keys(ref.tags).length > 0 ? labels(ref.tags) : { kind: 'all' });
    case 'MeshService':
      if (!ref.name) return { kind: 'none', why: 'targetRef kind MeshService without a name selects Kuma MeshService objects by labels, which Ricochet does not know; name the service with name' };
      return labels({ [SERVICE_TAG]: ref.name });
    case 'MeshServiceSubset':
      return labels({ ...(ref.tags ?? {}), [SERVICE_TAG]: ref.name ?? '' });
    case 'Dataplane':
      if (ref.labels && Object.keys(ref.labels).length > 0) return labels(ref.labels);
      if (ref.name) return { kind: 'none', why: 'targetRef kind Dataplane with a name selects one Kuma Dataplane object; Ricochet knows proxies by their LABELS, so use `labels` instead' };
      return { kind: 'all' };
    case 'MeshGateway':
      return { kind: 'none', why: 'targetRef kind MeshGateway selects Kuma builtin gateways, which Ricochet does not serve' };
    default:
      return { kind: 'none', why: `top-level targetRef kind ${ref.kind} is not supported by Ricochet yet` };
  }
}
