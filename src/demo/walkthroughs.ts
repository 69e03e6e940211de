/**
 * The seed walkthroughs `ricochet demo` replays (issue 6, item 3), as data: which doc, which
 * example folder, which proxy identity, what load, what each phase applies, and what the doc
 * promises, as thresholds the evaluator (promise.ts) checks. Nothing here runs anything.
 *
 * The thresholds come from each walkthrough's doc and example README; the flaky upstream is
 * seeded, so for a given seed every run sees the same first-try failures.
 */
import type { PhaseExpectation } from './promise';

/** The node identity of the proxy a walkthrough runs (DESIGN.md, proxy identity). */
export interface DemoIdentity {
  nodeId: string;
  namespace: string;
  serviceAccount: string;
  labels?: Record<string, string>;
  /** `<namespace>/<name>` for a gateway proxy (ROLE gateway). */
  gateway?: string;
}

export interface DemoPhase {
  /** Column heading of the before/after table. */
  label: string;
  /** Files under examples/ applied for this phase, on top of the earlier phases' (`<folder>/<file>`). */
  apply: string[];
  /** The request method, GET unless said. */
  method?: string;
  expect: PhaseExpectation;
}

export interface DemoLoad {
  /**
   * The URL the doc's client calls. `{gateway}` stands for the gateway listener's `host:port`
   * (a gateway walkthrough calls the listener directly); otherwise the call goes through the
   * sidecar's egress listener (`--proxy`), with the URL's authority as Host.
   */
  url: string;
  connections: number;
  calls: number;
  /** Per call; fortio's default is 3 s. */
  timeoutMs: number;
  /** Why the timeout differs from fortio's default, printed with the command. */
  timeoutWhy?: string;
}

export interface Walkthrough {
  id: string;
  title: string;
  /** Which doc the walkthrough comes from. */
  doc: string;
  /** The example folders it applies, in order (also in `apply` of the phases). */
  examples: string[];
  identity: DemoIdentity;
  /** The Envoy cluster whose `upstream_rq_retry*` stats the doc reads. */
  cluster: string;
  load: DemoLoad;
  phases: DemoPhase[];
  /** One line: what the doc promises (printed after ✔ promised:). */
  promise: string;
  /** Printed after the verdict. */
  notes?: string[];
}

export const WALKTHROUGHS: readonly Walkthrough[] = [
  {
    id: 'istio-external',
    title: 'Istio: retries to an external service (httpstat.us), through a ServiceEntry',
    doc: 'Istio retries to an external service (sources-istio.md §1.1, seed 000), httpstat.us replaced by a local upstream',
    examples: ['httpstat-us-local'],
    identity: { nodeId: 'demo-istio-external.default', namespace: 'default', serviceAccount: 'default' },
    cluster: 'outbound|80||httpstat.us',
    load: { url: 'http://httpstat.us/echo?status=503:30', connections: 1, calls: 100, timeoutMs: 3000 },
    phases: [
      {
        label: 'before (ServiceEntry only)',
        apply: ['httpstat-us-local/serviceentry.yaml'],
        expect: { successPercent: { max: 90 }, stats: { upstream_rq_retry: { equals: 0 } } },
      },
      {
        label: 'after (+ VirtualService, attempts 3)',
        apply: ['httpstat-us-local/virtualservice.yaml'],
        expect: { successPercent: { min: 97 }, moreSuccessfulThan: 0, stats: { upstream_rq_retry: { atLeast: 1 } } },
      },
    ],
    promise: 'the ServiceEntry alone does not retry 503 (Istio ≥ 1.24 default); the VirtualService\'s retryOn 503 lifts success to ≥ 97 %, with retries counted',
  },
  {
    id: 'istio-appflaky',
    title: 'Istio: attempts 10 with no retryOn does nothing; retryOn 5xx reaches 100 %',
    doc: 'AKS workshop, Istio resiliency lab (srinman/aksworkshop lab-istio/istio-resiliency.md, seed 002)',
    examples: ['istio-appflaky-no-retryon', 'istio-appflaky-retryon-5xx'],
    identity: { nodeId: 'demo-istio-appflaky.default', namespace: 'default', serviceAccount: 'default' },
    cluster: 'outbound|80||appflaky.retryns.svc.cluster.local',
    load: { url: 'http://appflaky.retryns.svc.cluster.local/echo?status=503:30', connections: 1, calls: 100, timeoutMs: 3000 },
    phases: [
      {
        label: 'before (attempts 10, no retryOn)',
        apply: ['istio-appflaky-no-retryon/service.yaml', 'istio-appflaky-no-retryon/virtualservice.yaml'],
        expect: { successPercent: { max: 90 }, stats: { upstream_rq_retry: { equals: 0 } } },
      },
      {
        label: 'after (retryOn: 5xx)',
        apply: ['istio-appflaky-retryon-5xx/virtualservice.yaml'],
        expect: { successPercent: { min: 100 }, moreSuccessfulThan: 0, stats: { upstream_rq_retry: { atLeast: 1 } } },
      },
    ],
    promise: '"retries do nothing" without retryOn (no retry counted); with retryOn 5xx a success rate of 100 %',
  },
  {
    id: 'fsm-retry',
    title: 'FSM Retry: curl → httpbin /status/503, 5 retries with exponential backoff',
    doc: 'FSM "Retry Policy" demo (fsm-docs.flomesh.io/demos/traffic_management/retry_policy/, seed 001)',
    examples: ['fsm-retry-curl-httpbin'],
    identity: { nodeId: 'demo-fsm-retry.curl', namespace: 'curl', serviceAccount: 'curl' },
    cluster: 'outbound|14001||httpbin.httpbin.svc.cluster.local',
    load: {
      url: 'http://httpbin.httpbin:14001/status/503',
      connections: 1,
      calls: 1,
      timeoutMs: 60_000,
      timeoutWhy: 'backoff base 1 s, its ceiling doubling up to 10 s: the five retries wait up to 25 s in all, 12.5 s on average (spec/envoy-retry.md §3.1)',
    },
    phases: [
      {
        label: 'before (Services only)',
        apply: ['fsm-retry-curl-httpbin/services.yaml'],
        expect: { stats: { upstream_rq_retry: { equals: 0 } } },
      },
      {
        label: 'after (+ Retry)',
        apply: ['fsm-retry-curl-httpbin/retry.yaml'],
        expect: {
          stats: {
            upstream_rq_retry: { equals: 5 },
            upstream_rq_retry_limit_exceeded: { equals: 1 },
            upstream_rq_retry_backoff_exponential: { equals: 5 },
          },
        },
      },
    ],
    promise: 'upstream_rq_retry 5, upstream_rq_retry_limit_exceeded 1, upstream_rq_retry_backoff_exponential 5 (the OSM/FSM e2e numbers, sources-kuma-fsm.md §2.1–2.2)',
    notes: [
      'The doc\'s own output shows upstream_rq_retry 4: FSM\'s sidecar is Pipy, not Envoy (see examples/fsm-retry-curl-httpbin/README.md).',
    ],
  },
  {
    id: 'fsm-gateway',
    title: 'FSM gateway: Gateway + HTTPRoute + RetryPolicy in front of the status=503:10 echo',
    doc: 'FSM gateway retry guide (release-v1-2.fsm-docs.flomesh.io/guides/traffic_management/ingress/fsm_gateway/retry/, seed 003)',
    examples: ['fsm-gateway-retry-fortio'],
    identity: { nodeId: 'demo-simple-fsm-gateway.server', namespace: 'server', serviceAccount: 'default', gateway: 'server/simple-fsm-gateway' },
    cluster: 'outbound|8080||fortio.server.svc.cluster.local',
    load: {
      url: 'http://{gateway}/echo?status=503:10',
      connections: 1,
      calls: 100,
      timeoutMs: 30_000,
      timeoutWhy: 'backoff base 2 s: a retried call waits a random 0–2 s, a second retry 0–4 s more',
    },
    phases: [
      {
        label: 'before (no RetryPolicy)',
        apply: ['fsm-gateway-retry-fortio/gatewayclass.yaml', 'fsm-gateway-retry-fortio/gateway.yaml', 'fsm-gateway-retry-fortio/services.yaml'],
        expect: { successPercent: { max: 97 }, stats: { upstream_rq_retry: { equals: 0 } } },
      },
      {
        label: 'after (+ RetryPolicy)',
        apply: ['fsm-gateway-retry-fortio/retrypolicy.yaml'],
        expect: { successPercent: { min: 100 }, moreSuccessfulThan: 0, stats: { upstream_rq_retry: { atLeast: 1 } } },
      },
    ],
    promise: 'about 10 % 503 without the policy; 100 % 200 with it',
    notes: ['FSM\'s own gateway (Pipy) caps the 2 s base at 1 s and adds no jitter; Envoy waits a random time below 2 s, 4 s, … up to 20 s (docs/sources/fsm-gateway.md).'],
  },
  {
    id: 'kuma-retry',
    title: 'Kuma Retry (HTTP): web → backend, 5 retries on 500/504, GET only',
    doc: 'Kuma "Retry" policy page, Kubernetes tab (kuma.io docs policies/retry)',
    examples: ['kuma-retry-http'],
    identity: { nodeId: 'demo-kuma-web.default', namespace: 'default', serviceAccount: 'default', labels: { app: 'web', 'kuma.io/service': 'web_default_svc_80' } },
    cluster: 'outbound|80||backend.default.svc.cluster.local',
    load: { url: 'http://backend/echo?status=500:30', connections: 1, calls: 100, timeoutMs: 3000 },
    phases: [
      {
        label: 'before (no Retry)',
        apply: ['kuma-retry-http/services.yaml'],
        expect: { successPercent: { max: 90 }, stats: { upstream_rq_retry: { equals: 0 } } },
      },
      {
        label: 'after (+ Retry)',
        apply: ['kuma-retry-http/retry.yaml'],
        expect: { successPercent: { min: 97 }, moreSuccessfulThan: 0, stats: { upstream_rq_retry: { atLeast: 1 } } },
      },
      {
        label: 'after, POST (not retried)',
        apply: [],
        method: 'POST',
        expect: { successPercent: { max: 90 }, stats: { upstream_rq_retry: { equals: 0 } } },
      },
    ],
    promise: 'retriableStatusCodes 500 lift GET success to ≥ 97 % with retries counted; retriableMethods GET leaves POST unretried',
  },
];

export function walkthroughIds(): string[] {
  return WALKTHROUGHS.map((w) => w.id);
}
