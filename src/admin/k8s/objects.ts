/**
 * Object routes: list, get, create, replace, merge/strategic patch, delete, watch, POST /apply
 * (spec/kubectl-1.20.md §4–§7, §10). One catch-all route per prefix, parsed here, so every
 * unknown path, method or body is answered with a Kubernetes Status and never with a framework
 * error page. Registered in its own fastify scope: its body parser takes every content type as
 * bytes (the handlers decide, strictly, what they accept) and its error handler turns framework
 * errors (body too large, …) into Status objects too.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { applyBundle } from './apply';
import { ApiContext } from './context';
import type { KubernetesApiDeps } from './index';
import { parseObjectPath, type ObjectPath } from './paths';
import { getObject, listObjects, type Query } from './reads';
import { frameworkError, sendError } from './respond';
import { methodNotAllowed } from './status';
import { createObject, deleteCollection, deleteObject, patchObject, replaceObject } from './writes';

/** Request bodies above this are refused with 413 (issue 5 "Safety"). */
export const DEFAULT_BODY_LIMIT = 1024 * 1024;

type Handler = (ctx: ApiContext, req: FastifyRequest, reply: FastifyReply, query: Query) => unknown;

export function registerObjectRoutes(app: FastifyInstance, deps: KubernetesApiDeps): void {
  const ctx = new ApiContext(deps.controlPlane, deps.store);
  const bodyLimit = DEFAULT_BODY_LIMIT;
  app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit }, (_req, body, done) => done(null, body));
    scope.setErrorHandler((err, _req, reply) => frameworkError(err, reply, bodyLimit));
    const route = (url: string, handler: Handler): void => {
      scope.route({
        method: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
        url,
        bodyLimit,
        handler: async (req, reply) => {
          try {
            return await handler(ctx, req, reply, req.query as Query);
          } catch (err) {
            return sendError(reply, err, req.log);
          }
        },
      });
    };
    // GET /api and /apis are discovery's (./discovery.ts); any other method there is a Status too.
    for (const url of ['/api', '/apis']) {
      scope.route({
        method: ['POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
        url,
        bodyLimit,
        handler: async (req, reply) => sendError(reply, methodNotAllowed(req.method, url)),
      });
    }
    route('/api/*', objectRequest);
    route('/apis/*', objectRequest);
    route('/apply', (c, req, reply, query) => {
      if (req.method !== 'POST') throw methodNotAllowed(req.method, '/apply (POST a YAML bundle)');
      return applyBundle(c, req, reply, query);
    });
  });
}

function objectRequest(ctx: ApiContext, req: FastifyRequest, reply: FastifyReply, query: Query): unknown {
  const path = parseObjectPath(req.url);
  const name = path.name;
  const method = req.method === 'HEAD' ? 'GET' : req.method;
  if (name === undefined) {
    if (method === 'GET') return listObjects(ctx, req, reply, path, query);
    if (method === 'POST') return createObject(ctx, req, reply, path, query);
    if (method === 'DELETE') return deleteCollection(ctx, req, reply, path, query);
    throw methodNotAllowed(req.method, collectionLabel(path));
  }
  const item = path as ObjectPath & { name: string };
  switch (method) {
    case 'GET': return getObject(ctx, req, item, query);
    case 'PUT': return replaceObject(ctx, req, reply, item, query);
    case 'PATCH': return patchObject(ctx, req, reply, item, query);
    case 'DELETE': return deleteObject(ctx, req, reply, item, query);
    default: throw methodNotAllowed(req.method, `${collectionLabel(path)}/${name}`);
  }
}

function collectionLabel(path: ObjectPath): string {
  return `${path.resource.plural}${path.resource.group ? `.${path.resource.group}` : ''}`;
}
