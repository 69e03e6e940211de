/**
 * Sources that provoke a NACK from a real Envoy (xds-protocol.md §2.3 case 1), shared by
 * test/e2e/nack.e2e.test.ts and test/e2e/csds.e2e.test.ts. The vector: a regex Istio accepts (Go's
 * regexp has no size limit) whose RE2 program is larger than Envoy's default limit.
 */

/** Both virtualservice.yaml versions: flaky.test's VirtualService up to its http routes. */
const VS_HEAD = `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: flaky}
spec:
  hosts: [flaky.test]
  http:
`;

/** The good starting point: flaky.test on the templated upstream, retrying 5xx. */
export const NACK_SOURCES = {
  'serviceentry.yaml': `
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: flaky}
spec:
  hosts: [flaky.test]
  ports: [{number: 80, name: http, protocol: HTTP}]
  resolution: STATIC
  endpoints: [{address: 127.0.0.1, ports: {http: {{UPSTREAM_PORT}}}}]
`,
  'virtualservice.yaml': `${VS_HEAD}  - route: [{destination: {host: flaky.test}}]
    retries: {attempts: 4, retryOn: 5xx}
`,
};

/**
 * The replacement virtualservice.yaml Envoy rejects: a route matching the oversized regex, then a
 * catch-all route with the given `retries` flow map (or none).
 */
export const hugeRegexVirtualService = (lastRouteRetries?: string): string => `${VS_HEAD}  - match: [{uri: {regex: "/(a{1,100}b{1,100}){1,10}"}}]
    route: [{destination: {host: flaky.test}}]
  - route: [{destination: {host: flaky.test}}]
${lastRouteRetries ? `    retries: ${lastRouteRetries}\n` : ''}`;
