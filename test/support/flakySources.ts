import type { LoadResult } from './http';

/**
 * The sources of the issue-2 end-to-end scenario (a fortio-style flaky upstream behind a
 * ServiceEntry), shared by the Envoy run and the `ricochet dataplane` run of the same test.
 */
export const SERVICE_ENTRY = `
apiVersion: networking.istio.io/v1alpha3
kind: ServiceEntry
metadata: {name: flaky, namespace: default}
spec:
  hosts: [flaky.test]
  ports: [{number: 80, name: http, protocol: HTTP}]
  location: MESH_EXTERNAL
  resolution: STATIC
  endpoints: [{address: 127.0.0.1, ports: {http: {{UPSTREAM_PORT}}}}]
`;

/** The VirtualService for flaky.test, with the given `retries` flow map or none. */
export const virtualService = (retries?: string): string => `
apiVersion: networking.istio.io/v1alpha3
kind: VirtualService
metadata: {name: flaky, namespace: default}
spec:
  hosts: [flaky.test]
  http:
  - route: [{destination: {host: flaky.test}}]
${retries ? `    retries: ${retries}\n` : ''}`;

export const VS_RETRY_5XX = virtualService('{attempts: 4, retryOn: 5xx}');
/** No retries block: Istio's default policy, which (≥1.24) does not retry 503 (sources-istio.md §1.2). */
export const VS_NO_RETRIES = virtualService();
export const VS_INVALID = virtualService('{attempts: 4, retryOn: 5xx, perTryTimeout: 2x}');

export const successRate = (r: LoadResult): number => (r.codes.get(200) ?? 0) / r.n;
export const describeLoad = (r: LoadResult): string =>
  [...r.codes.entries()].map(([c, n]) => `Code ${c} : ${n}`).join(', ') + (r.errors.length ? ` errors: ${r.errors.join('; ')}` : '');
