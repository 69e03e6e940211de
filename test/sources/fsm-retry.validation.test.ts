/**
 * Per-object validation of the FSM / OSM mesh `Retry` with the rules of their CRDs
 * (spec/sources-kuma-fsm.md §2.1, §2.2): each rule's code, field path, line and wording.
 */
import * as assert from 'node:assert/strict';
import { Codes } from '../../src/lib/errors';
import { expectError, expectWarning, findAt, validateOne } from './validation';
import { indent } from './yaml';

const FSM = 'policy.flomesh.io/v1alpha1';
const OSM = 'policy.openservicemesh.io/v1alpha1';

/** A Retry with the given `spec.retryPolicy` body (and optionally other spec lines). */
function retry(policy: string, opts: { apiVersion?: string; source?: string; destinations?: string; extra?: string } = {}): string {
  return `kind: Retry
apiVersion: ${opts.apiVersion ?? FSM}
metadata:
  name: retry
  namespace: curl
spec:
  source:
${indent(opts.source ?? 'kind: ServiceAccount\nname: curl\nnamespace: curl', 4)}
  destinations:
${indent(opts.destinations ?? '- kind: Service\n  name: httpbin\n  namespace: httpbin', 4)}
  retryPolicy:
${indent(policy, 4)}
${opts.extra ? indent(opts.extra, 2) : ''}`;
}

const SEED_POLICY = 'retryOn: "5xx"\nperTryTimeout: 1s\nnumRetries: 5\nretryBackoffBaseInterval: 1s';

describe('fsm Retry validation: required fields (§2.1, §2.2)', () => {
  it('the seed Retry (FSM docs) is valid with no diagnostics at all, in both API groups', () => {
    assert.deepEqual(validateOne(retry(SEED_POLICY)), []);
    assert.deepEqual(validateOne(retry(SEED_POLICY, { apiVersion: OSM })), []);
  });

  it('§2.2 FSM\'s CRD requires only retryOn: the other three may be omitted', () => {
    assert.deepEqual(validateOne(retry('retryOn: 5xx')), []);
  });

  for (const field of ['perTryTimeout', 'numRetries', 'retryBackoffBaseInterval']) {
    it(`§2.1 OSM's CRD requires retryPolicy.${field}: an error naming it, at the retryPolicy line`, () => {
      const body = SEED_POLICY.split('\n').filter((l) => !l.startsWith(field)).join('\n');
      const t = retry(body, { apiVersion: OSM });
      expectError(t, `spec.retryPolicy.${field}`, '  retryPolicy:', `${field} is required`, Codes.MissingField);
    });
  }

  it('§2.1/§2.2 retryOn is required in both groups', () => {
    expectError(retry('numRetries: 3'), 'spec.retryPolicy.retryOn', '  retryPolicy:', 'retryOn is required', Codes.MissingField);
    expectError(retry('numRetries: 3\nperTryTimeout: 1s\nretryBackoffBaseInterval: 1s', { apiVersion: OSM }), 'spec.retryPolicy.retryOn', '  retryPolicy:', 'retryOn is required', Codes.MissingField);
  });

  it('the CRDs require source, destinations and retryPolicy', () => {
    const t = `kind: Retry
apiVersion: ${FSM}
metadata: {name: retry, namespace: curl}
spec: {}
`;
    const ds = validateOne(t);
    for (const f of ['source', 'destinations', 'retryPolicy']) {
      const d = findAt(ds, `spec.${f}`);
      assert.equal(d.severity, 'Error');
      assert.equal(d.code, Codes.MissingField);
    }
  });

  it('the CRDs require kind, name and namespace on the source and on every destination (no namespace default)', () => {
    const t = retry('retryOn: 5xx', { source: 'kind: ServiceAccount\nname: curl', destinations: '- kind: Service\n  namespace: httpbin' });
    expectError(t, 'spec.source.namespace', '  source:', 'namespace is required', Codes.MissingField);
    expectError(t, 'spec.destinations[0].name', '- kind: Service', 'name is required', Codes.MissingField);
  });
});

describe('fsm Retry validation: values (§2.1, §5 item 14)', () => {
  it('durations are Go durations (metav1.Duration): a bad one is an error at its line', () => {
    const t = retry('retryOn: 5xx\nperTryTimeout: 1sec');
    expectError(t, 'spec.retryPolicy.perTryTimeout', 'perTryTimeout: 1sec', '"1sec" is not a duration');
  });

  it('Go duration forms are accepted: 1m30s, 1.5s, 250ms', () => {
    assert.deepEqual(validateOne(retry('retryOn: 5xx\nperTryTimeout: 1m30s\nretryBackoffBaseInterval: 1.5s')), []);
    assert.deepEqual(validateOne(retry('retryOn: 5xx\nretryBackoffBaseInterval: 250ms')), []);
  });

  it('a zero or negative backoff base interval is an error (Envoy requires base_interval > 0)', () => {
    expectError(retry('retryOn: 5xx\nretryBackoffBaseInterval: 0s'), 'spec.retryPolicy.retryBackoffBaseInterval', 'retryBackoffBaseInterval: 0s', 'must be greater than 0');
    expectError(retry('retryOn: 5xx\nretryBackoffBaseInterval: -1s'), 'spec.retryPolicy.retryBackoffBaseInterval', 'retryBackoffBaseInterval: -1s', 'must be greater than 0');
  });

  it('a negative perTryTimeout is an error; 0s is accepted (Envoy: no per-try timeout)', () => {
    expectError(retry('retryOn: 5xx\nperTryTimeout: -2s'), 'spec.retryPolicy.perTryTimeout', 'perTryTimeout: -2s', 'must be 0 or more');
    assert.deepEqual(validateOne(retry('retryOn: 5xx\nperTryTimeout: 0s')), []);
  });

  it('sub-millisecond precision is a warning and is rounded', () => {
    expectWarning(retry('retryOn: 5xx\nperTryTimeout: 1500us'), 'spec.retryPolicy.perTryTimeout', '2ms is used', { code: Codes.SchemaValidation, marker: 'perTryTimeout: 1500us' });
  });

  it('numRetries is a uint32: negative, fractional, quoted and > 4294967295 are errors', () => {
    expectError(retry('retryOn: 5xx\nnumRetries: -1'), 'spec.retryPolicy.numRetries', 'numRetries: -1', 'out of range; accepted: 0..4294967295');
    expectError(retry('retryOn: 5xx\nnumRetries: 4294967296'), 'spec.retryPolicy.numRetries', 'numRetries: 4294967296', 'out of range');
    expectError(retry('retryOn: 5xx\nnumRetries: 1.5'), 'spec.retryPolicy.numRetries', 'numRetries: 1.5', 'must be an integer');
    expectError(retry('retryOn: 5xx\nnumRetries: "5"'), 'spec.retryPolicy.numRetries', 'numRetries: "5"', 'write it unquoted: 5');
    assert.deepEqual(validateOne(retry('retryOn: 5xx\nnumRetries: 0')), []);
  });

  it('retryOn must be a string; a bare number gets a hint to quote it', () => {
    expectError(retry('retryOn: 503'), 'spec.retryPolicy.retryOn', 'retryOn: 503', 'quote it: "503"');
  });
});

describe('fsm Retry validation: kinds OSM skips (§2.1 selection)', () => {
  it('a source that is not a ServiceAccount is a warning: the Retry applies to no proxy', () => {
    const t = retry('retryOn: 5xx', { source: 'kind: Deployment\nname: curl\nnamespace: curl' });
    expectWarning(t, 'spec.source.kind', 'applies to no proxy', { marker: 'kind: Deployment' });
  });

  it('the kind is case-sensitive, as OSM compares it, and the warning says so', () => {
    const t = retry('retryOn: 5xx', { source: 'kind: serviceaccount\nname: curl\nnamespace: curl' });
    expectWarning(t, 'spec.source.kind', 'case-sensitive: write ServiceAccount', { marker: 'kind: serviceaccount' });
  });

  it('a destination that is not a Service is a warning and is left out; the others stay', () => {
    const t = retry('retryOn: 5xx', { destinations: '- kind: Pod\n  name: httpbin\n  namespace: httpbin\n- kind: Service\n  name: httpbin\n  namespace: httpbin' });
    expectWarning(t, 'spec.destinations[0].kind', 'this entry is left out', { marker: 'kind: Pod' });
  });

  it('an empty destinations list is a warning', () => {
    expectWarning(retry('retryOn: 5xx', { destinations: '[]' }), 'spec.destinations', 'applies to no traffic', { code: Codes.SchemaValidation, marker: '  destinations:' });
  });
});

describe('fsm Retry validation: unknown fields and retryOn tokens', () => {
  it('unknown fields are UnsupportedField warnings, with a hint for known slips', () => {
    expectWarning(retry('retryOn: 5xx\nattempts: 3'), 'spec.retryPolicy.attempts', 'the field is numRetries', { marker: 'attempts: 3' });
    expectWarning(retry('retryOn: 5xx\nfoo: 1'), 'spec.retryPolicy.foo', 'unknown field "foo" is ignored; accepted here: retryOn, perTryTimeout, numRetries, retryBackoffBaseInterval', { marker: 'foo: 1' });
    expectWarning(retry('retryOn: 5xx', { extra: 'tcp: {}' }), 'spec.tcp', 'unknown field "tcp"', { marker: 'tcp: {}' });
    expectWarning(retry('retryOn: 5xx', { source: 'kind: ServiceAccount\nname: curl\nnamespace: curl\nport: 80' }), 'spec.source.port', 'unknown field "port"', { marker: 'port: 80' });
  });

  it('§2.1 OSM: an unknown token (e.g. a status code) is kept verbatim but warned: Envoy ignores it', () => {
    expectWarning(retry(SEED_POLICY.replace('"5xx"', '"5xx,503"'), { apiVersion: OSM }), 'spec.retryPolicy.retryOn', 'Envoy ignores the retryOn token "503"', { code: Codes.SchemaValidation, marker: 'retryOn: "5xx,503"' });
  });

  it('§2.1 OSM: an empty retryOn is a warning (no default: nothing is retried)', () => {
    expectWarning(retry(SEED_POLICY.replace('"5xx"', '""'), { apiVersion: OSM }), 'spec.retryPolicy.retryOn', 'no condition triggers a retry', { code: Codes.SchemaValidation, marker: 'retryOn: ""' });
  });

  it('§2.2 FSM: status codes and ranges are fine; an empty retryOn is an Info (Pipy\'s default 5xx)', () => {
    assert.deepEqual(validateOne(retry('retryOn: "503,4xx,connect-failure"')), []);
    expectWarning(retry('retryOn: ""'), 'spec.retryPolicy.retryOn', 'retries on 5xx', { code: Codes.SchemaValidation, marker: 'retryOn: ""', severity: 'Info' });
  });

  it('§2.2 FSM: an unknown token is warned and left out, with a case hint for 5XX', () => {
    expectWarning(retry('retryOn: "5XX"'), 'spec.retryPolicy.retryOn', 'case-sensitive: write 5xx', { code: Codes.SchemaValidation, marker: 'retryOn: "5XX"' });
    expectWarning(retry('retryOn: "5xx,999"'), 'spec.retryPolicy.retryOn', 'unknown retryOn token "999" is left out', { code: Codes.SchemaValidation, marker: 'retryOn: "5xx,999"' });
  });
});
