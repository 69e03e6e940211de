/**
 * DestinationRule: validation with Istio's webhook rules (ValidateDestinationRule and the
 * traffic policy validators) and the merge rules that give each cluster its settings
 * (GetPortLevelTrafficPolicy, MergeSubsetTrafficPolicy, mergeDestinationRule; spec/sources-istio.md §5).
 */
import * as assert from 'node:assert/strict';
import { Codes } from '../../src/lib/errors';
import { DEFAULT_PROXY, type ClusterPolicy, type Service } from '../../src/ir/model';
import { compileYaml } from './pipeline';
import { expectError, expectValid, expectWarning, findAt, validateOne } from './validation';
import { lineOf, se, vs } from './yaml';

/** A DestinationRule whose `spec` is the given YAML block (indented by two). */
function dr(spec: string, name = 'dr', namespace = 'default'): string {
  const body = spec.trim().split('\n').map((l) => `  ${l}`).join('\n');
  return `apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata:\n  name: ${name}\n  namespace: ${namespace}\nspec:\n${body}\n`;
}

/** A rule for ok.example.com with the given trafficPolicy block. */
function drPolicy(policy: string): string {
  return dr(`host: ok.example.com\ntrafficPolicy:\n${policy.trim().split('\n').map((l) => `  ${l}`).join('\n')}`);
}

const ENTRY = se(`
hosts: [ok.example.com]
ports:
- {number: 80, name: http, protocol: HTTP}
- {number: 9090, name: grpc, protocol: GRPC}
resolution: STATIC
endpoints:
- {address: 10.0.0.1, labels: {version: v1}}
- {address: 10.0.0.2, labels: {version: v2}}
`);

describe('istio validation: DestinationRule (ValidateDestinationRule, §5)', () => {
  const TP = 'spec.trafficPolicy';

  it('host is required and a (wildcard) domain', () => {
    expectError(dr('subsets: []'), 'spec.host', 'spec:', 'host is required', Codes.MissingField);
    expectError(dr('host: Bad_Host'), 'spec.host', 'host: Bad_Host', 'invalid');
    expectValid(dr('host: "*.example.com"'));
  });
  it('a traffic policy must have at least one field', () => {
    expectError(drPolicy('{}').replace('trafficPolicy:\n  {}', 'trafficPolicy: {}'), TP, 'trafficPolicy', 'traffic policy must have at least one field');
  });
  it('a traffic policy with only a retryBudget is valid (istio#57322)', () => {
    expectValid(drPolicy('retryBudget: {percent: 10}'));
  });
  it('tunnel and proxyProtocol cannot be set together', () => {
    expectError(drPolicy('tunnel: {targetHost: a.example.com, targetPort: 80}\nproxyProtocol: {version: V1}'), TP, 'trafficPolicy', 'tunnel and proxyProtocol must not be set together');
  });
  it('subset names: required, DNS-1123 labels, unique', () => {
    expectError(dr('host: ok.example.com\nsubsets:\n- labels: {version: v1}'), 'spec.subsets[0].name', '- labels', 'subset name cannot be empty', Codes.MissingField);
    expectError(dr('host: ok.example.com\nsubsets:\n- name: V1'), 'spec.subsets[0].name', 'name: V1', 'subset name is invalid: V1');
    expectError(dr('host: ok.example.com\nsubsets:\n- name: v1\n- name: v1 # again'), 'spec.subsets[1].name', 'again', 'duplicate subset names: v1');
  });
  it('subset labels are optional (every endpoint), but must be valid labels', () => {
    expectValid(dr('host: ok.example.com\nsubsets:\n- name: all'));
    expectError(dr('host: ok.example.com\nsubsets:\n- name: v1\n  labels: {version: "bad value!"}'), 'spec.subsets[0].labels.version', 'bad value', 'invalid label value');
  });
  it('a subset traffic policy is validated like the top level one', () => {
    expectError(dr('host: ok.example.com\nsubsets:\n- name: v1\n  trafficPolicy:\n    connectionPool: {}'), 'spec.subsets[0].trafficPolicy.connectionPool', 'connectionPool: {}', 'connection pool must have at least one field');
  });

  describe('connectionPool (validateConnectionPool)', () => {
    const CP = `${TP}.connectionPool`;
    it('needs tcp or http', () => expectError(drPolicy('connectionPool: {}'), CP, 'connectionPool', 'connection pool must have at least one field'));
    for (const [field, what] of [['http1MaxPendingRequests', 'http1 max pending requests'], ['http2MaxRequests', 'http2 max requests'], ['maxRequestsPerConnection', 'max requests per connection'], ['maxRetries', 'max retries']]) {
      it(`http.${field} must be non-negative`, () => expectError(drPolicy(`connectionPool:\n  http: {${field}: -1}`), `${CP}.http.${field}`, field, `${what} must be non-negative`));
    }
    it('tcp.maxConnections must be non-negative', () => expectError(drPolicy('connectionPool:\n  tcp: {maxConnections: -5}'), `${CP}.tcp.maxConnections`, 'maxConnections', 'max connections must be non-negative'));
    for (const field of ['tcp.connectTimeout', 'tcp.maxConnectionDuration', 'tcp.idleTimeout', 'http.idleTimeout']) {
      const [group, name] = field.split('.');
      it(`${field} is at least 1ms, to the millisecond`, () => {
        expectError(drPolicy(`connectionPool:\n  ${group}: {${name}: 500us}`), `${CP}.${field}`, name, 'duration must be greater than 1ms');
        expectError(drPolicy(`connectionPool:\n  ${group}: {${name}: 1500us}`), `${CP}.${field}`, name, 'only durations to ms precision are supported');
      });
    }
    it('UPGRADE with useClientProtocol is rejected', () => {
      expectError(drPolicy('connectionPool:\n  http: {h2UpgradePolicy: UPGRADE, useClientProtocol: true}'), `${CP}.http`, 'h2UpgradePolicy', 'use client protocol must not be true when H2UpgradePolicy is UPGRADE');
    });
    it('maxRetries: 0 is accepted but warned: Istio cannot express 0 (it means unset)', () => {
      expectWarning(drPolicy('connectionPool:\n  http: {maxRetries: 0}'), `${CP}.http.maxRetries`, 'maxRetries: 0 means "unset"', { code: Codes.SchemaValidation });
    });
    it('tcpKeepalive and h2 settings are warned as not supported yet', () => {
      expectWarning(drPolicy('connectionPool:\n  tcp: {tcpKeepalive: {time: 7200s}}'), `${CP}.tcp.tcpKeepalive`, 'not supported by Ricochet yet');
    });
  });

  describe('outlierDetection (validateOutlierDetection)', () => {
    const OD = `${TP}.outlierDetection`;
    it('maxEjectionPercent and minHealthPercent are 0..100', () => {
      expectError(drPolicy('outlierDetection: {maxEjectionPercent: 101}'), `${OD}.maxEjectionPercent`, 'maxEjectionPercent', 'percentage 101 is not in range 0..100');
      expectError(drPolicy('outlierDetection: {minHealthPercent: -1}'), `${OD}.minHealthPercent`, 'minHealthPercent', 'percentage -1 is not in range 0..100');
    });
    it('interval and baseEjectionTime are at least 1ms', () => {
      expectError(drPolicy('outlierDetection: {interval: 0s}'), `${OD}.interval`, 'interval', 'duration must be greater than 1ms');
      expectError(drPolicy('outlierDetection: {baseEjectionTime: 0.5ms}'), `${OD}.baseEjectionTime`, 'baseEjectionTime', 'duration must be greater than 1ms');
    });
    it('consecutiveLocalOriginFailures needs splitExternalLocalOriginErrors', () => {
      expectError(drPolicy('outlierDetection: {consecutiveLocalOriginFailures: 3}'), `${OD}.consecutiveLocalOriginFailures`, 'consecutiveLocalOriginFailures', 'split external local origin errors is set to false');
      expectValid(drPolicy('outlierDetection: {consecutiveLocalOriginFailures: 3, splitExternalLocalOriginErrors: true}'));
    });
    it('the deprecated consecutiveErrors is warned about and ignored', () => {
      expectWarning(drPolicy('outlierDetection: {consecutiveErrors: 3}'), `${OD}.consecutiveErrors`, 'consecutive errors is deprecated');
    });
  });

  describe('loadBalancer (validateLoadBalancer)', () => {
    const LB = `${TP}.loadBalancer`;
    it('simple takes Istio\'s names', () => {
      expectError(drPolicy('loadBalancer: {simple: FASTEST}'), `${LB}.simple`, 'simple: FASTEST', 'unknown load balancer "FASTEST"');
      for (const name of ['ROUND_ROBIN', 'LEAST_REQUEST', 'LEAST_CONN', 'RANDOM', 'UNSPECIFIED']) expectValid(drPolicy(`loadBalancer: {simple: ${name}}`));
    });
    it('simple and consistentHash are exclusive', () => {
      expectError(drPolicy('loadBalancer: {simple: RANDOM, consistentHash: {useSourceIp: true}}'), LB, 'loadBalancer', 'only one may be set');
    });
    it('an httpCookie needs a name', () => {
      expectError(drPolicy('loadBalancer:\n  consistentHash: {httpCookie: {ttl: 0s}}'), `${LB}.consistentHash.httpCookie.name`, 'httpCookie', 'name required for HttpCookie', Codes.MissingField);
    });
    it('maglev tableSize must be set, prime and below 5000011', () => {
      expectError(drPolicy('loadBalancer:\n  consistentHash: {useSourceIp: true, maglev: {}}'), `${LB}.consistentHash.maglev.tableSize`, 'maglev', 'tableSize must be set for maglev', Codes.MissingField);
      expectError(drPolicy('loadBalancer:\n  consistentHash: {useSourceIp: true, maglev: {tableSize: 1000}}'), `${LB}.consistentHash.maglev.tableSize`, 'maglev', 'tableSize must be a prime number for maglev');
      expectError(drPolicy('loadBalancer:\n  consistentHash: {useSourceIp: true, maglev: {tableSize: 5000011}}'), `${LB}.consistentHash.maglev.tableSize`, 'maglev', 'tableSize must be less than 5000011');
    });
    it('maglev field names are checked (MaglevLB has only tableSize)', () => {
      const ds = validateOne(drPolicy('loadBalancer:\n  consistentHash: {useSourceIp: true, maglev: {tableSize: 65537, tablesize: 7}}'));
      const d = findAt(ds, `${LB}.consistentHash.maglev.tablesize`);
      assert.equal(d.severity, 'Warning');
      assert.equal(d.code, Codes.UnsupportedField);
      assert.match(d.message, /^unknown field "tablesize" is ignored; accepted here: tableSize$/);
    });
    it('the deprecated minimumRingSize cannot go with ringHash', () => {
      expectError(drPolicy('loadBalancer:\n  consistentHash: {useSourceIp: true, minimumRingSize: 1024, ringHash: {minimumRingSize: 10}}'), `${LB}.consistentHash`, 'consistentHash', 'only one of MinimumRingSize or Maglev/Ringhash can be specified');
    });
  });

  describe('retryBudget (Istio ≥1.27, §5.3)', () => {
    it('percent is 0..100', () => {
      expectError(drPolicy('retryBudget: {percent: 120}'), `${TP}.retryBudget.percent`, 'percent: 120', 'percent 120 is not in range 0..100');
    });
    it('budgetInterval is warned as not supported (no such Envoy field in the pinned API)', () => {
      expectWarning(drPolicy('retryBudget: {budgetInterval: 10s}'), `${TP}.retryBudget.budgetInterval`, 'budget_interval');
    });
  });

  describe('portLevelSettings (validatePortTrafficPolicies)', () => {
    const PL = `${TP}.portLevelSettings`;
    it('port is required', () => {
      expectError(drPolicy('portLevelSettings:\n- loadBalancer: {simple: RANDOM}'), `${PL}[0].port`, '- loadBalancer', 'portTrafficPolicy must have valid port', Codes.MissingField);
    });
    it('a port entry needs at least one setting', () => {
      expectError(drPolicy('portLevelSettings:\n- port: {number: 80}'), `${PL}[0]`, '- port', 'port traffic policy must have at least one field');
    });
    it('port numbers are 1..65535', () => {
      expectError(drPolicy('portLevelSettings:\n- port: {number: 0}\n  loadBalancer: {simple: RANDOM}'), `${PL}[0].port.number`, 'number: 0', 'port number 0 must be in the range 1..65535');
    });
    it('a port listed twice is warned about: the first entry applies', () => {
      expectWarning(drPolicy('portLevelSettings:\n- port: {number: 80}\n  loadBalancer: {simple: RANDOM}\n- port: {number: 80}\n  loadBalancer: {simple: ROUND_ROBIN}'), `${PL}[1].port.number`, 'only the first entry for a port applies', { code: Codes.ConflictingPolicies });
    });
  });

  it('workloadSelector: the rule is left out (warned); a selector without labels is warned too', () => {
    expectWarning(dr('host: ok.example.com\nworkloadSelector: {matchLabels: {app: a}}\nsubsets: [{name: v1}]'), 'spec.workloadSelector', 'leaves the whole rule out');
    const ds = validateOne(dr('host: ok.example.com\nworkloadSelector: {}'));
    assert.ok(ds.some((d) => d.message === 'workload selector specified without labels'), JSON.stringify(ds));
  });
});

/** The cluster policies compiled for ok.example.com from ENTRY plus `rule`. */
function policiesOf(text: string, host = 'ok.example.com', namespace = DEFAULT_PROXY.namespace): { service: Service; policy: (port: number, subset?: string) => ClusterPolicy | undefined } {
  const { mesh } = compileYaml(text, { ...DEFAULT_PROXY, namespace });
  const service = mesh.services.find((s) => s.host === host);
  assert.ok(service, `no service ${host}`);
  return { service, policy: (port, subset) => service.clusterPolicies?.find((p) => p.port === port && p.subset === subset) };
}

describe('istio compile: DestinationRule settings (§5, MergeSubsetTrafficPolicy)', () => {
  it('the top-level policy applies to every port, with Istio\'s conversions (≤0 limits unset, http idle timeout first)', () => {
    const text = `${ENTRY}---\n${drPolicy('connectionPool:\n  tcp: {maxConnections: 0, connectTimeout: 30ms, idleTimeout: 1m}\n  http: {http2MaxRequests: 10, idleTimeout: 5s}')}`;
    const { policy } = policiesOf(text);
    for (const port of [80, 9090]) {
      assert.deepEqual(policy(port)?.policy, { connectionPool: { maxRequests: 10, idleTimeoutMs: 5000, connectTimeoutMs: 30 } });
    }
  });

  it('tcp.idleTimeout is the fallback when http sets none', () => {
    const { policy } = policiesOf(`${ENTRY}---\n${drPolicy('connectionPool:\n  tcp: {idleTimeout: 1m}')}`);
    assert.equal(policy(80)?.policy.connectionPool?.idleTimeoutMs, 60_000);
  });

  it('outlierDetection: minHealthPercent defaults to 0; local-origin failures count only when split', () => {
    const { policy } = policiesOf(`${ENTRY}---\n${drPolicy('outlierDetection: {consecutive5xxErrors: 0, interval: 1s}')}`);
    assert.deepEqual(policy(80)?.policy.outlierDetection, { consecutive5xxErrors: 0, intervalMs: 1000, minHealthPercent: 0 });
  });

  it('retryBudget defaults: 20% and 3 (§5.3)', () => {
    const { policy } = policiesOf(`${ENTRY}---\n${drPolicy('retryBudget: {}')}`);
    assert.deepEqual(policy(80)?.policy.retryBudget, { budgetPercent: 20, minRetryConcurrency: 3 });
  });

  it('portLevelSettings replace the policy for their port wholesale, the retryBudget included', () => {
    const text = `${ENTRY}---\n${drPolicy('connectionPool: {tcp: {maxConnections: 5}}\nretryBudget: {percent: 10}\nportLevelSettings:\n- port: {number: 9090}\n  loadBalancer: {simple: RANDOM}')}`;
    const { policy } = policiesOf(text);
    assert.deepEqual(policy(80)?.policy, { connectionPool: { maxConnections: 5 }, retryBudget: { budgetPercent: 10, minRetryConcurrency: 3 } });
    assert.deepEqual(policy(9090)?.policy, { loadBalancer: { simple: 'RANDOM' } });
  });

  it('a subset overrides group by group; its port-level entry replaces all three groups', () => {
    const text = `${ENTRY}---\n${dr(`
host: ok.example.com
trafficPolicy:
  connectionPool: {tcp: {maxConnections: 5}}
  loadBalancer: {simple: RANDOM}
  retryBudget: {percent: 10}
subsets:
- name: v1
  labels: {version: v1}
  trafficPolicy:
    loadBalancer: {simple: ROUND_ROBIN}
    retryBudget: {percent: 50}
    portLevelSettings:
    - port: {number: 9090}
      outlierDetection: {consecutive5xxErrors: 1}
`)}`;
    const { service, policy } = policiesOf(text);
    assert.deepEqual(service.subsets, [{ name: 'v1', labels: { version: 'v1' } }]);
    assert.deepEqual(policy(80, 'v1')?.policy, { connectionPool: { maxConnections: 5 }, loadBalancer: { simple: 'ROUND_ROBIN' }, retryBudget: { budgetPercent: 50, minRetryConcurrency: 3 } });
    assert.deepEqual(policy(9090, 'v1')?.policy, { outlierDetection: { consecutive5xxErrors: 1, minHealthPercent: 0 }, retryBudget: { budgetPercent: 10, minRetryConcurrency: 3 } });
    assert.equal(policy(9090, 'v1')?.source.line, lineOf(text, '- port: {number: 9090}'));
  });

  it('clusters a rule leaves at the defaults get no policy; a rule with nothing to say changes nothing', () => {
    const { service } = policiesOf(`${ENTRY}---\n${dr('host: ok.example.com')}`);
    assert.equal(service.clusterPolicies, undefined);
    assert.equal(service.subsets, undefined);
  });

  it('a short host resolves in the rule\'s namespace', () => {
    const entry = se('hosts: [cart.shop.svc.cluster.local]\nports: [{number: 80, name: http, protocol: HTTP}]\nresolution: DNS', 'cart', 'shop');
    const { policy } = policiesOf(`${entry}---\n${dr('host: cart\ntrafficPolicy: {loadBalancer: {simple: RANDOM}}', 'cart', 'shop')}`, 'cart.shop.svc.cluster.local');
    assert.deepEqual(policy(80)?.policy, { loadBalancer: { simple: 'RANDOM' } });
  });

  it('the proxy\'s namespace comes first, then the service\'s, then istio-system', () => {
    const entry = se('hosts: [api.example.com]\nports: [{number: 80, name: http, protocol: HTTP}]\nresolution: DNS', 'api', 'svc');
    const rule = (ns: string, n: number): string => dr(`host: api.example.com\ntrafficPolicy: {connectionPool: {tcp: {maxConnections: ${n}}}}`, `r-${ns}`, ns);
    const text = [entry, rule('team', 1), rule('svc', 2), rule('istio-system', 3), rule('other', 4)].join('---\n');
    const max = (ns: string): number | undefined => policiesOf(text, 'api.example.com', ns).policy(80)?.policy.connectionPool?.maxConnections;
    assert.equal(max('team'), 1);
    assert.equal(max('elsewhere'), 2);
    assert.equal(max('svc'), 2);
    const rootOnly = [entry, rule('istio-system', 3), rule('other', 4)].join('---\n');
    assert.equal(policiesOf(rootOnly, 'api.example.com', 'elsewhere').policy(80)?.policy.connectionPool?.maxConnections, 3);
    assert.equal(policiesOf(rootOnly, 'api.example.com', 'other').policy(80)?.policy.connectionPool?.maxConnections, 4);
  });

  it('two rules of one namespace for one host merge: subsets combine, the first trafficPolicy wins, both conflicts warned', () => {
    const a = dr('host: ok.example.com\ntrafficPolicy: {loadBalancer: {simple: RANDOM}}\nsubsets: [{name: v1, labels: {version: v1}}]', 'a');
    const b = dr('host: ok.example.com\ntrafficPolicy: {loadBalancer: {simple: ROUND_ROBIN}}\nsubsets:\n- {name: v1, labels: {version: v2}}\n- {name: v2, labels: {version: v2}}', 'b');
    const text = `${ENTRY}---\n${b}---\n${a}`;
    const { service, policy } = policiesOf(text);
    assert.deepEqual(service.subsets, [{ name: 'v1', labels: { version: 'v1' } }, { name: 'v2', labels: { version: 'v2' } }]);
    assert.deepEqual(policy(80)?.policy, { loadBalancer: { simple: 'RANDOM' } });
    const warnings = compileYaml(text).diagnostics.filter((d) => d.code === Codes.ConflictingPolicies);
    assert.deepEqual(warnings.map((d) => [d.object?.name, d.location?.path]), [['b', 'spec.subsets[0].name'], ['b', 'spec.trafficPolicy']]);
    assert.match(warnings[1].message, /already has a trafficPolicy from DestinationRule default\/a/);
  });

  it('a rule for a host nobody declares is warned about', () => {
    const d = compileYaml(`${ENTRY}---\n${dr('host: nobody.example.com\nsubsets: [{name: v1}]')}`).diagnostics.find((x) => x.code === Codes.ReferencedResourceNotFound);
    assert.ok(d);
    assert.match(d.message, /no service declares host nobody.example.com/);
  });
});

describe('istio compile: routes and DestinationRules (§1.2, §1.8, §4.3)', () => {
  const route = (dest: string, extra = ''): string => vs(`hosts: [ok.example.com]\nhttp:\n- route:\n${dest}\n${extra}`);
  const hashRule = dr('host: ok.example.com\ntrafficPolicy: {loadBalancer: {consistentHash: {httpHeaderName: x-user}}}\nsubsets: [{name: v1, labels: {version: v1}, trafficPolicy: {loadBalancer: {simple: RANDOM}}}]');
  const predicateOf = (text: string): boolean | undefined => compileYaml(text).mesh.virtualHosts.find((v) => v.host === 'ok.example.com' && v.port === 80)?.routes[0].retry.policy?.previousHostsPredicate;

  it('§1.2 a single consistent-hash destination drops previous_hosts, with the default policy or the route\'s retries', () => {
    assert.equal(predicateOf(`${ENTRY}---\n${hashRule}---\n${route('  - destination: {host: ok.example.com, port: {number: 80}}')}`), false);
    assert.equal(predicateOf(`${ENTRY}---\n${hashRule}---\n${route('  - destination: {host: ok.example.com, port: {number: 80}}', '  retries: {attempts: 2}')}`), false);
  });
  it('§1.8 retryIgnorePreviousHosts: true keeps it', () => {
    assert.equal(predicateOf(`${ENTRY}---\n${hashRule}---\n${route('  - destination: {host: ok.example.com, port: {number: 80}}', '  retries: {attempts: 2, retryIgnorePreviousHosts: true}')}`), true);
  });
  it('a subset with its own (simple) load balancer, or a weighted route, keeps it', () => {
    assert.equal(predicateOf(`${ENTRY}---\n${hashRule}---\n${route('  - destination: {host: ok.example.com, subset: v1, port: {number: 80}}')}`), true);
    assert.equal(predicateOf(`${ENTRY}---\n${hashRule}---\n${route('  - destination: {host: ok.example.com, port: {number: 80}}\n    weight: 50\n  - destination: {host: ok.example.com, subset: v1, port: {number: 80}}\n    weight: 50')}`), true);
  });
  it('the default route of a host without a VirtualService keeps it', () => {
    assert.equal(predicateOf(`${ENTRY}---\n${hashRule}`), true);
  });
  it('a subset no rule defines is a ReferencedResourceNotFound warning naming the missing cluster', () => {
    const text = `${ENTRY}---\n${hashRule}---\n${route('  - destination: {host: ok.example.com, subset: v2, port: {number: 80}}')}`;
    const d = findAt(compileYaml(text).diagnostics, 'spec.http[0].route[0].destination.subset');
    assert.equal(d.code, Codes.ReferencedResourceNotFound);
    assert.equal(d.location?.line, lineOf(text, 'subset: v2'));
    assert.match(d.message, /no DestinationRule for host ok.example.com defines subset v2; requests routed there fail \(no such cluster outbound\|80\|v2\|ok.example.com\)/);
  });
  it('a defined subset is not warned about', () => {
    const text = `${ENTRY}---\n${hashRule}---\n${route('  - destination: {host: ok.example.com, subset: v1, port: {number: 80}}')}`;
    assert.deepEqual(compileYaml(text).diagnostics.filter((d) => d.severity !== 'Warning' || d.code === Codes.ReferencedResourceNotFound), []);
  });
});
