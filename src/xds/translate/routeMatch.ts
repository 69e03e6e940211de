/** IR route match → Envoy `RouteMatch` (path, headers, method, query parameters). */
import type { JsonObject } from '../../lib/protos/protoJson';
import type { RouteMatch, StringMatch } from '../../ir/model';

export function stringMatch(m: StringMatch): JsonObject {
  if (m.exact !== undefined) return { exact: m.exact };
  if (m.prefix !== undefined) return { prefix: m.prefix };
  return { safeRegex: { regex: m.regex ?? '' } };
}

/** Path part of the match: `path`, `prefix` or `safeRegex`; absent means prefix `/`. */
function pathMatch(uri: StringMatch | undefined): JsonObject {
  if (!uri || (uri.prefix === undefined && uri.exact === undefined && uri.regex === undefined)) return { prefix: '/' };
  if (uri.exact !== undefined) return { path: uri.exact };
  if (uri.prefix !== undefined) return { prefix: uri.prefix };
  return { safeRegex: { regex: uri.regex ?? '' } };
}

export function routeMatch(match: RouteMatch): JsonObject {
  const out: JsonObject = pathMatch(match.uri);
  const headers: JsonObject[] = match.headers.map((h) => ({ name: h.name, stringMatch: stringMatch(h.match) }));
  // Envoy has no method field: the method is the `:method` pseudo-header.
  if (match.method) headers.push({ name: ':method', stringMatch: stringMatch(match.method) });
  if (headers.length > 0) out.headers = headers;
  const query = (match.queryParams ?? []).map((q) => ({ name: q.name, stringMatch: stringMatch(q.match) }));
  if (query.length > 0) out.queryParameters = query;
  return out;
}
