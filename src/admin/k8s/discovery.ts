/**
 * Discovery (`/api`, `/apis`, `/api/v1`, `/apis/<g>/<v>`) and `/openapi/v2` (spec/kubectl-1.20.md
 * §2, §3). kubectl 1.20 uses only the legacy per-group discovery: `/api` and `/apis`, then every
 * listed groupVersion's APIResourceList. Everything served comes from `apiResources()`, so a kind a
 * source system reads is discoverable as soon as it is registered.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { KubernetesApiDeps } from './index';
import { apiGroups, apiResources, type ApiResource } from './resources';
import { openApiDocument } from './openapi';

interface GroupVersion {
  groupVersion: string;
  version: string;
}

interface ApiGroup {
  name: string;
  versions: GroupVersion[];
  preferredVersion: GroupVersion;
}

/** One APIResource as kubectl reads it (§2.2 table: name, kind, namespaced, verbs, shortNames are load-bearing). */
export interface ApiResourceJson {
  name: string;
  singularName: string;
  namespaced: boolean;
  kind: string;
  verbs: string[];
  shortNames?: string[];
  categories?: string[];
}

function groupVersion(group: string, version: string): GroupVersion {
  return { groupVersion: group === '' ? version : `${group}/${version}`, version };
}

/** `GET /apis`: groups in GROUP_ORDER, which decides what an ambiguous plural means to kubectl (§2.2). */
export function apiGroupList(): { kind: 'APIGroupList'; apiVersion: 'v1'; groups: ApiGroup[] } {
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: apiGroups().map((g) => apiGroup(g.name, g.versions)),
  };
}

function apiGroup(name: string, versions: readonly string[]): ApiGroup {
  const list = versions.map((v) => groupVersion(name, v));
  return { name, versions: list, preferredVersion: list[0] as GroupVersion };
}

function resourceJson(r: ApiResource): ApiResourceJson {
  const out: ApiResourceJson = { name: r.plural, singularName: r.singular, namespaced: r.namespaced, kind: r.kind, verbs: [...r.verbs] };
  if (r.shortNames.length > 0) out.shortNames = [...r.shortNames];
  if (r.categories.length > 0) out.categories = [...r.categories];
  return out;
}

/** `GET /api/v1` or `/apis/<g>/<v>`: the group version's resources, or undefined when it is not served. */
export function apiResourceList(group: string, version: string): { kind: 'APIResourceList'; apiVersion: 'v1'; groupVersion: string; resources: ApiResourceJson[] } | undefined {
  const resources = apiResources().filter((r) => r.group === group && r.versions.includes(version));
  if (resources.length === 0) return undefined;
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: groupVersion(group, version).groupVersion, resources: resources.map(resourceJson) };
}

/** A 404 `Status` kubectl decodes (kind, apiVersion v1, status Failure; §9). */
function notFound(reply: FastifyReply, message: string): FastifyReply {
  return reply.code(404).send({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason: 'NotFound', details: {}, code: 404 });
}

/** What the client connected to (the apiserver answers this in `serverAddressByClientCIDRs`). */
function serverAddress(req: FastifyRequest): string {
  const address = req.socket.localAddress ?? '127.0.0.1';
  const host = address.includes(':') && !address.startsWith('::ffff:') ? `[${address}]` : address.replace(/^::ffff:/, '');
  return `${host}:${req.socket.localPort ?? 0}`;
}

export function registerDiscovery(app: FastifyInstance, _deps: KubernetesApiDeps): void {
  app.get('/api', async (req) => ({
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: serverAddress(req) }],
  }));

  app.get('/apis', async () => apiGroupList());

  app.get('/api/v1', async (_req, reply) => apiResourceList('', 'v1') ?? notFound(reply, 'the server could not find the requested resource'));

  // Not used by kubectl 1.20 (§2.1), but part of the same API: one group and its versions.
  app.get<{ Params: { group: string } }>('/apis/:group', async (req, reply) => {
    const group = apiGroups().find((g) => g.name === req.params.group);
    if (!group) return notFound(reply, `the server could not find the requested resource (API group ${JSON.stringify(req.params.group)})`);
    return { kind: 'APIGroup', apiVersion: 'v1', ...apiGroup(group.name, group.versions) };
  });

  app.get<{ Params: { group: string; version: string } }>('/apis/:group/:version', async (req, reply) => {
    const list = apiResourceList(req.params.group, req.params.version);
    if (!list) return notFound(reply, `the server could not find the requested resource (API group version ${JSON.stringify(`${req.params.group}/${req.params.version}`)})`);
    return list;
  });

  // Protobuf bytes. Not `application/com.github.proto-openapi.spec.v2@v1.0+protobuf`: the `@`
  // breaks Go's media-type parser in kubectl 1.20 (§3.2, §11 pitfall 4). The second URL is the
  // one kubectl falls back to after a 404; answer it the same.
  const openapi = async (_req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> =>
    reply.header('Content-Type', 'application/octet-stream').send(openApiDocument());
  app.get('/openapi/v2', openapi);
  app.get('/swagger-2.0.0.pb-v1', openapi);
}
