import * as assert from 'node:assert/strict';
import type { LoadResult } from './http';

/** A STATIC ServiceEntry for `host`:80 (HTTP) in `default` whose endpoints are on 127.0.0.1. */
export function staticServiceEntry(o: {
  name: string;
  host: string;
  location: 'MESH_EXTERNAL' | 'MESH_INTERNAL';
  /** Each endpoint's port (a number or a `{{VAR}}` of startMesh) and optional labels flow map. */
  endpoints: Array<{ port: string; labels?: string }>;
  apiVersion?: string;
}): string {
  const endpoints = o.endpoints.map((e) => `  - {address: 127.0.0.1, ports: {http: ${e.port}}${e.labels ? `, labels: ${e.labels}` : ''}}`);
  return `
apiVersion: ${o.apiVersion ?? 'networking.istio.io/v1'}
kind: ServiceEntry
metadata: {name: ${o.name}, namespace: default}
spec:
  hosts: [${o.host}]
  ports: [{number: 80, name: http, protocol: HTTP}]
  location: ${o.location}
  resolution: STATIC
  endpoints:
${endpoints.join('\n')}
`;
}

/**
 * The sources of the issue-2 end-to-end scenario (a fortio-style flaky upstream behind a
 * ServiceEntry), shared by the Envoy run and the `ricochet dataplane` run of the same test.
 */
export const SERVICE_ENTRY = staticServiceEntry({
  name: 'flaky', host: 'flaky.test', location: 'MESH_EXTERNAL', endpoints: [{ port: '{{UPSTREAM_PORT}}' }], apiVersion: 'networking.istio.io/v1alpha3',
});

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

/** At least `min` (a share, e.g. 0.99) of the requests got a 200. */
export function assertSucceeded(r: LoadResult, min: number): void {
  assert.ok(successRate(r) >= min, `success ${successRate(r)} < ${min}: ${describeLoad(r)}`);
}

/** The share of requests that did not get a 200 is strictly between `low` and `high`. */
export function assertFailedBetween(r: LoadResult, low: number, high: number): void {
  const failed = 1 - successRate(r);
  assert.ok(failed > low && failed < high, `failed ${failed}, expected in (${low}, ${high}): ${describeLoad(r)}`);
}

/** Every request that did not get a 200 got the upstream's 503: no reset, timeout or local reply. */
export function assertFailuresAre503(r: LoadResult): void {
  assert.equal(r.codes.get(503), r.n - (r.codes.get(200) ?? 0), `the failures are the upstream's 503s: ${describeLoad(r)}`);
}
