/** How Istio names and matches hosts: short-name resolution and wildcard coverage. */
import { isIpAddress } from '../names';

/** Kubernetes cluster domain suffix Istio appends to short names. */
export const CLUSTER_DOMAIN = 'svc.cluster.local';

/**
 * Istio's ResolveShortnameToFQDN: a name without a dot means `<name>.<namespace>.svc.cluster.local`.
 * Ricochet's one exception: when a ServiceEntry declares the short name itself, it means that host.
 */
export function resolveHost(host: string, namespace: string, declared: ReadonlySet<string>): string {
  if (host === '*' || host.includes('.') || isIpAddress(host) || declared.has(host)) return host;
  return `${host}.${namespace}.${CLUSTER_DOMAIN}`;
}

export function isWildcard(host: string): boolean {
  return host.startsWith('*');
}

/**
 * Whether a VirtualService host applies to a registry host: the same name, or a wildcard
 * (`*.example.com`) the registry host falls under (host.Name.SubsetOf). A wildcard registry host
 * is covered by an equal or broader wildcard.
 */
export function hostCovers(vsHost: string, serviceHost: string): boolean {
  if (vsHost === serviceHost) return true;
  if (!isWildcard(vsHost)) return false;
  if (vsHost === '*') return true;
  const suffix = vsHost.slice(1); // ".example.com"
  const target = isWildcard(serviceHost) ? serviceHost.slice(1) : serviceHost;
  return target.endsWith(suffix) && target.length > suffix.length;
}
