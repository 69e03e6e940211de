/**
 * FSM gateway `RetryPolicy` validation (spec/sources-kuma-fsm.md §2.3): the CRD's markers and the
 * admission webhook's rules and messages (pkg/webhook/retry), with field path and line.
 */
import * as assert from 'node:assert/strict';
import { Codes } from '../../src/lib/errors';
import { parseDocuments } from '../../src/sources/document';
import { readObjects } from '../../src/sources';
import { expectError, expectErrorAmong, findAt, validateOne } from './validation';
import { doc } from './gatewayapi.helpers';

const RP = 'gateway.flomesh.io/v1alpha1';

function policy(spec: string): string {
  return doc(RP, 'RetryPolicy', 'rp', spec, 'server');
}

const TARGET = 'targetRef: {kind: Service, name: fortio, namespace: server}';

describe('fsm gateway RetryPolicy validation (§2.3)', () => {
  it('the seed from FSM\'s gateway retry doc is valid, though it leaves targetRef.group out (core)', () => {
    const seed = policy(`${TARGET}\nports:\n- port: 8080\n  config:\n    retryOn:\n    - 5xx\n    numRetries: 5\n    backoffBaseInterval: 2`);
    assert.deepEqual(validateOne(seed), []);
  });
  it('group must be "" or flomesh.io: "group must be set to flomesh.io or core"', () => {
    const t = policy('targetRef: {group: apps, kind: Service, name: fortio}\nports: [{port: 8080, config: {retryOn: [5xx]}}]');
    expectError(t, 'spec.targetRef.group', 'group: apps', 'group must be set to flomesh.io or core');
  });
  it('kind is Service for core and ServiceImport for flomesh.io', () => {
    const t = policy('targetRef: {group: flomesh.io, kind: Service, name: fortio}\nports: [{port: 8080, config: {retryOn: [5xx]}}]');
    expectError(t, 'spec.targetRef.kind', 'kind: Service', 'kind must be set to Service for group core or ServiceImport for group flomesh.io');
    assert.deepEqual(validateOne(policy('targetRef: {group: flomesh.io, kind: ServiceImport, name: fortio}\nports: [{port: 8080, config: {retryOn: [5xx]}}]')), []);
  });
  it('ports cannot be empty', () => {
    expectError(policy(`${TARGET}\nports: []\nconfig: {retryOn: [5xx]}`), 'spec.ports', 'ports: []', 'cannot be empty');
  });
  it('at most 16 ports', () => {
    const ports = Array.from({ length: 17 }, (_, i) => `- {port: ${8000 + i}}`).join('\n');
    expectError(policy(`${TARGET}\nconfig: {retryOn: [5xx]}\nports:\n${ports}`), 'spec.ports', 'ports:', 'max port items cannot be greater than 16');
  });
  it('a port is 1..65535, and a port appears once (list-map keyed by port)', () => {
    expectError(policy(`${TARGET}\nconfig: {retryOn: [5xx]}\nports: [{port: 0}]`), 'spec.ports[0].port', 'ports:', '0 is out of range; accepted: 1..65535');
    expectError(policy(`${TARGET}\nconfig: {retryOn: [5xx]}\nports:\n- port: 80\n- port: 80 # again`), 'spec.ports[1].port', '# again', 'Duplicate value: port 80');
  });
  it('without a top-level config, every port needs one', () => {
    const t = policy(`${TARGET}\nports:\n- port: 8080\n- port: 8081\n  config: {retryOn: [5xx]}`);
    expectError(t, 'spec.ports[0].config', 'port: 8080', "config must be set for port 8080, as there's no default config");
    assert.equal(validateOne(t).filter((d) => d.severity === 'Error').length, 1, 'port 8081 has its own config');
  });
  it('retryOn cannot be empty', () => {
    expectError(policy(`${TARGET}\nports: [{port: 8080, config: {retryOn: [], numRetries: 2}}]`), 'spec.ports[0].config.retryOn', 'ports:', 'retryOn cannot be empty', Codes.MissingField);
  });
  it('retryOn items: the webhook pattern with its message; lower-case x only', () => {
    const t = policy(`${TARGET}\nports:\n- port: 8080\n  config:\n    retryOn:\n    - 5XX`);
    expectError(t, 'spec.ports[0].config.retryOn[0]', '- 5XX', 'length of status code must be 3, with leading digit and last 2 digits being 0-9 or x, i.e. 5xx, 500, 502, 503, 504');
  });
  it('retryOn items are at most 3 characters', () => {
    const t = policy(`${TARGET}\nports:\n- port: 8080\n  config:\n    retryOn:\n    - "5000"`);
    expectError(t, 'spec.ports[0].config.retryOn[0]', '"5000"', 'may not be longer than 3');
  });
  it('connect-failure (an Envoy token) is refused, as FSM does', () => {
    const t = policy(`${TARGET}\nports:\n- port: 8080\n  config:\n    retryOn:\n    - connect-failure`);
    // MaxLength=3 refuses it too; this is the webhook pattern's message.
    expectErrorAmong(t, 'spec.ports[0].config.retryOn[0]', 'connect-failure', 'length of status code must be 3');
  });
  it('two-digit items such as "50" slip through the webhook\'s pattern, as in FSM', () => {
    assert.deepEqual(validateOne(policy(`${TARGET}\nports: [{port: 8080, config: {retryOn: ["50"]}}]`)), []);
  });
  it('numRetries is at least 1', () => {
    const t = policy(`${TARGET}\nports:\n- port: 8080\n  config: {retryOn: [5xx], numRetries: 0}`);
    expectError(t, 'spec.ports[0].config.numRetries', 'numRetries: 0', '0 is out of range; accepted: 1..');
  });
  it('backoffBaseInterval is a number of seconds, at least 0.001', () => {
    const small = policy(`${TARGET}\nports:\n- port: 8080\n  config: {retryOn: [5xx], backoffBaseInterval: 0.0005}`);
    expectError(small, 'spec.ports[0].config.backoffBaseInterval', 'backoffBaseInterval', 'should be greater than or equal to 0.001, got 0.0005');
    const text = policy(`${TARGET}\nports:\n- port: 8080\n  config: {retryOn: [5xx], backoffBaseInterval: 2s}`);
    expectError(text, 'spec.ports[0].config.backoffBaseInterval', 'backoffBaseInterval', 'it is a number of seconds, e.g. 2 or 0.5, not a duration');
  });
  it('targetRefs (v1alpha2, FSM v1.4) in a v1alpha1 object is pointed out', () => {
    const ds = validateOne(policy(`${TARGET}\ntargetRefs: []\nports: [{port: 8080, config: {retryOn: [5xx]}}]`));
    const d = findAt(ds, 'spec.targetRefs');
    assert.equal(d.severity, 'Warning');
    assert.match(d.message, /v1alpha2/);
  });
  it('gateway.flomesh.io/v1alpha2 is not a served version', () => {
    const read = readObjects(parseDocuments('input.yaml', doc('gateway.flomesh.io/v1alpha2', 'RetryPolicy', 'rp', 'targetRefs: []', 'server')).documents);
    assert.deepEqual(read.objects, [], 'left out');
    assert.match(read.diagnostics[0].message, /not a served version; accepted: gateway.flomesh.io\/v1alpha1/);
  });
});
