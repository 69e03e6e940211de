/**
 * Which registry service a Kuma `kuma.io/service: X` tag (or a MeshService targetRef) names
 * (DESIGN.md, service registry): Kuma's Kubernetes form `name_namespace_svc_port` (which also
 * fixes the port), else the Kubernetes Service called X (the first by namespace when several
 * namespaces have one), else every Service labelled `kuma.io/service: X`. `*` names every service.
 */
import type { Service } from '../../ir/model';
import { compareStrings } from '../provenance';
import type { ServiceRegistry } from '../serviceRegistry';
import { SERVICE_TAG } from './kinds';

/** A registry service, and the one port a tag names when it names one. */
export interface KumaDestination {
  service: Service;
  port?: number;
}

/** Kuma's Kubernetes service tag: `<name>_<namespace>_svc_<port>` (ServiceTagFor). */
const KUBERNETES_FORM = /^(.+)_([a-z0-9]([-a-z0-9]*[a-z0-9])?)_svc_(\d+)$/;

export function resolveServiceTag(registry: ServiceRegistry, value: string): KumaDestination[] {
  if (value === '*') return registry.services.map((service) => ({ service }));
  const k8s = KUBERNETES_FORM.exec(value);
  if (k8s) {
    const service = registry.byName(k8s[2], k8s[1]);
    const port = Number(k8s[4]);
    if (service && service.ports.some((p) => p.number === port)) return [{ service, port }];
  }
  const named = registry.services.filter((s) => s.name === value).sort(byNamespace);
  if (named.length > 0) return [{ service: named[0] }];
  return registry.services.filter((s) => s.labels?.[SERVICE_TAG] === value).sort(byNamespace).map((service) => ({ service }));
}

/** A MeshService targetRef (`name`, optional `namespace` and `sectionName`, a port name or number). */
export function resolveMeshService(registry: ServiceRegistry, ref: { name: string; namespace?: string; sectionName?: string }): KumaDestination[] {
  const found = ref.namespace !== undefined
    ? [registry.byName(ref.namespace, ref.name)].filter((s): s is Service => s !== undefined).map((service) => ({ service }) as KumaDestination)
    : resolveServiceTag(registry, ref.name);
  if (ref.sectionName === undefined) return found;
  const section = ref.sectionName;
  return found.flatMap((d) => {
    const port = d.service.ports.find((p) => p.name === section || String(p.number) === section);
    return port && (d.port === undefined || d.port === port.number) ? [{ service: d.service, port: port.number }] : [];
  });
}

/** Whether a destination (service and port) is among the resolved ones. */
export function covers(resolved: readonly KumaDestination[], host: string, port: number): boolean {
  return resolved.some((d) => d.service.host === host && (d.port === undefined || d.port === port));
}

function byNamespace(a: Service, b: Service): number {
  return compareStrings(a.namespace, b.namespace) || compareStrings(a.host, b.host);
}
