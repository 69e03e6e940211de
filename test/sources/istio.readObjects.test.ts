/** readObjects / validateObject: header checks and the kind registry. */
import * as assert from 'node:assert/strict';
import { Codes } from '../../src/lib/errors';
import { parseDocuments, SourceDocument } from '../../src/sources/document';
import { readObjects, SYSTEMS, validateObject } from '../../src/sources';
import { lineOf, httpEntry, vs } from './yaml';

function read(text: string): ReturnType<typeof readObjects> {
  const parsed = parseDocuments('input.yaml', text);
  assert.deepEqual(parsed.diagnostics, []);
  return readObjects(parsed.documents);
}

describe('istio readObjects (headers and registry)', () => {
  it('reads identity: group, version, kind, namespace (default "default"), name', () => {
    const { objects, diagnostics } = read(httpEntry().replace('  namespace: default\n', ''));
    assert.deepEqual(diagnostics, []);
    assert.equal(objects.length, 1);
    const o = objects[0];
    assert.deepEqual([o.apiVersion, o.group, o.version, o.kind, o.namespace, o.name], ['networking.istio.io/v1', 'networking.istio.io', 'v1', 'ServiceEntry', 'default', 'se']);
  });

  for (const version of ['v1alpha3', 'v1beta1', 'v1']) {
    it(`serves networking.istio.io/${version} for both kinds`, () => {
      const text = `${httpEntry().replace('/v1\n', `/${version}\n`)}---\n${vs('hosts: [ok.example.com]\nhttp:\n- route: [{destination: {host: ok.example.com}}]').replace('/v1\n', `/${version}\n`)}`;
      const { objects, diagnostics } = read(text);
      assert.deepEqual(diagnostics, []);
      assert.deepEqual(objects.map((o) => `${o.kind}/${o.version}`), [`ServiceEntry/${version}`, `VirtualService/${version}`]);
      for (const o of objects) assert.deepEqual(validateObject(o), []);
    });
  }

  it('a missing apiVersion, kind or metadata.name is a MissingField error with a line', () => {
    const text = 'kind: ServiceEntry\nmetadata:\n  name: a\n---\napiVersion: networking.istio.io/v1\nmetadata:\n  name: b\n---\napiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata:\n  namespace: x\n';
    const { objects, diagnostics } = read(text);
    assert.equal(objects.length, 0);
    assert.deepEqual(diagnostics.map((d) => [d.severity, d.code, d.location?.path, d.location?.line, d.location?.document]), [
      ['Error', Codes.MissingField, 'apiVersion', 1, 0],
      ['Error', Codes.MissingField, 'kind', 5, 1],
      ['Error', Codes.MissingField, 'metadata.name', 11, 2],
    ]);
  });

  it('wrong header types and invalid names are SchemaValidation errors', () => {
    const text = 'apiVersion: 1\nkind: ServiceEntry\nmetadata:\n  name: a\n---\napiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata:\n  name: Not_A_Name\n';
    const { diagnostics } = read(text);
    assert.deepEqual(diagnostics.map((d) => [d.code, d.location?.path, d.location?.line]), [
      [Codes.SchemaValidation, 'apiVersion', 1],
      [Codes.SchemaValidation, 'metadata.name', lineOf(text, 'Not_A_Name')],
    ]);
    assert.match(diagnostics[1].message, /invalid name "Not_A_Name"/);
  });

  it('a document that is not a mapping is an error', () => {
    const { diagnostics } = read('- just\n- a list\n');
    assert.equal(diagnostics.length, 1);
    assert.equal(diagnostics[0].code, Codes.SchemaValidation);
    assert.match(diagnostics[0].message, /must be a mapping with apiVersion, kind and metadata/);
  });

  it('unknown kinds are UnknownKind warnings and skipped', () => {
    const text = 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\n';
    const { objects, diagnostics } = read(text);
    assert.equal(objects.length, 0);
    assert.equal(diagnostics.length, 1);
    assert.deepEqual([diagnostics[0].severity, diagnostics[0].code, diagnostics[0].location?.line], ['Warning', Codes.UnknownKind, 2]);
    assert.match(diagnostics[0].message, /unknown kind Deployment \(apps\/v1\); supported: .*ServiceEntry \(networking.istio.io\), VirtualService \(networking.istio.io\), DestinationRule \(networking.istio.io\)/);
  });

  it('Istio kinds not read yet, and unserved versions, are UnknownKind warnings', () => {
    const text = 'apiVersion: networking.istio.io/v1\nkind: Sidecar\nmetadata:\n  name: d\n---\napiVersion: networking.istio.io/v2\nkind: ServiceEntry\nmetadata:\n  name: s\n';
    const { objects, diagnostics } = read(text);
    assert.equal(objects.length, 0);
    assert.deepEqual(diagnostics.map((d) => [d.severity, d.code]), [['Warning', Codes.UnknownKind], ['Warning', Codes.UnknownKind]]);
    assert.match(diagnostics[0].message, /Sidecar .* is not supported by Ricochet yet/);
    assert.match(diagnostics[1].message, /not a served version; accepted: networking.istio.io\/v1, networking.istio.io\/v1beta1, networking.istio.io\/v1alpha3/);
  });

  it('the same object twice (any version) is a DuplicateObject error; the first is kept', () => {
    const a = httpEntry();
    const b = httpEntry('resolution: STATIC\nendpoints: [{address: 10.0.0.1}]').replace('/v1\n', '/v1beta1\n');
    const { objects, diagnostics } = read(`${a}---\n${b}`);
    assert.equal(objects.length, 1);
    assert.equal(objects[0].version, 'v1');
    assert.deepEqual(diagnostics.map((d) => [d.severity, d.code, d.location?.document]), [['Error', Codes.DuplicateObject, 1]]);
    assert.match(diagnostics[0].message, /ServiceEntry default\/se is defined twice; the first definition at input.yaml:1 is kept/);
  });

  it('same name in another namespace or of another kind is a different object', () => {
    const text = `${httpEntry()}---\n${httpEntry().replace('namespace: default', 'namespace: other')}---\n${vs('hosts: [ok.example.com]\nhttp:\n- route: [{destination: {host: ok.example.com}}]', 'se')}`;
    const { objects, diagnostics } = read(text);
    assert.deepEqual(diagnostics, []);
    assert.equal(objects.length, 3);
  });

  it('validateObject rejects an object of a kind no system reads', () => {
    const doc = SourceDocument.fromValue({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' } });
    const ds = validateObject({ apiVersion: 'apps/v1', group: 'apps', version: 'v1', kind: 'Deployment', namespace: 'default', name: 'd', raw: doc.value as Record<string, unknown>, document: doc });
    assert.deepEqual(ds.map((d) => [d.severity, d.code]), [['Error', Codes.UnknownKind]]);
  });

  it('the registry has one entry per kind, each with versions and a validator', () => {
    const kinds = SYSTEMS.flatMap((s) => s.kinds.map((k) => `${k.group}/${k.kind}`));
    const istio = kinds.filter((k) => k.startsWith('networking.istio.io/'));
    assert.deepEqual(istio, ['networking.istio.io/ServiceEntry', 'networking.istio.io/VirtualService', 'networking.istio.io/DestinationRule']);
    assert.equal(new Set(kinds).size, kinds.length);
  });

  it('in-memory documents have no lines but keep paths', () => {
    const doc = SourceDocument.fromValue({ apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'v' }, spec: { hosts: ['a.example.com'], http: [{ route: [{ destination: { host: 'a.example.com' } }], retries: { attempts: -2 } }] } });
    const { objects } = readObjects([doc]);
    const ds = validateObject(objects[0]);
    assert.equal(ds.length, 1);
    assert.deepEqual([ds[0].location?.path, ds[0].location?.line], ['spec.http[0].retries.attempts', undefined]);
  });

  it('YAML the parser throws on (an alias to an undefined anchor, nesting past the stack) is a coded error, not a crash', () => {
    const alias = parseDocuments('alias.yaml', 'apiVersion: v1\nkind: Service\nmetadata: {name: a}\nspec: *missing\n');
    assert.deepEqual(alias.documents, []);
    assert.equal(alias.diagnostics[0].code, 'RCO0001');
    assert.match(alias.diagnostics[0].message, /invalid YAML: .*alias/i);
    const deep = parseDocuments('deep.yaml', '['.repeat(50_000));
    assert.deepEqual(deep.documents, []);
    assert.equal(deep.diagnostics[0].code, 'RCO0001');
    assert.equal(deep.diagnostics[0].location?.file, 'deep.yaml');
  });
});
