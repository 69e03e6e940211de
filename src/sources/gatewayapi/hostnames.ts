/**
 * Listener hostname ∩ route hostnames (HTTPRouteSpec.hostnames in httproute_types.go): a
 * wildcard `*.example.com` is a suffix match that needs at least one more label, so it matches
 * `a.example.com` and `a.b.example.com` but not `example.com`.
 */

function isWildcard(h: string): boolean {
  return h.startsWith('*.');
}

/** Whether `host` (exact or wildcard) is covered by the wildcard `pattern`. */
function coveredBy(host: string, pattern: string): boolean {
  const suffix = pattern.slice(1); // `.example.com`
  const bare = isWildcard(host) ? host.slice(2) : host;
  return bare.endsWith(suffix) && bare.length > suffix.length;
}

/** The hostname both sides accept, or undefined when they do not intersect. */
export function intersectHostname(listener: string, route: string): string | undefined {
  if (listener === route) return route;
  if (isWildcard(listener) && coveredBy(route, listener)) return route;
  if (isWildcard(route) && coveredBy(listener, route)) return listener;
  return undefined;
}

/**
 * The domains a route serves on a listener: `*` when neither names a host, else the
 * intersection. An empty list means the route does not attach (NoMatchingListenerHostname).
 */
export function routeDomains(listenerHostname: string | undefined, routeHostnames: readonly string[]): string[] {
  if (routeHostnames.length === 0) return [listenerHostname ?? '*'];
  if (listenerHostname === undefined) return [...new Set(routeHostnames)];
  const out: string[] = [];
  for (const h of routeHostnames) {
    const i = intersectHostname(listenerHostname, h);
    if (i !== undefined && !out.includes(i)) out.push(i);
  }
  return out;
}

/**
 * Hostname specificity, most specific first: exact names, then wildcards with more labels, then
 * no hostname (`*`). Gateway API listener isolation processes listeners in this order.
 */
export function compareHostnameSpecificity(a: string | undefined, b: string | undefined): number {
  const rank = (h: string | undefined): [number, number] => {
    if (h === undefined || h === '*') return [2, 0];
    return isWildcard(h) ? [1, -h.split('.').length] : [0, 0];
  };
  const [ra, da] = rank(a);
  const [rb, db] = rank(b);
  return ra - rb || da - db;
}
