/** IR route match → Envoy `RouteMatch` (path, headers, method, query parameters). */
import type { JsonObject } from '../../lib/protos/protoJson';
import type { RouteMatch, StringMatch } from '../../ir/model';

export function stringMatch(m: StringMatch): JsonObject {
  if (m.exact !== undefined) return { exact: m.exact };
  if (m.prefix !== undefined) return { prefix: m.prefix };
  return { safeRegex: { regex: m.regex ?? '' } };
}

export function routeMatch(match: RouteMatch): JsonObject {
  const out: JsonObject = {};
  const uri = match.uri;
  if (!uri || (uri.prefix === undefined && uri.exact === undefined && uri.regex === undefined)) out.prefix = '/';
  else if (uri.exact !== undefined) out.path = uri.exact;
  else if (uri.prefix !== undefined) out.prefix = uri.prefix;
  else out.safeRegex = { regex: uri.regex ?? '' };
  const headers: JsonObject[] = match.headers.map((h) => ({ name: h.name, stringMatch: stringMatch(h.match) }));
  if (match.method) headers.push({ name: ':method', stringMatch: stringMatch(match.method) });
  if (headers.length > 0) out.headers = headers;
  return out;
}

