/**
 * `POST /apply` (issue 5 "Admin REST"): a multi-document YAML bundle applied atomically, answered
 * per object created / configured / unchanged; the same bytes twice write nothing and publish no
 * new xDS version; any invalid document → one 422 listing every problem (document, field, line)
 * and nothing stored.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import type { ApplyResult } from '../../src/admin/k8s/apply';
import { repoPath } from '../support/paths';
import { assertStatus, startApi, warnings, type ApiHarness } from './apiHarness';

const YAML_HEADERS = { 'content-type': 'application/yaml', accept: 'application/json' };

function example(...files: string[]): string {
  return files.map((f) => fs.readFileSync(repoPath('examples', f), 'utf8')).join('\n---\n');
}

/** Every type's version of the default sidecar view: what an ADS client would be sent. */
function snapshotVersion(h: ApiHarness): string {
  const snapshot = h.cp.cache.get('sidecar');
  return [...(snapshot?.types.values() ?? [])].map((t) => `${t.typeUrl}=${t.version}`).join(',');
}

function storedBytes(h: ApiHarness): string {
  return JSON.stringify(h.store.all());
}

describe('admin API POST /apply (issue 5)', function () {
  this.timeout(20_000);
  let h: ApiHarness;

  beforeEach(async () => {
    h = await startApi();
  });
  afterEach(async () => {
    await h.close();
  });

  const apply = (body: string, query = '') => h.app.inject({ method: 'POST', url: `/apply${query}`, payload: body, headers: YAML_HEADERS });

  it('creates every object of a bundle in one commit; the same bytes again are all unchanged, with no store write and no new xDS version', async () => {
    const bundle = example('istio-ratings-route/services.yaml', 'istio-ratings-route/ratings-route.yaml');
    let commits = 0;
    const commit = h.store.commit.bind(h.store);
    h.store.commit = (ops) => {
      commits++;
      return commit(ops);
    };
    const first = await apply(bundle);
    assert.equal(first.statusCode, 200, first.body);
    const result = first.json<ApplyResult>();
    assert.equal(result.kind, 'ApplyResult');
    assert.deepEqual(result.results.map((r) => `${r.kind}/${r.name} ${r.action}`), [
      'Service/ratings created', 'Endpoints/ratings created', 'Pod/ratings-v1 created', 'DestinationRule/ratings created', 'VirtualService/ratings-route created',
    ]);
    assert.equal(result.results[4].text, 'virtualservice.networking.istio.io/ratings-route created');
    assert.equal(result.results[4].namespace, 'default', 'a document without namespace goes to default');
    assert.equal(h.store.all().length, 5);
    assert.equal(commits, 1, 'the whole bundle is one atomic store commit');
    await h.settle();
    const version = snapshotVersion(h);
    const revision = h.cp.state.revision;
    const bytes = storedBytes(h);
    const again = (await apply(bundle)).json<ApplyResult>();
    assert.deepEqual(again.results.map((r) => r.action), ['unchanged', 'unchanged', 'unchanged', 'unchanged', 'unchanged']);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(storedBytes(h), bytes, 'no store write');
    assert.equal(commits, 1, 'no commit at all');
    assert.equal(h.cp.state.revision, revision, 'no recompile');
    assert.equal(snapshotVersion(h), version, 'no new xDS version');
  });

  it('answers configured for a changed document only, and the served configuration follows', async () => {
    const services = example('istio-ratings-route/services.yaml');
    const route = example('istio-ratings-route/ratings-route.yaml');
    await apply(`${services}\n---\n${route}`);
    await h.settle();
    const version = snapshotVersion(h);
    const edited = route.replace('attempts: 3', 'attempts: 5');
    assert.notEqual(edited, route);
    const res = (await apply(`${services}\n---\n${edited}`)).json<ApplyResult>();
    assert.deepEqual(res.results.map((r) => r.action), ['unchanged', 'unchanged', 'unchanged', 'unchanged', 'configured']);
    assert.equal(res.results[4].generation, 2);
    await h.settle();
    assert.notEqual(snapshotVersion(h), version, 'the new retry policy is served');
  });

  it('any invalid document → 422 listing every problem with document, field and line; nothing of the bundle is stored', async () => {
    await apply(example('istio-ratings-route/services.yaml'));
    const bytes = storedBytes(h);
    const bundle = [
      'apiVersion: networking.istio.io/v1alpha3',
      'kind: VirtualService',
      'metadata: {name: good}',
      'spec: {hosts: [ratings], http: [{route: [{destination: {host: ratings}}]}]}',
      '---',
      'apiVersion: networking.istio.io/v1alpha3',
      'kind: VirtualService',
      'metadata: {name: bad}',
      'spec:',
      '  hosts: [ratings]',
      '  http:',
      '  - route: [{destination: {host: ratings}}]',
      '    retries: {attempts: lots}',
      '---',
      'apiVersion: example.com/v1',
      'kind: Widget',
      'metadata: {name: w}',
      '---',
      'kind: [',
      '',
    ].join('\n');
    const body = assertStatus(await apply(bundle), 422, 'Invalid');
    const causes = body.details?.causes ?? [];
    const attempts = causes.find((c) => c.field === 'spec.http[0].retries.attempts');
    assert.ok(attempts, JSON.stringify(causes));
    assert.match(attempts.message, /^document 2: .*\(line 13\)$/);
    assert.ok(causes.some((c) => /^document 3: Widget/.test(c.message) && c.field === 'kind'), JSON.stringify(causes));
    assert.ok(causes.some((c) => /^document 4: invalid YAML.*\(line \d+\)$/.test(c.message)), JSON.stringify(causes));
    assert.match(body.message, /nothing was applied/);
    assert.equal(storedBytes(h), bytes);
    assert.equal(h.store.get({ group: 'networking.istio.io', kind: 'VirtualService', namespace: 'default', name: 'good' }), undefined);
  });

  it('dryRun=All validates and compiles the bundle and stores nothing; fieldValidation=Strict rejects unknown fields', async () => {
    const bundle = example('istio-ratings-route/services.yaml');
    const dry = (await apply(bundle, '?dryRun=All')).json<ApplyResult>();
    assert.ok(dry.results.every((r) => r.action === 'created' && r.text.endsWith('(server dry run)')));
    assert.equal(h.store.all().length, 0);
    const unknown = 'apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec:\n  ports: [{port: 80}]\n  colour: blue\n';
    const strict = assertStatus(await apply(unknown, '?fieldValidation=Strict'), 422, 'Invalid');
    assert.ok(strict.details?.causes?.some((c) => c.field === 'spec.colour' && /\(line 6\)$/.test(c.message)), JSON.stringify(strict.details));
    const warn = await apply(unknown);
    assert.equal(warn.statusCode, 200);
    assert.ok(warnings(warn).some((w) => w.includes('spec.colour')), warnings(warn).join('\n'));
  });

  it('Kuma universal documents are stored Kubernetes-shaped; ?namespace= places documents that name none; duplicates and file objects are refused', async () => {
    const universal = fs.readFileSync(repoPath('examples', 'kuma-retry-universal', 'retry.yaml'), 'utf8');
    const res = await apply(universal);
    assert.equal(res.statusCode, 200, res.body);
    const stored = h.store.all().find((s) => s.key.group === 'kuma.io');
    assert.ok(stored);
    assert.equal(stored.object.kind, 'Retry');
    assert.ok((stored.object as { spec?: unknown }).spec, 'the policy body under spec');
    const meshRetry = 'type: MeshRetry\nname: m\nmesh: default\nspec: {targetRef: {kind: Mesh}}\n';
    assertStatus(await apply(meshRetry), 422, 'Invalid');
    const ns = (await apply('apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {ports: [{port: 80}]}\n', '?namespace=team-a')).json<ApplyResult>();
    assert.equal(ns.results[0].namespace, 'team-a');
    const dup = 'apiVersion: v1\nkind: Service\nmetadata: {name: d}\nspec: {ports: [{port: 80}]}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: d}\nspec: {ports: [{port: 81}]}\n';
    const dupBody = assertStatus(await apply(dup), 422, 'Invalid');
    assert.ok(dupBody.details?.causes?.some((c) => /document 2: .*already defined by document 1/.test(c.message)));
    assertStatus(await apply(''), 400, 'BadRequest');
    assertStatus(await h.app.inject({ method: 'POST', url: '/apply', payload: 'x', headers: { 'content-type': 'text/html' } }), 415, 'UnsupportedMediaType');
  });

  it('Store: an object a --sources file defines cannot be applied; the cause names the file', async () => {
    await h.close();
    h = await startApi({ sources: ['examples/istio-ratings-route/services.yaml'] });
    const body = assertStatus(await apply(example('istio-ratings-route/services.yaml')), 422, 'Invalid');
    assert.ok(body.details?.causes?.every((c) => /defined by the file .*services\.yaml/.test(c.message)), JSON.stringify(body.details));
    assert.equal(h.store.all().length, 0);
  });
});
