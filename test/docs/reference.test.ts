/**
 * docs/reference/ (issue 6 item 5: "a reference of every supported field per kind with its
 * default") against the code, so the reference cannot drift:
 *
 * 1. every field path used by every YAML under examples/ is documented for its kind;
 * 2. every documented field, set to its example value on a valid object of its kind, passes the
 *    kind's validation (`validateObject`, what the admin API runs) with exactly the diagnostics
 *    the reference promises (none for a supported field; the named code for one that is ignored
 *    or refused), and every mapping the reference documents fields of really is checked (an
 *    unknown field there is reported), except those it lists as `Unchecked:`;
 * 3. every documented default in a "Defaults checked" table shows up in the Envoy route compiled
 *    without that field (numRetries, perTryTimeout, retryBackOff, retryOn of each retry kind).
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse as parseYaml, parseAllDocuments, stringify } from 'yaml';
import { Codes, type Diagnostic } from '../../src/lib/errors';
import { DEFAULT_COMPILE_OPTIONS, SYSTEMS, validateObject, type CompileOptions } from '../../src/sources';
import { SourceDocument, parseDocuments } from '../../src/sources/document';
import { readHeader } from '../../src/sources/header';
import type { SourceObject } from '../../src/sources/object';
import { proxyIdentityFromOptions } from '../../src/cli/translate';
import { compileYaml, envoyJson } from '../sources/pipeline';
import { repoPath } from '../support/paths';
import {
  formatSegments, isPlainMap, leafPaths, mergeAt, parentPath, parsePath, pathPattern, removeAt, setAt, type Plain,
} from './fieldPaths';
import { readReference, type FieldRow, type KindSection } from './referenceDoc';

const sections = readReference(repoPath('docs', 'reference'));
const common = sections.find((s) => s.id === 'common');
const kindSections = sections.filter((s) => s.id !== 'common');
/** A key no kind has, to check that a mapping's field names are checked. */
const PROBE = 'zzNotAField';

function sectionFor(group: string, kind: string, universal: boolean): KindSection | undefined {
  return kindSections.find((s) => s.group === group && s.kind === kind && s.universal === universal);
}

function sectionById(id: string): KindSection {
  const s = kindSections.find((k) => k.id === id);
  assert.ok(s, `no reference section ${id}`);
  return s;
}

/** The rows that apply to a section: its own, then inherited ones it does not redefine, then the common ones. */
function rowsOf(section: KindSection): FieldRow[] {
  const own = [...section.rows];
  if (section.inherits) {
    const parent = sectionById(section.inherits);
    for (const row of rowsOf(parent)) {
      const paths = row.paths.filter((p) => !section.universal || p.startsWith('spec.'))
        .map((p) => (section.unprefix ? p.replace(new RegExp(`^${section.unprefix}\\.`), '') : p))
        .filter((p) => !own.some((o) => o.paths.includes(p)));
      if (paths.length > 0) own.push({ ...row, paths });
    }
  }
  if (!section.universal && !section.inherits && common) own.push(...common.rows.filter((c) => !own.some((o) => o.field === c.field)));
  return own;
}

/** Whether a row documents a mapping as a whole (its keys are data, not fields). */
const isWhole = (row: FieldRow): boolean => /^(map|any)/i.test(row.type.replace(/`/g, ''));

function documented(rows: FieldRow[], p: string): FieldRow | undefined {
  return rows.find((r) => r.paths.some((d) => pathPattern(d).test(p)));
}

/** The YAML files under examples/, recursively. */
function exampleFiles(dir = repoPath('examples')): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return exampleFiles(full);
    return /\.ya?ml$/.test(e.name) ? [full] : [];
  });
}

function isUniversalDoc(raw: Plain): boolean {
  return raw.apiVersion === undefined && raw.type !== undefined;
}

/** A source object for `value` (as an admin API write would build it), or the header's diagnostics. */
function objectOf(value: Plain): { object?: SourceObject; diagnostics: Diagnostic[] } {
  return readHeader(SourceDocument.fromValue(value));
}

function validate(value: Plain): Diagnostic[] {
  const { object, diagnostics } = objectOf(value);
  return object ? [...diagnostics, ...validateObject(object)] : diagnostics;
}

/** `spec.http[0].retries` → `spec.http[].retries`. */
const normalize = (p: string | undefined): string => (p ?? '').replace(/\[\d+\]/g, '[]');
const under = (p: string, at: string): boolean => p === at || p.startsWith(`${at}.`) || p.startsWith(`${at}[`);
const key = (d: Diagnostic): string => `${d.severity}|${d.code}|${d.location?.path ?? ''}|${d.message}`;
const show = (ds: Diagnostic[]): string => ds.map((d) => `${d.severity} ${d.code} ${d.location?.path ?? ''}: ${d.message}`).join('\n  ') || '(none)';

/** The object each section's checks start from: its `base=` example, else its minimal YAML block. */
function baseObject(section: KindSection): Plain {
  if (section.base) {
    const text = fs.readFileSync(repoPath(section.base), 'utf8');
    for (const doc of parseAllDocuments(text)) {
      const raw: unknown = doc.toJS();
      if (!isPlainMap(raw)) continue;
      const header = objectOf(raw).object;
      if (header && header.group === section.group && header.kind === section.kind && isUniversalDoc(raw) === section.universal) return raw;
    }
    assert.fail(`${section.where}: ${section.base} has no ${section.id}`);
  }
  assert.ok(section.minimal, `${section.where}: ${section.id} needs base=examples/... or a minimal \`\`\`yaml block`);
  const raw: unknown = parseYaml(section.minimal);
  assert.ok(isPlainMap(raw), `${section.where}: the minimal block is not a mapping`);
  return raw;
}

describe('docs/reference: the field reference agrees with the code (issue 6 item 5)', () => {
  it('has a section for every kind Ricochet reads, and both dialects of the Kuma kinds', () => {
    const missing: string[] = [];
    for (const system of SYSTEMS) {
      for (const k of system.kinds) {
        if (!sectionFor(k.group, k.kind, false)) missing.push(`${k.group || 'core'}/${k.kind}`);
        if (system.name === 'kuma' && !sectionFor(k.group, k.kind, true)) missing.push(`${k.group}/${k.kind} universal`);
      }
    }
    assert.deepEqual(missing, [], 'kinds without a reference section');
    assert.ok(common && common.rows.length > 0, 'docs/reference/README.md documents the common fields');
    for (const s of kindSections) {
      assert.ok(s.rows.some((r) => r.supported), `${s.where}: ${s.id} has no supported-fields table`);
      for (const r of s.rows) assert.ok(r.hasExample, `${r.where}: ${r.field} has no example`);
    }
  });

  it('documents every field path the YAML under examples/ uses, for its kind', () => {
    const problems: string[] = [];
    let checked = 0;
    for (const file of exampleFiles()) {
      const parsed = parseDocuments(file, fs.readFileSync(file, 'utf8'));
      for (const doc of parsed.documents) {
        const raw = doc.value;
        // Only source objects have kinds; other YAML (a bootstrap, a compose file) is not documented here.
        if (!isPlainMap(raw) || (raw.kind === undefined && raw.type === undefined)) continue;
        const object = objectOf(raw).object;
        const where = `${path.relative(repoPath(), file)} (document ${doc.index + 1})`;
        if (!object) {
          problems.push(`${where}: not an object Ricochet reads`);
          continue;
        }
        const section = sectionFor(object.group, object.kind, isUniversalDoc(raw));
        if (!section) {
          problems.push(`${where}: no reference section for ${object.apiVersion} ${object.kind}`);
          continue;
        }
        const rows = rowsOf(section);
        const stop = (p: string): boolean => rows.some((r) => isWhole(r) && r.paths.some((d) => pathPattern(d).test(p)));
        for (const leaf of leafPaths(raw, stop)) {
          checked++;
          if (!documented(rows, leaf)) problems.push(`${where}: ${leaf} is not in the reference for ${section.id}`);
        }
      }
    }
    assert.ok(checked > 100, `only ${checked} field paths found under examples/`);
    assert.deepEqual(problems, [], 'fields used by examples/ but missing from docs/reference');
  });

  it('accepts every documented field with exactly the diagnostics the reference promises', () => {
    const problems: string[] = [];
    for (const section of kindSections) {
      const base = baseObject(section);
      const baseFindings = validate(base);
      const bad = baseFindings.filter((d) => d.severity === 'Error' || (d.code === Codes.UnsupportedField && d.severity === 'Warning'));
      if (bad.length > 0) problems.push(`${section.where}: the base object of ${section.id} is not clean:\n  ${show(bad)}`);
      const before = new Set(baseFindings.map(key));
      for (const row of rowsOf(section)) {
        if (!row.hasExample) continue;
        for (const p of row.paths) {
          const problem = checkRow(base, before, row, p);
          if (problem) problems.push(`${row.where}: ${section.id} ${p} = ${JSON.stringify(row.example)}: ${problem}`);
        }
      }
    }
    assert.deepEqual(problems, [], 'documented fields the code treats differently');
  });

  it('checks field names wherever it documents fields (except where it says Unchecked), and documents every field accepted there', () => {
    const problems: string[] = [];
    for (const section of kindSections) {
      const base = baseObject(section);
      const rows = rowsOf(section);
      const own = rows.filter((r) => !common?.rows.some((c) => c.where === r.where));
      const wholes = rows.filter(isWhole).flatMap((r) => r.paths.map((p) => formatSegments(parsePath(p), true)));
      const parents = new Set<string>();
      const addParent = (parent: string): void => {
        if (!section.universal && (parent === '' || parent === 'metadata')) return; // the admin API checks these (src/admin/k8s/validate.ts)
        if (wholes.some((w) => under(parent, w))) return;
        parents.add(parent);
      };
      for (const row of own) {
        for (const p of row.paths) {
          const segments = parsePath(p);
          const last = segments[segments.length - 1];
          if (last && 'anyKey' in last && last.anyKey) continue; // a map's keys are data
          addParent(formatSegments(segments.slice(0, -1), true));
          // An object documented as such is a place whose fields are documented too.
          if (/^object/.test(row.type)) addParent(formatSegments(segments, true));
        }
      }
      const unchecked = section.unchecked;
      for (const parent of parents) {
        const value = structuredClone(base);
        const at = parent === '' ? PROBE : `${parent}.${PROBE}`;
        setAt(value, at, true);
        const finding = validate(value).find((d) => d.code === Codes.UnsupportedField && d.severity === 'Warning' && normalize(d.location?.path) === at);
        const declared = unchecked.includes(parent);
        if (!finding && !declared) problems.push(`${section.where}: ${section.id}: an unknown field under ${parent || '(top level)'} is not reported; list it as Unchecked or check it`);
        if (finding && declared) problems.push(`${section.where}: ${section.id}: ${parent} is listed as Unchecked, but unknown fields there are reported`);
        for (const accepted of acceptedKeys(finding)) {
          const field = parent === '' ? accepted : `${parent}.${accepted}`;
          if (!documentedOrAbove(rows, field)) problems.push(`${section.where}: ${section.id}: the code accepts ${field}, the reference does not document it`);
        }
      }
      for (const u of unchecked) {
        if (!parents.has(u)) problems.push(`${section.where}: ${section.id}: Unchecked ${u} documents no field`);
      }
    }
    assert.deepEqual(problems, [], 'mappings whose fields are handled differently from what the reference says');
  });

  describe('documented defaults show up in the compiled Envoy route', () => {
    for (const section of kindSections) {
      for (const check of section.defaults) {
        const flags = Object.entries(check.flags).map(([k, v]) => ` --${k} ${v}`).join('');
        it(`${section.id}: ${check.dir}${flags} → ${check.cluster}`, () => {
          const proxy = proxyIdentityFromOptions({
            namespace: check.flags.namespace, serviceAccount: check.flags['service-account'], labels: check.flags.labels,
            role: check.flags.role as 'sidecar' | 'gateway' | undefined, gateway: check.flags.gateway,
          });
          assert.ok(typeof proxy !== 'string', `${check.where}: ${String(proxy)}`);
          assert.ok(check.rows.length > 0, `${check.where}: no rows`);
          const problems: string[] = [];
          for (const row of check.rows) {
            const text = sourcesWith(check.dir, section, (raw) => {
              for (const c of row.changes) {
                if (c.remove) removeAt(raw, c.path);
                else setEverywhere(raw, c.path, c.value);
              }
            });
            const policyFlag = check.flags['default-retry-policy'];
            const options = policyFlag === undefined ? DEFAULT_COMPILE_OPTIONS : { defaultRetryPolicy: policyFlag as CompileOptions['defaultRetryPolicy'] };
            const compiled = compileYaml(text, proxy, options);
            const errors = compiled.diagnostics.filter((d) => d.severity === 'Error');
            if (errors.length > 0) {
              problems.push(`${row.where}: the changed sources do not compile:\n  ${show(errors)}`);
              continue;
            }
            const policy = retryPolicyTo(envoyJson(compiled.mesh), check.cluster);
            if (policy === 'no route') {
              problems.push(`${row.where}: no route to ${check.cluster}`);
              continue;
            }
            const actual = row.envoyField === 'retryPolicy' ? policy : policy?.[row.envoyField];
            try {
              assert.deepEqual(actual, row.expected);
            } catch {
              problems.push(`${row.where}: ${row.envoyField} is ${JSON.stringify(actual)}, the reference says ${row.expected === undefined ? 'absent' : JSON.stringify(row.expected)}`);
            }
          }
          assert.deepEqual(problems, []);
        });
      }
    }
  });
});

/** The keys an "unknown field" warning lists as accepted at its place (src/sources/fields.ts checkFields). */
function acceptedKeys(finding: Diagnostic | undefined): string[] {
  const m = finding ? /; accepted here: (.*)$/.exec(finding.message) : null;
  return m ? m[1].split(', ').filter((k) => k !== '') : [];
}

/** Whether `field` (a concrete path) is documented, or lies on the way to a documented field. */
function documentedOrAbove(rows: FieldRow[], field: string): boolean {
  return rows.some((r) => r.paths.some((d) => {
    const segments = parsePath(d);
    return segments.some((_, n) => pathPattern(formatSegments(segments.slice(0, n + 1))).test(field));
  }));
}

/** Sets a field in its example's object and checks the findings against the row; a problem, or undefined. */
function checkRow(base: Plain, before: Set<string>, row: FieldRow, p: string): string | undefined {
  const value = structuredClone(base);
  const concrete = formatSegments(parsePath(p), true);
  try {
    setAt(value, concrete, row.example);
    if (Object.keys(row.companions).length > 0) mergeAt(value, parentPath(concrete), row.companions);
  } catch (err) {
    return `cannot set it on the base object (${(err as Error).message})`;
  }
  const found = validate(value).filter((d) => !before.has(key(d)));
  const errors = found.filter((d) => d.severity === 'Error' && !row.expected.some((e) => e.severity === 'Error' && e.code === d.code));
  if (errors.length > 0) return `rejected:\n  ${show(errors)}`;
  // A finding about the field may sit at it, under it, or at a mapping that holds it (`retriableResponseHeaders`).
  const near = (d: Diagnostic): boolean => under(normalize(d.location?.path), concrete) || under(concrete, normalize(d.location?.path));
  for (const e of row.expected) {
    if (!found.some((d) => d.severity === e.severity && d.code === e.code && near(d))) return `expected ${e.severity} ${e.code}, got:\n  ${show(found)}`;
  }
  const unexpected = found.filter((d) => d.code === Codes.UnsupportedField && d.severity !== 'Info' && under(normalize(d.location?.path), concrete)
    && !row.expected.some((e) => e.severity === d.severity && e.code === d.code));
  if (unexpected.length > 0) return `not documented as ignored or warned, but:\n  ${show(unexpected)}`;
  return undefined;
}

/** Sets `value` at `p` in every element a `[]` step reaches (a defaults row changes every rule, say). */
function setEverywhere(root: unknown, p: string, value: unknown): void {
  const segments = parsePath(p);
  const go = (cur: unknown, i: number): void => {
    if (i === segments.length - 1) {
      const s = segments[i];
      if (isPlainMap(cur) && !('list' in s)) cur[s.key] = structuredClone(value);
      return;
    }
    const s = segments[i];
    if ('list' in s) {
      if (Array.isArray(cur)) for (const item of cur) go(item, i + 1);
    } else if (isPlainMap(cur)) {
      go(cur[s.key], i + 1);
    }
  };
  go(root, 0);
}

/** All YAML of `dir`, with `change` applied to the objects of the section's kind. */
function sourcesWith(dir: string, section: KindSection, change: (raw: Plain) => void): string {
  const texts: string[] = [];
  const files = fs.readdirSync(repoPath(dir)).filter((f) => /\.ya?ml$/.test(f)).sort();
  for (const f of files) {
    for (const doc of parseAllDocuments(fs.readFileSync(repoPath(dir, f), 'utf8'))) {
      const raw: unknown = doc.toJS();
      if (!isPlainMap(raw)) continue;
      const object = objectOf(raw).object;
      if (object && object.group === section.group && object.kind === section.kind && isUniversalDoc(raw) === section.universal) change(raw);
      texts.push(stringify(raw));
    }
  }
  return texts.join('---\n');
}

type JsonMap = Record<string, unknown>;

/** The retry policy Envoy applies on the first route to `cluster`: the route's, else its virtual host's. */
function retryPolicyTo(resources: JsonMap, cluster: string): JsonMap | undefined | 'no route' {
  const configs = Array.isArray(resources.routes) ? resources.routes.filter(isPlainMap) : [];
  for (const config of configs) {
    const hosts = Array.isArray(config.virtualHosts) ? config.virtualHosts.filter(isPlainMap) : [];
    for (const vh of hosts) {
      const routes = Array.isArray(vh.routes) ? vh.routes.filter(isPlainMap) : [];
      for (const route of routes) {
        const action = isPlainMap(route.route) ? route.route : undefined;
        if (!action || !sendsTo(action, cluster)) continue;
        const own = isPlainMap(action.retryPolicy) ? action.retryPolicy : undefined;
        return own ?? (isPlainMap(vh.retryPolicy) ? vh.retryPolicy : undefined);
      }
    }
  }
  return 'no route';
}

function sendsTo(action: JsonMap, cluster: string): boolean {
  if (action.cluster === cluster) return true;
  const weighted = isPlainMap(action.weightedClusters) && Array.isArray(action.weightedClusters.clusters) ? action.weightedClusters.clusters : [];
  return weighted.some((c) => isPlainMap(c) && c.name === cluster);
}
