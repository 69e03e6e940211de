/**
 * Which view a proxy gets (DESIGN.md, proxy identity). A view is keyed by the proxy's identity
 * (role, gateway, namespace, service account, labels), so a stream keeps its key when policies
 * change; proxies with the same identity share one snapshot, and views whose identities match the
 * same policy selectors share one compiled mesh (controlPlane.ts), so the cost is per distinct set
 * of matched policies, not per proxy.
 */
import { DEFAULT_PROXY, type ProxyIdentity, type ProxySelector } from '../ir/model';
import { selectorMatches } from '../ir/proxy';
import type { JsonObject } from '../lib/protos/protoJson';
import { selectorKey } from '../sources';
import type { ProxyNode } from '../xds/resources';

/** The view of a proxy that says nothing about itself: a sidecar in `default`. */
export const DEFAULT_VIEW = 'sidecar';

/** Reads Istio-style node metadata: NAMESPACE, SERVICE_ACCOUNT, LABELS, ROLE, GATEWAY. */
export function proxyIdentityOf(node: Pick<ProxyNode, 'metadata'>): ProxyIdentity {
  const m: JsonObject = node.metadata ?? {};
  const str = (k: string): string | undefined => (typeof m[k] === 'string' && m[k] !== '' ? (m[k] as string) : undefined);
  const labels: Record<string, string> = {};
  const raw = m.LABELS;
  if (typeof raw === 'object' && raw !== null && !Array.isArray(raw)) {
    for (const [k, v] of Object.entries(raw)) if (typeof v === 'string') labels[k] = v;
  }
  const namespace = str('NAMESPACE') ?? DEFAULT_PROXY.namespace;
  const identity: ProxyIdentity = { role: 'sidecar', namespace, serviceAccount: str('SERVICE_ACCOUNT') ?? DEFAULT_PROXY.serviceAccount, labels };
  const role = str('ROLE')?.toLowerCase();
  if (role === 'gateway' || role === 'router') {
    identity.role = 'gateway';
    const gw = str('GATEWAY');
    if (gw) {
      const [ns, name] = gw.includes('/') ? gw.split('/', 2) : [namespace, gw];
      identity.gateway = { namespace: ns, name };
    }
  }
  return identity;
}

/** Stable key of an identity; the default sidecar's is `sidecar`. */
export function viewKeyOf(p: ProxyIdentity): string {
  const parts: string[] = [p.role];
  if (p.gateway) parts.push(`gw=${p.gateway.namespace}/${p.gateway.name}`);
  if (p.namespace !== DEFAULT_PROXY.namespace) parts.push(`ns=${p.namespace}`);
  if (p.serviceAccount !== DEFAULT_PROXY.serviceAccount) parts.push(`sa=${p.serviceAccount}`);
  const labels = Object.keys(p.labels).sort().map((k) => `${k}=${p.labels[k]}`);
  if (labels.length > 0) parts.push(`labels=${labels.join(',')}`);
  return parts.join('|');
}

export function viewKeyForNode(node: Pick<ProxyNode, 'metadata'>): string {
  return viewKeyOf(proxyIdentityOf(node));
}

/**
 * What a compile for this identity depends on: its role, gateway, namespace (short names) and
 * which selectors it matches. Identities with the same signature get the same mesh.
 */
export function compileSignature(p: ProxyIdentity, selectors: readonly ProxySelector[]): string {
  const matched = selectors.filter((s) => selectorMatches(s, p)).map(selectorKey);
  return [p.role, p.gateway ? `${p.gateway.namespace}/${p.gateway.name}` : '', p.namespace, ...matched].join('|');
}
