/**
 * The REST face of every kind Ricochet reads (issue 5): plural and singular names, short names,
 * categories and scope, as kubectl's discovery needs them (spec/kubectl-1.20.md §2.2), derived
 * from the source systems' kind registry so a new kind is served as soon as a system reads it.
 */
import { SYSTEMS } from '../../sources/registry';
import { columnsFor, type PrinterColumn } from './columns';

export type { PrinterColumn } from './columns';

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
  /** The source system that reads it (istio, fsm, kuma, gatewayapi, kubernetes); `ricochet` for Namespace. */
  system: string;
  /** What the API does with it (discovery `verbs`; `api-resources` hides a resource without any). */
  verbs: string[];
  /**
   * Not stored, derived: namespaces are the ones objects use (spec/kubectl-1.20.md §5.6), so
   * the object routes serve them read-only and no source system validates them.
   */
  derived?: boolean;
  /** Table columns after NAME, as the upstream CRD's additionalPrinterColumns or kubectl's built-in printer (§5.2). */
  columns: PrinterColumn[];
}

/** Every verb the object routes serve for a stored kind. */
export const ALL_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

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

/**
 * `/apis` group order: kubectl resolves an ambiguous plural to the first group listing it
 * (spec/kubectl-1.20.md §2.2), so `kubectl get retries` means Kuma's legacy Retry (cluster-scoped,
 * the older and more widely documented kind); FSM's and OSM's are `retries.policy.flomesh.io` and
 * `retries.policy.openservicemesh.io`. Groups not listed follow in registry order.
 */
export const GROUP_ORDER: readonly string[] = [
  'networking.istio.io',
  'gateway.networking.k8s.io',
  'kuma.io',
  'policy.flomesh.io',
  'policy.openservicemesh.io',
  'gateway.flomesh.io',
  'discovery.k8s.io',
];

/** English plural of a kind, lower-cased, as Kubernetes CRDs spell them. */
export function pluralOf(kind: string): string {
  const lower = kind.toLowerCase();
  if (lower === 'endpoints') return 'endpoints';
  if (/[^aeiou]y$/.test(lower)) return `${lower.slice(0, -1)}ies`;
  if (/(s|x|z|ch|sh)$/.test(lower)) return `${lower}es`;
  return `${lower}s`;
}

/** `kubectl get ns`: served read-only from the namespaces objects use (§5.6). */
const NAMESPACE_RESOURCE: ApiResource = {
  group: '',
  versions: ['v1'],
  kind: 'Namespace',
  plural: 'namespaces',
  singular: 'namespace',
  namespaced: false,
  shortNames: ['ns'],
  categories: [],
  system: 'ricochet',
  verbs: ['get', 'list'],
  derived: true,
  columns: columnsFor('', 'Namespace'),
};

let cached: ApiResource[] | undefined;

/**
 * Every served resource: core first, then groups in GROUP_ORDER (it decides ambiguous plurals in
 * kubectl, §2.2: kuma.io before policy.flomesh.io), each group's kinds in registry order.
 */
export function apiResources(): ApiResource[] {
  cached ??= orderByGroup([
    NAMESPACE_RESOURCE,
    ...SYSTEMS.flatMap((system) => system.kinds.map((k): ApiResource => ({
      group: k.group,
      versions: k.versions,
      kind: k.kind,
      plural: pluralOf(k.kind),
      singular: k.kind.toLowerCase(),
      namespaced: (k.scope ?? 'Namespaced') === 'Namespaced',
      shortNames: SHORT_NAMES[`${k.group}/${k.kind}`] ?? [],
      categories: CATEGORIES[k.group] ?? [],
      system: system.name,
      verbs: ALL_VERBS,
      columns: columnsFor(k.group, k.kind),
    }))),
  ]);
  return cached;
}

function orderByGroup(resources: ApiResource[]): ApiResource[] {
  const rank = (group: string): number => {
    if (group === '') return -1;
    const i = GROUP_ORDER.indexOf(group);
    return i < 0 ? GROUP_ORDER.length : i;
  };
  // Array.prototype.sort is stable: registry order survives within a rank.
  return [...resources].sort((a, b) => rank(a.group) - rank(b.group));
}

/** API groups in discovery order, each with its served versions (preferred first). */
export function apiGroups(): Array<{ name: string; versions: string[] }> {
  const out: Array<{ name: string; versions: string[] }> = [];
  for (const r of apiResources()) {
    if (r.group === '') continue;
    let entry = out.find((g) => g.name === r.group);
    if (!entry) out.push((entry = { name: r.group, versions: [] }));
    for (const v of r.versions) if (!entry.versions.includes(v)) entry.versions.push(v);
  }
  return out;
}

/** The resource for a URL's group, version and plural, or undefined. */
export function resourceFor(group: string, version: string, plural: string): ApiResource | undefined {
  return apiResources().find((r) => r.group === group && r.plural === plural && r.versions.includes(version));
}

/** The resource for an object's group and kind. */
export function resourceForKind(group: string, kind: string): ApiResource | undefined {
  return apiResources().find((r) => r.group === group && r.kind === kind);
}
