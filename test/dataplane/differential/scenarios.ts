/**
 * The differential scenarios: envoy-retry.md §1–§7 as executable rows. Every scenario runs on a
 * real Envoy and on Ricochet's data plane, from the same bootstrap (bootstrap.ts), against the
 * same scripted upstream (src/upstream/script.ts), with the same expectations.
 *
 * Conventions:
 * - A scenario's virtual host has the domain `<id>.test`; its route goes to `backend` unless it
 *   says otherwise; its stats are read under `cluster.<cluster>.`.
 * - `x-script` steps are per attempt: `503,200` = attempt 1 gets 503, attempt 2 (and later) 200.
 * - Backoff is the default (25 ms base) unless a scenario is about backoff or timing; a few use a
 *   1 ms base so the attempt times are predictable.
 * - Retry counters (§6.1) not listed in `stats` must not move.
 * - `specNote`: where real Envoy disagrees with the spec text; the expectation follows Envoy.
 */
import type { GroupDef } from './bootstrap';
import type { Scenario } from './model';
import {
  FAST_BACKOFF, SLACK_MS, backoffGaps, deadPortRetriedOnce, disconnectNotRetried, fmt, get, notRetried, policy, resetBody, resetBodyPrefix, retried, retriedOnce, servers,
} from './helpers';
import { UPSTREAM_GROUPS, UPSTREAM_SCENARIOS } from './upstreamScenarios';

const RETRY_GROUPS: GroupDef[] = [
  {
    name: 'basic',
    title: 'one HTTP/1.1 upstream behind `backend`; `dead` (nobody listening); `empty` (no endpoints); `blackhole` (connects hang, connect_timeout 0.25s)',
    upstreams: [{ name: 'a' }, { name: 'bh', blackhole: true }],
    clusters: [
      { name: 'backend', endpoints: ['a'] },
      { name: 'dead', endpoints: ['dead'] },
      { name: 'empty', endpoints: [] },
      { name: 'blackhole', endpoints: ['bh'], extra: { connect_timeout: '0.25s' } },
    ],
  },
  {
    name: 'internal',
    title: 'use_remote_address + internal_address_config 127.0.0.0/8: the client is internal, x-envoy-* headers count',
    upstreams: [{ name: 'a' }],
    clusters: [{ name: 'backend', endpoints: ['a'] }],
    internal: true,
  },
  {
    name: 'strict',
    title: 'internal listener whose router has strict_check_headers [x-envoy-max-retries]',
    upstreams: [{ name: 'a' }],
    clusters: [{ name: 'backend', endpoints: ['a'] }],
    internal: true,
    routerExtra: { strict_check_headers: ['x-envoy-max-retries'] },
  },
  {
    name: 'h2',
    title: 'HTTP/2 (h2c) upstream: RST_STREAM codes, trailers',
    upstreams: [{ name: 'h2', http2: true }],
    clusters: [{ name: 'backend', endpoints: ['h2'], http2: true }],
  },
  {
    name: 'hosts',
    title: 'two HTTP/1.1 endpoints, round robin: host selection for retries',
    upstreams: [{ name: 'a' }, { name: 'b' }],
    clusters: [{ name: 'backend', endpoints: ['a', 'b'] }],
  },
  {
    name: 'breakers',
    title: 'retry circuit breaker max_retries 1 on `backend`; max_requests 1 on `maxreq1`; retry budgets on `budget0` and `budget1`',
    upstreams: [{ name: 'a' }],
    clusters: [
      { name: 'backend', endpoints: ['a'], extra: { circuit_breakers: { thresholds: [{ priority: 'DEFAULT', max_retries: 1 }] } } },
      {
        name: 'budget0',
        endpoints: ['a'],
        extra: { circuit_breakers: { thresholds: [{ priority: 'DEFAULT', retry_budget: { budget_percent: { value: 0 }, min_retry_concurrency: 0 } }] } },
      },
      { name: 'maxreq1', endpoints: ['a'], extra: { circuit_breakers: { thresholds: [{ priority: 'DEFAULT', max_requests: 1 }] } } },
      {
        name: 'budget1',
        endpoints: ['a'],
        extra: { circuit_breakers: { thresholds: [{ priority: 'DEFAULT', retry_budget: { budget_percent: { value: 0 }, min_retry_concurrency: 1 } }] } },
      },
    ],
  },
  {
    name: 'tcp',
    title: 'tcp_proxy listeners: max_connect_attempts against a dead port and a live upstream',
    upstreams: [{ name: 'a' }],
    clusters: [
      { name: 'backend', endpoints: ['a'] },
      { name: 'dead', endpoints: ['dead'] },
    ],
  },
];

// ---------------------------------------------------------------------------------------- scenarios

const RETRY_SCENARIOS: Scenario[] = [
  // ============================================================== §1.5 5xx
  {
    id: '5xx-retries-503',
    title: '5xx retries a 503; the retried response counts under retry.upstream_rq_503, the final one under upstream_rq_200',
    section: '§1.5 5xx, §6.1',
    group: 'basic',
    route: policy('5xx', { num_retries: 2 }),
    requests: get('503,200'),
    expect: {
      status: 200,
      attempts: 2,
      proxyAttempts: 2,
      flags: '-',
      stats: { ...retried(1), 'retry.upstream_rq_503': 1, 'retry.upstream_rq_5xx': 1, upstream_rq_200: 1, upstream_rq_503: 0, upstream_rq_total: 2 },
      durationMs: [0, 25 + SLACK_MS],
    },
  },
  {
    id: '5xx-retries-500-and-599',
    title: '5xx covers every status 500..599',
    section: '§1.5 5xx',
    group: 'basic',
    route: policy('5xx', { num_retries: 3 }),
    requests: get('500,599,200'),
    expect: { status: 200, attempts: 3, stats: retried(2) },
  },
  notRetried({
    id: '5xx-not-404',
    title: '5xx does not retry a 4xx: the 404 goes to the client, no retry stats',
    section: '§1.5 5xx',
    route: policy('5xx', { num_retries: 2 }),
  }, '404', 404, { flags: '-', stats: { upstream_rq_404: 1 } }),
  retriedOnce({
    id: '5xx-retries-disconnect',
    title: '5xx retries a reset: the upstream closes the connection after the request (UC)',
    section: '§1.5 5xx, §1.4',
    route: policy('5xx'),
  }, 'close'),
  {
    id: '5xx-retries-per-try-timeout',
    title: '5xx retries a per-try timeout (LocalReset); upstream_rq_per_try_timeout counts it',
    section: '§1.5 5xx, §2.3',
    group: 'basic',
    route: policy('5xx', { per_try_timeout: '0.1s', ...FAST_BACKOFF }),
    requests: get('hang,200'),
    expect: {
      status: 200,
      attempts: 2,
      stats: { ...retried(1), upstream_rq_per_try_timeout: 1 },
      durationMs: [98, 100 + SLACK_MS],
      // x-envoy-expected-rq-timeout-ms is the per-try timeout when one is set (§2.3).
      upstreamHeaders: { '1': { 'x-envoy-expected-rq-timeout-ms': '100' } },
    },
  },
  notRetried({
    id: '5xx-not-ratelimited-503',
    title: 'a 503 carrying x-envoy-ratelimited is never retried without envoy-ratelimited, even under 5xx',
    section: '§1.3 step 1, §1.5 5xx',
    route: policy('5xx', { num_retries: 2 }),
  }, '503;h=x-envoy-ratelimited:true', 503, { flags: '-', headers: { 'x-envoy-ratelimited': 'true' }, stats: { upstream_rq_503: 1 } }),
  notRetried({
    id: 'ratelimited-overrides-everything',
    title: 'x-envoy-ratelimited overrides retriable-status-codes, retriable-headers and 5xx together',
    section: '§1.3 step 1',
    route: policy('5xx,retriable-status-codes,retriable-headers', {
      num_retries: 2,
      retriable_status_codes: [503],
      retriable_headers: [{ name: 'x-upstream-retry', present_match: true }],
    }),
  }, '503;h=x-envoy-ratelimited:yes;h=x-upstream-retry:1', 503),

  // ============================================================== §1.5 gateway-error
  {
    id: 'gateway-error-502-503-504',
    title: 'gateway-error retries 502, 503 and 504',
    section: '§1.5 gateway-error',
    group: 'basic',
    route: policy('gateway-error', { num_retries: 3 }),
    requests: get('502,503,504,200'),
    expect: { status: 200, attempts: 4, stats: { ...retried(3), 'retry.upstream_rq_502': 1, 'retry.upstream_rq_503': 1, 'retry.upstream_rq_504': 1 } },
  },
  notRetried({
    id: 'gateway-error-not-500',
    title: 'gateway-error does not retry 500 (nor 501, 505..599)',
    section: '§1.5 gateway-error',
    route: policy('gateway-error', { num_retries: 3 }),
  }, '500', 500, { stats: { upstream_rq_500: 1 } }),
  retriedOnce({
    id: 'gateway-error-retries-disconnect',
    title: 'gateway-error covers every non-overflow reset, like 5xx',
    section: '§1.5 gateway-error, §1.4 step 6',
    route: policy('gateway-error'),
  }, 'close'),

  // ============================================================== §1.5 reset
  retriedOnce({
    id: 'reset-retries-disconnect',
    title: 'reset retries a disconnect after the request',
    section: '§1.5 reset',
    route: policy('reset'),
  }, 'close'),
  notRetried({
    id: 'reset-not-503',
    title: 'reset does not retry responses, even 5xx',
    section: '§1.5 reset',
    route: policy('reset', { num_retries: 2 }),
  }, '503', 503, { stats: { upstream_rq_503: 1 } }),
  {
    id: 'reset-retries-per-try-timeout',
    title: 'reset retries a per-try timeout',
    section: '§1.5 reset, §2.3',
    group: 'basic',
    route: policy('reset', { per_try_timeout: '0.1s', ...FAST_BACKOFF }),
    requests: get('hang,200'),
    expect: { status: 200, attempts: 2, stats: { ...retried(1), upstream_rq_per_try_timeout: 1 }, durationMs: [98, 100 + SLACK_MS] },
  },
  retriedOnce({
    id: 'reset-retries-malformed-response',
    title: 'an unparsable response is a reset (protocol error): retried under reset',
    section: '§1.2 protocol error, §1.5 reset',
    route: policy('reset'),
  }, 'garbage'),

  // ============================================================== §1.5 connect-failure, reset-before-request
  {
    id: 'connect-failure-dead-port',
    title: 'connect-failure retries a refused connection; exhausted → local 503 "retried and the latest", UF+URX; upstream_rq_total stays 0',
    section: '§1.5 connect-failure, §2.1, §2.4',
    group: 'basic',
    cluster: 'dead',
    route: policy('connect-failure', { num_retries: 2 }),
    requests: get('200'),
    expect: {
      status: 503,
      body: resetBodyPrefix('remote connection failure', true),
      attempts: 0,
      proxyAttempts: 3,
      flags: 'UF,URX',
      stats: { ...retried(2, 'exhausted'), upstream_cx_connect_fail: 3, upstream_rq_total: 0, upstream_rq_503: 1 },
    },
  },
  deadPortRetriedOnce({
    id: 'gateway-error-dead-port',
    title: 'gateway-error covers connect failures too',
    section: '§1.5 gateway-error, §10',
    route: policy('gateway-error'),
  }),
  deadPortRetriedOnce({
    id: 'reset-dead-port',
    title: 'reset covers connect failures',
    section: '§1.5 reset, §1.4 step 5',
    route: policy('reset'),
  }),
  disconnectNotRetried({
    id: 'connect-failure-not-disconnect',
    title: 'connect-failure does not cover a disconnect after connect (UC): local 503 "connection termination"',
    section: '§1.5 connect-failure, §2.4',
    route: policy('connect-failure', { num_retries: 2 }),
  }, { proxyAttempts: 1, stats: { upstream_rq_503: 1 } }),
  deadPortRetriedOnce({
    id: '5xx-dead-port',
    title: '5xx covers connect failures too',
    section: '§1.5 5xx, §1.4 step 6, §10',
    route: policy('5xx'),
  }),
  deadPortRetriedOnce({
    id: 'reset-before-request-dead-port',
    title: 'reset-before-request retries a connect failure (no request byte reached a codec)',
    section: '§1.5 reset-before-request, §1.4 step 4',
    route: policy('reset-before-request'),
  }),
  disconnectNotRetried({
    id: 'reset-before-request-not-after-headers',
    title: 'reset-before-request does not retry a disconnect after the request was sent',
    section: '§1.5 reset-before-request',
    route: policy('reset-before-request', { num_retries: 2 }),
  }),
  {
    id: 'connect-timeout-retried',
    title: 'a connect timeout (cluster connect_timeout 0.25 s) is a connect failure: retried, then local 503 "connection timeout", UF+URX',
    section: '§1.2, §1.5 connect-failure, §2.4',
    group: 'basic',
    cluster: 'blackhole',
    route: policy('connect-failure', FAST_BACKOFF),
    requests: get('200'),
    expect: {
      status: 503,
      body: resetBodyPrefix('connection timeout', true),
      attempts: 0,
      proxyAttempts: 2,
      flags: 'UF,URX',
      stats: { ...retried(1, 'exhausted'), upstream_cx_connect_timeout: 2, upstream_cx_connect_fail: 2, upstream_rq_total: 0 },
      durationMs: [495, 500 + SLACK_MS],
    },
  },
  {
    id: 'local-reply-connect-failure-exact',
    title: 'the local reply for a refused connect, byte for byte: "... reset reason: remote connection failure" (Envoy 1.40 adds no transport failure reason)',
    section: '§2.4',
    group: 'basic',
    cluster: 'dead',
    requests: get('200'),
    expect: { status: 503, body: resetBody('remote connection failure'), attempts: 0, proxyAttempts: 1, flags: 'UF', stats: { upstream_cx_connect_fail: 1 } },
    specNote: 'envoy-retry.md §2.4 allows an optional ", transport failure reason: <detail>" suffix (and §10 suggests comparing prefixes); Envoy 1.40 on loopback sends none, so this scenario pins the exact text while the other connect-failure scenarios compare prefixes.',
  },
  {
    id: 'per-try-timeout-excludes-connect',
    title: 'the per-try timer starts once a connection is up: a 0.1 s per-try timeout does not fire during a 0.25 s connect timeout',
    section: '§2.3',
    group: 'basic',
    cluster: 'blackhole',
    route: policy('retriable-4xx', { per_try_timeout: '0.1s' }),
    requests: get('200'),
    expect: {
      status: 503,
      body: resetBodyPrefix('connection timeout'),
      attempts: 0,
      flags: 'UF',
      stats: { upstream_cx_connect_timeout: 1, upstream_rq_per_try_timeout: 0 },
      durationMs: [245, 250 + SLACK_MS],
    },
  },
  {
    id: 'grpc-local-reply',
    title: 'for a gRPC request a local reply becomes a trailers-only gRPC response: 200, grpc-status 14 (UNAVAILABLE), the text in grpc-message',
    section: '§2.4',
    group: 'basic',
    cluster: 'dead',
    requests: get('200', { method: 'POST', headers: { 'content-type': 'application/grpc', te: 'trailers' }, body: '' }),
    expect: {
      status: 200,
      headers: { 'grpc-status': '14', 'grpc-message': resetBody('remote connection failure'), 'content-type': 'application/grpc' },
      attempts: 0,
      flags: 'UF',
      stats: { upstream_cx_connect_fail: 1 },
    },
  },
  {
    id: 'reset-before-request-not-per-try-timeout',
    title: 'reset-before-request never covers a per-try timeout (its timer starts after the headers were encoded)',
    section: '§1.5 reset-before-request, §1.4 step 4',
    group: 'basic',
    route: policy('reset-before-request', { per_try_timeout: '0.1s', num_retries: 2 }),
    requests: get('hang,200'),
    expect: { status: 504, body: 'upstream request timeout', attempts: 1, flags: 'UT', stats: { upstream_rq_per_try_timeout: 1 }, durationMs: [98, 100 + SLACK_MS] },
  },
  disconnectNotRetried({
    id: 'refused-stream-not-http1-disconnect',
    title: 'refused-stream does not cover an HTTP/1 disconnect',
    section: '§1.5 refused-stream',
    route: policy('refused-stream', { num_retries: 2 }),
  }),
  disconnectNotRetried({
    id: 'http3-post-connect-failure-no-effect',
    title: 'http3-post-connect-failure does nothing on an HTTP/1.1 cluster',
    section: '§1.5 http3-post-connect-failure, §1.4 step 3',
    route: policy('http3-post-connect-failure', { num_retries: 2 }),
  }),
  {
    id: 'no-healthy-upstream',
    title: 'a cluster with no endpoints: immediate local 503 "no healthy upstream" (UH), never retried',
    section: '§1.6',
    group: 'basic',
    cluster: 'empty',
    route: policy('5xx,connect-failure,reset', { num_retries: 3 }),
    requests: get('200'),
    expect: { status: 503, body: 'no healthy upstream', attempts: 0, flags: 'UH', stats: { lb_healthy_panic: 1, upstream_cx_none_healthy: 1 } },
  },

  // ============================================================== §1.5 envoy-ratelimited, retriable-4xx
  retriedOnce({
    id: 'envoy-ratelimited-retries',
    title: 'envoy-ratelimited retries any response carrying x-envoy-ratelimited (here a 429)',
    section: '§1.5 envoy-ratelimited',
    route: policy('envoy-ratelimited'),
  }, '429;h=x-envoy-ratelimited:true'),
  notRetried({
    id: 'envoy-ratelimited-not-plain-503',
    title: 'envoy-ratelimited does not retry a 503 without the header',
    section: '§1.5 envoy-ratelimited',
    route: policy('envoy-ratelimited'),
  }, '503', 503),
  retriedOnce({
    id: 'retriable-4xx-409',
    title: 'retriable-4xx retries 409',
    section: '§1.5 retriable-4xx',
    route: policy('retriable-4xx'),
  }, '409', { stats: { 'retry.upstream_rq_409': 1 } }),
  {
    id: 'retriable-4xx-not-429',
    title: 'retriable-4xx is 409 only: 429 and 503 are not retried',
    section: '§1.5 retriable-4xx',
    group: 'basic',
    route: policy('retriable-4xx', { num_retries: 2 }),
    requests: [{ script: '429,200' }, { script: '503,200', startAfterMs: 0 }],
    expect: { status: [429, 503], attempts: 2, stats: {} },
  },

  // ============================================================== §1.5 retriable-status-codes, retriable-headers
  retriedOnce({
    id: 'retriable-status-codes-418',
    title: 'retriable-status-codes retries a listed status',
    section: '§1.5 retriable-status-codes',
    route: policy('retriable-status-codes', { retriable_status_codes: [418, 451] }),
  }, '418'),
  notRetried({
    id: 'retriable-status-codes-unlisted',
    title: 'retriable-status-codes does not retry a status not listed (503)',
    section: '§1.5 retriable-status-codes',
    route: policy('retriable-status-codes', { retriable_status_codes: [418] }),
  }, '503', 503),
  notRetried({
    id: 'status-codes-list-needs-token',
    title: 'retriable_status_codes is only consulted with the retriable-status-codes token',
    section: '§1.3 step 5',
    route: policy('5xx', { retriable_status_codes: [418] }),
  }, '418', 418),
  {
    id: 'retriable-headers-200',
    title: 'retriable-headers retries a 200 whose headers match',
    section: '§1.5 retriable-headers, §1.3 step 6',
    group: 'basic',
    route: policy('retriable-headers', { retriable_headers: [{ name: 'x-upstream-retry', string_match: { exact: 'yes' } }] }),
    requests: get('200;h=x-upstream-retry:yes,200;h=x-upstream-retry:no'),
    expect: { status: 200, attempts: 2, headers: { 'x-upstream-retry': 'no' }, stats: { ...retried(1), 'retry.upstream_rq_200': 1 } },
  },
  notRetried({
    id: 'retriable-headers-no-match',
    title: 'retriable-headers does not retry when no matcher matches',
    section: '§1.5 retriable-headers',
    route: policy('retriable-headers', { retriable_headers: [{ name: 'x-upstream-retry', string_match: { exact: 'yes' } }] }),
  }, '503;h=x-upstream-retry:no', 503),

  // ============================================================== §1.5 gRPC tokens
  {
    id: 'grpc-unavailable-in-headers',
    title: 'unavailable retries grpc-status 14 in response headers (trailers-only), on a 200',
    section: '§1.5 gRPC, §1.3 step 7',
    group: 'basic',
    route: policy('unavailable'),
    requests: get('200;h=content-type:application/grpc;h=grpc-status:14,200;h=content-type:application/grpc;h=grpc-status:0'),
    expect: { status: 200, attempts: 2, headers: { 'grpc-status': '0' }, stats: retried(1) },
  },
  {
    id: 'grpc-other-tokens',
    title: 'cancelled, deadline-exceeded, internal, resource-exhausted retry grpc-status 1, 4, 13, 8',
    section: '§1.5 gRPC',
    group: 'basic',
    route: policy('cancelled,deadline-exceeded,internal,resource-exhausted', { num_retries: 4, ...FAST_BACKOFF }),
    requests: get('200;h=grpc-status:1,200;h=grpc-status:4,200;h=grpc-status:13,200;h=grpc-status:8,200;h=grpc-status:0'),
    expect: { status: 200, attempts: 5, stats: retried(4) },
  },
  notRetried({
    id: 'grpc-unlisted-status',
    title: 'a grpc-status whose token is not configured (13 under unavailable) is not retried',
    section: '§1.5 gRPC',
    route: policy('unavailable'),
  }, '200;h=grpc-status:13', 200, { headers: { 'grpc-status': '13' } }),
  {
    id: 'grpc-status-in-trailers',
    title: 'grpc-status 14 in trailers never triggers a retry (HTTP/2 upstream)',
    section: '§1.3 step 7, §1.5 gRPC',
    group: 'h2',
    route: policy('unavailable,cancelled'),
    requests: get('200;h=content-type:application/grpc;t=grpc-status:14,200'),
    expect: { status: 200, attempts: 1, stats: {} },
  },
  {
    id: 'mixed-http-and-grpc-tokens',
    title: 'route retry_on may mix HTTP and gRPC tokens',
    section: '§1.1 parsing',
    group: 'basic',
    route: policy('retriable-4xx,unavailable', { num_retries: 2 }),
    requests: get('409,200;h=grpc-status:14,200'),
    expect: { status: 200, attempts: 3, stats: retried(2) },
  },
  notRetried({
    id: 'unknown-tokens-ignored',
    title: 'unknown tokens (Istio-style 503, wrong case 5XX) contribute nothing: no retry state at all',
    section: '§1.1 parsing',
    route: policy('503,5XX,Gateway-Error', { num_retries: 3 }),
  }, '503', 503),
  retriedOnce({
    id: 'tokens-trimmed',
    title: 'whitespace around tokens is trimmed; a valid token among unknown ones works',
    section: '§1.1 parsing',
    route: policy(' 503 , gateway-error ', { num_retries: 1 }),
  }, '503'),

  // ============================================================== §1.1 policy source
  {
    id: 'vhost-policy-applies',
    title: 'a virtual host retry_policy applies when the route has none',
    section: '§1.1',
    group: 'basic',
    vhost: policy('5xx', { num_retries: 2 }),
    requests: get('503,503,200'),
    expect: { status: 200, attempts: 3, stats: retried(2) },
  },
  notRetried({
    id: 'route-policy-replaces-vhost',
    title: 'a route retry_policy replaces the virtual host one entirely (no merge)',
    section: '§1.1',
    vhost: policy('5xx', { num_retries: 3 }),
    route: policy('retriable-4xx'),
  }, '503', 503),

  retriedOnce({
    id: 'vhost-policy-retriable-headers',
    title: 'a virtual-host policy as Kuma emits it (retriable-headers, rate-limited backoff) applies to a route without one',
    section: '§1.1, §1.3 step 6',
    vhost: policy('retriable-headers', {
      retriable_headers: [{ name: 'x-retry-me', present_match: true }],
      rate_limited_retry_back_off: { reset_headers: [{ name: 'retry-after', format: 'SECONDS' }], max_interval: '1s' },
    }),
  }, '200;h=x-retry-me:1', { stats: { 'retry.upstream_rq_200': 1 } }),
  notRetried({
    id: 'route-policy-replaces-vhost-headers',
    title: 'a route retry_policy (5xx) replaces the virtual host\'s retriable-headers policy: a 200 with the header is not retried',
    section: '§1.1',
    vhost: policy('retriable-headers', { retriable_headers: [{ name: 'x-retry-me', present_match: true }] }),
    route: policy('5xx'),
  }, '200;h=x-retry-me:1', 200, { headers: { 'x-retry-me': '1' } }),

  // ============================================================== §2.1 / §2.4 counting and final response
  {
    id: 'num-retries-0',
    title: 'num_retries 0: a retriable 503 counts upstream_rq_retry_limit_exceeded and goes to the client (URX)',
    section: '§2.1',
    group: 'basic',
    route: policy('5xx', { num_retries: 0 }),
    requests: get('503,200'),
    expect: { status: 503, attempts: 1, proxyAttempts: 1, flags: 'URX', stats: retried(0, 'exhausted') },
  },
  {
    id: 'num-retries-default-1',
    title: 'num_retries defaults to 1',
    section: '§2.1',
    group: 'basic',
    route: policy('5xx'),
    requests: get('503'),
    expect: { status: 503, attempts: 2, proxyAttempts: 2, flags: 'URX', stats: retried(1, 'exhausted') },
  },
  {
    id: 'num-retries-3-last-response-verbatim',
    title: 'num_retries 3, all fail: the client gets the last upstream response verbatim (status, headers, body), URX',
    section: '§2.1, §2.4',
    group: 'basic',
    route: policy('5xx', { num_retries: 3 }),
    requests: get('500;body=first,502;body=second,503;body=third,504;h=x-last:yes;body=last'),
    expect: {
      status: 504,
      body: 'last',
      headers: { 'x-last': 'yes', 'x-upstream-attempt': '4' },
      attempts: 4,
      proxyAttempts: 4,
      flags: 'URX',
      stats: { ...retried(3, 'exhausted'), 'retry.upstream_rq_5xx': 3, upstream_rq_504: 1, upstream_rq_5xx: 1 },
    },
  },
  {
    id: 'retry-success-on-404',
    title: 'upstream_rq_retry_success counts a non-retriable outcome after a retry, even a 404',
    section: '§6.1',
    group: 'basic',
    route: policy('5xx'),
    requests: get('503,404'),
    expect: { status: 404, attempts: 2, stats: retried(1) },
  },
  {
    id: 'response-started-not-retried',
    title: 'once response headers went downstream nothing is retried: a 200 cut off mid-body reaches the client as is',
    section: '§0 step 4, §1.6',
    group: 'basic',
    route: policy('5xx,reset', { num_retries: 2 }),
    requests: get('200;abort,200'),
    expect: { status: 200, truncated: true, attempts: 1, stats: {} },
  },
  {
    id: 'local-reply-disconnect-no-policy',
    title: 'no retry policy, upstream disconnects: local 503 with Envoy\'s reset body, flag UC',
    section: '§2.4',
    group: 'basic',
    requests: get('close'),
    expect: { status: 503, body: resetBody('connection termination'), attempts: 1, proxyAttempts: 1, flags: 'UC', stats: {} },
  },
  {
    id: 'local-reply-disconnect-retried',
    title: 'retries exhausted on disconnects: local 503 body says "retried and the latest reset reason", flags UC+URX',
    section: '§2.4',
    group: 'basic',
    route: policy('reset', { num_retries: 1 }),
    requests: get('close'),
    expect: { status: 503, body: resetBody('connection termination', true), attempts: 2, proxyAttempts: 2, flags: 'UC,URX', stats: retried(1, 'exhausted') },
  },
  {
    id: 'local-reply-malformed-response',
    title: 'an unparsable response, not retried: local 502 "protocol error", flag UPE',
    section: '§1.2, §2.4',
    group: 'basic',
    requests: get('garbage'),
    expect: { status: 502, body: resetBody('protocol error'), attempts: 1, flags: 'UPE', stats: {} },
  },

  // ============================================================== §2.2 attempt-count headers
  {
    id: 'include-request-attempt-count',
    title: 'include_request_attempt_count: each upstream attempt carries x-envoy-attempt-count 1, 2, 3 (overriding the client\'s)',
    section: '§2.2',
    group: 'basic',
    vhost: { include_request_attempt_count: true },
    route: policy('5xx', { num_retries: 2 }),
    requests: get('503,503,200', { headers: { 'x-envoy-attempt-count': '7' } }),
    expect: {
      status: 200,
      attempts: 3,
      stats: retried(2),
      upstreamHeaders: { '1': { 'x-envoy-attempt-count': '1' }, '2': { 'x-envoy-attempt-count': '2' }, '3': { 'x-envoy-attempt-count': '3' } },
    },
  },
  {
    id: 'attempt-count-in-response',
    title: 'include_attempt_count_in_response: the client sees x-envoy-attempt-count of the attempts made',
    section: '§2.2',
    group: 'basic',
    vhost: { include_attempt_count_in_response: true },
    route: policy('5xx'),
    requests: get('503,200'),
    expect: { status: 200, attempts: 2, headers: { 'x-envoy-attempt-count': '2' }, stats: retried(1) },
  },
  {
    id: 'attempt-count-in-local-reply',
    title: 'include_attempt_count_in_response also marks Envoy\'s local replies (connect failures count as attempts)',
    section: '§2.2',
    group: 'basic',
    cluster: 'dead',
    vhost: { include_attempt_count_in_response: true },
    route: policy('connect-failure', { num_retries: 2 }),
    requests: get('200'),
    expect: { status: 503, attempts: 0, headers: { 'x-envoy-attempt-count': '3' }, stats: { ...retried(2, 'exhausted'), upstream_cx_connect_fail: 3 } },
  },
  {
    id: 'is-timeout-retry-header',
    title: 'include_is_timeout_retry_header: retries carry x-envoy-is-timeout-retry true after a per-try timeout, false otherwise',
    section: '§2.2',
    group: 'basic',
    vhost: { include_is_timeout_retry_header: true },
    route: policy('5xx', { num_retries: 2, per_try_timeout: '0.1s', ...FAST_BACKOFF }),
    requests: get('hang,503,200'),
    expect: {
      status: 200,
      attempts: 3,
      stats: { ...retried(2), upstream_rq_per_try_timeout: 1 },
      upstreamHeaders: { '1': { 'x-envoy-is-timeout-retry': null }, '2': { 'x-envoy-is-timeout-retry': 'true' }, '3': { 'x-envoy-is-timeout-retry': 'false' } },
    },
  },

  // ============================================================== §2.3 timeouts
  {
    id: 'per-try-timeout-not-retriable',
    title: 'per-try timeout under a policy that does not cover resets: local 504 "upstream request timeout", UT',
    section: '§2.3',
    group: 'basic',
    route: policy('retriable-4xx', { per_try_timeout: '0.1s' }),
    requests: get('hang,200'),
    expect: { status: 504, body: 'upstream request timeout', attempts: 1, flags: 'UT', stats: { upstream_rq_per_try_timeout: 1, upstream_rq_504: 1 }, durationMs: [98, 100 + SLACK_MS] },
  },
  {
    id: 'per-try-timeout-exhausted',
    title: 'per-try timeouts retried under 5xx until num_retries: local 504, UT+URX',
    section: '§2.3',
    group: 'basic',
    route: policy('5xx', { num_retries: 1, per_try_timeout: '0.1s', ...FAST_BACKOFF }),
    requests: get('hang'),
    expect: {
      status: 504,
      body: 'upstream request timeout',
      attempts: 2,
      proxyAttempts: 2,
      flags: 'UT,URX',
      stats: { ...retried(1, 'exhausted'), upstream_rq_per_try_timeout: 2 },
      durationMs: [198, 200 + SLACK_MS],
    },
  },
  {
    id: 'per-try-idle-timeout',
    title: 'per_try_idle_timeout expiry is retried under 5xx and counted as upstream_rq_per_try_idle_timeout',
    section: '§2.3',
    group: 'basic',
    route: policy('5xx', { per_try_idle_timeout: '0.1s', ...FAST_BACKOFF }),
    requests: get('hang,200'),
    expect: { status: 200, attempts: 2, stats: { ...retried(1), upstream_rq_per_try_idle_timeout: 1 }, durationMs: [98, 100 + SLACK_MS] },
  },
  {
    id: 'route-timeout-spans-retries',
    title: 'the route timeout covers all attempts and backoff: 503s after 150 ms each, timeout 400 ms → 504 during attempt 3',
    section: '§2.3',
    group: 'basic',
    route: { timeout: '0.4s', ...policy('5xx', { num_retries: 5, ...FAST_BACKOFF }) },
    requests: get('503;delay=150'),
    expect: {
      status: 504,
      body: 'upstream request timeout',
      attempts: 3,
      flags: 'UT',
      stats: { upstream_rq_retry: 2, upstream_rq_retry_backoff_exponential: 2, upstream_rq_timeout: 1, 'retry.upstream_rq_503': 2, upstream_rq_504: 1 },
      durationMs: [398, 400 + SLACK_MS],
    },
  },
  {
    id: 'route-timeout-not-retried',
    title: 'the route timeout itself is never retried, whatever the policy',
    section: '§2.3, §1.6',
    group: 'basic',
    route: { timeout: '0.2s', ...policy('5xx,reset,gateway-error', { num_retries: 3 }) },
    requests: get('hang,200'),
    expect: { status: 504, body: 'upstream request timeout', attempts: 1, flags: 'UT', stats: { upstream_rq_timeout: 1 }, durationMs: [198, 200 + SLACK_MS] },
  },
  {
    id: 'per-try-timeout-ge-route-ignored',
    title: 'a per-try timeout ≥ the route timeout is ignored: the route timeout fires, no per-try stat',
    section: '§2.3',
    group: 'basic',
    route: { timeout: '0.2s', ...policy('5xx', { num_retries: 2, per_try_timeout: '0.3s' }) },
    requests: get('hang,200'),
    expect: { status: 504, attempts: 1, flags: 'UT', stats: { upstream_rq_timeout: 1, upstream_rq_per_try_timeout: 0 }, durationMs: [198, 200 + SLACK_MS] },
  },
  {
    id: 'hedge-on-per-try-timeout',
    title: 'hedge_on_per_try_timeout: the slow attempt keeps running, a second one starts at the per-try timeout and wins',
    section: '§7.2',
    group: 'basic',
    route: { hedge_policy: { hedge_on_per_try_timeout: true }, ...policy('5xx', { per_try_timeout: '0.1s', ...FAST_BACKOFF }) },
    requests: get('200;delay=400;body=slow,200;body=fast'),
    expect: { status: 200, body: 'fast', attempts: 2, stats: { ...retried(1), upstream_rq_per_try_timeout: 0 }, durationMs: [98, 100 + SLACK_MS] },
  },

  // ============================================================== §3 backoff
  {
    id: 'backoff-default-bounds',
    title: 'default backoff (25 ms base): retry n waits within [0, min(25·2^(n-1), 250)) ms',
    section: '§3.1',
    group: 'basic',
    route: policy('5xx', { num_retries: 3 }),
    requests: get('503,503,503,200'),
    expect: {
      status: 200,
      attempts: 4,
      stats: retried(3),
      check: (obs) => {
        const g = backoffGaps(obs);
        const ceilings = [25, 50, 100];
        return g.flatMap((x, i) => (x > ceilings[i] + 40 ? [`retry ${i + 1} waited ${x.toFixed(1)} ms, ceiling ${ceilings[i]} ms (+40 ms slack)`] : []));
      },
    },
  },
  {
    id: 'backoff-doubling-ceiling',
    title: 'backoff base 100 ms: retry 2 waits < 200 ms (code\'s doubling ceiling, not the docs\' 300 ms), and the ceiling did double',
    section: '§3.1, §10 (backoff_gap_bounds_distinguish_doc_formula)',
    group: 'basic',
    route: policy('5xx', { num_retries: 2, retry_back_off: { base_interval: '0.1s', max_interval: '10s' } }),
    requests: Array.from({ length: 12 }, () => ({ script: '503,503,200' })),
    sequential: true,
    expect: {
      status: 200,
      attempts: 36,
      stats: { upstream_rq_retry: 24, upstream_rq_retry_backoff_exponential: 24, upstream_rq_retry_success: 12 },
      check: (obs) => {
        const first = obs.attempts.map((_, r) => backoffGaps(obs, r)[0]);
        const second = obs.attempts.map((_, r) => backoffGaps(obs, r)[1]);
        const problems: string[] = [];
        if (first.some((x) => x === undefined || x > 100 + 30)) problems.push(`retry 1 gaps must be < 100 ms (+30 slack): ${fmt(first)}`);
        if (second.some((x) => x === undefined || x > 200 + 30)) problems.push(`retry 2 gaps must be < 200 ms (+30 slack; the docs' formula allows 300): ${fmt(second)}`);
        if (!second.some((x) => x > 100)) problems.push(`no retry 2 gap above 100 ms in 12 tries: the ceiling does not double? ${fmt(second)}`);
        return problems;
      },
    },
  },
  {
    id: 'ratelimited-backoff-retry-after',
    title: 'rate_limited_retry_back_off with Retry-After: 1 (SECONDS): the retry waits [1000, 1500) ms, counted as backoff_ratelimited',
    section: '§3.2',
    group: 'basic',
    route: policy('5xx', { rate_limited_retry_back_off: { reset_headers: [{ name: 'retry-after', format: 'SECONDS' }], max_interval: '5s' } }),
    requests: get('503;h=retry-after:1,200'),
    expect: {
      status: 200,
      attempts: 2,
      stats: { upstream_rq_retry: 1, upstream_rq_retry_backoff_ratelimited: 1, upstream_rq_retry_success: 1 },
      durationMs: [1000, 1500 + SLACK_MS],
      check: (obs) => {
        const g = backoffGaps(obs)[0];
        return g === undefined || g < 995 || g > 1500 + 40 ? [`rate-limited backoff gap ${g?.toFixed(1)} ms not in [1000, 1500)`] : [];
      },
    },
  },
  {
    id: 'ratelimited-interval-too-large',
    title: 'a Retry-After beyond the rate-limited max_interval is discarded: exponential backoff instead',
    section: '§3.2',
    group: 'basic',
    route: policy('5xx', { rate_limited_retry_back_off: { reset_headers: [{ name: 'retry-after', format: 'SECONDS' }], max_interval: '2s' } }),
    requests: get('503;h=retry-after:1000,200'),
    expect: { status: 200, attempts: 2, stats: retried(1), durationMs: [0, 25 + SLACK_MS] },
  },
  retriedOnce({
    id: 'ratelimited-not-for-resets',
    title: 'rate-limited backoff applies only to header-triggered retries: a reset uses exponential backoff',
    section: '§3.2',
    route: policy('5xx', { rate_limited_retry_back_off: { reset_headers: [{ name: 'retry-after', format: 'SECONDS' }] } }),
  }, 'close', { durationMs: [0, 25 + SLACK_MS] }),
  {
    id: 'ratelimited-backoff-cut-by-route-timeout',
    title: 'a Retry-After longer than the route timeout: the route timeout answers 504 while the retry waits in backoff',
    section: '§3.2, §2.3, §6.1',
    group: 'basic',
    route: { timeout: '0.3s', ...policy('5xx', { rate_limited_retry_back_off: { reset_headers: [{ name: 'retry-after', format: 'SECONDS' }] } }) },
    requests: get('503;h=retry-after:2,200'),
    expect: {
      status: 504,
      body: 'upstream request timeout',
      attempts: 1,
      flags: 'UT',
      // The 503 did trigger the retry decision (charged under retry.*), but the retry never launched.
      stats: { 'retry.upstream_rq_503': 1, upstream_rq_retry: 0, upstream_rq_retry_backoff_ratelimited: 0, upstream_rq_timeout: 0 },
      durationMs: [298, 300 + SLACK_MS],
    },
    specNote:
      'envoy-retry.md §6.1 says upstream_rq_retry (and §3.3 the backoff counter) are charged when the retry is scheduled, "even if the route ' +
      'timeout later cancels it during backoff". Envoy 1.40 charges neither when the route timeout fires during the backoff: both move only ' +
      'when the retry attempt is launched (checked with exponential backoff too). The expectation follows Envoy.',
  },

  // ============================================================== §4.1 / §4.2 circuit breaker and budget
  {
    id: 'max-retries-default-3',
    title: 'the max_retries circuit breaker defaults to 3 concurrent retries: of 5 concurrent failing requests 2 overflow (UO)',
    section: '§4.1',
    group: 'basic',
    route: policy('5xx', FAST_BACKOFF),
    requests: Array.from({ length: 5 }, () => ({ script: '503,200;delay=400' })),
    expect: {
      status: [200, 200, 200, 503, 503],
      attempts: 8,
      flags: ['-', '-', '-', 'UO', 'UO'],
      stats: { upstream_rq_retry: 3, upstream_rq_retry_backoff_exponential: 3, upstream_rq_retry_success: 3, upstream_rq_retry_overflow: 2 },
    },
  },
  {
    id: 'max-retries-1-overflow',
    title: 'max_retries 1, three concurrent failing requests: one retries, two overflow and get their 503 verbatim (UO)',
    section: '§4.1, §2.4',
    group: 'breakers',
    route: policy('5xx', FAST_BACKOFF),
    requests: Array.from({ length: 3 }, () => ({ script: '503,200;delay=400' })),
    expect: {
      status: [200, 503, 503],
      attempts: 4,
      flags: ['-', 'UO', 'UO'],
      stats: { upstream_rq_retry: 1, upstream_rq_retry_backoff_exponential: 1, upstream_rq_retry_success: 1, upstream_rq_retry_overflow: 2 },
    },
  },
  {
    id: 'max-retries-slot-released',
    title: 'max_retries 1: sequential requests each get their retry (the slot is released at the end of a request)',
    section: '§4.1',
    group: 'breakers',
    route: policy('5xx', FAST_BACKOFF),
    requests: Array.from({ length: 3 }, () => ({ script: '503,200' })),
    sequential: true,
    expect: { status: 200, attempts: 6, stats: { upstream_rq_retry: 3, upstream_rq_retry_backoff_exponential: 3, upstream_rq_retry_success: 3 } },
  },
  {
    id: 'retry-budget-zero',
    title: 'retry_budget 0% / min_retry_concurrency 0: no retry is ever allowed (overflow, UO)',
    section: '§4.2',
    group: 'breakers',
    cluster: 'budget0',
    route: policy('5xx'),
    requests: get('503,200'),
    expect: { status: 503, attempts: 1, flags: 'UO', stats: { upstream_rq_retry_overflow: 1 } },
  },
  {
    id: 'retry-budget-min-concurrency',
    title: 'retry_budget 0% / min_retry_concurrency 1: one concurrent retry allowed, the others overflow',
    section: '§4.2',
    group: 'breakers',
    cluster: 'budget1',
    route: policy('5xx', FAST_BACKOFF),
    requests: Array.from({ length: 3 }, () => ({ script: '503,200;delay=400' })),
    expect: {
      status: [200, 503, 503],
      attempts: 4,
      flags: ['-', 'UO', 'UO'],
      stats: { upstream_rq_retry: 1, upstream_rq_retry_backoff_exponential: 1, upstream_rq_retry_success: 1, upstream_rq_retry_overflow: 2 },
    },
  },

  {
    id: 'pool-overflow-not-retried',
    title: 'max_requests 1: a second concurrent request overflows (local 503 "overflow", x-envoy-overloaded, UO) and is not retried even under 5xx',
    section: '§1.2 overflow, §1.4 step 1, §2.4',
    group: 'breakers',
    cluster: 'maxreq1',
    route: policy('5xx,reset', { num_retries: 3 }),
    requests: [{ script: '200;delay=300' }, { script: '200', startAfterMs: 100 }],
    expect: {
      status: [200, 503],
      attempts: 1,
      flags: ['-', 'UO'],
      // max_requests is the active-request breaker: Envoy counts upstream_rq_active_overflow (upstream_rq_pending_overflow is max_pending_requests).
      stats: { upstream_rq_active_overflow: 1, upstream_rq_pending_overflow: 0 },
      check: (obs) => {
        const r = obs.responses[1];
        const problems: string[] = [];
        if (r?.body !== resetBody('overflow')) problems.push(`overflowed request body: expected ${JSON.stringify(resetBody('overflow'))}, observed ${JSON.stringify(r?.body)}`);
        if (r?.headers['x-envoy-overloaded'] !== 'true') problems.push(`overflowed request: x-envoy-overloaded expected "true", observed ${r?.headers['x-envoy-overloaded'] ?? 'absent'}`);
        return problems;
      },
    },
  },

  // ============================================================== §4.3 host selection
  {
    id: 'previous-hosts-two-endpoints',
    title: 'previous_hosts: the retry goes to the other endpoint',
    section: '§4.3',
    group: 'hosts',
    route: policy('5xx', {
      retry_host_predicate: [{ name: 'envoy.retry_host_predicates.previous_hosts', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate' } }],
      host_selection_retry_max_attempts: 3,
    }),
    requests: Array.from({ length: 4 }, () => ({ script: '503,200' })),
    sequential: true,
    expect: {
      status: 200,
      attempts: 8,
      stats: { upstream_rq_retry: 4, upstream_rq_retry_backoff_exponential: 4, upstream_rq_retry_success: 4 },
      check: (obs) => obs.attempts.flatMap((_, r) => {
        const s = servers(obs, r);
        return s.length === 2 && s[0] !== s[1] ? [] : [`request ${r + 1}: attempts went to ${s.join(' then ')}`];
      }),
    },
  },
  retriedOnce({
    id: 'previous-hosts-single-host',
    title: 'previous_hosts on a one-endpoint cluster still retries (the last candidate is used anyway)',
    section: '§4.3',
    route: policy('5xx', {
      retry_host_predicate: [{ name: 'envoy.retry_host_predicates.previous_hosts', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate' } }],
    }),
  }, '503'),
  {
    id: 'round-robin-two-endpoints',
    title: 'round robin: consecutive requests alternate between the two endpoints',
    section: '§4.3',
    group: 'hosts',
    requests: Array.from({ length: 6 }, () => ({ script: '200' })),
    sequential: true,
    expect: {
      status: 200,
      attempts: 6,
      stats: {},
      check: (obs) => {
        const s = obs.attempts.map((a) => a[0]?.server ?? '?');
        return s.every((x, i) => i === 0 || x !== s[i - 1]) ? [] : [`requests did not alternate: ${s.join(', ')}`];
      },
    },
  },

  // ============================================================== §5 bodies, methods, request matchers
  {
    id: 'post-body-replayed',
    title: 'POST is retried like GET, and the retry carries the same body',
    section: '§5.1, §5.2',
    group: 'basic',
    route: policy('5xx'),
    requests: get('503,200', { method: 'POST', body: 'payload-123', headers: { 'content-type': 'text/plain' } }),
    expect: {
      status: 200,
      attempts: 2,
      stats: retried(1),
      check: (obs) => (obs.attempts[0] ?? []).flatMap((a) => (a.body === 'payload-123' ? [] : [`attempt ${a.attempt} saw body ${JSON.stringify(a.body.slice(0, 40))}`])),
    },
  },
  {
    id: 'body-over-buffer-limit',
    title: 'a body beyond per_request_buffer_limit_bytes: retry abandoned (retry_or_shadow_abandoned), the 503 goes to the client',
    section: '§5.1',
    group: 'basic',
    routeExtra: { per_request_buffer_limit_bytes: 1024 },
    route: policy('5xx', { num_retries: 2 }),
    requests: get('503,200', { method: 'POST', body: { bytes: 64 * 1024 } }),
    expect: {
      status: 503,
      attempts: 1,
      stats: { retry_or_shadow_abandoned: 1 },
      check: (obs) => (obs.attempts[0]?.[0]?.bodyBytes === 64 * 1024 ? [] : [`upstream got ${obs.attempts[0]?.[0]?.bodyBytes} body bytes, want 65536`]),
    },
  },
  {
    id: 'buffer-limit-507-in-backoff',
    title: 'the body outgrows the buffer limit while the request waits in backoff: local 507 "exceeded request buffer limit while retrying upstream"',
    section: '§5.1, §2.4',
    group: 'basic',
    routeExtra: { per_request_buffer_limit_bytes: 1024 },
    route: policy('5xx', { rate_limited_retry_back_off: { reset_headers: [{ name: 'retry-after', format: 'SECONDS' }] } }),
    // The upstream answers 503 + Retry-After: 1 as soon as the headers arrive; the body's second chunk comes during the ≥1 s backoff.
    requests: get('503;early;h=retry-after:1,200', { method: 'POST', body: { chunks: [{ bytes: 512 }, { bytes: 1024, afterMs: 200 }] } }),
    expect: {
      status: 507,
      body: 'exceeded request buffer limit while retrying upstream',
      attempts: 1,
      stats: { retry_or_shadow_abandoned: 1 },
      durationMs: [195, 1000],
    },
  },
  notRetried({
    id: 'retriable-request-headers-post',
    title: 'retriable_request_headers [:method GET]: a POST gets no retries and moves no stats',
    section: '§1.1, §5.2',
    route: policy('5xx', { retriable_request_headers: [{ name: ':method', string_match: { exact: 'GET' } }] }),
    request: { method: 'POST', body: 'x' },
  }, '503', 503),
  retriedOnce({
    id: 'retriable-request-headers-get',
    title: 'retriable_request_headers [:method GET]: a GET is retried',
    section: '§1.1',
    route: policy('5xx', { retriable_request_headers: [{ name: ':method', string_match: { exact: 'GET' } }] }),
  }, '503'),

  // ============================================================== §6.2 virtual-cluster and per-route stats
  {
    id: 'vcluster-and-route-stats',
    title: 'retry stats are also kept per virtual cluster and per route with a stat_prefix',
    section: '§6.2',
    group: 'basic',
    vhost: { virtual_clusters: [{ name: 'all', headers: [{ name: ':path', string_match: { prefix: '/' } }] }] },
    routeExtra: { stat_prefix: 'sp' },
    route: policy('5xx', { num_retries: 1 }),
    requests: [{ script: '503,200' }, { script: '503' }],
    sequential: true,
    expect: {
      status: [200, 503],
      attempts: 4,
      stats: {
        upstream_rq_retry: 2,
        upstream_rq_retry_backoff_exponential: 2,
        upstream_rq_retry_success: 1,
        upstream_rq_retry_limit_exceeded: 1,
        'vhost.vcluster-and-route-stats.vcluster.all.upstream_rq_retry': 2,
        'vhost.vcluster-and-route-stats.vcluster.all.upstream_rq_retry_success': 1,
        'vhost.vcluster-and-route-stats.vcluster.all.upstream_rq_retry_limit_exceeded': 1,
        'vhost.vcluster-and-route-stats.route.sp.upstream_rq_retry': 2,
        'vhost.vcluster-and-route-stats.route.sp.upstream_rq_retry_success': 1,
        'vhost.vcluster-and-route-stats.route.sp.upstream_rq_retry_limit_exceeded': 1,
      },
    },
  },

  // ============================================================== §1.1 x-envoy-* request headers
  {
    id: 'external-retry-headers-ignored',
    title: 'an external request\'s x-envoy-retry-on / x-envoy-max-retries are stripped and ignored',
    section: '§1.1',
    group: 'basic',
    requests: get('503,200', { headers: { 'x-envoy-retry-on': '5xx', 'x-envoy-max-retries': '3' } }),
    expect: {
      status: 503,
      attempts: 1,
      stats: {},
      upstreamHeaders: { '*': { 'x-envoy-retry-on': null, 'x-envoy-max-retries': null } },
    },
  },
  {
    id: 'internal-x-envoy-retry-on',
    title: 'an internal request\'s x-envoy-retry-on enables retries (default num_retries 1) and is not forwarded',
    section: '§1.1, §2.1',
    group: 'internal',
    requests: get('503,503,200', { headers: { 'x-envoy-retry-on': '5xx' } }),
    expect: { status: 503, attempts: 2, stats: retried(1, 'exhausted'), upstreamHeaders: { '*': { 'x-envoy-retry-on': null } } },
  },
  {
    id: 'internal-x-envoy-max-retries-replaces',
    title: 'x-envoy-max-retries replaces the route\'s num_retries (3 instead of 1)',
    section: '§1.1',
    group: 'internal',
    route: policy('5xx', { num_retries: 1 }),
    requests: get('503,503,503,200', { headers: { 'x-envoy-max-retries': '3' } }),
    expect: { status: 200, attempts: 4, stats: retried(3), upstreamHeaders: { '*': { 'x-envoy-max-retries': null } } },
  },
  notRetried({
    id: 'internal-max-retries-alone',
    title: 'x-envoy-max-retries without any retry condition has no effect',
    section: '§1.1',
    group: 'internal',
    request: { headers: { 'x-envoy-max-retries': '3' } },
  }, '503', 503),
  {
    id: 'internal-retriable-status-codes-header',
    title: 'x-envoy-retriable-status-codes appends to the route\'s list (with retriable-status-codes from x-envoy-retry-on)',
    section: '§1.1',
    group: 'internal',
    route: policy('retriable-status-codes', { retriable_status_codes: [451], num_retries: 2 }),
    requests: get('418,451,200', { headers: { 'x-envoy-retriable-status-codes': '418' } }),
    expect: { status: 200, attempts: 3, stats: retried(2), upstreamHeaders: { '*': { 'x-envoy-retriable-status-codes': null } } },
  },
  retriedOnce({
    id: 'internal-retry-grpc-on-header',
    title: 'x-envoy-retry-grpc-on enables gRPC conditions (grpc-status in headers)',
    section: '§1.1',
    group: 'internal',
    request: { headers: { 'x-envoy-retry-grpc-on': 'unavailable' } },
  }, '200;h=grpc-status:14'),
  {
    id: 'internal-retry-on-http-tokens-only',
    title: 'x-envoy-retry-on takes HTTP tokens only: a gRPC token there is ignored',
    section: '§1.1',
    group: 'internal',
    requests: get('200;h=grpc-status:14,200', { headers: { 'x-envoy-retry-on': 'unavailable' } }),
    expect: { status: 200, attempts: 1, headers: { 'grpc-status': '14' }, stats: {} },
  },
  retriedOnce({
    id: 'internal-retriable-header-names',
    title: 'x-envoy-retriable-header-names adds name-presence matchers for retriable-headers',
    section: '§1.1, §5.3',
    group: 'internal',
    request: { headers: { 'x-envoy-retry-on': 'retriable-headers', 'x-envoy-retriable-header-names': 'x-try-again' } },
  }, '200;h=x-try-again:1'),
  {
    id: 'internal-upstream-rq-timeout-ms',
    title: 'x-envoy-upstream-rq-timeout-ms overrides the route timeout',
    section: '§1.1, §2.3',
    group: 'internal',
    requests: get('hang', { headers: { 'x-envoy-upstream-rq-timeout-ms': '200' } }),
    expect: { status: 504, body: 'upstream request timeout', attempts: 1, flags: 'UT', stats: { upstream_rq_timeout: 1 }, durationMs: [198, 200 + SLACK_MS] },
  },
  {
    id: 'internal-per-try-timeout-header',
    title: 'x-envoy-upstream-rq-per-try-timeout-ms sets a per-try timeout, retried under the route\'s 5xx',
    section: '§1.1, §2.3',
    group: 'internal',
    route: policy('5xx', FAST_BACKOFF),
    requests: get('hang,200', { headers: { 'x-envoy-upstream-rq-per-try-timeout-ms': '100' } }),
    expect: { status: 200, attempts: 2, stats: { ...retried(1), upstream_rq_per_try_timeout: 1 }, durationMs: [98, 100 + SLACK_MS] },
  },
  notRetried({
    id: 'internal-request-headers-gate-header-conditions',
    title: 'retriable_request_headers not matched: conditions from x-envoy-retry-on are cleared too',
    section: '§1.1',
    group: 'internal',
    route: policy('retriable-4xx', { retriable_request_headers: [{ name: 'x-allow-retry', present_match: true }] }),
    request: { headers: { 'x-envoy-retry-on': '5xx' } },
  }, '503', 503),

  {
    id: 'internal-timeout-alt-response',
    title: 'x-envoy-upstream-rq-timeout-alt-response: the route timeout answers an empty 204 instead of 504',
    section: '§2.3',
    group: 'internal',
    requests: get('hang', { headers: { 'x-envoy-upstream-rq-timeout-ms': '100', 'x-envoy-upstream-rq-timeout-alt-response': '1' } }),
    expect: { status: 204, body: '', attempts: 1, flags: 'UT', stats: { upstream_rq_timeout: 1 }, durationMs: [98, 100 + SLACK_MS] },
  },
  {
    id: 'internal-strict-check-headers',
    title: 'router strict_check_headers: a malformed x-envoy-max-retries is rejected with 400 and flag IH, nothing goes upstream',
    section: '§1.1',
    group: 'strict',
    route: policy('5xx'),
    requests: get('200', { headers: { 'x-envoy-max-retries': 'abc' } }),
    expect: { status: 400, body: "invalid header 'x-envoy-max-retries' with value 'abc'", attempts: 0, flags: 'IH', stats: {} },
  },

  // ============================================================== HTTP/2: refused-stream and resets
  retriedOnce({
    id: 'h2-refused-stream',
    title: 'refused-stream retries RST_STREAM REFUSED_STREAM',
    section: '§1.5 refused-stream',
    group: 'h2',
    route: policy('refused-stream'),
  }, 'rst:REFUSED_STREAM'),
  notRetried({
    id: 'h2-refused-stream-not-other-codes',
    title: 'refused-stream does not retry other RST_STREAM codes: local 503 "remote reset", UR',
    section: '§1.5 refused-stream, §2.4',
    group: 'h2',
    route: policy('refused-stream'),
  }, 'rst:INTERNAL_ERROR', 503, { body: resetBody('remote reset'), flags: 'UR' }),
  retriedOnce({
    id: 'h2-5xx-retries-rst',
    title: '5xx retries any RST_STREAM',
    section: '§1.5 5xx',
    group: 'h2',
    route: policy('5xx'),
  }, 'rst:INTERNAL_ERROR'),
  notRetried({
    id: 'h2-connect-failure-not-refused',
    title: 'connect-failure does not cover REFUSED_STREAM: local 503 "remote refused stream reset", UR',
    section: '§1.5 connect-failure',
    group: 'h2',
    route: policy('connect-failure'),
  }, 'rst:REFUSED_STREAM', 503, { body: resetBody('remote refused stream reset'), flags: 'UR' }),
  {
    id: 'h2-503-retried',
    title: '5xx retries a 503 from an HTTP/2 upstream',
    section: '§1.5 5xx',
    group: 'h2',
    route: policy('5xx', { num_retries: 2 }),
    requests: get('503,503,200'),
    expect: { status: 200, attempts: 3, stats: retried(2) },
  },

  // ============================================================== §7.1 tcp_proxy
  {
    id: 'tcp-max-connect-attempts-exhausted',
    title: 'tcp_proxy max_connect_attempts 3 to a dead port: 3 connect failures, then the downstream connection is closed (UF,URX)',
    section: '§7.1',
    group: 'tcp',
    cluster: 'dead',
    tcp: { cluster: 'dead', maxConnectAttempts: 3, script: '200' },
    expect: { status: 0, attempts: 0, stats: { upstream_cx_connect_fail: 3, upstream_cx_connect_attempts_exceeded: 1 } },
  },
  {
    id: 'tcp-access-log-flags',
    title: 'tcp_proxy access log: each failed connect sets UF, exhaustion adds URX; %UPSTREAM_REQUEST_ATTEMPT_COUNT% counts the connects',
    section: '§7.1',
    group: 'tcp',
    cluster: 'dead',
    tcp: { cluster: 'dead', maxConnectAttempts: 3, script: '200' },
    expect: { status: 0, attempts: 0, proxyAttempts: 3, flags: 'UF,URX', stats: { upstream_cx_connect_fail: 3, upstream_cx_connect_attempts_exceeded: 1 } },
  },
  {
    id: 'tcp-default-one-attempt',
    title: 'tcp_proxy without max_connect_attempts: one connect attempt only',
    section: '§7.1',
    group: 'tcp',
    cluster: 'dead',
    tcp: { cluster: 'dead', script: '200' },
    expect: { status: 0, attempts: 0, stats: { upstream_cx_connect_fail: 1, upstream_cx_connect_attempts_exceeded: 1 } },
  },
  {
    id: 'tcp-connected-no-retry',
    title: 'tcp_proxy to a live upstream: the bytes flow; once connected nothing is retried (an upstream close ends it)',
    section: '§7.1',
    group: 'tcp',
    tcp: { cluster: 'backend', maxConnectAttempts: 3, script: 'close,200' },
    expect: { status: 0, attempts: 1, stats: { upstream_cx_connect_fail: 0, upstream_cx_connect_attempts_exceeded: 0 } },
  },
  {
    id: 'tcp-passthrough',
    title: 'tcp_proxy with max_connect_attempts to a live upstream: one connection, the response comes back',
    section: '§7.1',
    group: 'tcp',
    tcp: { cluster: 'backend', maxConnectAttempts: 3, script: '200' },
    expect: { status: 200, attempts: 1, stats: { upstream_cx_connect_fail: 0 } },
  },
];

export const GROUPS: GroupDef[] = [...RETRY_GROUPS, ...UPSTREAM_GROUPS];
export const SCENARIOS: Scenario[] = [...RETRY_SCENARIOS, ...UPSTREAM_SCENARIOS];

/**
 * What real Envoy does that Ricochet's data plane does not yet, by scenario id. The data plane
 * test of each still runs and FAILS, printing this text first and then the observed vs expected
 * values; once the data plane matches Envoy the test fails asking for the entry to be removed.
 */
export const KNOWN_DIFFERENCES: Record<string, string> = {};

for (const s of SCENARIOS) {
  const known = KNOWN_DIFFERENCES[s.id];
  if (known) s.knownDifference = known;
}


/** Scenario ids must be unique DNS labels (they are virtual host domains). */
export function validateScenarios(list: readonly Scenario[] = SCENARIOS): void {
  const seen = new Set<string>();
  for (const s of list) {
    if (!/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(s.id)) throw new Error(`scenario id "${s.id}" is not a DNS label`);
    if (seen.has(s.id)) throw new Error(`duplicate scenario id ${s.id}`);
    seen.add(s.id);
    if (!GROUPS.some((g) => g.name === s.group)) throw new Error(`${s.id}: unknown group ${s.group}`);
    if (!s.requests === !s.tcp) throw new Error(`${s.id}: exactly one of requests / tcp`);
  }
  for (const id of Object.keys(KNOWN_DIFFERENCES)) if (!seen.has(id)) throw new Error(`KNOWN_DIFFERENCES names no scenario: ${id}`);
}

