/**
 * Per-object validation of Kuma's legacy `Retry` and `MeshRetry` with Kuma's own rules and
 * messages: each error's code, field path and line, in both dialects. Sections refer to
 * spec/sources-kuma-fsm.md.
 */
import * as assert from 'node:assert/strict';
import { Codes, type Diagnostic } from '../../src/lib/errors';
import { parseDocuments } from '../../src/sources/document';
import { readObjects } from '../../src/sources';
import { errorsOf, expectError as expectOneError, expectValid, expectWarning, findAt, validateOne } from './validation';
import { lineOf } from './yaml';
import { k8sMeshRetry, k8sRetry, toBackend, uniMeshRetry, uniRetry, webToBackend } from './kumaYaml';

/** One Error at `path` (see expectError in ./validation) whose message starts with `message`: Kuma's are fixed texts. */
function expectError(text: string, path: string, marker: string, message: string, code: string = Codes.SchemaValidation): Diagnostic {
  const d = expectOneError(text, path, marker, message, code);
  assert.ok(d.message.startsWith(message), `message ${JSON.stringify(d.message)} should start with ${JSON.stringify(message)}`);
  return d;
}

describe('kuma validation: legacy Retry (§1.1.1)', () => {
  const S = 'spec';

  it('the docs example (Kubernetes tab) is valid, and the Kubernetes Retry is cluster-scoped', () => {
    const text = k8sRetry(webToBackend('http: {numRetries: 5}'), 'r', '');
    expectValid(text);
    const read = readObjects(parseDocuments('input.yaml', text.replace('metadata:\n  name: r', 'metadata:\n  name: r\n  namespace: ignored')).documents);
    assert.equal(read.objects[0].namespace, '', 'a namespace written on a cluster-scoped object is ignored');
  });
  it('sources: at least one element', () => {
    const t = k8sRetry(`destinations:\n- match:\n    kuma.io/service: backend\nconf:\n  tcp: {maxConnectAttempts: 1}`);
    expectError(t, `${S}.sources`, 'spec:', 'must have at least one element');
  });
  it('sources: an entry needs a tag, and kuma.io/service', () => {
    const empty = k8sRetry(webToBackend('tcp: {maxConnectAttempts: 1}').replace('- match:\n    kuma.io/service: web', '- match: {}'));
    expectError(empty, `${S}.sources[0].match`, 'match: {}', 'must have at least one tag');
    const noService = k8sRetry(webToBackend('tcp: {maxConnectAttempts: 1}').replace('kuma.io/service: web', 'version: v1'));
    expectError(noService, `${S}.sources[0].match`, '- match:', 'mandatory tag "kuma.io/service" is missing');
  });
  it('sources: tag values must not be empty; `*` is allowed', () => {
    const t = k8sRetry(webToBackend('tcp: {maxConnectAttempts: 1}').replace('kuma.io/service: web', 'kuma.io/service: web\n    version: ""'));
    expectError(t, `${S}.sources[0].match.version`, 'version: ""', 'tag value must be non-empty');
    expectValid(k8sRetry(webToBackend('tcp: {maxConnectAttempts: 1}').replace('kuma.io/service: web', "kuma.io/service: '*'")));
  });
  it('destinations: exactly one tag, kuma.io/service', () => {
    const t = k8sRetry(webToBackend('tcp: {maxConnectAttempts: 1}').replace('kuma.io/service: backend', 'kuma.io/service: backend\n    region: eu'));
    const ds = errorsOf(validateOne(t));
    assert.ok(ds.some((d) => d.location?.path === `${S}.destinations[0].match` && d.message === 'must consist of exactly one tag "kuma.io/service"'));
    expectError(t, `${S}.destinations[0].match.region`, 'region: eu', 'tag "region" is not allowed');
  });
  it('conf: required, and one of http, grpc, tcp', () => {
    const none = k8sRetry(webToBackend('{}').replace('conf:\n  {}', ''));
    expectError(none, `${S}.conf`, 'spec:', 'has to be defined');
    const empty = k8sRetry(webToBackend('{}').replace('conf:\n  {}', 'conf: {}'));
    expectError(empty, `${S}.conf`, 'conf: {}', 'missing protocol [grpc|http|tcp] configuration');
  });
  it('http: {} and grpc: {} are "field cannot be empty"', () => {
    expectError(k8sRetry(webToBackend('http: {}')), `${S}.conf.http`, 'http: {}', 'field cannot be empty');
    expectError(k8sRetry(webToBackend('grpc: {}')), `${S}.conf.grpc`, 'grpc: {}', 'field cannot be empty');
  });
  it('numRetries and perTryTimeout must be > 0 when defined', () => {
    expectError(k8sRetry(webToBackend('http:\n  numRetries: 0')), `${S}.conf.http.numRetries`, 'numRetries: 0', 'has to be greater than 0 when defined');
    expectError(k8sRetry(webToBackend('grpc:\n  perTryTimeout: 0s')), `${S}.conf.grpc.perTryTimeout`, 'perTryTimeout: 0s', 'has to be greater than 0 when defined');
  });
  it('durations are Go-style: 30000000ns, 0.0005m, 1.2s are accepted; others are not', () => {
    expectValid(k8sRetry(webToBackend('http:\n  perTryTimeout: 30000000ns\n  backOff: {baseInterval: 0.0005m, maxInterval: 1.2s}')));
    expectError(k8sRetry(webToBackend('http:\n  perTryTimeout: 2x')), `${S}.conf.http.perTryTimeout`, 'perTryTimeout: 2x', 'invalid duration "2x"');
  });
  it('backOff: baseInterval is required and > 0', () => {
    expectError(k8sRetry(webToBackend('http:\n  backOff:\n    maxInterval: 1s')), `${S}.conf.http.backOff.baseInterval`, 'backOff:', 'has to be defined');
    expectError(k8sRetry(webToBackend('http:\n  backOff:\n    baseInterval: 0s')), `${S}.conf.http.backOff.baseInterval`, 'baseInterval: 0s', 'has to be greater than 0');
  });
  it('backOff: maxInterval below baseInterval is an error (Envoy would NACK; Kuma does not check, §5 item 11)', () => {
    expectError(k8sRetry(webToBackend('http:\n  backOff:\n    baseInterval: 1s\n    maxInterval: 500ms')), `${S}.conf.http.backOff.maxInterval`, 'maxInterval: 500ms', 'has to be greater than or equal to baseInterval');
    expectValid(k8sRetry(webToBackend('http:\n  backOff:\n    baseInterval: 1s\n    maxInterval: 1s')));
  });
  it('retriableMethods: NONE is "field cannot be empty"; unknown methods are errors', () => {
    expectError(k8sRetry(webToBackend('http:\n  retriableMethods: [GET, NONE]')), `${S}.conf.http.retriableMethods[1]`, 'retriableMethods', 'field cannot be empty');
    expectError(k8sRetry(webToBackend('http:\n  retriableMethods: [FETCH]')), `${S}.conf.http.retriableMethods[0]`, 'retriableMethods', 'unknown value "FETCH"');
  });
  it('retryOn: retriable_status_codes without retriableStatusCodes (absent or []) is rejected at the item', () => {
    const t = k8sRetry(webToBackend('http:\n  retryOn:\n  - all_5xx\n  - retriable_status_codes'));
    expectError(t, `${S}.conf.http.retryOn[1]`, '- retriable_status_codes', 'retriableStatusCodes cannot be empty when this option is specified');
    const emptyList = k8sRetry(webToBackend('http:\n  retriableStatusCodes: []\n  retryOn:\n  - retriable_status_codes'));
    expectError(emptyList, `${S}.conf.http.retryOn[0]`, '- retriable_status_codes', 'retriableStatusCodes cannot be empty when this option is specified');
    expectValid(k8sRetry(webToBackend('http:\n  retriableStatusCodes: [503]\n  retryOn:\n  - retriable_status_codes')));
  });
  it('retryOn: values outside the enum are errors', () => {
    expectError(k8sRetry(webToBackend('http:\n  retryOn: [5xx]')), `${S}.conf.http.retryOn[0]`, 'retryOn', 'unknown value "5xx"; accepted: all_5xx');
  });
  it('grpc.retryOn: one violation per repeated value, sorted by value', () => {
    const t = k8sRetry(webToBackend('grpc:\n  retryOn: [unavailable, cancelled, unavailable, cancelled, cancelled]'));
    const ds = errorsOf(validateOne(t)).filter((d) => d.location?.path === `${S}.conf.grpc.retryOn`);
    assert.deepEqual(ds.map((d) => d.message), ['repeated value "cancelled" at indexes [1, 3, 4]', 'repeated value "unavailable" at indexes [0, 2]']);
    assert.equal(ds[0].location?.line, lineOf(t, 'retryOn'));
  });
  it('tcp.maxConnectAttempts must be > 0; the docs\' maxConnectAmount gets a hint', () => {
    expectError(k8sRetry(webToBackend('tcp:\n  maxConnectAttempts: 0')), `${S}.conf.tcp.maxConnectAttempts`, 'maxConnectAttempts: 0', 'has to be greater than 0');
    const typo = k8sRetry(webToBackend('tcp:\n  maxConnectAmount: 3'));
    const hint = findAt(validateOne(typo), `${S}.conf.tcp.maxConnectAmount`);
    assert.equal(hint.severity, 'Warning');
    assert.match(hint.message, /the field is maxConnectAttempts/);
    expectError(typo, `${S}.conf.tcp.maxConnectAttempts`, 'tcp:', 'has to be greater than 0');
  });
});

describe('kuma validation: legacy Retry, universal dialect (§1.1)', () => {
  it('the same rules at top-level paths', () => {
    const t = uniRetry(webToBackend('http:\n  numRetries: 0'));
    expectError(t, 'conf.http.numRetries', 'numRetries: 0', 'has to be greater than 0 when defined');
    const noSources = uniRetry('destinations:\n- match:\n    kuma.io/service: backend\nconf:\n  tcp: {maxConnectAttempts: 2}');
    expectError(noSources, 'sources', 'type: Retry', 'must have at least one element');
  });
  it('a `spec:` block in universal is flagged (its fields belong at the top)', () => {
    const t = `type: Retry\nname: r\nmesh: default\nspec:\n${webToBackend('tcp: {maxConnectAttempts: 1}').split('\n').map((l) => `  ${l}`).join('\n')}\n`;
    const ds = validateOne(t);
    assert.match(findAt(ds, 'spec').message, /universal \(kumactl\) form has no spec/);
    assert.ok(errorsOf(ds).some((d) => d.location?.path === 'sources'));
  });
  it('universal objects are namespace-less kuma.io/v1alpha1 Retry objects', () => {
    const read = readObjects(parseDocuments('input.yaml', uniRetry(webToBackend('tcp: {maxConnectAttempts: 1}'))).documents);
    assert.equal(read.objects.length, 1);
    const o = read.objects[0];
    assert.deepEqual([o.apiVersion, o.kind, o.namespace, o.name], ['kuma.io/v1alpha1', 'Retry', '', 'r']);
  });
});

describe('kuma validation: MeshRetry (§1.2.2)', () => {
  const TO = 'spec.to[0]';
  const D = `${TO}.default`;

  it('the docs examples are valid (HTTP, gRPC, TCP)', () => {
    expectValid(k8sMeshRetry(toBackend('http:\n  numRetries: 10\n  backOff:\n    baseInterval: 15s\n    maxInterval: 20m\n  retryOn:\n    - "5xx"', 'targetRef:\n  kind: MeshService\n  name: web')));
    expectValid(uniMeshRetry(toBackend('grpc:\n  numRetries: 5\n  backOff: {baseInterval: 5s, maxInterval: 1m}\n  retryOn: ["DeadlineExceeded"]')));
    expectValid(uniMeshRetry(toBackend('tcp:\n  maxConnectAttempt: 5')));
  });
  it('default needs one of tcp, http, grpc', () => {
    const t = k8sMeshRetry(toBackend('{}'));
    expectError(t, `${D}.conf`, 'default:', "at least one of the 'tcp', 'http', 'grpc' must be specified");
  });
  it('empty sections are "must not be empty"; maxConnectAttempt 0 is rejected', () => {
    expectError(k8sMeshRetry(toBackend('tcp: {}')), `${D}.tcp`, 'tcp: {}', 'must not be empty');
    expectError(k8sMeshRetry(toBackend('http: {}')), `${D}.http`, 'http: {}', 'must not be empty');
    expectError(k8sMeshRetry(toBackend('grpc: {}')), `${D}.grpc`, 'grpc: {}', 'must not be empty');
    expectError(k8sMeshRetry(toBackend('tcp:\n  maxConnectAttempt: 0')), `${D}.tcp.maxConnectAttempt`, 'maxConnectAttempt: 0', 'must be greater than 0');
  });
  it('numRetries is not validated: 0 is accepted (it turns retries off)', () => {
    expectValid(k8sMeshRetry(toBackend('http:\n  numRetries: 0')));
  });
  it('backOff: {} is "must not be empty"; max below base (or below the 25ms default base) is an error', () => {
    expectError(k8sMeshRetry(toBackend('http:\n  backOff: {}')), `${D}.http.backOff`, 'backOff: {}', 'must not be empty');
    expectError(k8sMeshRetry(toBackend('http:\n  backOff: {baseInterval: 2s, maxInterval: 1s}')), `${D}.http.backOff.maxInterval`, 'backOff:', 'must be greater than or equal to baseInterval');
    expectError(k8sMeshRetry(toBackend('http:\n  backOff: {maxInterval: 10ms}')), `${D}.http.backOff.maxInterval`, 'backOff:', 'must be greater than or equal to the default baseInterval of 25ms');
    expectValid(k8sMeshRetry(toBackend('http:\n  backOff: {maxInterval: 1s}')));
  });
  it('rateLimitedBackOff: resetHeaders must be defined, names too; maxInterval > 0', () => {
    expectError(k8sMeshRetry(toBackend('http:\n  rateLimitedBackOff: {}')), `${D}.http.rateLimitedBackOff.resetHeaders`, 'rateLimitedBackOff', 'must be defined');
    expectError(k8sMeshRetry(toBackend('http:\n  rateLimitedBackOff:\n    resetHeaders:\n    - name: ""')), `${D}.http.rateLimitedBackOff.resetHeaders[0].name`, 'name: ""', 'must be defined');
    expectError(k8sMeshRetry(toBackend('grpc:\n  rateLimitedBackOff:\n    maxInterval: 0s\n    resetHeaders: [{name: retry-after}]')), `${D}.grpc.rateLimitedBackOff.maxInterval`, 'maxInterval: 0s', 'must be greater than 0');
    expectError(k8sMeshRetry(toBackend('http:\n  rateLimitedBackOff:\n    resetHeaders: []')), `${D}.http.rateLimitedBackOff.resetHeaders`, 'resetHeaders: []', 'must have at least one entry');
  });
  it('http.retryOn: enum items, HttpMethod*, or a code Go knows; 5XX, 499, 952 are unknown items', () => {
    const t = k8sMeshRetry(toBackend('http:\n  retryOn: ["5XX", "499", "952", "500", "409", HttpMethodGet, GatewayError]'));
    const ds = errorsOf(validateOne(t));
    assert.deepEqual(ds.map((d) => [d.location?.path, d.message]), [
      [`${D}.http.retryOn[0]`, "unknown item '5XX' (items are case-sensitive: write 5xx)"],
      [`${D}.http.retryOn[1]`, "unknown item '499'"],
      [`${D}.http.retryOn[2]`, "unknown item '952'"],
    ]);
  });
  it('grpc.retryOn: only the gRPC enum', () => {
    expectError(k8sMeshRetry(toBackend('grpc:\n  retryOn: [Canceled, "500"]')), `${D}.grpc.retryOn[1]`, 'retryOn', "unknown item '500'");
  });
  it('hostSelection rules', () => {
    const hs = (items: string): string => k8sMeshRetry(toBackend(`http:\n  hostSelection:\n${items}`));
    expectError(hs('  - predicate: OmitHostsWithTags'), `${D}.http.hostSelection[0].tags`, 'predicate: OmitHostsWithTags', 'must be defined');
    expectError(hs('  - predicate: OmitPreviousPriorities\n    updateFrequency: 0'), `${D}.http.hostSelection[0].updateFrequency`, 'updateFrequency: 0', 'must be defined and greater than zero');
    expectError(hs('  - predicate: OmitPreviousPriorities\n  - {predicate: OmitPreviousPriorities, updateFrequency: 3}'), `${D}.http.hostSelection[1].predicate`, 'updateFrequency: 3', 'OmitPreviousPriorities must only be specified once');
    expectError(hs('  - predicate: OmitCanaryHosts'), `${D}.http.hostSelection[0].predicate`, 'OmitCanaryHosts', "unknown predicate type 'OmitCanaryHosts'");
  });
  it('updateFrequency: the Kubernetes CRD defaults it to 2; universal has no default', () => {
    expectValid(k8sMeshRetry(toBackend('http:\n  hostSelection:\n  - predicate: OmitPreviousPriorities')));
    const u = uniMeshRetry(toBackend('http:\n  hostSelection:\n  - predicate: OmitPreviousPriorities'));
    expectError(u, `${D}.http.hostSelection[0].updateFrequency`, 'predicate: OmitPreviousPriorities', 'must be defined and greater than zero');
  });
  it('header match types: the CRD enum on Kubernetes; universal accepts any (with a warning)', () => {
    const conf = 'http:\n  retriableRequestHeaders:\n  - {type: PREFIX, name: x-retry, value: "y"}';
    expectError(k8sMeshRetry(toBackend(conf)), `${D}.http.retriableRequestHeaders[0].type`, 'PREFIX', 'Unsupported value: "PREFIX"');
    const ds = expectValid(uniMeshRetry(toBackend(conf)));
    assert.equal(findAt(ds, `${D}.http.retriableRequestHeaders[0].type`).severity, 'Warning');
  });
  it('top-level targetRef kinds depend on the policy role', () => {
    expectError(k8sMeshRetry(toBackend('tcp: {maxConnectAttempt: 1}', 'targetRef:\n  kind: MeshExternalService\n  name: x')), 'spec.targetRef.kind', 'kind: MeshExternalService', "value 'MeshExternalService' is not supported");
    expectValid(k8sMeshRetry(toBackend('tcp: {maxConnectAttempt: 1}', 'targetRef:\n  kind: MeshGateway\n  name: gw').replace('kind: MeshService\n    name: backend', 'kind: Mesh')));
    const consumer = k8sMeshRetry(toBackend('tcp: {maxConnectAttempt: 1}', 'targetRef:\n  kind: MeshGateway\n  name: gw'), 'mr', 'app', 'kuma.io/policy-role: consumer');
    expectError(consumer, 'spec.targetRef.kind', 'kind: MeshGateway', "value 'MeshGateway' is not supported");
  });
  it('to[].targetRef kinds: MeshSubset never; under a MeshGateway only Mesh and MeshExternalService', () => {
    const subset = k8sMeshRetry(toBackend('tcp: {maxConnectAttempt: 1}').replace('kind: MeshService\n    name: backend', 'kind: MeshSubset\n    tags: {a: b}'));
    expectError(subset, `${TO}.targetRef.kind`, 'kind: MeshSubset', "value 'MeshSubset' is not supported");
    const gw = k8sMeshRetry(toBackend('tcp: {maxConnectAttempt: 1}', 'targetRef:\n  kind: MeshGateway\n  name: gw'));
    expectError(gw, `${TO}.targetRef.kind`, '    kind: MeshService', "value 'MeshService' is not supported");
  });
  it('a MeshService targetRef needs a name; Mesh takes none', () => {
    expectError(k8sMeshRetry(toBackend('tcp: {maxConnectAttempt: 1}').replace('    name: backend\n', '')), `${TO}.targetRef.name`, '- targetRef:', 'must be set with kind MeshService');
    expectError(k8sMeshRetry(toBackend('tcp: {maxConnectAttempt: 1}', 'targetRef:\n  kind: Mesh\n  name: default')), 'spec.targetRef.name', 'name: default', 'using name with kind Mesh is not yet supported');
  });
  it('`to: []` (or no to) is valid, as in Kuma since kumahq/kuma#16212: a schema Warning, not the unsupported-field code', () => {
    for (const text of [k8sMeshRetry('targetRef:\n  kind: Mesh\nto: []'), uniMeshRetry('targetRef:\n  kind: Mesh')]) {
      expectWarning(text, 'spec.to', 'configures no destination', { code: Codes.SchemaValidation, marker: text.includes('to: []') ? 'to: []' : 'spec:' });
    }
  });
  it('top-level targetRef namespace, sectionName, mesh are accepted and warned as ignored (RCO0133), with their line', () => {
    const top = (field: string): string => k8sMeshRetry(toBackend('http: {numRetries: 1}', `targetRef:\n  kind: MeshService\n  name: web\n  ${field}`));
    expectWarning(top('namespace: shop'), 'spec.targetRef.namespace', 'namespace is ignored', { marker: 'namespace: shop' });
    expectWarning(top('sectionName: http'), 'spec.targetRef.sectionName', 'sectionName is ignored', { marker: 'sectionName: http' });
    expectWarning(top('mesh: other'), 'spec.targetRef.mesh', 'mesh is ignored', { marker: 'mesh: other' });
    expectWarning(top('labels: {app: web}'), 'spec.targetRef.labels', 'only kind Dataplane selects proxies by labels', { marker: 'labels: {app: web}' });
    expectWarning(top('proxyTypes: [Sidecar]'), 'spec.targetRef.proxyTypes', 'Kuma applies proxyTypes only with kind Mesh or MeshSubset', { marker: 'proxyTypes' });
    // Read where Ricochet acts on them: Dataplane labels, Mesh proxyTypes ([Gateway] is judged per proxy, when compiled).
    assert.deepEqual(expectValid(k8sMeshRetry(toBackend('http: {numRetries: 1}', 'targetRef:\n  kind: Dataplane\n  labels: {app: web}'))), []);
    assert.deepEqual(expectValid(k8sMeshRetry(toBackend('http: {numRetries: 1}', 'targetRef:\n  kind: Mesh\n  proxyTypes: [Gateway]'))), []);
  });
  it('targetRef.proxyTypes items are Sidecar or Gateway: the CRD enum on Kubernetes; universal takes others, with a warning', () => {
    const conf = toBackend('http: {numRetries: 1}', 'targetRef:\n  kind: Mesh\n  proxyTypes: [Sidecar, Ingress]');
    expectError(k8sMeshRetry(conf), 'spec.targetRef.proxyTypes[1]', 'proxyTypes', 'Unsupported value: "Ingress": supported values: "Sidecar", "Gateway"');
    expectWarning(uniMeshRetry(conf), 'spec.targetRef.proxyTypes[1]', 'matches no proxy', { code: Codes.SchemaValidation });
  });
  it('to[].targetRef labels, mesh, proxyTypes are accepted and warned as ignored (RCO0133)', () => {
    const to = (field: string): string => k8sMeshRetry(toBackend('http: {numRetries: 1}').replace('    name: backend\n', `    name: backend\n    ${field}\n`));
    expectWarning(to('labels: {app: backend}'), `${TO}.targetRef.labels`, 'Ricochet names the destination by name (backend)', { marker: 'labels: {app: backend}' });
    expectWarning(to('mesh: other'), `${TO}.targetRef.mesh`, 'mesh is ignored', { marker: 'mesh: other' });
    expectWarning(to('proxyTypes: [Sidecar]'), `${TO}.targetRef.proxyTypes`, 'a to[] targetRef names destinations', { marker: 'proxyTypes' });
    const mesh = k8sMeshRetry('to:\n- targetRef: {kind: Mesh, namespace: shop}\n  default:\n    http: {numRetries: 1}');
    expectWarning(mesh, `${TO}.targetRef.namespace`, 'kind Mesh names every destination');
  });
  it('a to[] MeshService may be chosen by labels instead of a name (Kuma ≥2.9): valid, warned that it names nothing Ricochet knows', () => {
    const t = k8sMeshRetry(toBackend('http: {numRetries: 1}').replace('name: backend', 'labels: {app: backend}'));
    expectWarning(t, `${TO}.targetRef.labels`, 'configures nothing');
  });
  it('a Kubernetes MeshRetry has no top-level mesh (its CRD has none): a stray one is an unknown field; universal keeps its mesh', () => {
    const t = k8sMeshRetry(toBackend('http: {numRetries: 1}')).replace('kind: MeshRetry\n', 'kind: MeshRetry\nmesh: payments\n');
    expectWarning(t, 'mesh', 'unknown field "mesh" is ignored', { marker: 'mesh: payments' });
    assert.match(findAt(validateOne(t), 'mesh').message, /kuma\.io\/mesh label, which puts this one in mesh "default"$/);
    assert.deepEqual(expectValid(uniMeshRetry(toBackend('http: {numRetries: 1}'))), []);
  });
});
