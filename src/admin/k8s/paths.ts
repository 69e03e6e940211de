/**
 * Object URLs as a cluster lays them out (spec/kubectl-1.20.md §4.5, §10):
 *   /api/v1/<plural>[/<name>]                                    core, cluster-scoped or all namespaces
 *   /api/v1/namespaces/<ns>/<plural>[/<name>]                    core, namespaced
 *   /apis/<group>/<version>/<plural>[/<name>]                    cluster-scoped or all namespaces
 *   /apis/<group>/<version>/namespaces/<ns>/<plural>[/<name>]    namespaced
 * `/api/v1/namespaces[/<ns>]` is the Namespace resource itself.
 */
import { resourceFor, type ApiResource } from './resources';
import { badRequest, pathNotFound } from './status';

export interface ObjectPath {
  resource: ApiResource;
  /** The version in the URL. */
  version: string;
  /** The namespace segment; undefined for cluster-scoped kinds and all-namespace collections. */
  namespace?: string;
  /** Set for item URLs. */
  name?: string;
}

/** Splits and decodes the path part of a URL; a malformed escape is a BadRequest. */
function segments(url: string): string[] {
  const path = url.split('?')[0];
  return path.split('/').slice(1).map((s) => {
    try {
      return decodeURIComponent(s);
    } catch {
      throw badRequest(`malformed URL segment ${JSON.stringify(s)}`);
    }
  });
}

/** The object path a URL names; 404 for anything that is not one (unknown group, kind, scope or shape). */
export function parseObjectPath(url: string): ObjectPath {
  const parts = segments(url);
  if (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  const notFound = pathNotFound(url.split('?')[0]);
  let group: string;
  let version: string;
  let rest: string[];
  if (parts[0] === 'api' && parts.length >= 2) {
    [group, version, rest] = ['', parts[1], parts.slice(2)];
  } else if (parts[0] === 'apis' && parts.length >= 3) {
    [group, version, rest] = [parts[1], parts[2], parts.slice(3)];
  } else {
    throw notFound;
  }
  if (rest.some((s) => s === '')) throw notFound;
  let namespace: string | undefined;
  // `namespaces/<ns>/<plural>…` is a namespaced path; `namespaces[/<ns>]` alone is the Namespace resource.
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  if (rest.length < 1 || rest.length > 2) throw notFound;
  const resource = resourceFor(group, version, rest[0]);
  if (!resource) throw notFound;
  const name = rest[1];
  if (namespace !== undefined && !resource.namespaced) throw notFound;
  if (namespace === undefined && resource.namespaced && name !== undefined) throw notFound;
  return { resource, version, namespace, name };
}
