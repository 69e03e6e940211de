/**
 * The REST face of every kind Ricochet reads (issue 5): plural and singular names, short names,
 * categories and scope, as kubectl's discovery needs them (spec/kubectl-1.20.md §2.2), derived
 * from the source systems' kind registry so a new kind is served as soon as a system reads it.
 */
import { SYSTEMS } from '../../sources/registry';

export interface ApiResource {
  group: string;
  /** Served versions, preferred first. */
  versions: readonly string[];
  kind: string;
  /** URL segment, e.g. `virtualservices`. */
  plural: string;
  singular: string;
  namespaced: boolean;
  shortNames: string[];
  categories: string[];
  /** The source system that reads it (istio, fsm, kuma, gatewayapi, kubernetes). */
  system: string;
}

/** kubectl habits: the short names the upstream CRDs and the core API declare. */
const SHORT_NAMES: Record<string, string[]> = {
  '/Service': ['svc'],
  '/Endpoints': ['ep'],
  '/Pod': ['po'],
  'networking.istio.io/VirtualService': ['vs'],
  'networking.istio.io/ServiceEntry': ['se'],
  'networking.istio.io/DestinationRule': ['dr'],
  'gateway.networking.k8s.io/GatewayClass': ['gc'],
  'gateway.networking.k8s.io/Gateway': ['gtw'],
  'gateway.networking.k8s.io/ReferenceGrant': ['refgrant'],
};

/** Categories as the upstream CRDs declare them (`kubectl get istio-io`, `kubectl get gateway-api`). */
const CATEGORIES: Record<string, string[]> = {
  'networking.istio.io': ['istio-io', 'networking-istio-io'],
  'gateway.networking.k8s.io': ['gateway-api'],
  'kuma.io': ['kuma'],
  'policy.flomesh.io': ['flomesh'],
  'gateway.flomesh.io': ['flomesh'],
};

/** English plural of a kind, lower-cased, as Kubernetes CRDs spell them. */
export function pluralOf(kind: string): string {
  const lower = kind.toLowerCase();
  if (lower === 'endpoints') return 'endpoints';
  if (/[^aeiou]y$/.test(lower)) return `${lower.slice(0, -1)}ies`;
  if (/(s|x|z|ch|sh)$/.test(lower)) return `${lower}es`;
  return `${lower}s`;
}

let cached: ApiResource[] | undefined;

/** Every served resource. Group order decides ambiguous plurals in kubectl (§2.2): kuma.io before policy.flomesh.io. */
export function apiResources(): ApiResource[] {
  cached ??= SYSTEMS.flatMap((system) => system.kinds.map((k): ApiResource => ({
    group: k.group,
    versions: k.versions,
    kind: k.kind,
    plural: pluralOf(k.kind),
    singular: k.kind.toLowerCase(),
    namespaced: (k.scope ?? 'Namespaced') === 'Namespaced',
    shortNames: SHORT_NAMES[`${k.group}/${k.kind}`] ?? [],
    categories: CATEGORIES[k.group] ?? [],
    system: system.name,
  })));
  return cached;
}

/** The resource for a URL's group, version and plural, or undefined. */
export function resourceFor(group: string, version: string, plural: string): ApiResource | undefined {
  return apiResources().find((r) => r.group === group && r.plural === plural && r.versions.includes(version));
}

/** The resource for an object's group and kind. */
export function resourceForKind(group: string, kind: string): ApiResource | undefined {
  return apiResources().find((r) => r.group === group && r.kind === kind);
}
