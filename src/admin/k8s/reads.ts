/**
 * GET: list (plain `<Kind>List` or Table), one object (plain or a one-row Table) and watch
 * (spec/kubectl-1.20.md §5, §6). Lists honour `fieldSelector` (metadata.name, metadata.namespace)
 * and `labelSelector`; `limit` is ignored and `continue` never set (§11 pitfall 21).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ServedObject } from './catalog';
import { keyOf } from './catalog';
import type { ApiContext } from './context';
import { namespaceServed } from './namespaces';
import type { ObjectPath } from './paths';
import { matchesFilter, parseFilter, singleParam } from './selectors';
import { badRequest, notFound } from './status';
import { parseIncludeObject, renderTable, tableRequested, type TableApiVersion } from './table';
import { apiVersionOf, urlNameProblem, urlNamespaceProblem } from './validate';
import { listResourceVersion, parseTimeoutSeconds, parseWatchFrom, serveWatch } from './watch';

export type Query = Record<string, unknown>;

interface Rendering {
  table?: TableApiVersion;
  includeObject: ReturnType<typeof parseIncludeObject>;
}

function renderingOf(req: FastifyRequest, query: Query): Rendering {
  return { table: tableRequested(req.headers.accept), includeObject: parseIncludeObject(singleParam(query.includeObject, 'includeObject')) };
}

/** The served objects of a collection URL (all namespaces when the URL names none). */
function collection(ctx: ApiContext, path: ObjectPath): ServedObject[] {
  if (path.resource.derived) return ctx.catalog.namespaces().map(namespaceServed);
  return ctx.catalog.list(path.resource, path.resource.namespaced ? path.namespace : undefined);
}

function presentOf(ctx: ApiContext, path: ObjectPath, served: ServedObject): Record<string, unknown> {
  return path.resource.derived ? served.object : ctx.present(served);
}

export function isWatch(query: Query): boolean {
  const w = singleParam(query.watch, 'watch');
  return w === 'true' || w === '1';
}

export function listObjects(ctx: ApiContext, req: FastifyRequest, reply: FastifyReply, path: ObjectPath, query: Query): unknown {
  if (path.namespace !== undefined && urlNamespaceProblem(path.namespace)) return emptyList(ctx, req, path, query);
  const filter = parseFilter(query);
  const rendering = renderingOf(req, query);
  if (isWatch(query)) {
    const from = parseWatchFrom(singleParam(query.resourceVersion, 'resourceVersion'));
    const timeoutSeconds = parseTimeoutSeconds(singleParam(query.timeoutSeconds, 'timeoutSeconds'));
    if (path.resource.derived) throw badRequest('namespaces cannot be watched: they follow the objects that use them');
    serveWatch(reply, ctx.optionalStore, {
      group: path.resource.group, kind: path.resource.kind, namespace: path.resource.namespaced ? path.namespace : undefined, filter, from, timeoutSeconds,
      current: () => collection(ctx, path),
      render: (served, rv) => {
        const object = presentOf(ctx, path, served);
        return rendering.table ? renderTable(path.resource, [object], { apiVersion: rendering.table, includeObject: rendering.includeObject, resourceVersion: rv }) : object;
      },
    });
    return reply;
  }
  const resourceVersion = listResourceVersion(ctx.optionalStore);
  const items = collection(ctx, path).filter((o) => matchesFilter(filter, o.object.metadata)).map((o) => presentOf(ctx, path, o));
  if (rendering.table) return renderTable(path.resource, items, { apiVersion: rendering.table, includeObject: rendering.includeObject, resourceVersion });
  return { kind: `${path.resource.kind}List`, apiVersion: apiVersionOf(path.resource.group, path.version), metadata: { resourceVersion }, items };
}

/** A namespace that cannot exist holds nothing (validated here so a hostile URL never reaches a lookup). */
function emptyList(ctx: ApiContext, req: FastifyRequest, path: ObjectPath, query: Query): unknown {
  const rendering = renderingOf(req, query);
  const resourceVersion = listResourceVersion(ctx.optionalStore);
  if (rendering.table) return renderTable(path.resource, [], { apiVersion: rendering.table, resourceVersion });
  return { kind: `${path.resource.kind}List`, apiVersion: apiVersionOf(path.resource.group, path.version), metadata: { resourceVersion }, items: [] };
}

export function getObject(ctx: ApiContext, req: FastifyRequest, path: ObjectPath & { name: string }, query: Query): unknown {
  const served = findServed(ctx, path);
  const object = presentOf(ctx, path, served);
  const rendering = renderingOf(req, query);
  if (rendering.table) {
    const rv = typeof served.object.metadata.resourceVersion === 'string' ? served.object.metadata.resourceVersion : listResourceVersion(ctx.optionalStore);
    return renderTable(path.resource, [object], { apiVersion: rendering.table, includeObject: rendering.includeObject, resourceVersion: rv });
  }
  return object;
}

/** The object an item URL names, or 404 (also for names and namespaces no object can have). */
export function findServed(ctx: ApiContext, path: ObjectPath & { name: string }): ServedObject {
  const { resource, name } = path;
  const namespace = resource.namespaced ? (path.namespace as string) : '';
  if (urlNameProblem(name) || (resource.namespaced && urlNamespaceProblem(namespace))) throw notFound(resource, name);
  if (resource.derived) {
    if (!ctx.catalog.namespaces().includes(name)) throw notFound(resource, name);
    return namespaceServed(name);
  }
  const served = ctx.catalog.get(keyOf(resource, namespace, name));
  if (!served) throw notFound(resource, name);
  return served;
}
