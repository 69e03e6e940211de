/**
 * Differential scenarios for what the control plane emits beyond retry policies (issue 4):
 * outlier detection and the panic threshold, the omit_host_metadata retry predicate, upstream
 * connection limits (HttpProtocolOptions), query parameter matching and weighted clusters.
 *
 * Envoy facts these rest on (checked against source/common/upstream/outlier_detection_impl.cc and
 * docs intro/arch_overview/upstream/outlier.rst; Envoy 1.40 is the judge):
 * - a host is ejected only if (ejected + 1) / hosts ≤ max_ejection_percent (default 10 %: with two
 *   hosts nothing is ever ejected, `ejections_overflow` counts instead; old docs said the first
 *   ejection always happens — that is now `always_eject_one_host`);
 * - connect failures, disconnects and timeouts count as 5xx unless split_external_local_origin_errors;
 * - `ejections_total` (deprecated) counts allowed consecutive-5xx and success-rate ejections only;
 * - ejected hosts are skipped unless fewer than healthy_panic_threshold % (default 50) are healthy.
 *
 * Every outlier scenario has a cluster of its own: ejections last base_ejection_time (60 s here),
 * longer than the group runs, so scenarios must not share a detector.
 */
import type { Host } from '../../../src/dataplane/upstream/host';
import { Ring } from '../../../src/dataplane/upstream/ringHash';
import { xxHash64 } from '../../../src/dataplane/upstream/xxhash64';
import type { ClusterDef, GroupDef } from './bootstrap';
import type { JsonObject, Observation, Range, Scenario } from './model';
import { SLACK_MS, attemptsOn, get, healthFlags, policy, resetBodyPrefix, times } from './helpers';

const HTTP_PROTOCOL_OPTIONS = 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions';

/** A cluster with outlier_detection (base ejection 60 s: nothing comes back during the run). */
function odCluster(name: string, endpoints: string[], od: JsonObject, extra: JsonObject = {}): ClusterDef {
  return { name, endpoints, extra: { outlier_detection: { base_ejection_time: '60s', ...od }, ...extra } };
}

/** A cluster whose upstream connections are limited by common_http_protocol_options. */
function limitedCluster(name: string, common: JsonObject): ClusterDef {
  return {
    name,
    endpoints: ['ok'],
    extra: {
      typed_extension_protocol_options: {
        [HTTP_PROTOCOL_OPTIONS]: {
          '@type': `type.googleapis.com/${HTTP_PROTOCOL_OPTIONS}`,
          common_http_protocol_options: common,
          explicit_http_config: { http_protocol_options: {} },
        },
      },
    },
  };
}

export const UPSTREAM_GROUPS: GroupDef[] = [
  {
    name: 'outlier',
    title: 'outlier detection: a scripted upstream `a`, upstreams `bad`/`bad2` that answer 503 to everything, `dead`; one cluster per scenario',
    upstreams: [{ name: 'a' }, { name: 'bad', fixed: 503 }, { name: 'bad2', fixed: 503 }],
    clusters: [
      odCluster('od_5xx', ['a', 'bad'], { consecutive_5xx: 2, max_ejection_percent: 50 }),
      odCluster('od_default_percent', ['a', 'bad'], { consecutive_5xx: 2 }),
      odCluster('od_always_one', ['a', 'bad'], { consecutive_5xx: 2, always_eject_one_host: true }),
      odCluster('od_not_enforced', ['a', 'bad'], { consecutive_5xx: 2, enforcing_consecutive_5xx: 0, max_ejection_percent: 50 }),
      odCluster('od_gateway', ['a', 'bad'], { consecutive_5xx: 100, consecutive_gateway_failure: 2, enforcing_consecutive_gateway_failure: 100, max_ejection_percent: 50 }),
      odCluster('od_connect', ['a', 'dead'], { consecutive_5xx: 2, max_ejection_percent: 50 }),
      odCluster('od_split', ['a', 'dead'], { split_external_local_origin_errors: true, consecutive_local_origin_failure: 2, consecutive_5xx: 2, max_ejection_percent: 50 }),
      odCluster('od_retry', ['a', 'bad'], { consecutive_5xx: 1, max_ejection_percent: 50 }),
      // update_merge_window 0: each ejection reaches the load balancer at once (see merge-window-delays-ejection).
      odCluster('panic_default', ['bad', 'bad2'], { consecutive_5xx: 1, max_ejection_percent: 100 }, { common_lb_config: { update_merge_window: '0s' } }),
      odCluster('panic_zero', ['bad', 'bad2'], { consecutive_5xx: 1, max_ejection_percent: 100 }, {
        common_lb_config: { update_merge_window: '0s', healthy_panic_threshold: { value: 0 } },
      }),
      odCluster('merge_window', ['bad', 'bad2'], { consecutive_5xx: 1, max_ejection_percent: 100 }),
    ],
  },
  {
    name: 'tagged',
    title: 'two scripted endpoints with envoy.lb metadata: `a` {version: [v1, canary]}, `b` {version: v2}; retry host predicates',
    upstreams: [{ name: 'a' }, { name: 'b' }],
    clusters: [
      {
        name: 'backend',
        endpoints: [
          { name: 'a', lbMetadata: { version: ['v1', 'canary'] } },
          { name: 'b', lbMetadata: { version: 'v2' } },
        ],
      },
      { name: 'other', endpoints: ['b'] },
    ],
  },
  {
    name: 'ring',
    title: 'RING_HASH over three scripted upstreams a, b, c (Istio consistentHash)',
    upstreams: [{ name: 'a' }, { name: 'b' }, { name: 'c' }],
    clusters: [{ name: 'backend', endpoints: ['a', 'b', 'c'], extra: { lb_policy: 'RING_HASH', ring_hash_lb_config: { minimum_ring_size: 1024 } } }],
  },
  {
    name: 'connections',
    title: 'an upstream `ok` (always 200) that counts its TCP connections, behind clusters with connection limits',
    upstreams: [{ name: 'ok', fixed: 200 }],
    clusters: [
      limitedCluster('max_requests_2', { max_requests_per_connection: 2 }),
      limitedCluster('idle_200ms', { idle_timeout: '0.2s' }),
      limitedCluster('max_duration_300ms', { max_connection_duration: '0.3s' }),
      { name: 'unlimited', endpoints: ['ok'] },
    ],
  },
];

/** Counter deltas under `outlier_detection.` of the scenario's cluster; every other ejection counter must stay 0. */
function ejections(moved: Record<string, Range>): Record<string, Range> {
  const out: Record<string, Range> = {};
  for (const name of OUTLIER_COUNTERS) out[`outlier_detection.${name}`] = 0;
  for (const [name, r] of Object.entries(moved)) out[`outlier_detection.${name}`] = r;
  return out;
}

const OUTLIER_COUNTERS = [
  'ejections_active', 'ejections_enforced_total', 'ejections_overflow', 'ejections_total', 'ejections_consecutive_5xx',
  'ejections_detected_consecutive_5xx', 'ejections_enforced_consecutive_5xx',
  'ejections_detected_consecutive_gateway_failure', 'ejections_enforced_consecutive_gateway_failure',
  'ejections_detected_consecutive_local_origin_failure', 'ejections_enforced_consecutive_local_origin_failure',
  'ejections_detected_success_rate', 'ejections_enforced_success_rate',
] as const;

/** The host named `ejected` shows failed_outlier_check in /clusters, every other host of the cluster is healthy. */
function flagsCheck(cluster: string, ejected: readonly string[]): (obs: Observation) => string[] {
  return (obs) => {
    const text = obs.admin['/clusters'] ?? '';
    const flags = healthFlags(text, cluster);
    const problems: string[] = [];
    if (flags.size === 0) problems.push(`/clusters lists no host of ${cluster}`);
    // With outlier detection /clusters prints the detector's success-rate numbers (none computed: two hosts < 5).
    for (const line of ['success_rate_average', 'success_rate_ejection_threshold', 'local_origin_success_rate_average', 'local_origin_success_rate_ejection_threshold']) {
      if (!text.split('\n').includes(`${cluster}::outlier::${line}::-1`)) problems.push(`/clusters lacks ${cluster}::outlier::${line}::-1`);
    }
    for (const [host, f] of flags) {
      const name = Object.keys(obs.endpoints).find((n) => obs.endpoints[n] === host) ?? host;
      const want = ejected.includes(name) ? '/failed_outlier_check' : 'healthy';
      if (f !== want) problems.push(`/clusters ${cluster}::${host} (${name}) health_flags: expected ${want}, observed ${f}`);
    }
    return problems;
  };
}

/** `upstream` got exactly `n` of the scenario's attempts. */
function attemptsOnCheck(upstream: string, n: number): (obs: Observation) => string[] {
  return (obs) => {
    const got = attemptsOn(obs, upstream);
    return got === n ? [] : [`attempts on ${upstream}: expected ${n}, observed ${got}`];
  };
}

const both = (...checks: Array<(obs: Observation) => string[]>) => (obs: Observation) => checks.flatMap((c) => c(obs));

/** Time for Envoy's main thread to eject a host and update the workers' host sets. */
const EJECTION_SETTLE_MS = 40;

/**
 * Sequential requests for scenarios whose expectations depend on an ejection: Envoy ejects on its
 * main thread and then pushes the host set to the workers; spacing the requests lets that land
 * before the next one, as it would between real clients' requests.
 */
const SPACED_FOR_EJECTIONS = { sequential: true, gapMs: EJECTION_SETTLE_MS } as const;

/**
 * Ten sequential requests over round robin [a, bad]: `bad` takes every other one until its
 * second consecutive failure ejects it (whichever host round robin starts with, that is two
 * failures), then everything goes to `a`.
 */
function ejectsBad(id: string, title: string, cluster: string, moved: Record<string, Range>, extraStats: Record<string, Range> = {}): Scenario {
  return {
    id,
    title,
    section: 'outlier detection',
    group: 'outlier',
    cluster,
    requests: times(10, '200'),
    ...SPACED_FOR_EJECTIONS,
    readAdmin: ['/clusters'],
    expect: {
      status: [200, 200, 200, 200, 200, 200, 200, 200, 503, 503],
      attempts: 10,
      stats: { ...ejections({ ejections_active: 1, ejections_enforced_total: 1, ...moved }), membership_healthy: -1, ...extraStats },
      check: both(attemptsOnCheck('bad', 2), flagsCheck(cluster, ['bad'])),
    },
  };
}

/** Eight sequential requests over [a, bad] where `bad` is never ejected: it answers four of them. */
function keepsBad(id: string, title: string, cluster: string, moved: Record<string, Range>): Scenario {
  return {
    id,
    title,
    section: 'outlier detection',
    group: 'outlier',
    cluster,
    requests: times(8, '200'),
    sequential: true,
    readAdmin: ['/clusters'],
    expect: {
      status: [200, 200, 200, 200, 503, 503, 503, 503],
      attempts: 8,
      stats: { ...ejections(moved), membership_healthy: 0 },
      check: both(attemptsOnCheck('bad', 4), flagsCheck(cluster, [])),
    },
  };
}

/** A local 503 for a refused connect to `dead` (no retry policy). */
const deadReply = resetBodyPrefix('remote connection failure');

/** Two requests 0.5 s apart on a cluster whose connections end in between: two connections, `closedBy` counted once. */
function reconnectsAfterGap(id: string, title: string, cluster: string, closedBy: string): Scenario {
  return {
    id,
    title,
    section: 'HttpProtocolOptions',
    group: 'connections',
    cluster,
    requests: times(2, '200'),
    sequential: true,
    gapMs: 500,
    expect: {
      status: 200,
      attempts: 2,
      stats: { upstream_cx_total: 2, [closedBy]: 1 },
      check: (obs) => (obs.connections.ok === 2 ? [] : [`upstream saw ${obs.connections.ok} connections, want 2`]),
    },
  };
}

export const UPSTREAM_SCENARIOS: Scenario[] = [
  // ============================================================== outlier detection
  ejectsBad(
    'outlier-consecutive-5xx-ejects',
    'consecutive_5xx 2, max_ejection_percent 50: the 503-ing host is ejected after its second 503, traffic moves to the healthy one, /clusters shows failed_outlier_check',
    'od_5xx',
    { ejections_total: 1, ejections_consecutive_5xx: 1, ejections_detected_consecutive_5xx: 1, ejections_enforced_consecutive_5xx: 1 },
    { upstream_rq_503: 2, upstream_rq_200: 8 },
  ),
  keepsBad(
    'outlier-default-max-ejection-percent',
    'default max_ejection_percent 10 with two hosts: (0 + 1) / 2 = 50 % > 10 %, so every detection overflows and nothing is ejected',
    'od_default_percent',
    // Envoy resets a host's consecutive count on its main thread after a detection; on a loaded
    // machine the next 503 can land first, so the second detection may not happen ([1, 2]).
    { ejections_detected_consecutive_5xx: [1, 2], ejections_consecutive_5xx: [1, 2], ejections_overflow: [1, 2] },
  ),
  ejectsBad(
    'outlier-always-eject-one-host',
    'always_eject_one_host: the first ejection happens despite the default 10 % max_ejection_percent',
    'od_always_one',
    { ejections_total: 1, ejections_consecutive_5xx: 1, ejections_detected_consecutive_5xx: 1, ejections_enforced_consecutive_5xx: 1 },
  ),
  keepsBad(
    'outlier-not-enforced',
    'enforcing_consecutive_5xx 0: detections are counted (and ejections_total, the ejection being allowed) but never enforced',
    'od_not_enforced',
    { ejections_detected_consecutive_5xx: [1, 2], ejections_consecutive_5xx: [1, 2], ejections_total: [1, 2] },
  ),
  ejectsBad(
    'outlier-gateway-failure',
    'consecutive_gateway_failure 2 (enforced 100 %): 503s eject the host as a gateway failure; the deprecated ejections_total does not count it',
    'od_gateway',
    { ejections_detected_consecutive_gateway_failure: 1, ejections_enforced_consecutive_gateway_failure: 1 },
  ),
  {
    id: 'outlier-connect-failures-are-5xx',
    title: 'without split_external_local_origin_errors a refused connect counts as a 5xx: the dead host is ejected after two',
    section: 'outlier detection',
    group: 'outlier',
    cluster: 'od_connect',
    requests: times(10, '200'),
    ...SPACED_FOR_EJECTIONS,
    readAdmin: ['/clusters'],
    expect: {
      status: [200, 200, 200, 200, 200, 200, 200, 200, 503, 503],
      attempts: 8,
      stats: {
        ...ejections({
          ejections_active: 1, ejections_enforced_total: 1, ejections_total: 1, ejections_consecutive_5xx: 1,
          ejections_detected_consecutive_5xx: 1, ejections_enforced_consecutive_5xx: 1,
        }),
        upstream_cx_connect_fail: 2,
      },
      check: both(flagsCheck('od_connect', ['dead']), (obs) => obs.responses.filter((r) => r.status === 503 && !deadReply.test(r.body)).map((r) => `503 body ${JSON.stringify(r.body)}`)),
    },
  },
  {
    id: 'outlier-split-local-origin',
    title: 'split_external_local_origin_errors: refused connects count as local-origin failures (consecutive_local_origin_failure 2), not as 5xx',
    section: 'outlier detection',
    group: 'outlier',
    cluster: 'od_split',
    requests: times(10, '200'),
    ...SPACED_FOR_EJECTIONS,
    readAdmin: ['/clusters'],
    expect: {
      status: [200, 200, 200, 200, 200, 200, 200, 200, 503, 503],
      attempts: 8,
      stats: {
        ...ejections({
          ejections_active: 1, ejections_enforced_total: 1,
          ejections_detected_consecutive_local_origin_failure: 1, ejections_enforced_consecutive_local_origin_failure: 1,
        }),
        upstream_cx_connect_fail: 2,
      },
      check: flagsCheck('od_split', ['dead']),
    },
  },
  {
    id: 'outlier-retry-after-ejection',
    title: 'consecutive_5xx 1 with a 5xx retry policy: the first 503 ejects its host at once and the retry (and every later request) goes to the healthy one',
    section: 'outlier detection, envoy-retry.md §4.3',
    group: 'outlier',
    cluster: 'od_retry',
    route: policy('5xx', { num_retries: 2 }),
    requests: times(6, '200'),
    sequential: true,
    expect: {
      status: 200,
      attempts: [6, 7],
      stats: {
        ...ejections({
          ejections_active: 1, ejections_enforced_total: 1, ejections_total: 1, ejections_consecutive_5xx: 1,
          ejections_detected_consecutive_5xx: 1, ejections_enforced_consecutive_5xx: 1,
        }),
        upstream_rq_retry: [0, 1],
        upstream_rq_retry_backoff_exponential: [0, 1],
        upstream_rq_retry_success: [0, 1],
      },
      check: (obs) => (attemptsOn(obs, 'bad') <= 1 ? [] : [`bad got ${attemptsOn(obs, 'bad')} attempts after its ejection`]),
    },
  },

  // ============================================================== panic threshold
  {
    id: 'panic-default-threshold',
    title: 'both hosts ejected (max_ejection_percent 100): 0 % healthy < the default 50 % panic threshold, so the balancer uses every host again (lb_healthy_panic)',
    section: 'outlier detection, load balancer panic threshold',
    group: 'outlier',
    cluster: 'panic_default',
    requests: times(4, '200'),
    ...SPACED_FOR_EJECTIONS,
    readAdmin: ['/clusters'],
    expect: {
      status: 503,
      body: /^fixed 503 from /,
      attempts: 4,
      flags: '-',
      stats: {
        ...ejections({
          ejections_active: 2, ejections_enforced_total: 2, ejections_total: 2, ejections_consecutive_5xx: 2,
          ejections_detected_consecutive_5xx: 2, ejections_enforced_consecutive_5xx: 2,
        }),
        // Envoy posts an ejection to its main thread and then to the workers: on a loaded machine
        // request 3 can be routed before the second ejection lands, so it panics once or twice.
        lb_healthy_panic: [1, 2],
        upstream_cx_none_healthy: 0,
        membership_healthy: -2,
      },
      check: flagsCheck('panic_default', ['bad', 'bad2']),
    },
  },
  {
    id: 'panic-threshold-zero',
    title: 'healthy_panic_threshold 0: never panic, so with both hosts ejected requests get a local 503 "no healthy upstream" (UH)',
    section: 'outlier detection, load balancer panic threshold',
    group: 'outlier',
    cluster: 'panic_zero',
    requests: times(4, '200'),
    ...SPACED_FOR_EJECTIONS,
    expect: {
      status: 503,
      attempts: 2,
      flags: ['-', '-', 'UH', 'UH'],
      stats: {
        ...ejections({
          ejections_active: 2, ejections_enforced_total: 2, ejections_total: 2, ejections_consecutive_5xx: 2,
          ejections_detected_consecutive_5xx: 2, ejections_enforced_consecutive_5xx: 2,
        }),
        lb_healthy_panic: 0,
        upstream_cx_none_healthy: 2,
      },
      check: (obs) => {
        const bodies = obs.responses.map((r) => r.body);
        const ok = bodies.slice(0, 2).every((b) => /^fixed 503 from /.test(b)) && bodies.slice(2).every((b) => b === 'no healthy upstream');
        return ok ? [] : [`bodies: ${JSON.stringify(bodies)} (want two upstream 503s, then "no healthy upstream")`];
      },
    },
  },

  {
    id: 'merge-window-delays-ejection',
    title: 'default update_merge_window 1 s: the first ejection reaches the load balancer at once, the second (within the window) only when it ends, so the next requests still go to the just-ejected host',
    section: 'outlier detection, cluster manager update merging',
    group: 'outlier',
    cluster: 'merge_window',
    requests: times(4, '200'),
    sequential: true,
    expect: {
      status: 503,
      attempts: 4,
      stats: {
        ...ejections({
          ejections_active: 2, ejections_enforced_total: 2, ejections_total: 2, ejections_consecutive_5xx: 2,
          ejections_detected_consecutive_5xx: 2, ejections_enforced_consecutive_5xx: 2,
        }),
        lb_healthy_panic: 0,
        // The membership gauges move at once; only the balancer waits for the window.
        membership_healthy: -2,
      },
      check: (obs) => {
        const s = obs.attempts.map((a) => a[0]?.server ?? '?');
        return s[1] === s[2] && s[2] === s[3] && s[0] !== s[1] ? [] : [`requests went to ${s.join(', ')}: want the first to one host and the other three to the other`];
      },
    },
  },

  // ============================================================== omit_host_metadata
  {
    id: 'omit-host-metadata',
    title: 'retry_host_predicate omit_host_metadata {version: canary}: retries never land on `a` (its version list holds canary), first attempts still do',
    section: 'envoy-retry.md §4.3',
    group: 'tagged',
    route: policy('5xx', {
      retry_host_predicate: [{
        name: 'envoy.retry_host_predicates.omit_host_metadata',
        typed_config: {
          '@type': 'type.googleapis.com/envoy.extensions.retry.host.omit_host_metadata.v3.OmitHostMetadataConfig',
          metadata_match: { filter_metadata: { 'envoy.lb': { version: 'canary' } } },
        },
      }],
    }),
    requests: times(6, '503,200'),
    sequential: true,
    expect: {
      status: 200,
      attempts: 12,
      stats: { upstream_rq_retry: 6, upstream_rq_retry_backoff_exponential: 6, upstream_rq_retry_success: 6 },
      check: (obs) => {
        const a = obs.endpoints.a;
        const retriesOnA = obs.attempts.filter((x) => x[1]?.server === a).length;
        const firstOnA = obs.attempts.filter((x) => x[0]?.server === a).length;
        const problems: string[] = [];
        if (retriesOnA > 0) problems.push(`${retriesOnA} retries went to the omitted host a`);
        if (firstOnA === 0) problems.push('no first attempt went to a: the predicate must only steer retries');
        return problems;
      },
    },
  },
  {
    id: 'omit-host-metadata-no-match',
    title: 'omit_host_metadata whose labels match no host ({version: v3}) leaves host selection alone: retries still succeed',
    section: 'envoy-retry.md §4.3',
    group: 'tagged',
    route: policy('5xx', {
      retry_host_predicate: [{
        name: 'envoy.retry_host_predicates.omit_host_metadata',
        typed_config: {
          '@type': 'type.googleapis.com/envoy.extensions.retry.host.omit_host_metadata.v3.OmitHostMetadataConfig',
          metadata_match: { filter_metadata: { 'envoy.lb': { version: 'v3' } } },
        },
      }],
    }),
    requests: times(4, '503,200'),
    sequential: true,
    expect: { status: 200, attempts: 8, stats: { upstream_rq_retry: 4, upstream_rq_retry_backoff_exponential: 4, upstream_rq_retry_success: 4 } },
  },

  // ============================================================== RING_HASH and hash policies
  {
    id: 'ring-hash-header',
    title: 'hash_policy header x-user: each user sticks to one host, and it is the host Envoy\'s ring (XXH64 of "ip:port_i") gives',
    section: 'load balancing: ring hash',
    group: 'ring',
    route: { hash_policy: [{ header: { header_name: 'x-user' } }] },
    requests: ['u0', 'u1', 'u2', 'u3', 'u4', 'u5', 'u0', 'u1', 'u2', 'u3', 'u4', 'u5'].map((u) => ({ script: '200', headers: { 'x-user': u } })),
    sequential: true,
    expect: {
      status: 200,
      attempts: 12,
      stats: {},
      check: (obs) => ringCheck(obs, (i) => xxHash64(`u${i % 6}`)),
    },
  },
  {
    id: 'ring-hash-source-ip',
    title: 'hash_policy connection_properties.source_ip: every request from 127.0.0.1 lands on the host for XXH64("127.0.0.1")',
    section: 'load balancing: ring hash',
    group: 'ring',
    route: { hash_policy: [{ connection_properties: { source_ip: true } }] },
    requests: times(4, '200'),
    sequential: true,
    expect: { status: 200, attempts: 4, stats: {}, check: (obs) => ringCheck(obs, () => xxHash64('127.0.0.1')) },
  },
  {
    id: 'ring-hash-cookie-ttl',
    title: 'hash_policy cookie with ttl: without the cookie Envoy makes one up, sends it as Set-Cookie and hashes it',
    section: 'load balancing: ring hash',
    group: 'ring',
    route: { hash_policy: [{ cookie: { name: 'sticky', ttl: '60s', path: '/' } }] },
    requests: get('200'),
    expect: {
      status: 200,
      attempts: 1,
      headers: { 'set-cookie': /^sticky="[0-9a-f]{16}"; Max-Age=60; Path=\/; HttpOnly$/ },
      stats: {},
      check: (obs) => {
        const m = /^sticky="([0-9a-f]{16})"/.exec(obs.responses[0]?.headers['set-cookie'] ?? '');
        return m ? ringCheck(obs, () => xxHash64(m[1])) : ['no set-cookie'];
      },
    },
  },
  {
    id: 'ring-hash-combined-policies',
    title: 'two hash policies combine as rotl(h, 1) XOR h2; a terminal policy that produced a hash stops the walk',
    section: 'load balancing: ring hash',
    group: 'ring',
    route: { hash_policy: [{ header: { header_name: 'x-a' } }, { header: { header_name: 'x-b' }, terminal: true }, { header: { header_name: 'x-c' } }] },
    requests: [0, 1, 2, 3, 4, 5].map((i) => ({ script: '200', headers: { 'x-a': `a${i}`, 'x-b': `b${i}`, 'x-c': `c${i}` } })),
    sequential: true,
    expect: {
      status: 200,
      attempts: 6,
      stats: {},
      check: (obs) => ringCheck(obs, (i) => {
        const a = xxHash64(`a${i}`);
        return (((a << 1n) | (a >> 63n)) & ((1n << 64n) - 1n)) ^ xxHash64(`b${i}`);
      }),
    },
  },
  {
    id: 'ring-hash-retry-moves-along-ring',
    title: 'a retry with previous_hosts on a ring: attempt n takes the entry n places after the hash, skipping the host already tried',
    section: 'load balancing: ring hash, envoy-retry.md §4.3',
    group: 'ring',
    route: {
      hash_policy: [{ header: { header_name: 'x-user' } }],
      ...policy('5xx', {
        retry_host_predicate: [{ name: 'envoy.retry_host_predicates.previous_hosts', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate' } }],
        host_selection_retry_max_attempts: 10,
      }),
    },
    requests: ['r0', 'r1', 'r2', 'r3'].map((u) => ({ script: '503,200', headers: { 'x-user': u } })),
    sequential: true,
    expect: {
      status: 200,
      attempts: 8,
      stats: { upstream_rq_retry: 4, upstream_rq_retry_backoff_exponential: 4, upstream_rq_retry_success: 4 },
      check: (obs) => obs.attempts.flatMap((a, r) => {
        const ring = ringOf(obs);
        const h = xxHash64(`r${r}`);
        const first = ring.choose(h, 0)?.addressString;
        let retry: string | undefined;
        for (let i = 0; i < 11; i++) {
          retry = ring.choose(h, i)?.addressString;
          if (retry !== first) break;
        }
        const got = a.map((x) => x.server);
        return got[0] === first && got[1] === retry ? [] : [`request ${r + 1}: attempts went to ${got.join(' then ')}, the ring says ${first} then ${retry}`];
      }),
    },
  },

  // ============================================================== upstream connection limits
  {
    id: 'max-requests-per-connection',
    title: 'common_http_protocol_options.max_requests_per_connection 2: six sequential requests use three upstream connections',
    section: 'HttpProtocolOptions',
    group: 'connections',
    cluster: 'max_requests_2',
    requests: times(6, '200'),
    sequential: true,
    expect: {
      status: 200,
      attempts: 6,
      stats: { upstream_cx_total: 3, upstream_cx_max_requests: 3, upstream_rq_total: 6 },
      check: (obs) => (obs.connections.ok === 3 ? [] : [`upstream saw ${obs.connections.ok} connections, want 3`]),
    },
  },
  {
    id: 'no-request-cap-by-default',
    title: 'without max_requests_per_connection six sequential requests share one upstream connection',
    section: 'HttpProtocolOptions',
    group: 'connections',
    cluster: 'unlimited',
    requests: times(6, '200'),
    sequential: true,
    expect: {
      status: 200,
      attempts: 6,
      stats: { upstream_cx_total: 1, upstream_cx_max_requests: 0 },
      check: (obs) => (obs.connections.ok === 1 ? [] : [`upstream saw ${obs.connections.ok} connections, want 1`]),
    },
  },
  reconnectsAfterGap(
    'upstream-idle-timeout',
    'common_http_protocol_options.idle_timeout 0.2 s: a connection idle for 0.5 s is closed, the next request opens a new one',
    'idle_200ms', 'upstream_cx_idle_timeout',
  ),
  reconnectsAfterGap(
    'max-connection-duration',
    'common_http_protocol_options.max_connection_duration 0.3 s: the connection is closed when it ages out, the next request opens a new one',
    'max_duration_300ms', 'upstream_cx_max_duration_reached',
  ),


  // ============================================================== route max_stream_duration (Istio sets it on every route)
  {
    id: 'max-stream-duration-replaces-route-timeout',
    title: 'a route with max_stream_duration has no router timeout: timeout 0.2 s is ignored, a 200 after 0.4 s goes through',
    section: 'envoy-retry.md §2.3 (Envoy\'s usingNewTimeouts)',
    group: 'basic',
    route: { timeout: '0.2s', max_stream_duration: { grpc_timeout_header_max: '0s' } },
    requests: get('200;delay=400'),
    expect: { status: 200, attempts: 1, flags: '-', stats: { upstream_rq_timeout: 0 }, durationMs: [398, 400 + SLACK_MS] },
    specNote: 'envoy-retry.md §2.3 has the route timeout bound every request; Envoy 1.40 drops it when the route has max_stream_duration (FilterUtility::finalTimeout), so the stream duration timer is the only bound.',
  },
  {
    id: 'route-max-stream-duration',
    title: 'route max_stream_duration 0.2 s: the connection manager answers 504 "downstream duration timeout" (no response flag), not the router',
    section: 'envoy-retry.md §2.3',
    group: 'basic',
    route: { max_stream_duration: { max_stream_duration: '0.2s' } },
    requests: get('hang'),
    expect: {
      status: 504,
      body: 'downstream duration timeout',
      attempts: 1,
      flags: '-',
      stats: { 'http.ingress.downstream_rq_max_duration_reached': 1, upstream_rq_timeout: 0 },
      durationMs: [198, 200 + SLACK_MS],
    },
  },
  {
    id: 'grpc-timeout-header-max-zero',
    title: 'grpc_timeout_header_max 0 (Istio\'s default): a grpc-timeout: 200m header bounds the stream; gRPC gets DEADLINE_EXCEEDED',
    section: 'envoy-retry.md §2.3, §2.4',
    group: 'basic',
    route: { max_stream_duration: { grpc_timeout_header_max: '0s' } },
    requests: get('hang', { method: 'POST', body: '', headers: { 'content-type': 'application/grpc', te: 'trailers', 'grpc-timeout': '200m' } }),
    expect: {
      status: 200,
      headers: { 'grpc-status': '4', 'grpc-message': 'downstream duration timeout' },
      attempts: 1,
      flags: '-',
      stats: { 'http.ingress.downstream_rq_max_duration_reached': 1 },
      durationMs: [198, 200 + SLACK_MS],
    },
  },
  {
    id: 'grpc-timeout-header-capped',
    title: 'grpc_timeout_header_max 0.2 s caps a grpc-timeout: 10S header; any request may carry the header',
    section: 'envoy-retry.md §2.3',
    group: 'basic',
    route: { max_stream_duration: { grpc_timeout_header_max: '0.2s' } },
    requests: get('hang', { headers: { 'grpc-timeout': '10S' } }),
    expect: { status: 504, body: 'downstream duration timeout', attempts: 1, flags: '-', durationMs: [198, 200 + SLACK_MS] },
  },

  // ============================================================== route matching the control plane emits
  {
    id: 'query-parameter-matchers',
    title: 'query_parameters: exact, suffix with ignore_case, safe_regex and present_match pick the route; no match falls through',
    section: 'route matching (Gateway API / Istio query matches)',
    group: 'tagged',
    routes: [
      { match: { prefix: '/', query_parameters: [{ name: 'env', string_match: { exact: 'prod' } }] }, direct_response: { status: 201, body: { inline_string: 'exact' } } },
      { match: { prefix: '/', query_parameters: [{ name: 'env', string_match: { suffix: 'AGE', ignore_case: true } }] }, direct_response: { status: 202, body: { inline_string: 'suffix' } } },
      { match: { prefix: '/', query_parameters: [{ name: 'id', string_match: { safe_regex: { regex: '[0-9]+' } } }] }, direct_response: { status: 203, body: { inline_string: 'regex' } } },
      { match: { prefix: '/', query_parameters: [{ name: 'debug', present_match: true }] }, direct_response: { status: 204 } },
      { match: { prefix: '/' }, route: { cluster: 'other' } },
    ],
    requests: [
      { script: '200', path: '/?env=prod' },
      { script: '200', path: '/x?env=stage' },
      { script: '200', path: '/?id=42&env=dev' },
      { script: '200', path: '/?id=4a2' },
      { script: '200', path: '/?debug' },
      { script: '200', path: '/?env=Prod' },
    ],
    sequential: true,
    expect: {
      status: [200, 200, 201, 202, 203, 204],
      attempts: 2,
      stats: {},
      check: (obs) => {
        const got = obs.responses.map((r) => r.status).join(',');
        return got === '201,202,203,200,204,200' ? [] : [`statuses in order: ${got}, want 201,202,203,200,204,200`];
      },
    },
  },
  {
    id: 'weighted-clusters',
    title: 'weighted_clusters 50/50 between two clusters: both get traffic, each request counts in its own cluster',
    section: 'route actions (Istio / Gateway API weighted backends)',
    group: 'tagged',
    routes: [{ match: { prefix: '/' }, route: { weighted_clusters: { clusters: [{ name: 'backend', weight: 50 }, { name: 'other', weight: 50 }] } } }],
    requests: times(30, '200'),
    sequential: true,
    expect: {
      status: 200,
      attempts: 30,
      stats: { 'cluster.backend.upstream_rq_200': [1, 29], 'cluster.other.upstream_rq_200': [1, 29] },
      check: (obs) => {
        const n = obs.stats.get('cluster.backend.upstream_rq_200') ?? 0;
        const m = obs.stats.get('cluster.other.upstream_rq_200') ?? 0;
        return n + m === 30 ? [] : [`backend ${n} + other ${m} != 30`];
      },
    },
  },
];

/** The `ring` group's ring, rebuilt from this run's endpoint addresses (a, b, c in config order). */
function ringOf(obs: Observation): Ring {
  const hosts = ['a', 'b', 'c'].map((n) => ({ addressString: obs.endpoints[n], weight: 1, hostname: '' }) as unknown as Host);
  return new Ring(hosts, { minimumRingSize: 1024, maximumRingSize: 8_388_608, useHostnameForHashing: false });
}

/** Every request's first attempt went to the ring's host for its hash. */
function ringCheck(obs: Observation, hashOf: (request: number) => bigint): string[] {
  const ring = ringOf(obs);
  return obs.attempts.flatMap((a, r) => {
    const want = ring.choose(hashOf(r), 0)?.addressString;
    return a[0]?.server === want ? [] : [`request ${r + 1} went to ${a[0]?.server}, the ring says ${want}`];
  });
}
