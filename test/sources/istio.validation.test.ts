/**
 * Per-object validation with Istio's webhook rules (pkg/config/validation): each error's code,
 * field path, line and wording. Spec references are to spec/sources-istio.md.
 */
import * as assert from 'node:assert/strict';
import { Codes } from '../../src/lib/errors';
import { errorsOf, expectError, expectValid, expectWarning, validateOne } from './validation';
import { httpEntry, se, vs, vsWithRetries } from './yaml';

describe('istio validation: VirtualService retries (§1.3, §1.5, §1.6)', () => {
  const R = 'spec.http[0].retries';

  it('§1.3 negative attempts are rejected', () => {
    const t = vsWithRetries('attempts: -1');
    expectError(t, `${R}.attempts`, 'attempts: -1', 'attempts cannot be negative');
  });
  it('§1.3 attempts 0 with perTryTimeout is rejected', () => {
    const t = vsWithRetries('attempts: 0\nperTryTimeout: 2s');
    expectError(t, R, '  retries:', 'http retry policy configured when attempts are set to 0 (disabled)');
  });
  it('§1.3 attempts 0 with retryOn is rejected', () => {
    const t = vsWithRetries('attempts: 0\nretryOn: 5xx');
    expectError(t, R, '  retries:', 'http retry policy configured when attempts are set to 0 (disabled)');
  });
  it('§1.3 attempts 0 with retryRemoteLocalities is rejected even when false (a BoolValue)', () => {
    const t = vsWithRetries('attempts: 0\nretryRemoteLocalities: false');
    expectError(t, R, '  retries:', 'http retry policy configured when attempts are set to 0 (disabled)');
  });
  it('§1.3 unset attempts counts as 0 and says so', () => {
    const t = vsWithRetries('perTryTimeout: 2s');
    expectError(t, R, '  retries:', 'attempts is unset, which means 0');
  });
  it('§1.3 attempts 0 alone, or with an empty retryOn, is accepted', () => {
    expectValid(vsWithRetries('attempts: 0'));
    expectValid(vsWithRetries('attempts: 0\nretryOn: ""'));
  });
  it('§1.3 attempts 0 with backoff is accepted by Istio, but warned as having no effect', () => {
    expectWarning(vsWithRetries('attempts: 0\nbackoff: 1s'), `${R}.backoff`, 'has no effect');
  });
  it('attempts must be an integer, not a string', () => {
    const t = vsWithRetries('attempts: "3"');
    expectError(t, `${R}.attempts`, 'attempts: "3"', 'must be an integer, got "3" (a string)');
  });
  it('attempts must be an integer, not a fraction', () => {
    expectError(vsWithRetries('attempts: 2.5'), `${R}.attempts`, 'attempts: 2.5', 'must be an integer');
  });
  it('§1.5 an unknown status code is not a valid retryOn policy', () => {
    const t = vsWithRetries('attempts: 2\nretryOn: "600"');
    expectError(t, `${R}.retryOn`, 'retryOn', '"600" is not a valid retryOn policy');
  });
  it('§1.5 each bad token is reported, good ones are not', () => {
    const ds = validateOne(vsWithRetries('attempts: 2\nretryOn: "5xx,1000,bogus,404"'));
    assert.deepEqual(errorsOf(ds).map((d) => d.message.split(';')[0]), ['"1000" is not a valid retryOn policy', '"bogus" is not a valid retryOn policy']);
  });
  it('§1.5 the webhook does not trim: spaces and empty tokens are rejected', () => {
    expectError(vsWithRetries('attempts: 2\nretryOn: "5xx, reset"'), `${R}.retryOn`, 'retryOn', '" reset" is not a valid retryOn policy');
    expectError(vsWithRetries('attempts: 2\nretryOn: "5xx,"'), `${R}.retryOn`, 'retryOn', '"" is not a valid retryOn policy');
  });
  it('§1.5 every known token and Go-known codes are accepted', () => {
    const all = '5xx,gateway-error,reset,reset-before-request,connect-failure,retriable-4xx,refused-stream,retriable-status-codes,retriable-headers,envoy-ratelimited,http3-post-connect-failure,cancelled,deadline-exceeded,internal,resource-exhausted,unavailable,404,503,226';
    expectValid(vsWithRetries(`attempts: 2\nretryOn: "${all}"`));
  });
  it('retryOn must be a string; a bare number gets a quoting hint', () => {
    expectError(vsWithRetries('attempts: 2\nretryOn: 503'), `${R}.retryOn`, 'retryOn: 503', 'quote it: "503"');
  });
  it('§1.6 perTryTimeout must be a duration', () => {
    const t = vsWithRetries('attempts: 2\nperTryTimeout: 2x');
    const d = expectError(t, `${R}.perTryTimeout`, 'perTryTimeout: 2x', '"2x" is not a duration');
    assert.equal(d.location?.path, 'spec.http[0].retries.perTryTimeout');
  });
  it('§1.6 perTryTimeout must be at least 1ms', () => {
    expectError(vsWithRetries('attempts: 2\nperTryTimeout: 500us'), `${R}.perTryTimeout`, 'perTryTimeout', 'duration must be greater than 1ms');
    expectValid(vsWithRetries('attempts: 2\nperTryTimeout: 1ms'));
  });
  it('§1.6 perTryTimeout must have millisecond precision, checked exactly', () => {
    expectError(vsWithRetries('attempts: 2\nperTryTimeout: 1.5ms'), `${R}.perTryTimeout`, 'perTryTimeout', 'only durations to ms precision are supported');
    expectError(vsWithRetries('attempts: 2\nperTryTimeout: 1500us'), `${R}.perTryTimeout`, 'perTryTimeout', 'only durations to ms precision');
    expectValid(vsWithRetries('attempts: 2\nperTryTimeout: 1.1s'));
    expectValid(vsWithRetries('attempts: 2\nperTryTimeout: 2000us'));
    expectValid(vsWithRetries('attempts: 2\nperTryTimeout: 1h1m0.001s'));
  });
  it('§1.9 backoff must be a duration of at least 1ms', () => {
    expectError(vsWithRetries('attempts: 2\nbackoff: soon'), `${R}.backoff`, 'backoff', '"soon" is not a duration');
    expectError(vsWithRetries('attempts: 2\nbackoff: 0s'), `${R}.backoff`, 'backoff', 'duration must be greater than 1ms');
  });
  it('booleans must be booleans', () => {
    expectError(vsWithRetries('attempts: 2\nretryIgnorePreviousHosts: "yes"'), `${R}.retryIgnorePreviousHosts`, 'retryIgnorePreviousHosts', 'must be true or false');
  });
  it('a typo inside retries is warned about with the accepted fields', () => {
    expectWarning(vsWithRetries('attempts: 2\nperTryTimout: 2s'), `${R}.perTryTimout`, 'accepted here: attempts, perTryTimeout');
  });
});

describe('istio validation: VirtualService routes (§2, §4.3, §4.5)', () => {
  it('§2 timeout 0s is rejected by the webhook; omitting it disables the timeout', () => {
    const t = vs('hosts: [a.example.com]\nhttp:\n- route: [{destination: {host: a.example.com}}]\n  timeout: 0s');
    expectError(t, 'spec.http[0].timeout', 'timeout: 0s', 'omit timeout');
  });
  it('§2 timeout must be a duration', () => {
    const t = vs('hosts: [a.example.com]\nhttp:\n- route: [{destination: {host: a.example.com}}]\n  timeout: 10');
    expectError(t, 'spec.http[0].timeout', 'timeout: 10', 'must be a string, got 10 (a number)');
  });
  it('a route needs destinations (or a redirect)', () => {
    const t = vs('hosts: [a.example.com]\nhttp:\n- name: nowhere');
    expectError(t, 'spec.http[0]', 'name: nowhere', 'HTTP route or redirect is required', Codes.MissingField);
  });
  it('route and redirect cannot be combined', () => {
    const t = vs('hosts: [a.example.com]\nhttp:\n- redirect: {uri: /x}\n  route: [{destination: {host: a.example.com}}]');
    const ds = validateOne(t);
    assert.ok(errorsOf(ds).some((d) => d.message.includes('HTTP route cannot contain both route and redirect')));
  });
  it('a null http route is rejected', () => {
    expectError(vs('hosts: [a.example.com]\nhttp:\n- null'), 'spec.http[0]', '- null', 'http route may not be null');
  });
  it('http, tcp or tls must be provided', () => {
    // A block mapping's line is that of its first field.
    expectError(vs('hosts: [a.example.com]'), 'spec', 'spec:', 'http, tcp or tls must be provided in virtual service');
  });
  it('negative weights are rejected', () => {
    const t = vs('hosts: [a.example.com]\nhttp:\n- route:\n  - destination: {host: a.example.com}\n    weight: -1');
    expectError(t, 'spec.http[0].route[0].weight', 'weight: -1', 'weight -1 < 0');
  });
  it('several destinations with a total weight of 0 are rejected', () => {
    const t = vs('hosts: [a.example.com]\nhttp:\n- route:\n  - destination: {host: a.example.com}\n  - destination: {host: b.example.com}');
    expectError(t, 'spec.http[0].route', 'route:', 'total destination weight = 0');
  });
  it('a destination entry needs a destination', () => {
    const t = vs('hosts: [a.example.com]\nhttp:\n- route:\n  - weight: 100');
    expectError(t, 'spec.http[0].route[0].destination', 'weight: 100', 'destination is required', Codes.MissingField);
  });
  it('a destination host is required and cannot be *', () => {
    const t = vs('hosts: [a.example.com]\nhttp:\n- route:\n  - destination: {host: "*"}');
    expectError(t, 'spec.http[0].route[0].destination.host', 'host: "*"', 'invalid destination host *');
    const u = vs('hosts: [a.example.com]\nhttp:\n- route:\n  - destination: {subset: v1}');
    expectError(u, 'spec.http[0].route[0].destination.host', 'subset: v1', 'host is required', Codes.MissingField);
  });
  it('destination port numbers are 1..65535', () => {
    const t = vs('hosts: [a.example.com]\nhttp:\n- route:\n  - destination: {host: a.example.com, port: {number: 70000}}');
    expectError(t, 'spec.http[0].route[0].destination.port.number', 'number: 70000', 'port number 70000 must be in the range 1..65535');
  });
  it('subset names are DNS labels; whether a DestinationRule defines one is a compile-time check', () => {
    const t = vs('hosts: [a.example.com]\nhttp:\n- route:\n  - destination: {host: a.example.com, subset: V1}');
    expectError(t, 'spec.http[0].route[0].destination.subset', 'subset: V1', 'subset name is invalid: V1');
    expectValid(vs('hosts: [a.example.com]\nhttp:\n- route:\n  - destination: {host: a.example.com, subset: v1}'));
  });
  it('a StringMatch sets one of exact, prefix, regex', () => {
    const t = vs('hosts: [a.example.com]\nhttp:\n- match:\n  - uri: {exact: /a, prefix: /b}\n  route: [{destination: {host: a.example.com}}]');
    expectError(t, 'spec.http[0].match[0].uri', 'uri:', 'only one of exact, prefix or regex may be set');
  });
  it('regexes must compile and not be empty', () => {
    const t = vs('hosts: [a.example.com]\nhttp:\n- match:\n  - uri: {regex: "a(b"}\n  route: [{destination: {host: a.example.com}}]');
    expectError(t, 'spec.http[0].match[0].uri.regex', 'regex:', '"uri": ');
    const u = vs('hosts: [a.example.com]\nhttp:\n- match:\n  - headers: {x-a: {regex: ""}}\n  route: [{destination: {host: a.example.com}}]');
    expectError(u, 'spec.http[0].match[0].headers.x-a.regex', 'regex:', '"headers": regex string match should not be empty');
  });
  it('regexes RE2 cannot run (lookarounds, backreferences) are rejected', () => {
    const t = vs('hosts: [a.example.com]\nhttp:\n- match:\n  - uri: {regex: "^/(?!admin).*"}\n  route: [{destination: {host: a.example.com}}]');
    expectError(t, 'spec.http[0].match[0].uri.regex', 'regex:', 'lookarounds and backreferences are not supported');
  });
  it('header names cannot be empty', () => {
    const t = vs('hosts: [a.example.com]\nhttp:\n- match:\n  - headers: {"": {exact: x}}\n  route: [{destination: {host: a.example.com}}]');
    expectError(t, 'spec.http[0].match[0].headers', 'headers:', 'header name cannot be empty');
  });
  it('match ports are 1..65535', () => {
    const t = vs('hosts: [a.example.com]\nhttp:\n- match:\n  - port: 0\n  route: [{destination: {host: a.example.com}}]');
    expectError(t, 'spec.http[0].match[0].port', 'port: 0', 'port number 0 must be in the range 1..65535');
  });
  it('§4.5 a wildcard * host is not allowed for the mesh gateway', () => {
    const t = vs('hosts: ["*"]\nhttp:\n- route: [{destination: {host: a.example.com}}]');
    expectError(t, 'spec.hosts[0]', 'hosts:', 'wildcard host * is not allowed for virtual services bound to the mesh gateway');
  });
  it('§4.5 a gateway-only VirtualService may use *, and is warned about as not applying to sidecars', () => {
    const t = vs('hosts: ["*"]\ngateways: [istio-system/ingress]\nhttp:\n- route: [{destination: {host: a.example.com}}]');
    expectWarning(t, 'spec.gateways', 'do not include "mesh"');
  });
  it('duplicate hosts, including wildcard overlaps, are rejected', () => {
    const t = vs('hosts:\n- a.example.com\n- "*.example.com"\nhttp:\n- route: [{destination: {host: a.example.com}}]');
    expectError(t, 'spec.hosts[1]', '"*.example.com"', 'duplicate hosts in virtual service: a.example.com & *.example.com');
  });
  it('hosts are lower-case DNS names; IPs are allowed', () => {
    const t = vs('hosts: [A.example.com]\nhttp:\n- route: [{destination: {host: a.example.com}}]');
    expectError(t, 'spec.hosts[0]', 'hosts:', 'domain name "A.example.com" invalid');
    expectValid(vs('hosts: [10.0.0.1]\nhttp:\n- route: [{destination: {host: a.example.com}}]'));
  });
  it('gateway references are checked', () => {
    const t = vs('hosts: [a.example.com]\ngateways: [ns/Bad]\nhttp:\n- route: [{destination: {host: a.example.com}}]');
    expectError(t, 'spec.gateways[0]', 'gateways:', 'invalid value for gateway name: "Bad"');
  });
  it('a VirtualService without hosts is a delegate, which is not supported: warned, not rejected', () => {
    expectWarning(vs('http:\n- route: [{destination: {host: a.example.com}}]'), 'spec', 'delegate');
  });
  it('wrong types name the field and line', () => {
    const t = vs('hosts: a.example.com\nhttp:\n- route: [{destination: {host: a.example.com}}]');
    expectError(t, 'spec.hosts', 'hosts: a.example.com', 'must be a list, got "a.example.com" (a string)');
  });
  it('a missing spec is an error', () => {
    const t = 'apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n  name: vs\n';
    expectError(t, 'spec', 'apiVersion', 'spec is required', Codes.MissingField);
  });
});

describe('istio validation: fields not supported yet are warned about, never dropped silently', () => {
  const route = (extra: string): string => vs(`hosts: [a.example.com]\nhttp:\n- route: [{destination: {host: a.example.com}}]\n  ${extra}`);
  for (const field of ['mirror: {host: b.example.com}', 'corsPolicy: {allowOrigins: [{exact: x}]}', 'rewrite: {uri: /}', 'headers: {request: {set: {a: b}}}']) {
    const name = field.split(':')[0];
    it(`http[].${name}`, () => expectWarning(route(field), `spec.http[0].${name}`, `${name} is not supported by Ricochet yet`));
  }
  it('a redirect skips the route', () => {
    const t = vs('hosts: [a.example.com]\nhttp:\n- redirect: {uri: /x}');
    expectWarning(t, 'spec.http[0].redirect', 'this http route is skipped');
  });
  it('retries nested in a route destination (istio#52975) gets a targeted hint', () => {
    const t = vs('hosts: [a.example.com]\nhttp:\n- route:\n  - destination: {host: a.example.com}\n    retries: {attempts: 3}');
    expectWarning(t, 'spec.http[0].route[0].retries', 'retries belongs to the http route');
  });
  it('match conditions Ricochet cannot honour say the match becomes broader', () => {
    const t = vs('hosts: [a.example.com]\nhttp:\n- match: [{queryParams: {a: {exact: b}}}]\n  route: [{destination: {host: a.example.com}}]');
    expectWarning(t, 'spec.http[0].match[0].queryParams', 'takes more requests');
  });
  it('unknown spec fields', () => {
    expectWarning(route('fualt: {}'), 'spec.http[0].fualt', 'unknown field "fualt" is ignored');
  });
});

describe('istio validation: ServiceEntry (§4)', () => {
  const ports = (list: string): string => se(`hosts: [a.example.com]\nresolution: DNS\nports:\n${list}`);

  it('port numbers are 1..65535', () => {
    expectError(ports('- {number: 0, name: http, protocol: HTTP}'), 'spec.ports[0].number', 'number: 0', 'port number 0 must be in the range 1..65535');
    expectError(ports('- {number: 65536, name: http, protocol: HTTP}'), 'spec.ports[0].number', 'number: 65536', 'port number 65536');
  });
  it('port numbers must be integers', () => {
    expectError(ports('- {number: "80", name: http, protocol: HTTP}'), 'spec.ports[0].number', 'number: "80"', 'write it unquoted: 80');
  });
  it('port numbers and names must be unique', () => {
    const t = ports('- {number: 80, name: http, protocol: HTTP}\n- {number: 80, name: web, protocol: HTTP}\n- {number: 81, name: http, protocol: HTTP}');
    expectError(t, 'spec.ports[1].number', 'name: web', 'service entry port 80 already defined');
    expectError(t, 'spec.ports[2].name', 'number: 81', 'service entry port name "http" already defined');
  });
  it('port names are required DNS labels', () => {
    expectError(ports('- {number: 80, protocol: HTTP}'), 'spec.ports[0].name', 'number: 80', 'name is required', Codes.MissingField);
    expectError(ports('- {number: 80, name: Web_1, protocol: HTTP}'), 'spec.ports[0].name', 'number: 80', 'invalid port name: Web_1');
  });
  it('protocols are Istio protocol names, case-insensitive', () => {
    expectError(ports('- {number: 80, name: http, protocol: THRIFT}'), 'spec.ports[0].protocol', 'number: 80', 'unsupported protocol: THRIFT');
    expectValid(ports('- {number: 80, name: http, protocol: http2}'));
  });
  it('an unset protocol is warned about and treated as HTTP', () => {
    expectWarning(ports('- {number: 80, name: http}'), 'spec.ports[0].protocol', 'treats port 80 as HTTP');
  });
  it('targetPort is a port number', () => {
    expectError(ports('- {number: 80, name: http, protocol: HTTP, targetPort: 0}'), 'spec.ports[0].targetPort', 'targetPort: 0', 'port number 0');
  });
  it('hosts are required and not *', () => {
    const none = se('ports: [{number: 80, name: http, protocol: HTTP}]');
    expectError(none, 'spec.hosts', 'spec:', 'service entry must have at least one host', Codes.MissingField);
    const empty = se('hosts: []\nports: [{number: 80, name: http, protocol: HTTP}]');
    expectError(empty, 'spec.hosts', 'hosts: []', 'service entry must have at least one host');
    const star = se('hosts: ["*"]\nports: [{number: 80, name: http, protocol: HTTP}]');
    expectError(star, 'spec.hosts[0]', 'hosts:', 'invalid host *');
  });
  it('§4.1 STATIC endpoints need IP addresses', () => {
    const t = httpEntry('resolution: STATIC\nendpoints:\n- address: db.example.com');
    expectError(t, 'spec.endpoints[0].address', 'address: db.example.com', 'endpoint address "db.example.com" is not a valid IP address');
    expectValid(httpEntry('resolution: STATIC\nendpoints:\n- address: 10.0.0.1\n- address: "::1"\n- address: unix:///var/run/app.sock'));
  });
  it('§4.1 STATIC without endpoints is accepted, with a warning', () => {
    expectWarning(httpEntry('resolution: STATIC'), 'spec.resolution', 'nothing to send traffic to', { code: Codes.ReferencedResourceNotFound });
  });
  it('§4.2 DNS resolution without endpoints rejects wildcard hosts; with endpoints they are fine', () => {
    const t = httpEntry('resolution: DNS', '"*.example.com"');
    expectError(t, 'spec.hosts[0]', 'hosts:', 'hosts must be FQDN if no endpoints are provided for resolution mode DNS');
    expectValid(httpEntry('resolution: DNS\nendpoints:\n- address: edge.example.com', '"*.example.com"'));
  });
  it('DNS endpoints are IPs or FQDNs', () => {
    const t = httpEntry('resolution: DNS\nendpoints:\n- address: "bad_name"');
    expectError(t, 'spec.endpoints[0].address', 'address: "bad_name"', 'is not a valid FQDN or an IP address');
  });
  it('DNS_ROUND_ROBIN allows at most one endpoint', () => {
    const t = httpEntry('resolution: DNS_ROUND_ROBIN\nendpoints:\n- address: a.example.com\n- address: b.example.com');
    expectError(t, 'spec.endpoints', 'endpoints:', 'there must only be 0 or 1 endpoint for resolution mode DNS_ROUND_ROBIN');
  });
  it('NONE (the default) takes no endpoints', () => {
    const t = httpEntry('endpoints:\n- address: 10.0.0.1');
    expectError(t, 'spec.endpoints', 'endpoints:', 'no endpoints should be provided for resolution type none');
  });
  it('CIDR addresses only with NONE or STATIC', () => {
    const t = httpEntry('resolution: DNS\naddresses: [10.0.0.0/8]');
    expectError(t, 'spec.addresses[0]', 'addresses:', 'CIDR addresses are allowed only for NONE/STATIC resolution types');
    expectValid(httpEntry('addresses: [10.0.0.0/8, 192.168.1.1, "2001:db8::/32"]'));
  });
  it('addresses are IPs', () => {
    expectError(httpEntry('addresses: [10.0.0.300]'), 'spec.addresses[0]', 'addresses:', '10.0.0.300 is not a valid IP');
  });
  it('several hosts need HTTP or TLS ports unless resolution is NONE', () => {
    const t = se('hosts: [a.example.com, b.example.com]\nresolution: DNS\nports:\n- {number: 80, name: http, protocol: HTTP}\n- {number: 5432, name: pg, protocol: TCP}');
    expectError(t, 'spec.ports[1]', 'number: 5432', 'multiple hosts provided with non-HTTP, non-TLS ports');
    expectValid(se('hosts: [a.example.com, b.example.com]\nports:\n- {number: 5432, name: pg, protocol: TCP}'));
  });
  it('endpoint ports name declared service ports', () => {
    const t = httpEntry('resolution: STATIC\nendpoints:\n- address: 10.0.0.1\n  ports: {grpc: 9090}');
    expectError(t, 'spec.endpoints[0].ports.grpc', 'ports: {grpc: 9090}', 'endpoint port grpc is not defined by the service entry');
  });
  it('endpoint labels are Kubernetes labels', () => {
    const t = httpEntry('resolution: STATIC\nendpoints:\n- address: 10.0.0.1\n  labels: {version: "bad value"}');
    expectError(t, 'spec.endpoints[0].labels.version', 'labels:', 'invalid label value "bad value"');
  });
  it('resolution and location are enums', () => {
    expectError(httpEntry('resolution: dns'), 'spec.resolution', 'resolution: dns', 'unsupported resolution type "dns"');
    expectError(httpEntry('resolution: DYNAMIC_DNS'), 'spec.resolution', 'resolution: DYNAMIC_DNS', 'DYNAMIC_DNS is not supported by Ricochet yet', Codes.UnsupportedField);
    expectError(httpEntry('location: EXTERNAL'), 'spec.location', 'location: EXTERNAL', 'unknown location "EXTERNAL"');
  });
  it('a refused resolution is the one Error: the rest is not checked against a resolution nobody wrote (NONE would refuse endpoints)', () => {
    // §4.1: DYNAMIC_DNS is a real Istio resolution (≥1.28); Ricochet refuses it, and must not then
    // judge endpoints, CIDR addresses or several hosts by NONE's (or any other) rules.
    const text = se('hosts: [a.example.com, b.example.com]\naddresses: [10.0.0.0/24]\nports:\n- {number: 5432, name: pg, protocol: TCP}\nresolution: DYNAMIC_DNS\nendpoints:\n- address: 10.0.0.1');
    const ds = validateOne(text);
    assert.deepEqual(ds.map((d) => `${d.severity} ${d.code} ${d.location?.path}`), ['Error RCO0133 spec.resolution'], ds.map((d) => d.message).join('\n'));
    const unknown = validateOne(httpEntry('resolution: SRV\nendpoints:\n- address: 10.0.0.1'));
    assert.deepEqual(unknown.map((d) => `${d.severity} ${d.code} ${d.location?.path}`), ['Error RCO0106 spec.resolution']);
    // The rules that hold whatever the resolution still apply.
    expectError(httpEntry('resolution: DYNAMIC_DNS\nendpoints:\n- address: "not an address"'), 'spec.endpoints[0].address', 'not an address', 'is not a valid FQDN or an IP address');
  });
  it('workloadSelector and exportTo are warned about', () => {
    expectWarning(httpEntry('exportTo: ["."]'), 'spec.exportTo', 'exportTo is not supported by Ricochet yet');
    expectWarning(httpEntry('workloadSelector: {labels: {app: a}}'), 'spec.workloadSelector', 'workloadSelector is not supported by Ricochet yet');
  });
});
