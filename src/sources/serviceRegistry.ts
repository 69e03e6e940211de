/**
 * The registry every system compiles against: the services declared by any system (Istio
 * ServiceEntry hosts, Kubernetes Services), looked up by host, by Kubernetes name, or by alias.
 * Built once per compile from the registry stage's output (DESIGN.md, service registry).
 */
import type { Service } from '../ir/model';

export class ServiceRegistry {
  private readonly byHostMap = new Map<string, Service>();
  private readonly byNameMap = new Map<string, Service>();

  /** `services` sorted; the first service per host wins (the registry stage warned about the rest). */
  constructor(readonly services: readonly Service[]) {
    for (const s of services) {
      if (!this.byHostMap.has(s.host)) this.byHostMap.set(s.host, s);
      if (s.name !== undefined && !this.byNameMap.has(`${s.namespace}/${s.name}`)) this.byNameMap.set(`${s.namespace}/${s.name}`, s);
    }
  }

  byHost(host: string): Service | undefined {
    return this.byHostMap.get(host);
  }

  /** A Kubernetes Service by namespace and name. */
  byName(namespace: string, name: string): Service | undefined {
    return this.byNameMap.get(`${namespace}/${name}`);
  }

  /** Every declared host, for host-name resolution (Istio's `resolveHost`). */
  hosts(): ReadonlySet<string> {
    return new Set(this.byHostMap.keys());
  }
}
