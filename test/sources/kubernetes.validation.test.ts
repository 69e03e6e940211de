/**
 * Per-object validation of the Kubernetes kinds with the API server's own rules and wording
 * (k8s pkg/apis/core/validation ValidateService / ValidateEndpoints, pkg/apis/discovery/validation
 * ValidateEndpointSlice, apimachinery util/validation): each error's code, field path, line and
 * message. The rules are listed in docs/sources/kubernetes.md (Validation).
 */
import * as assert from 'node:assert/strict';
import { Codes } from '../../src/lib/errors';
import { expectError, expectValid, expectWarning, findAt, validateOne } from './validation';
import { lineOf } from './yaml';

/** A Service `web` in `default` whose spec is the given YAML block (indented by 2). */
function svc(spec: string, metadataExtra = ''): string {
  return `apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: default
${metadataExtra}spec:
${spec.trim().split('\n').map((l) => `  ${l}`).join('\n')}
`;
}

function endpoints(body: string): string {
  return `apiVersion: v1
kind: Endpoints
metadata:
  name: web
  namespace: default
${body.trim()}
`;
}

function slice(body: string): string {
  return `apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: web-abc
  namespace: default
  labels: {kubernetes.io/service-name: web}
${body.trim()}
`;
}

function pod(body: string): string {
  return `apiVersion: v1
kind: Pod
${body.trim()}
`;
}

const HTTP_PORT = 'ports:\n- {name: http, port: 80}';

describe('kubernetes validation: Service ports (ValidateService, validateServicePort)', () => {
  it('ports are required for a ClusterIP Service', () => {
    const t = svc('selector: {app: web}');
    const d = expectError(t, 'spec.ports', 'spec:', 'Required value', Codes.MissingField);
    assert.equal(d.message, 'Required value');
    assert.deepEqual(d.object, { kind: 'Service', namespace: 'default', name: 'web' });
  });
  it('an empty ports list is refused too', () => {
    expectError(svc('ports: []'), 'spec.ports', 'ports: []', 'Required value', Codes.MissingField);
  });
  it('ports are optional for ExternalName and headless Services', () => {
    expectValid(svc('type: ExternalName\nexternalName: example.com'));
    expectValid(svc('clusterIP: None\nselector: {app: web}'));
  });
  it('port must be 1..65535, in the API server\'s words', () => {
    const d = expectError(svc('ports:\n- {name: http, port: 70000}'), 'spec.ports[0].port', 'port: 70000', 'Invalid value');
    assert.equal(d.message, 'Invalid value: 70000: must be between 1 and 65535, inclusive');
    expectError(svc('ports:\n- {name: http, port: 0}'), 'spec.ports[0].port', 'port: 0', 'Invalid value: 0: must be between 1 and 65535, inclusive');
  });
  it('port is required', () => {
    expectError(svc('ports:\n- name: http\n  targetPort: 8080'), 'spec.ports[0].port', '- name: http', 'Required value', Codes.MissingField);
  });
  it('a port number written as a string is refused with a hint', () => {
    expectError(svc('ports:\n- {name: http, port: "80"}'), 'spec.ports[0].port', 'port: "80"', 'write it unquoted: 80');
  });
  it('port names are DNS-1123 labels', () => {
    const d = expectError(svc('ports:\n- {name: HTTP_Web, port: 80}'), 'spec.ports[0].name', 'HTTP_Web', 'Invalid value: "HTTP_Web": a lowercase RFC 1123 label must consist of');
    assert.match(d.message, /regex used for validation is '\[a-z0-9\]\(\[-a-z0-9\]\*\[a-z0-9\]\)\?'/);
  });
  it('port names are required when there is more than one port', () => {
    const t = svc('ports:\n- {name: http, port: 80}\n- {port: 8080}');
    expectError(t, 'spec.ports[1].name', 'port: 8080', 'Required value', Codes.MissingField);
  });
  it('one unnamed port is fine', () => {
    expectValid(svc('ports:\n- port: 80\n  targetPort: 8080'));
  });
  it('port names are unique', () => {
    const t = svc('ports:\n- {name: http, port: 80}\n- {name: http, port: 8080}');
    expectError(t, 'spec.ports[1].name', 'port: 8080', 'Duplicate value: "http"');
  });
  it('two ports with one (port, protocol) pair are refused; the same number over UDP is fine', () => {
    expectError(svc('ports:\n- {name: a, port: 53}\n- {name: b, port: 53}'), 'spec.ports[1]', 'name: b', 'Duplicate value: "53/TCP"');
    expectValid(svc('ports:\n- {name: a, port: 53}\n- {name: b, port: 53, protocol: UDP}'));
  });
  it('protocol is TCP, UDP or SCTP, case-sensitive', () => {
    const d = expectError(svc('ports:\n- {name: http, port: 80, protocol: tcp}'), 'spec.ports[0].protocol', 'protocol: tcp', 'Unsupported value');
    assert.equal(d.message, 'Unsupported value: "tcp": supported values: "SCTP", "TCP", "UDP"');
  });
  it('targetPort as a number is 1..65535', () => {
    expectError(svc('ports:\n- {name: http, port: 80, targetPort: 70000}'), 'spec.ports[0].targetPort', 'targetPort: 70000', 'Invalid value: 70000: must be between 1 and 65535, inclusive');
  });
  it('targetPort 0 means "same as port" (API defaulting), not an error', () => {
    expectValid(svc('ports:\n- {name: http, port: 80, targetPort: 0}'));
  });
  it('targetPort as a name is an IANA_SVC_NAME', () => {
    expectValid(svc('ports:\n- {name: http, port: 80, targetPort: http-web}'));
    expectError(svc('ports:\n- {name: http, port: 80, targetPort: web_port}'), 'spec.ports[0].targetPort', 'web_port',
      'Invalid value: "web_port": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)');
    expectError(svc('ports:\n- {name: http, port: 80, targetPort: a-very-long-port-name}'), 'spec.ports[0].targetPort', 'a-very-long',
      'must be no more than 15 characters');
    expectError(svc('ports:\n- {name: http, port: 80, targetPort: "8080"}'), 'spec.ports[0].targetPort', '"8080"',
      'Invalid value: "8080": must contain at least one letter (a-z)');
    expectError(svc('ports:\n- {name: http, port: 80, targetPort: web--x}'), 'spec.ports[0].targetPort', 'web--x', 'must not contain consecutive hyphens');
    expectError(svc('ports:\n- {name: http, port: 80, targetPort: web-}'), 'spec.ports[0].targetPort', 'web-}', 'must not begin or end with a hyphen');
  });
  it('appProtocol is a qualified name', () => {
    expectValid(svc('ports:\n- {name: api, port: 80, appProtocol: kubernetes.io/h2c}'));
    expectError(svc('ports:\n- {name: api, port: 80, appProtocol: "h2 c"}'), 'spec.ports[0].appProtocol', 'h2 c', 'name part must consist of alphanumeric characters');
  });
});

describe('kubernetes validation: Service type, selector, externalName', () => {
  it('type is one of ClusterIP, ExternalName, LoadBalancer, NodePort', () => {
    const d = expectError(svc(`type: Internal\n${HTTP_PORT}`), 'spec.type', 'type: Internal', 'Unsupported value');
    assert.equal(d.message, 'Unsupported value: "Internal": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"');
    for (const type of ['ClusterIP', 'NodePort', 'LoadBalancer']) expectValid(svc(`type: ${type}\n${HTTP_PORT}`));
  });
  it('selector is a string map', () => {
    expectError(svc(`selector: [app]\n${HTTP_PORT}`), 'spec.selector', 'selector: [app]', 'must be a mapping');
    expectError(svc(`selector: {app: 3}\n${HTTP_PORT}`), 'spec.selector.app', 'app: 3', 'must be a string');
  });
  it('selector keys and values follow the label rules', () => {
    expectError(svc(`selector: {app: "a b"}\n${HTTP_PORT}`), 'spec.selector.app', 'a b', 'Invalid value: "a b": a valid label must be an empty string or consist of');
    expectError(svc(`selector: {"-app": web}\n${HTTP_PORT}`), 'spec.selector.-app', '-app', 'name part must consist of');
  });
  it('ExternalName needs externalName (reported at spec, where it is missing)', () => {
    expectError(svc('type: ExternalName'), 'spec.externalName', 'spec:', 'Required value', Codes.MissingField);
  });
  it('externalName is a DNS-1123 subdomain, a trailing dot allowed', () => {
    expectValid(svc('type: ExternalName\nexternalName: httpbin.org.'));
    expectError(svc('type: ExternalName\nexternalName: Not_A_Host'), 'spec.externalName', 'Not_A_Host', 'Invalid value: "Not_A_Host": a lowercase RFC 1123 subdomain must consist of');
  });
  it('clusterIP is None, empty or an IP', () => {
    expectValid(svc(`clusterIP: 10.96.0.10\n${HTTP_PORT}`));
    expectError(svc(`clusterIP: ten\n${HTTP_PORT}`), 'spec.clusterIP', 'clusterIP: ten', "must be empty, 'None', or a valid IP address");
  });
  it('metadata.labels follow the label rules', () => {
    expectError(svc(HTTP_PORT, '  labels: {app: "web server"}\n'), 'metadata.labels.app', 'web server', 'a valid label must be');
  });
});

describe('kubernetes validation: what a Service may say that Ricochet does not do', () => {
  it('standard ServiceSpec fields are accepted without a word', () => {
    const ds = expectValid(svc(`${HTTP_PORT}
clusterIP: 10.96.0.10
clusterIPs: [10.96.0.10]
ipFamilies: [IPv4]
ipFamilyPolicy: SingleStack
externalTrafficPolicy: Cluster
sessionAffinity: None
publishNotReadyAddresses: false
selector: {app: web}`));
    assert.deepEqual(ds, []);
  });
  it('an unknown spec field is a warning naming what is ignored', () => {
    const t = svc(`${HTTP_PORT}\nretries: 3`);
    const d = findAt(validateOne(t), 'spec.retries');
    assert.equal(d.severity, 'Warning');
    assert.equal(d.code, Codes.UnsupportedField);
    assert.equal(d.location?.line, lineOf(t, 'retries: 3'));
    assert.match(d.message, /unknown field "retries" is ignored/);
  });
  it('an unknown port field is a warning', () => {
    const d = findAt(validateOne(svc('ports:\n- {name: http, port: 80, retries: 3}')), 'spec.ports[0].retries');
    assert.equal(d.severity, 'Warning');
  });
  it('sessionAffinity ClientIP is accepted with an Info: Envoy balances per request', () => {
    const d = findAt(expectValid(svc(`${HTTP_PORT}\nsessionAffinity: ClientIP`)), 'spec.sessionAffinity');
    assert.equal(d.severity, 'Info');
    assert.match(d.message, /not applied/);
  });
  it('sessionAffinity is None or ClientIP', () => {
    expectError(svc(`${HTTP_PORT}\nsessionAffinity: Cookie`), 'spec.sessionAffinity', 'Cookie', 'Unsupported value: "Cookie": supported values: "ClientIP", "None"');
  });
  it('a port whose protocol Istio would sniff gets an Info saying Ricochet treats it as HTTP', () => {
    const t = svc('ports:\n- {name: web, port: 8080}');
    const d = findAt(expectValid(t), 'spec.ports[0]');
    assert.equal(d.severity, 'Info');
    assert.match(d.message, /port 8080: .*Istio would sniff it, Ricochet treats it as HTTP/);
  });
  it('an appProtocol Istio does not know gets the Info on appProtocol', () => {
    const d = findAt(expectValid(svc('ports:\n- {name: http, port: 80, appProtocol: example.com/custom}')), 'spec.ports[0].appProtocol');
    assert.equal(d.severity, 'Info');
    assert.match(d.message, /appProtocol "example.com\/custom" names no protocol Istio knows/);
  });
  it('named or appProtocol-typed ports get no Info', () => {
    assert.deepEqual(expectValid(svc('ports:\n- {name: http-web, port: 80}\n- {name: b, port: 81, appProtocol: grpc}')), []);
  });
  it('an SCTP port is accepted and left out, with an Info', () => {
    const d = findAt(expectValid(svc('ports:\n- {name: sig, port: 3868, protocol: SCTP}')), 'spec.ports[0].protocol');
    assert.equal(d.severity, 'Info');
    assert.match(d.message, /SCTP port 3868 .* left out/);
  });
});

describe('kubernetes validation: Endpoints (ValidateEndpoints)', () => {
  const good = (extra = ''): string => endpoints(`subsets:\n- addresses:\n  - ip: 10.0.0.1\n${extra}  ports:\n  - {name: http, port: 8080}`);

  it('a plain Endpoints object is valid, and 127.0.0.1 is accepted (proxies and upstreams share a host)', () => {
    assert.deepEqual(expectValid(good()), []);
    expectValid(endpoints('subsets:\n- addresses:\n  - ip: 127.0.0.1\n  ports:\n  - port: 8080'));
  });
  it('ip must be a valid IP address', () => {
    const t = endpoints('subsets:\n- addresses:\n  - ip: 10.0.0.300\n  ports:\n  - port: 8080');
    const d = expectError(t, 'subsets[0].addresses[0].ip', '10.0.0.300', 'Invalid value');
    assert.equal(d.message, 'Invalid value: "10.0.0.300": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)');
    assert.deepEqual(d.object, { kind: 'Endpoints', namespace: 'default', name: 'web' });
  });
  it('ip is required', () => {
    expectError(endpoints('subsets:\n- addresses:\n  - hostname: web-0\n  ports:\n  - port: 8080'), 'subsets[0].addresses[0].ip', 'hostname: web-0', 'Required value', Codes.MissingField);
  });
  it('unspecified and link-local addresses are refused, as the API server does', () => {
    expectError(endpoints('subsets:\n- addresses:\n  - ip: 0.0.0.0'), 'subsets[0].addresses[0].ip', '0.0.0.0', 'may not be unspecified');
    expectError(endpoints('subsets:\n- notReadyAddresses:\n  - ip: 169.254.1.1'), 'subsets[0].notReadyAddresses[0].ip', '169.254.1.1', 'may not be in the link-local range');
  });
  it('a subset needs addresses or notReadyAddresses', () => {
    const t = endpoints('subsets:\n- ports:\n  - port: 8080');
    expectError(t, 'subsets[0]', '- ports:', 'Required value: must specify `addresses` or `notReadyAddresses`', Codes.MissingField);
  });
  it('ports are 1..65535 and required', () => {
    expectError(endpoints('subsets:\n- addresses: [{ip: 10.0.0.1}]\n  ports:\n  - {name: http, port: 0}'), 'subsets[0].ports[0].port', 'port: 0', 'Invalid value: 0: must be between 1 and 65535, inclusive');
    expectError(endpoints('subsets:\n- addresses: [{ip: 10.0.0.1}]\n  ports:\n  - {name: http}'), 'subsets[0].ports[0].port', 'name: http', 'Required value', Codes.MissingField);
  });
  it('port names are required when there is more than one, and DNS-1123 labels', () => {
    expectError(endpoints('subsets:\n- addresses: [{ip: 10.0.0.1}]\n  ports:\n  - {name: http, port: 80}\n  - {port: 81}'), 'subsets[0].ports[1].name', 'port: 81', 'Required value', Codes.MissingField);
    expectError(endpoints('subsets:\n- addresses: [{ip: 10.0.0.1}]\n  ports:\n  - {name: Http, port: 80}'), 'subsets[0].ports[0].name', 'Http', 'a lowercase RFC 1123 label');
  });
  it('port protocol is TCP, UDP or SCTP', () => {
    expectError(endpoints('subsets:\n- addresses: [{ip: 10.0.0.1}]\n  ports:\n  - {port: 80, protocol: HTTP}'), 'subsets[0].ports[0].protocol', 'protocol: HTTP', 'Unsupported value: "HTTP"');
  });
  it('hostname is a DNS-1123 label', () => {
    expectError(endpoints('subsets:\n- addresses:\n  - {ip: 10.0.0.1, hostname: Web.0}'), 'subsets[0].addresses[0].hostname', 'Web.0', 'a lowercase RFC 1123 label');
  });
  it('targetRef is an ObjectReference: its fields are accepted (uid unused), a misspelt one is warned about', () => {
    // A typo such as `nmae` would otherwise leave the endpoint without its Pod's labels, silently.
    assert.deepEqual(expectValid(good('  - ip: 10.0.0.2\n    targetRef: {kind: Pod, name: web-0, namespace: default, uid: u-1, resourceVersion: "7", apiVersion: v1, fieldPath: x}\n')), []);
    const t = endpoints('subsets:\n- notReadyAddresses:\n  - ip: 10.0.0.1\n    targetRef: {kind: Pod, nmae: web-0}');
    expectWarning(t, 'subsets[0].notReadyAddresses[0].targetRef.nmae', 'unknown field "nmae" is ignored; accepted here: kind, namespace, name, uid', { marker: 'nmae' });
  });
  it('`spec:` on Endpoints is the usual slip: a warning says subsets go at the top level', () => {
    const t = `${good()}\nspec: {}`;
    const d = findAt(validateOne(t), 'spec');
    assert.equal(d.severity, 'Warning');
    assert.match(d.message, /subsets go at the top level/);
  });
});

describe('kubernetes validation: EndpointSlice (ValidateEndpointSlice)', () => {
  it('a plain slice is valid', () => {
    assert.deepEqual(expectValid(slice('addressType: IPv4\nports:\n- {name: http, port: 8080}\nendpoints:\n- addresses: [10.0.0.1]\n  conditions: {ready: true}')), []);
  });
  it('addressType is required (reported at the object, where it is missing)', () => {
    expectError(slice('endpoints:\n- addresses: [10.0.0.1]'), 'addressType', 'apiVersion:', 'Required value', Codes.MissingField);
  });
  it('addressType is IPv4, IPv6 or FQDN', () => {
    const d = expectError(slice('addressType: IPv5\nendpoints: []'), 'addressType', 'IPv5', 'Unsupported value');
    assert.equal(d.message, 'Unsupported value: "IPv5": supported values: "FQDN", "IPv4", "IPv6"');
  });
  it('an endpoint has 1 to 100 addresses', () => {
    expectError(slice('addressType: IPv4\nendpoints:\n- addresses: []'), 'endpoints[0].addresses', 'addresses: []', 'Required value: must contain at least 1 address', Codes.MissingField);
    const many = Array.from({ length: 101 }, (_, i) => `10.0.${Math.floor(i / 200)}.${(i % 200) + 1}`).join(', ');
    expectError(slice(`addressType: IPv4\nendpoints:\n- addresses: [${many}]`), 'endpoints[0].addresses', '- addresses:', 'Too many: 101: must have at most 100 items');
  });
  it('addresses match the address type', () => {
    expectError(slice('addressType: IPv4\nendpoints:\n- addresses: ["fd00::1"]'), 'endpoints[0].addresses[0]', 'fd00::1', 'Invalid value: "fd00::1": must be a valid IPv4 address');
    expectError(slice('addressType: IPv6\nendpoints:\n- addresses: [10.0.0.1]'), 'endpoints[0].addresses[0]', '10.0.0.1', 'must be a valid IPv6 address');
    expectError(slice('addressType: FQDN\nendpoints:\n- addresses: [Bad_Name]'), 'endpoints[0].addresses[0]', 'Bad_Name', 'a lowercase RFC 1123 subdomain');
    expectValid(slice('addressType: IPv6\nendpoints:\n- addresses: ["fd00::1"]'));
  });
  it('port names are DNS-1123 labels and unique; numbers 1..65535; protocol TCP/UDP/SCTP', () => {
    expectError(slice('addressType: IPv4\nports:\n- {name: http, port: 80}\n- {name: http, port: 81}\nendpoints: []'), 'ports[1].name', 'port: 81', 'Duplicate value: "http"');
    expectError(slice('addressType: IPv4\nports:\n- {name: http, port: 70000}\nendpoints: []'), 'ports[0].port', '70000', 'must be between 1 and 65535, inclusive');
    expectError(slice('addressType: IPv4\nports:\n- {name: http, protocol: QUIC}\nendpoints: []'), 'ports[0].protocol', 'QUIC', 'Unsupported value: "QUIC"');
  });
  it('a port without a number is valid ("all ports")', () => {
    expectValid(slice('addressType: IPv4\nports:\n- {name: http}\nendpoints: []'));
  });
  it('targetRef field names are checked (an ObjectReference)', () => {
    const t = slice('addressType: IPv4\nendpoints:\n- addresses: [10.0.0.1]\n  targetRef: {kind: Pod, name: web-0, namspace: prod}');
    expectWarning(t, 'endpoints[0].targetRef.namspace', 'unknown field "namspace" is ignored', { marker: 'namspace' });
  });
  it('conditions are booleans', () => {
    expectError(slice('addressType: IPv4\nendpoints:\n- addresses: [10.0.0.1]\n  conditions: {ready: "yes"}'), 'endpoints[0].conditions.ready', 'ready: "yes"', 'must be true or false');
  });
});

describe('kubernetes validation: Pod (labels and IPs only)', () => {
  it('a whole Pod with spec and status is accepted without a word', () => {
    assert.deepEqual(expectValid(pod(`metadata:
  name: web-0
  namespace: default
  labels: {app: web, version: v1}
spec:
  containers:
  - name: web
    image: nginx
    ports: [{containerPort: 80, name: http}]
  nodeName: node-1
status:
  phase: Running
  podIP: 10.0.0.1
  podIPs: [{ip: 10.0.0.1}, {ip: "fd00::1"}]`)), []);
  });
  it('labels are valid label keys and values', () => {
    const t = pod('metadata:\n  name: web-0\n  labels: {"version": "v1 beta"}');
    expectError(t, 'metadata.labels.version', 'v1 beta', 'Invalid value: "v1 beta": a valid label must be');
  });
  it('status field names are PodStatus\'s: a misspelt podIP is warned about, not silently unread', () => {
    expectWarning(pod('metadata: {name: web-0}\nstatus: {podIp: 10.0.0.1}'), 'status.podIp', 'unknown field "podIp" is ignored; accepted here: podIP, podIPs', { marker: 'podIp' });
    expectWarning(pod('metadata: {name: web-0}\nstatus:\n  podIPs: [{address: 10.0.0.1}]'), 'status.podIPs[0].address', 'accepted here: ip', { marker: 'address' });
  });
  it('podIP and podIPs are IPs', () => {
    expectError(pod('metadata: {name: web-0}\nstatus: {podIP: pod-ip}'), 'status.podIP', 'pod-ip', 'must be a valid IP address');
    expectError(pod('metadata: {name: web-0}\nstatus:\n  podIPs: [{ip: "10.0.0.x"}]'), 'status.podIPs[0].ip', '10.0.0.x', 'must be a valid IP address');
  });
});
