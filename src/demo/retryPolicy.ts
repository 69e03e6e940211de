/**
 * The retry policy a proxy actually runs for one request, read from its own /config_dump (Envoy's
 * snake_case or Ricochet's proto3 JSON alike): the virtual host whose domains match the Host
 * (exact, then without the port, then a `*.suffix` or `prefix*` wildcard, then `*`), its first
 * route whose prefix or path matches, and the route's policy or else the virtual host's (Envoy
 * takes the route's whole when it has one). Printed under each table so a user sees what
 * changed between the columns.
 */
import { isJson, resourcesOfDump, type Json } from '../cli/configDumpView';

export function retryPolicyFor(dump: unknown, host: string, requestPath: string): string {
  const hostNoPort = host.replace(/:\d+$/, '');
  const vhosts = resourcesOfDump(dump).routeConfigs.flatMap((rc) => list(rc.virtualHosts));
  const domainsOf = (vh: Json): string[] => (Array.isArray(vh.domains) ? vh.domains.map(String) : []);
  const matchers: Array<(d: string) => boolean> = [
    (d) => d === host,
    (d) => d === hostNoPort,
    (d) => d.length > 1 && d.startsWith('*') && hostNoPort.endsWith(d.slice(1)),
    (d) => d.length > 1 && d.endsWith('*') && hostNoPort.startsWith(d.slice(0, -1)),
    (d) => d === '*',
  ];
  for (const matches of matchers) {
    const vh = vhosts.find((v) => domainsOf(v).some(matches));
    if (vh) return describe(vh, requestPath);
  }
  return `no virtual host for ${host}`;
}

function describe(vh: Json, requestPath: string): string {
  const route = list(vh.routes).find((r) => pathMatches(r.match, requestPath));
  if (!route) return `no route for ${requestPath} in ${String(vh.name)}`;
  const action = isJson(route.route) ? route.route : {};
  const policy = isJson(action.retryPolicy) ? action.retryPolicy : isJson(vh.retryPolicy) ? vh.retryPolicy : undefined;
  if (!policy) return 'none';
  const parts = [`retryOn ${String(policy.retryOn ?? '(none)')}`, `numRetries ${String(policy.numRetries ?? 1)}`];
  if (Array.isArray(policy.retriableStatusCodes) && policy.retriableStatusCodes.length > 0) parts.push(`codes ${policy.retriableStatusCodes.join(',')}`);
  if (policy.perTryTimeout !== undefined) parts.push(`perTryTimeout ${String(policy.perTryTimeout)}`);
  const backOff = isJson(policy.retryBackOff) ? policy.retryBackOff : undefined;
  if (backOff?.baseInterval !== undefined) parts.push(`backoff ${String(backOff.baseInterval)}${backOff.maxInterval !== undefined ? `–${String(backOff.maxInterval)}` : ''}`);
  if (Array.isArray(policy.retriableRequestHeaders) && policy.retriableRequestHeaders.length > 0) parts.push(`only ${describeHeaders(policy.retriableRequestHeaders)}`);
  return parts.join(', ');
}

/** `:method GET`, as Kuma's retriableMethods become retriable request headers. */
function describeHeaders(headers: unknown[]): string {
  return headers.filter(isJson).map((h) => {
    const sm = isJson(h.stringMatch) ? h.stringMatch : {};
    const value = sm.exact ?? sm.safeRegex ?? h.exactMatch ?? '';
    return `${String(h.name)} ${isJson(value) ? String(value.regex ?? '') : String(value)}`;
  }).join(' or ');
}

function pathMatches(match: unknown, requestPath: string): boolean {
  if (!isJson(match)) return true;
  const pathOnly = requestPath.split('?')[0];
  if (typeof match.prefix === 'string') return pathOnly.startsWith(match.prefix);
  if (typeof match.path === 'string') return pathOnly === match.path;
  if (isJson(match.safeRegex) && typeof match.safeRegex.regex === 'string') {
    try {
      return new RegExp(`^(?:${match.safeRegex.regex})$`).test(pathOnly);
    } catch {
      return false;
    }
  }
  return true;
}

function list(v: unknown): Json[] {
  return Array.isArray(v) ? v.filter(isJson) : [];
}
