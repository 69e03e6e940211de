/**
 * Kubernetes `Status` errors (spec/kubectl-1.20.md §9, §10): kubectl decodes an error body only
 * when it has `kind: Status`, `apiVersion: v1` and `status: Failure`, prints `(reason)` from
 * `reason`, shows `details.causes` when one object fails and `message` when several do, so every
 * error carries all of them and a self-contained message.
 */

export interface StatusCause {
  /** `FieldValueInvalid`, `FieldValueRequired`, ... (metav1.CauseType). */
  reason: string;
  message: string;
  /** Field path in Kubernetes style (`spec.http[0].retries`). */
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  /** The kind (Invalid) or the plural resource (NotFound, AlreadyExists), as the apiserver fills it. */
  kind?: string;
  causes?: StatusCause[];
}

export interface KubeStatus {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure' | 'Success';
  message?: string;
  reason?: string;
  code: number;
  details?: StatusDetails;
}

/** The resource an error is about: plural and group name it, kind for Invalid. */
export interface ResourceRef {
  group: string;
  plural: string;
  kind: string;
}

/** A request that ends in a Status; thrown from handlers, turned into the response by the route. */
export class ApiError extends Error {
  /** `Warning:` headers collected before the failure (e.g. fieldValidation=Warn findings). */
  warnings: string[] = [];

  constructor(readonly status: KubeStatus) {
    super(status.message ?? status.reason ?? `HTTP ${status.code}`);
    this.name = 'ApiError';
  }
}

export function failure(code: number, reason: string, message: string, details?: StatusDetails): KubeStatus {
  const s: KubeStatus = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
  if (details) s.details = details;
  return s;
}

/** `virtualservices.networking.istio.io`, or `services` for the core group. */
export function qualifiedResource(r: Pick<ResourceRef, 'group' | 'plural'>): string {
  return r.group ? `${r.plural}.${r.group}` : r.plural;
}

/** `VirtualService.networking.istio.io`, or `Service` for the core group. */
export function qualifiedKind(r: Pick<ResourceRef, 'group' | 'kind'>): string {
  return r.group ? `${r.kind}.${r.group}` : r.kind;
}

export function notFound(r: ResourceRef, name: string): ApiError {
  return new ApiError(failure(404, 'NotFound', `${qualifiedResource(r)} ${JSON.stringify(name)} not found`, { name, group: r.group, kind: r.plural }));
}

export function alreadyExists(r: ResourceRef, name: string): ApiError {
  return new ApiError(failure(409, 'AlreadyExists', `${qualifiedResource(r)} ${JSON.stringify(name)} already exists`, { name, group: r.group, kind: r.plural }));
}

/** A write that lost a race or named a stale resourceVersion; kubectl re-reads and retries (§4.4). */
export function conflict(r: ResourceRef, name: string, why = 'the object has been modified; please apply your changes to the latest version and try again'): ApiError {
  return new ApiError(failure(409, 'Conflict', `Operation cannot be fulfilled on ${qualifiedResource(r)} ${JSON.stringify(name)}: ${why}`, { name, group: r.group, kind: r.plural }));
}

/** 422 Invalid with every cause, and a message that repeats them (§9: several failing objects show only `message`). */
export function invalid(r: Pick<ResourceRef, 'group' | 'kind'>, name: string, causes: StatusCause[]): ApiError {
  const listed = causes.map((c) => (c.field ? `${c.field}: ${c.message}` : c.message));
  const what = `${qualifiedKind(r)} ${JSON.stringify(name)} is invalid`;
  const message = listed.length === 0 ? what : listed.length === 1 ? `${what}: ${listed[0]}` : `${what}: [${listed.join(', ')}]`;
  return new ApiError(failure(422, 'Invalid', message, { name, group: r.group, kind: r.kind, causes }));
}

export function badRequest(message: string): ApiError {
  return new ApiError(failure(400, 'BadRequest', message));
}

export function forbidden(r: ResourceRef, name: string, why: string): ApiError {
  return new ApiError(failure(403, 'Forbidden', `${qualifiedResource(r)} ${JSON.stringify(name)} is forbidden: ${why}`, { name, group: r.group, kind: r.plural }));
}

export function unauthorized(message = 'Unauthorized'): KubeStatus {
  return failure(401, 'Unauthorized', message);
}

export function methodNotAllowed(method: string, what: string): ApiError {
  return new ApiError(failure(405, 'MethodNotAllowed', `the server does not allow this method on the requested resource: ${method} ${what}`));
}

export function unsupportedMediaType(contentType: string, accepted: readonly string[]): ApiError {
  return new ApiError(failure(415, 'UnsupportedMediaType', `the body of the request was in an unknown format: ${JSON.stringify(contentType)}; accepted: ${accepted.join(', ')}`));
}

export function pathNotFound(path: string): ApiError {
  return new ApiError(failure(404, 'NotFound', `the server could not find the requested resource (${path})`));
}

export function requestTooLarge(limit: number): KubeStatus {
  return failure(413, 'RequestEntityTooLarge', `the request body is larger than the limit of ${limit} bytes`);
}

/** A watch asked for history the store no longer keeps (§6: kubectl prints the row and exits 0). */
export function expired(message: string): KubeStatus {
  return failure(410, 'Expired', message);
}

export function serviceUnavailable(message: string): ApiError {
  return new ApiError(failure(503, 'ServiceUnavailable', message));
}

export function internalError(message: string): ApiError {
  return new ApiError(failure(500, 'InternalError', `Internal error occurred: ${message}`));
}

/** What a synchronous delete answers when the deleted object is not echoed (§7). */
export function deleted(r: ResourceRef, name: string, uid: string | undefined): Record<string, unknown> {
  return {
    kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success',
    details: { name, group: r.group, kind: r.plural, ...(uid ? { uid } : {}) },
  };
}
