/**
 * The acceptance test of issue 5: Debian's kubectl 1.20 (the real binary, spec/kubectl-1.20.md
 * §0) against `ricochet serve --sources <empty> --data <tmp>`, for every folder of examples/:
 * apply → created (§4.1), get as a Table and as YAML (§5), apply again → unchanged (§4.3), one
 * edit → configured (§4.2), `--dry-run=server` → "(server dry run)" with nothing stored (§4.6),
 * delete → deleted without hanging on the wait (§7). Plus discovery (§8), the meaning of an
 * ambiguous plural (§2.2), client-side validation from /openapi/v2 (§3) and a server-side 422
 * with its field path (§9).
 *
 * One server for the whole file; each folder deletes what it applied and checks it is gone.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as YAML from 'yaml';
import { repoPath } from '../support/paths';
import { describeRun, kubectl, requireKubectl, startApiServer, type ApiServer, type KubectlResult } from '../support/kubectl';
import { apiResources, resourceForKind, type ApiResource } from '../../src/admin/k8s/resources';

/** One Kubernetes object of an example file, as kubectl will name and address it. */
interface ExampleObject {
  file: string;
  raw: Record<string, unknown> & { metadata: Record<string, unknown> };
  resource: ApiResource;
  version: string;
  name: string;
  /** '' for cluster-scoped kinds (kubectl drops a namespace written on them, §4.1). */
  namespace: string;
}

interface ExampleFolder {
  dir: string;
  /** Files kubectl can read; Kuma's universal dialect (type/name/mesh, no apiVersion) is kumactl's, not Kubernetes'. */
  files: string[];
  universalFiles: string[];
  objects: ExampleObject[];
}

function readFolder(dir: string): ExampleFolder {
  const full = repoPath('examples', dir);
  const yamlFiles = fs.readdirSync(full).filter((f) => /\.(ya?ml|json)$/.test(f)).sort();
  const out: ExampleFolder = { dir, files: [], universalFiles: [], objects: [] };
  for (const file of yamlFiles) {
    const docs = YAML.parseAllDocuments(fs.readFileSync(path.join(full, file), 'utf8')).map((d) => d.toJS() as unknown).filter((d) => d !== null && d !== undefined);
    const isKube = (d: unknown): d is ExampleObject['raw'] => typeof d === 'object' && d !== null && 'apiVersion' in d && 'kind' in d && 'metadata' in d;
    if (!docs.every(isKube)) {
      out.universalFiles.push(file);
      continue;
    }
    out.files.push(path.join(full, file));
    for (const raw of docs) out.objects.push(exampleObject(file, raw));
  }
  return out;
}

function exampleObject(file: string, raw: ExampleObject['raw']): ExampleObject {
  const apiVersion = String(raw.apiVersion);
  const slash = apiVersion.lastIndexOf('/');
  const group = slash < 0 ? '' : apiVersion.slice(0, slash);
  const version = apiVersion.slice(slash + 1);
  const resource = resourceForKind(group, String(raw.kind));
  assert.ok(resource, `${file}: ${apiVersion} ${String(raw.kind)} is served`);
  const namespace = resource.namespaced ? String(raw.metadata.namespace ?? 'default') : '';
  return { file, raw, resource, version, name: String(raw.metadata.name), namespace };
}

/** How kubectl names an object in apply/delete output: `virtualservice.networking.istio.io/reviews`, `service/backend`. */
function printedType(o: ExampleObject): string {
  return `${o.resource.kind.toLowerCase()}${o.resource.group ? `.${o.resource.group}` : ''}`;
}

/** A fully qualified resource argument, with the file's version: `virtualservices.v1alpha3.networking.istio.io`. */
function resourceArg(o: ExampleObject): string {
  return o.resource.group ? `${o.resource.plural}.${o.version}.${o.resource.group}` : o.resource.plural;
}

function expectOk(r: KubectlResult): void {
  assert.equal(r.code, 0, describeRun(r));
}

/** Every object has its `<type>/<name> <verb>` line (apply) in kubectl's output. */
function expectApplied(r: KubectlResult, objects: readonly ExampleObject[], verb: string): void {
  expectOk(r);
  const lines = r.stdout.split('\n').map((l) => l.trim()).filter(Boolean);
  for (const o of objects) assert.ok(lines.includes(`${printedType(o)}/${o.name} ${verb}`), `expected "${printedType(o)}/${o.name} ${verb}"\n${describeRun(r)}`);
  assert.equal(lines.length, objects.length, `one line per object\n${describeRun(r)}`);
}

type LiveObject = Record<string, unknown> & { metadata: Record<string, unknown> };

function expectStoredAsSent(o: ExampleObject, live: LiveObject): void {
  const what = `${o.resource.kind} ${o.namespace ? `${o.namespace}/` : ''}${o.name}`;
  assert.equal(live.kind, o.resource.kind, what);
  assert.equal(live.metadata.name, o.name, what);
  if (o.namespace) assert.equal(live.metadata.namespace, o.namespace, what);
  assert.ok((live.metadata.annotations as Record<string, string> | undefined)?.['kubectl.kubernetes.io/last-applied-configuration'], `${what}: annotation kept (§4.3)`);
  assert.match(String(live.metadata.resourceVersion), /^\d+$/, what);
  assert.ok(live.metadata.uid && live.metadata.creationTimestamp, `${what}: uid and creationTimestamp`);
  for (const field of Object.keys(o.raw).filter((f) => !['apiVersion', 'kind', 'metadata', 'status'].includes(f))) {
    assert.deepEqual(live[field], o.raw[field], `${what}: ${field} stored as sent (§4.3)`);
  }
}

function withLabel(raw: ExampleObject['raw'], key: string, value: string): ExampleObject['raw'] {
  const metadata = { ...raw.metadata, labels: { ...(raw.metadata.labels as Record<string, string> | undefined), [key]: value } };
  return { ...raw, metadata };
}

const FOLDERS = fs.readdirSync(repoPath('examples'), { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort();

describe('real kubectl 1.20 against the admin API (issue 5, spec/kubectl-1.20.md)', function () {
  this.timeout(60_000);
  let server: ApiServer | undefined;
  const k = (args: string[], stdin?: string): Promise<KubectlResult> => {
    assert.ok(server, 'server started');
    return kubectl(args, { server: server.url, stdin });
  };

  before(async function () {
    requireKubectl(this);
    server = await startApiServer();
  });
  after(async () => {
    await server?.close();
  });

  it('kubectl is 1.20.2 (§0: another kubectl behaves differently)', async () => {
    const r = await k(['version', '--client']);
    expectOk(r);
    assert.match(r.stdout, /GitVersion:"v1\.20\.2"/, describeRun(r));
  });

  it('§8 api-versions lists every served group version, sorted', async () => {
    const r = await k(['api-versions']);
    expectOk(r);
    const expected = [...new Set(apiResources().flatMap((res) => res.versions.map((v) => (res.group ? `${res.group}/${v}` : v))))].sort();
    assert.deepEqual(r.stdout.trim().split('\n'), expected);
  });

  it('§8 api-resources lists every kind with its short names, scope and kind', async () => {
    const r = await k(['api-resources']);
    expectOk(r);
    const rows = r.stdout.trim().split('\n').map((l) => l.trim().split(/\s+/));
    assert.deepEqual(rows[0], ['NAME', 'SHORTNAMES', 'APIVERSION', 'NAMESPACED', 'KIND']);
    for (const res of apiResources()) {
      const apiVersion = res.group ? `${res.group}/${res.versions[0] ?? ''}` : 'v1';
      const want = [res.plural, ...(res.shortNames.length ? [res.shortNames.join(',')] : []), apiVersion, String(res.namespaced), res.kind];
      assert.ok(rows.some((row) => row.join(' ') === want.join(' ')), `api-resources has "${want.join(' ')}"\n${r.stdout}`);
    }
  });

  it('§2.2 `get retries` means Kuma\'s cluster-scoped Retry; FSM\'s is retries.policy.flomesh.io', async () => {
    const kuma = await k(['get', 'retries']);
    expectOk(kuma);
    assert.equal(kuma.stderr.trim(), 'No resources found', `cluster-scoped: no namespace in the message (§5.2)\n${describeRun(kuma)}`);
    const fsm = await k(['get', 'retries.policy.flomesh.io']);
    expectOk(fsm);
    assert.equal(fsm.stderr.trim(), 'No resources found in default namespace.', describeRun(fsm));
  });

  it('§3 client-side validation from /openapi/v2: a typo at the top level is refused before any request; --validate=false leaves it to the server', async () => {
    const bad = 'apiVersion: networking.istio.io/v1alpha3\nkind: VirtualService\nmetadata:\n  name: typo\nspecs:\n  hosts: [typo]\n';
    const r = await k(['apply', '-f', '-'], bad);
    assert.equal(r.code, 1, describeRun(r));
    assert.match(r.stderr, /error validating data: .*unknown field "specs" in io\.istio\.networking\.v1alpha3\.VirtualService/, describeRun(r));
    assert.match(r.stderr, /missing required field "spec"/, describeRun(r));
    const server422 = await k(['apply', '--validate=false', '-f', '-'], bad);
    assert.equal(server422.code, 1, describeRun(server422));
    assert.match(server422.stderr, /The VirtualService "typo" is invalid/, describeRun(server422));
    const get = await k(['get', 'virtualservices.networking.istio.io', 'typo']);
    assert.equal(get.code, 1, `nothing stored\n${describeRun(get)}`);
  });

  it('§9 a server-side validation error prints kubectl\'s "is invalid" with the field path, and nothing is stored', async () => {
    const bad = [
      'apiVersion: networking.istio.io/v1alpha3', 'kind: VirtualService', 'metadata:', '  name: bad', 'spec:', '  hosts: [bad]', '  http:',
      '  - route: [{destination: {host: bad}}]', '    retries: {attempts: -1}', '',
    ].join('\n');
    const r = await k(['apply', '-f', '-'], bad);
    assert.equal(r.code, 1, describeRun(r));
    assert.match(r.stderr, /The VirtualService "bad" is invalid: spec\.http\[0\]\.retries\.attempts: /, describeRun(r));
    const get = await k(['get', 'virtualservices.networking.istio.io', 'bad']);
    assert.equal(get.code, 1, describeRun(get));
    assert.match(get.stderr, /NotFound/, describeRun(get));
  });

  it('§5.2 categories, --sort-by and --show-labels work from rows[].object; namespaces are listed (§5.6)', async () => {
    const files = ['-f', repoPath('examples', 'local-flaky'), '-f', repoPath('examples', 'istio-ratings-route')];
    try {
      expectOk(await k(['apply', ...files]));
      const category = await k(['get', 'istio-io', '-A']);
      expectOk(category);
      for (const line of ['serviceentry.networking.istio.io/flaky', 'virtualservice.networking.istio.io/ratings-route', 'destinationrule.networking.istio.io/ratings']) {
        assert.ok(category.stdout.includes(line), `${line}\n${describeRun(category)}`);
      }
      // Without rows[].object kubectl 1.20 panics on --sort-by and prints no labels (§11 pitfall 13).
      const sorted = await k(['get', 'vs', '-A', '--sort-by=.metadata.name', '--show-labels']);
      expectOk(sorted);
      const rows = sorted.stdout.trim().split('\n').map((l) => l.trim().split(/\s+/));
      assert.deepEqual(rows[0], ['NAMESPACE', 'NAME', 'GATEWAYS', 'HOSTS', 'AGE', 'LABELS'], describeRun(sorted));
      assert.deepEqual(rows.slice(1).map((r) => r[1]), ['flaky', 'ratings-route'], describeRun(sorted));
      const ns = await k(['get', 'ns']);
      expectOk(ns);
      const names = ns.stdout.trim().split('\n').slice(1).map((l) => l.split(/\s+/)[0]);
      assert.ok(names.includes('default') && names.includes('prod'), describeRun(ns));
    } finally {
      await k(['delete', '--ignore-not-found', ...files]);
    }
  });

  for (const dir of FOLDERS) {
    it(`examples/${dir}: apply → created, get (table, yaml), apply → unchanged, edit → configured, dry run → nothing stored, delete → deleted`, async () => {
      const folder = readFolder(dir);
      assert.ok(folder.objects.length > 0, `examples/${dir} has Kubernetes objects`);
      const fileArgs = folder.universalFiles.length === 0 ? ['-f', repoPath('examples', dir)] : folder.files.flatMap((f) => ['-f', f]);
      try {
        await exerciseFolder(folder, fileArgs);
      } finally {
        // A failure half-way must not leave objects behind for the next folder.
        await k(['delete', '--ignore-not-found', '--wait=false', ...fileArgs]);
      }
    });
  }

  async function exerciseFolder(folder: ExampleFolder, fileArgs: string[]): Promise<void> {
    const dir = folder.dir;

    // Kuma's universal dialect is kumactl's: kubectl refuses it on the client, before any request.
    for (const file of folder.universalFiles) {
      const r = await k(['apply', '-f', repoPath('examples', dir, file)]);
      assert.notEqual(r.code, 0, `kubectl cannot read the universal dialect\n${describeRun(r)}`);
    }

    // §4.1: one GET (404) then one POST per object.
    expectApplied(await k(['apply', ...fileArgs]), folder.objects, 'created');

    // §5.1, §5.2: a Table per kind, with the kind's columns and NAMESPACE from rows[].object.
    const kinds = new Map<string, ExampleObject[]>();
    for (const o of folder.objects) kinds.set(resourceArg(o), [...(kinds.get(resourceArg(o)) ?? []), o]);
    for (const [arg, objects] of kinds) {
      const first = objects[0] as ExampleObject;
      const r = await k(['get', arg, ...(first.namespace ? ['-A'] : [])]);
      expectOk(r);
      const [header, ...rows] = r.stdout.trimEnd().split('\n');
      const columns = first.resource.columns.filter((c) => !c.priority).map((c) => c.name.toUpperCase());
      assert.deepEqual(header?.trim().split(/\s{2,}/), [...(first.namespace ? ['NAMESPACE'] : []), 'NAME', ...columns], describeRun(r));
      for (const o of objects) {
        const row = rows.map((l) => l.trim().split(/\s+/)).find((cells) => (o.namespace ? cells[0] === o.namespace && cells[1] === o.name : cells[0] === o.name));
        assert.ok(row, `${o.namespace}/${o.name} listed\n${describeRun(r)}`);
      }
    }

    // §5.4: -o yaml gives back what was applied, with the last-applied annotation and server metadata
    // (`get -f` GETs each object of the files; several print as kubectl's own List).
    const yamlRun = await k(['get', ...fileArgs, '-o', 'yaml']);
    expectOk(yamlRun);
    const printed = YAML.parse(yamlRun.stdout) as LiveObject & { items?: LiveObject[] };
    const live = folder.objects.length === 1 ? [printed] : printed.items ?? [];
    assert.equal(live.length, folder.objects.length, describeRun(yamlRun));
    folder.objects.forEach((o, i) => expectStoredAsSent(o, live[i] as LiveObject));

    // §4.3: the same files again → no write at all.
    expectApplied(await k(['apply', ...fileArgs]), folder.objects, 'unchanged');

    // §4.2: one edit (a label: valid for every kind) → one PATCH → configured.
    const edited = folder.objects[folder.objects.length - 1] as ExampleObject;
    const editedRaw = withLabel(edited.raw, 'ricochet.test/edited', 'e1');
    expectApplied(await k(['apply', '-f', '-'], YAML.stringify(editedRaw)), [edited], 'configured');

    // §4.6: --dry-run=server answers for an update and a create, and stores neither.
    const dry = { ...edited, name: `${edited.name}-dry` };
    const dryDocs = [withLabel(editedRaw, 'ricochet.test/dry', 'd1'), { ...editedRaw, metadata: { ...editedRaw.metadata, name: dry.name } }];
    const dryRun = await k(['apply', '--dry-run=server', '-f', '-'], dryDocs.map((d) => YAML.stringify(d)).join('---\n'));
    expectOk(dryRun);
    assert.deepEqual(dryRun.stdout.trim().split('\n'), [`${printedType(edited)}/${edited.name} configured (server dry run)`, `${printedType(dry)}/${dry.name} created (server dry run)`], describeRun(dryRun));
    const check = await k(['get', '-f', '-', '-o', 'json'], dryDocs.map((d) => YAML.stringify(d)).join('---\n'));
    assert.equal(check.code, 1, `the dry-run create stored nothing\n${describeRun(check)}`);
    assert.match(check.stderr, new RegExp(`NotFound.*"${dry.name.replace(/\./g, '\\.')}" not found`), describeRun(check));
    const found = JSON.parse(check.stdout) as LiveObject & { items?: LiveObject[] };
    const labels = ((found.items?.[0] ?? found).metadata.labels ?? {}) as Record<string, string>;
    assert.equal(labels['ricochet.test/edited'], 'e1', `the edit is stored\n${describeRun(check)}`);
    assert.equal(labels['ricochet.test/dry'], undefined, `the dry-run update stored nothing\n${describeRun(check)}`);

    // §7: DELETE per object, then the field-selector wait; kubectl must not hang (the runner kills it at 20 s).
    const del = await k(['delete', ...fileArgs]);
    expectOk(del);
    for (const o of folder.objects) {
      const printed = o.resource.group ? `${o.resource.kind.toLowerCase()}.${o.resource.group}` : o.resource.kind.toLowerCase();
      assert.ok(del.stdout.includes(`${printed} "${o.name}" deleted`), `${printed} "${o.name}" deleted\n${describeRun(del)}`);
    }
    const gone = await k(['get', ...fileArgs]);
    assert.equal(gone.code, 1, describeRun(gone));
    assert.equal(gone.stderr.split('\n').filter((l) => l.startsWith('Error from server (NotFound)')).length, folder.objects.length, `every object is gone\n${describeRun(gone)}`);
  }
});
