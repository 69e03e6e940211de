/** Matching proxies against the selectors policies use (DESIGN.md, proxy identity). */
import type { ProxyIdentity, ProxySelector } from './model';

export function selectorMatches(selector: ProxySelector, proxy: ProxyIdentity): boolean {
  switch (selector.kind) {
    case 'serviceAccount':
      return proxy.role === 'sidecar' && proxy.namespace === selector.namespace && proxy.serviceAccount === selector.name;
    case 'gateway':
      return proxy.role === 'gateway' && proxy.gateway?.namespace === selector.namespace && proxy.gateway.name === selector.name;
    case 'labels':
      return Object.entries(selector.match).every(([k, v]) => proxy.labels[k] !== undefined && (v === '*' || proxy.labels[k] === v));
  }
}

/** A proxy that matches `selector` (and as little else as possible), to compile diagnostics for it. */
export function representativeOf(selector: ProxySelector): ProxyIdentity {
  switch (selector.kind) {
    case 'serviceAccount':
      return { role: 'sidecar', namespace: selector.namespace, serviceAccount: selector.name, labels: {} };
    case 'gateway':
      return { role: 'gateway', namespace: selector.namespace, serviceAccount: 'default', labels: {}, gateway: { namespace: selector.namespace, name: selector.name } };
    case 'labels': {
      const labels: Record<string, string> = {};
      for (const [k, v] of Object.entries(selector.match)) labels[k] = v === '*' ? 'any' : v;
      return { role: 'sidecar', namespace: 'default', serviceAccount: 'default', labels };
    }
  }
}
