/**
 * A Kubernetes Service's names, as cluster DNS gives them: `name.ns.svc.cluster.local`, and the
 * short forms a resolv.conf search path (`ns.svc.cluster.local svc.cluster.local cluster.local`)
 * completes: `name.ns.svc`, `name.ns`, and, only inside namespace `ns`, `name`.
 */
export const CLUSTER_DOMAIN = 'cluster.local';

export function serviceHost(name: string, namespace: string): string {
  return `${name}.${namespace}.svc.${CLUSTER_DOMAIN}`;
}

/** Short forms every pod resolves, longest first. */
export function serviceAliases(name: string, namespace: string): string[] {
  return [`${name}.${namespace}.svc`, `${name}.${namespace}`];
}
