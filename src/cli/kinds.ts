/**
 * Resolving what a user types after `get` / `delete` to a served resource, the way kubectl does
 * (spec/kubectl-1.20.md §2.2): plural, singular, short name or kind, case-insensitive, optionally
 * qualified by group (`retries.kuma.io`) or by version and group
 * (`virtualservices.v1beta1.networking.istio.io`). An ambiguous plain name (`retries`) resolves
 * to the first group in discovery order, as kubectl does; qualify it to choose.
 */
import { apiResources, type ApiResource } from '../admin/k8s/resources';
import { CliError } from './cliError';

export interface ResolvedResource {
  resource: ApiResource;
  /** The version to address: the one the user named, else the preferred one. */
  version: string;
}

function names(r: ApiResource): string[] {
  return [r.plural, r.singular, r.kind.toLowerCase(), ...r.shortNames];
}

/** One resource for a name, or a CliError that lists what is served. */
export function resolveResource(text: string): ResolvedResource {
  const found = findResource(text);
  if (found) return found;
  throw new CliError(`the server doesn't have a resource type "${text}" (served: ${apiResources().map((r) => `${r.plural}${r.shortNames.length ? ` (${r.shortNames.join(', ')})` : ''}`).join(', ')})`);
}

export function findResource(text: string): ResolvedResource | undefined {
  const lower = text.toLowerCase();
  const all = apiResources();
  const plain = all.find((r) => names(r).includes(lower));
  if (plain) return { resource: plain, version: plain.versions[0] };
  // `<name>.<group>` or `<name>.<version>.<group>`: the group can itself contain dots.
  const dot = lower.indexOf('.');
  if (dot <= 0) return undefined;
  const name = lower.slice(0, dot);
  const rest = lower.slice(dot + 1);
  for (const r of all) {
    if (!names(r).includes(name)) continue;
    if (rest === r.group) return { resource: r, version: r.versions[0] };
    const version = r.versions.find((v) => rest === `${v}.${r.group}`);
    if (version) return { resource: r, version };
  }
  return undefined;
}

/** Resources in a category (`istio-io`, `gateway-api`, `kuma`, `flomesh`), as `kubectl get <category>`. */
export function resourcesInCategory(text: string): ResolvedResource[] {
  const lower = text.toLowerCase();
  return apiResources().filter((r) => r.categories.includes(lower)).map((r) => ({ resource: r, version: r.versions[0] }));
}

/** `virtualservice.networking.istio.io` (core kinds: `service`), the prefix kubectl prints. */
export function qualifiedSingular(r: ApiResource): string {
  return r.group ? `${r.singular}.${r.group}` : r.singular;
}

/** `virtualservices.networking.istio.io` (core: `services`), as in kubectl's NotFound messages. */
export function qualifiedPlural(r: ApiResource): string {
  return r.group ? `${r.plural}.${r.group}` : r.plural;
}

/** The collection URL: `/apis/<g>/<v>[/namespaces/<ns>]/<plural>` (core: `/api/v1/...`). */
export function collectionPath(rr: ResolvedResource, namespace: string | undefined): string {
  const r = rr.resource;
  const base = r.group ? `/apis/${r.group}/${rr.version}` : `/api/${rr.version}`;
  const ns = r.namespaced && namespace !== undefined ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  return `${base}${ns}/${r.plural}`;
}

export function objectPath(rr: ResolvedResource, namespace: string | undefined, name: string): string {
  return `${collectionPath(rr, namespace)}/${encodeURIComponent(name)}`;
}

/** The resource of an object read from a file: by apiVersion's group and its kind. */
export function resourceOfObject(apiVersion: string, kind: string): ResolvedResource | undefined {
  const slash = apiVersion.indexOf('/');
  const group = slash < 0 ? '' : apiVersion.slice(0, slash);
  const version = slash < 0 ? apiVersion : apiVersion.slice(slash + 1);
  const r = apiResources().find((x) => x.group === group && x.kind === kind);
  if (!r) return undefined;
  return { resource: r, version: r.versions.includes(version) ? version : r.versions[0] };
}
