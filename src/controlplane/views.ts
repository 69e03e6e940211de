import type { ProxyNode } from '../xds/resources';

/**
 * Which view a proxy gets. Proxies that match the same policies share one view and one snapshot
 * (DESIGN.md, proxy identity). Nothing compiled today depends on the proxy, so every sidecar
 * shares the `sidecar` view; source selectors (FSM ServiceAccount, Kuma tags) and gateways will
 * refine the key, never the cache or the server.
 */
export function viewKeyForNode(_node: ProxyNode): string {
  return 'sidecar';
}
