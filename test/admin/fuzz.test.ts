/**
 * The fuzz test of issue 5 "Safety": at least 1,000 malformed or mutated documents and requests
 * against the admin API of a server with a store, `--sources` files and a compiled snapshot
 * cache. Seeded (FUZZ_SEED=<n> to replay another run): the examples/ objects mutated (wrong
 * types, huge strings, deep nesting, invalid UTF-8, bad names, unknown fields with Strict,
 * broken YAML/JSON, wrong content types), bad patches, bad selectors, bad paths and methods,
 * oversized bodies, mutated /apply bundles, malformed HTTP on a real socket.
 *
 * Asserted for every request: no 5xx, the server still answers; for every rejected write: the
 * stored objects byte-identical; at every checkpoint: the served snapshot and the control-plane
 * revision unchanged unless a write was accepted (a mutation may be valid: then it is the new
 * baseline, and the test counts it; at least 1,000 requests must be rejected).
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import * as YAML from 'yaml';
import type { LightMyRequestResponse } from 'fastify';
import { resourceForKind } from '../../src/admin/k8s/resources';
import { createRng } from '../../src/upstream/rng';
import { repoPath } from '../support/paths';
import { startApi, type ApiHarness } from './apiHarness';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type JsonMap = { [k: string]: Json };

const SEED = Number(process.env.FUZZ_SEED ?? 20240501);
const REQUESTS = 1400;

interface Example {
  object: JsonMap;
  url: string;
}

/** Every Kubernetes-shaped object of examples/, with its collection URL. */
function examples(): Example[] {
  const out: Example[] = [];
  for (const dir of fs.readdirSync(repoPath('examples')).sort()) {
    for (const file of fs.readdirSync(repoPath('examples', dir)).filter((f) => /\.ya?ml$/.test(f)).sort()) {
      for (const doc of YAML.parseAllDocuments(fs.readFileSync(repoPath('examples', dir, file), 'utf8'))) {
        const value = doc.toJS() as JsonMap | null;
        if (!value || typeof value.apiVersion !== 'string' || typeof value.kind !== 'string') continue;
        const [group, version] = value.apiVersion.includes('/') ? value.apiVersion.split('/') : ['', value.apiVersion];
        const resource = resourceForKind(group, value.kind);
        if (!resource) continue;
        const prefix = group ? `/apis/${group}/${version}` : `/api/${version}`;
        const ns = String((value.metadata as JsonMap | undefined)?.namespace ?? 'default');
        out.push({ object: value, url: `${prefix}${resource.namespaced ? `/namespaces/${ns}` : ''}/${resource.plural}` });
      }
    }
  }
  return out;
}

/** Every path to a value inside an object. */
function paths(value: Json, prefix: Array<string | number> = [], out: Array<Array<string | number>> = []): Array<Array<string | number>> {
  out.push(prefix);
  if (Array.isArray(value)) value.forEach((v, i) => paths(v, [...prefix, i], out));
  else if (value && typeof value === 'object') for (const k of Object.keys(value)) paths(value[k], [...prefix, k], out);
  return out;
}

function setAt(root: JsonMap, p: Array<string | number>, value: Json | undefined): JsonMap {
  if (p.length === 0) return (value ?? {}) as JsonMap;
  let cur: Json = root;
  for (const k of p.slice(0, -1)) cur = (cur as Record<string | number, Json>)[k];
  const last = p[p.length - 1];
  if (value === undefined) {
    if (Array.isArray(cur)) cur.splice(last as number, 1);
    else delete (cur as JsonMap)[last as string];
  } else {
    (cur as Record<string | number, Json>)[last] = value;
  }
  return root;
}

function nest(depth: number, leaf: Json, maps: boolean): Json {
  let v = leaf;
  for (let i = 0; i < depth; i++) v = maps ? { n: v } : [v];
  return v;
}

/** YAML text of a value; JSON (which is YAML) when the value nests deeper than the YAML writer can go. */
function toYaml(value: Json): string {
  try {
    return YAML.stringify(value, { aliasDuplicateObjects: false });
  } catch {
    return JSON.stringify(value);
  }
}

interface FuzzRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'OPTIONS' | 'HEAD';
  url: string;
  payload?: string | Buffer;
  headers?: Record<string, string>;
  /** Whether it may change the store when accepted. */
  write: boolean;
  what: string;
}

class Fuzzer {
  private n = 0;
  constructor(private readonly r: () => number, private readonly pool: Example[]) {}

  private int(max: number): number {
    return Math.floor(this.r() * max);
  }

  private pick<T>(list: readonly T[]): T {
    return list[this.int(list.length)];
  }

  private wrongValue(old: Json): Json {
    const options: Json[] = [42, -1.5, 'not-a-valid-value', true, null, [], {}, [1, 'two', null], { unexpected: { deeper: [1] } }, '', '\u0000\ud800', 1e308];
    let v = this.pick(options);
    while (JSON.stringify(v) === JSON.stringify(old)) v = this.pick(options);
    return v;
  }

  /** A mutated copy of an example object, and what was done to it. */
  mutate(ex: Example): { object: JsonMap; what: string; strict: boolean } {
    const object = structuredClone(ex.object);
    const meta = (object.metadata ?? {}) as JsonMap;
    meta.name = `fuzz-${this.n++}`;
    object.metadata = meta;
    const all = paths(object).filter((p) => p.length > 0 && p[0] !== 'metadata' && !(p[0] === 'apiVersion' || p[0] === 'kind'));
    const target = all.length > 0 ? this.pick(all) : ['spec'];
    switch (this.int(9)) {
      case 0: return { object: setAt(object, target, this.wrongValue(null)), what: `wrong type at ${target.join('.')}`, strict: false };
      case 1: return { object: setAt(object, target, 'x'.repeat(1000 + this.int(300_000))), what: `huge string at ${target.join('.')}`, strict: false };
      case 2: return { object: setAt(object, target, nest(65 + this.int(3000), 1, this.r() < 0.5)), what: `deep nesting at ${target.join('.')}`, strict: false };
      case 3: return { object: setAt(object, target, undefined), what: `removed ${target.join('.')}`, strict: true };
      case 4: {
        const parent = target.slice(0, -1);
        const holder = parent.length === 0 ? object : parent.reduce<Json>((c, k) => (c as Record<string | number, Json>)[k], object);
        if (holder && typeof holder === 'object' && !Array.isArray(holder)) holder[`unknownField${this.int(99)}`] = 'surprise';
        else object.unknownTopLevel = 1;
        return { object, what: `unknown field near ${target.join('.')} (Strict)`, strict: true };
      }
      case 5: {
        meta.name = this.pick(['Upper_Case', '-leading-dash', 'a'.repeat(300), 'dots..double', 'spaces in name', 'ümlaut', '', '../../etc/passwd', 'x/y']);
        return { object, what: `bad name ${JSON.stringify(meta.name).slice(0, 40)}`, strict: false };
      }
      case 6: {
        meta.namespace = this.pick(['Bad_NS', 'a.b', '-x', 'n'.repeat(70)]);
        return { object, what: 'bad namespace', strict: false };
      }
      case 7: {
        meta.labels = this.pick<Json>([{ 'bad key!': 'v' }, { k: 'v'.repeat(70) }, { k: 7 }, [1], 'labels']);
        return { object, what: 'bad labels', strict: false };
      }
      default: {
        object.apiVersion = this.pick(['', 'v2', 'networking.istio.io/v9', 7, null, 'a/b/c']);
        return { object, what: 'bad apiVersion', strict: false };
      }
    }
  }

  /** Bytes of a body, sometimes broken on the way (truncated, invalid UTF-8, a flipped byte). */
  encode(object: JsonMap, yaml: boolean): { payload: Buffer; what: string } {
    const text = yaml ? toYaml(object) : JSON.stringify(object);
    const bytes = Buffer.from(text, 'utf8');
    switch (this.int(6)) {
      case 0: return { payload: bytes.subarray(0, this.int(bytes.length)), what: 'truncated' };
      case 1: {
        const at = this.int(bytes.length);
        return { payload: Buffer.concat([bytes.subarray(0, at), Buffer.from([0xff, 0xc3, 0x28]), bytes.subarray(at)]), what: 'invalid UTF-8' };
      }
      case 2: {
        const copy = Buffer.from(bytes);
        copy[this.int(copy.length)] = this.pick([0x7b, 0x7d, 0x22, 0x3a, 0x0a, 0x2d, 0x5b, 0x26, 0x2a, 0x21]);
        return { payload: copy, what: 'a byte replaced' };
      }
      default: return { payload: bytes, what: 'well-formed' };
    }
  }

  next(existing: readonly string[]): FuzzRequest {
    const kind = this.int(100);
    const ex = this.pick(this.pool);
    if (kind < 45) {
      const m = this.mutate(ex);
      const yaml = this.r() < 0.4;
      const body = this.encode(m.object, yaml);
      const types = yaml ? ['application/yaml', 'application/yaml', 'text/plain', 'application/x-www-form-urlencoded'] : ['application/json', 'application/json', 'application/json', 'application/yaml', 'image/png', ''];
      const type = this.pick(types);
      const method = this.pick(['POST', 'POST', 'PUT'] as const);
      const name = String((m.object.metadata as JsonMap | undefined)?.name ?? 'x');
      const url = `${ex.url}${method === 'PUT' ? `/${encodeURIComponent(name)}` : ''}${m.strict ? '?fieldValidation=Strict' : ''}`;
      return { method, url, payload: body.payload, headers: { 'content-type': type, accept: 'application/json' }, write: true, what: `${method} ${m.what}, ${body.what}, ${type || 'no content type'}` };
    }
    if (kind < 60) return this.badPatch(existing);
    if (kind < 70) return this.badSelector(ex);
    if (kind < 80) return this.badPath(ex);
    if (kind < 83) return { method: 'POST', url: ex.url, payload: Buffer.alloc(1024 * 1024 + 1 + this.int(4096), 0x20), headers: { 'content-type': 'application/json' }, write: true, what: 'oversized body' };
    if (kind < 93) return this.badBundle();
    return this.badDelete(existing);
  }

  private badPatch(existing: readonly string[]): FuzzRequest {
    const url = existing.length > 0 ? this.pick(existing) : this.pick(this.pool).url + '/nope';
    const variants: Array<[string, string]> = [
      ['application/merge-patch+json', '{"spec":'],
      ['application/merge-patch+json', JSON.stringify({ spec: { hosts: 7, http: 'x', ports: [{ port: 'eighty' }] } })],
      ['application/merge-patch+json', JSON.stringify({ metadata: { name: 'renamed' } })],
      ['application/merge-patch+json', JSON.stringify({ metadata: { namespace: 'elsewhere' } })],
      ['application/merge-patch+json', JSON.stringify({ kind: 'Other', apiVersion: 'x/v1' })],
      ['application/merge-patch+json', JSON.stringify({ metadata: { resourceVersion: '999999' }, spec: { a: 1 } })],
      ['application/merge-patch+json', JSON.stringify({ spec: nest(80 + this.int(500), 1, true) })],
      ['application/merge-patch+json', '[1,2,3]'],
      ['application/merge-patch+json', JSON.stringify({ metadata: null })],
      ['application/strategic-merge-patch+json', JSON.stringify({ spec: { $patch: 'explode' } })],
      ['application/strategic-merge-patch+json', JSON.stringify({ spec: { ports: [{ $patch: 'delete' }], '$setElementOrder/ports': 'x' } })],
      ['application/strategic-merge-patch+json', JSON.stringify({ spec: { ports: [7, 'x'] }, $retainKeys: 'spec' })],
      ['application/strategic-merge-patch+json', JSON.stringify({ $patch: 'delete' })],
      ['application/json-patch+json', JSON.stringify([{ op: 'remove', path: '/spec' }, { op: 'add', path: '/spec/x/y', value: 1 }])],
      ['application/json-patch+json', JSON.stringify([{ op: 'test', path: '/kind', value: 'Nope' }])],
      ['application/json-patch+json', JSON.stringify([{ op: 'replace', path: '/metadata/name', value: 'Other' }])],
      ['application/json-patch+json', JSON.stringify({ op: 'add' })],
      ['application/json-patch+json', JSON.stringify([{ op: 'move', from: '/nope', path: '/spec' }])],
      ['application/apply-patch+yaml', 'spec: [unclosed'],
      ['application/apply-patch+yaml', 'spec:\n  hosts: 5\n'],
      ['text/plain', '{}'],
      ['application/merge-patch+json', '\u00ff\u00fe'],
    ];
    const [type, body] = this.pick(variants);
    const payload = this.r() < 0.1 ? Buffer.from([0x7b, 0xff, 0x7d]) : body;
    return { method: 'PATCH', url: `${url}${this.r() < 0.3 ? '?fieldValidation=Strict' : ''}`, payload, headers: { 'content-type': type }, write: true, what: `PATCH ${type} ${body.slice(0, 60)}` };
  }

  private badSelector(ex: Example): FuzzRequest {
    const selectors = [
      'labelSelector=a%20in%20(', 'labelSelector=%3D%3D%3D', 'labelSelector=a%3Db%3Dc', 'labelSelector=!', 'labelSelector=a%20notin%20()',
      `labelSelector=${'a'.repeat(400)}%3Db`, 'fieldSelector=spec.hosts%3Dx', 'fieldSelector=metadata.name', 'fieldSelector=%3D%3D',
      'fieldSelector=metadata.name%3Da&fieldSelector=metadata.name%3Db', 'watch=maybe', 'watch=true&resourceVersion=abc', 'watch=true&resourceVersion=-1',
      'watch=true&timeoutSeconds=x', 'includeObject=Everything', 'limit=-5&continue=garbage', 'resourceVersion=%00', 'labelSelector=%E2%82%AC%3D1',
    ];
    return { method: 'GET', url: `${ex.url}?${this.pick(selectors)}`, headers: { accept: this.pick(['application/json', 'application/json;as=Table;v=v1;g=meta.k8s.io', 'application/json;as=Table;v=v9;g=x', '*/*', 'application/vnd.kubernetes.protobuf']) }, write: false, what: 'bad selector/query' };
  }

  private badPath(ex: Example): FuzzRequest {
    const urls = [
      '/apis', '/apis/', '/apis/networking.istio.io', '/apis/networking.istio.io/v9/virtualservices', '/apis/x/y/z/w/v/u/t',
      '/api/v2/services', '/api/v1/namespaces/default/widgets', '/apis/networking.istio.io/v1alpha3/namespaces//virtualservices',
      '/apis/kuma.io/v1alpha1/namespaces/default/retries', '/api/v1/namespaces/default/services/x/status', '/apis/%zz/v1/x',
      `${ex.url}/${'a'.repeat(2000)}`, `${ex.url}/..%2F..%2Fetc`, `${ex.url}/%00`, '/apply/extra', '/api/v1/namespaces/%E2%82%AC/services',
      '/apis/networking.istio.io/v1alpha3/namespaces/default/virtualservices/a/b/c',
    ];
    const method = this.pick(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD'] as const);
    const payload = method === 'GET' || method === 'HEAD' || method === 'OPTIONS' ? undefined : '{"apiVersion":"v1","kind":"Service","metadata":{"name":"x"}}';
    return { method, url: this.pick(urls), payload, headers: payload ? { 'content-type': 'application/json' } : {}, write: method !== 'GET' && method !== 'HEAD', what: 'bad path/method' };
  }

  private badBundle(): FuzzRequest {
    const docs = [0, 1, 2].map(() => {
      const m = this.mutate(this.pick(this.pool));
      return this.r() < 0.5 ? toYaml(m.object) : JSON.stringify(m.object);
    });
    const extras = ['kind: [', ': : :', '--- !!binary aGVsbG8=', 'a: &x [*x]', '- just\n- a\n- list', 'type: MeshRetry\nname: u\n', '%YAML 9.9\n---\na: 1'];
    if (this.r() < 0.5) docs.splice(this.int(docs.length + 1), 0, this.pick(extras));
    const body = docs.join('\n---\n');
    const payload = this.r() < 0.1 ? Buffer.concat([Buffer.from(body), Buffer.from([0xc0, 0xaf])]) : body;
    const query = this.pick(['', '?fieldValidation=Strict', '?namespace=Bad_NS', '?dryRun=Nope', '?namespace=fuzz']);
    return { method: 'POST', url: `/apply${query}`, payload, headers: { 'content-type': this.pick(['application/yaml', 'application/json', 'text/csv']) }, write: true, what: `bundle${query}` };
  }

  private badDelete(existing: readonly string[]): FuzzRequest {
    const url = existing.length > 0 ? this.pick(existing) : `${this.pick(this.pool).url}/x`;
    const bodies = ['{"dryRun":"All"}', '{"preconditions":{"resourceVersion":"1"}}', '{"preconditions":{"uid":"nope"}}', '{"dryRun":["Some"]}', '[', '7', '{"preconditions":[]}'];
    return { method: 'DELETE', url, payload: this.pick(bodies), headers: { 'content-type': 'application/json' }, write: true, what: 'bad delete options' };
  }
}

/** Raw, malformed HTTP on the real socket: the server must answer (4xx) or close, and keep running. */
async function rawRequest(port: number, text: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.end(text));
    let out = '';
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => (out += d));
    socket.on('close', () => resolve(out));
    socket.on('error', () => resolve(out));
    socket.setTimeout(2000, () => socket.destroy());
  });
}

describe('admin API fuzz (issue 5 "Safety")', function () {
  this.timeout(120_000);
  let h: ApiHarness;

  before(async () => {
    h = await startApi({ sources: ['examples/istio-appflaky-retryon-5xx/service.yaml', 'examples/istio-appflaky-retryon-5xx/virtualservice.yaml'] });
    for (const dir of ['fsm-retry-curl-httpbin', 'kuma-retry-http', 'gatewayapi-httproute-retry', 'istio-ratings-route']) {
      const bundle = fs.readdirSync(repoPath('examples', dir)).filter((f) => f.endsWith('.yaml')).map((f) => fs.readFileSync(path.join(repoPath('examples', dir), f), 'utf8')).join('\n---\n');
      await h.app.inject({ method: 'POST', url: '/apply', payload: bundle, headers: { 'content-type': 'application/yaml' } });
    }
    assert.ok(h.store.all().length >= 5, 'the store holds objects before the fuzzing starts');
    await h.settle();
  });
  after(async () => {
    await h?.close();
  });

  it(`${REQUESTS} malformed or mutated requests (seed ${SEED}): no 5xx, rejected writes change nothing, the served config only follows accepted writes`, async () => {
    const fuzzer = new Fuzzer(createRng(SEED), examples());
    const stored = (): string => JSON.stringify(h.store.all());
    const snapshot = (): string => [...(h.cp.cache.get('sidecar')?.types.values() ?? [])].map((t) => t.version).join(',');
    let baseline = { bytes: stored(), version: snapshot(), revision: h.cp.state.revision };
    let rejected = 0;
    let accepted = 0;
    const codes = new Map<number, number>();
    const started = Date.now();
    for (let i = 0; i < REQUESTS; i++) {
      const existing = h.store.all().map((s) => {
        const res = resourceForKind(s.key.group, s.key.kind);
        const v = String(s.object.apiVersion).split('/').pop();
        return `${s.key.group ? `/apis/${s.key.group}/${v}` : `/api/${v}`}${s.key.namespace ? `/namespaces/${s.key.namespace}` : ''}/${res?.plural}/${s.key.name}`;
      });
      const req = fuzzer.next(existing);
      let res: LightMyRequestResponse;
      try {
        res = await h.app.inject({ method: req.method, url: req.url, payload: req.payload, headers: req.headers });
      } catch (err) {
        throw new Error(`request ${i} (${req.what}) ${req.method} ${req.url.slice(0, 120)} threw: ${(err as Error).message}`);
      }
      codes.set(res.statusCode, (codes.get(res.statusCode) ?? 0) + 1);
      assert.ok(res.statusCode < 500, `request ${i} (${req.what}) ${req.method} ${req.url.slice(0, 120)} → ${res.statusCode}: ${res.body.slice(0, 500)}`);
      if (res.statusCode >= 400) {
        rejected++;
        if (req.url.startsWith('/api') && res.statusCode !== 400 && req.method !== 'HEAD') {
          // Everything our routes refuse is a Kubernetes Status (framework-level 400s for undecodable URLs excepted).
          assert.equal(res.json<{ kind: string }>().kind, 'Status', `request ${i} (${req.what}): ${res.body.slice(0, 200)}`);
        }
        if (req.write) assert.equal(stored(), baseline.bytes, `request ${i} (${req.what}) was rejected (${res.statusCode}) but changed the store`);
      } else if (req.write && stored() !== baseline.bytes) {
        accepted++;
        await h.settle();
        baseline = { bytes: stored(), version: snapshot(), revision: h.cp.state.revision };
      }
      if (i % 100 === 99) {
        await new Promise((r) => setTimeout(r, 20));
        assert.equal(stored(), baseline.bytes);
        assert.equal(h.cp.state.revision, baseline.revision, `checkpoint ${i}: the control plane recompiled without an accepted write`);
        assert.equal(snapshot(), baseline.version, `checkpoint ${i}: the served snapshot changed without an accepted write`);
      }
    }
    assert.ok(rejected >= 1000, `at least 1,000 rejected requests (got ${rejected}, ${accepted} accepted; codes ${JSON.stringify([...codes])})`);
    assert.ok(Date.now() - started < 60_000, 'fast enough to run in every test run');

    // Malformed HTTP on a real socket, then the server still works.
    await h.app.listen({ host: '127.0.0.1', port: 0 });
    const port = (h.app.server.address() as { port: number }).port;
    const raw = [
      'POST /apis/networking.istio.io/v1alpha3/namespaces/default/virtualservices HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n{}',
      'POST /apply HTTP/1.1\r\nHost: x\r\nContent-Type: application/yaml\r\nContent-Length: 100\r\n\r\nshort',
      'GET /api/v1/namespaces HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
      'BREW /apply HTTP/1.1\r\n\r\n',
      '\x00\x01\x02\r\n\r\n',
      `GET /${'a'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`,
    ];
    for (const text of raw) {
      const answer = await rawRequest(port, text);
      assert.ok(!/^HTTP\/1\.1 5\d\d/.test(answer), `raw request answered ${answer.split('\r\n')[0]}`);
    }
    assert.equal(stored(), baseline.bytes);
    const health = await h.app.inject({ method: 'GET', url: '/healthz' });
    assert.equal(health.statusCode, 200, 'still serving');
    const ok = await h.app.inject({ method: 'GET', url: '/api/v1/namespaces' });
    assert.equal(ok.statusCode, 200);
  });
});
