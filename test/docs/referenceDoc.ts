/**
 * Reads the field reference (docs/reference/*.md) into data the test can check. The pages keep a
 * small, regular format (docs/reference/README.md, "How the pages are checked"):
 *
 * - `<!-- kind: GROUP/Kind [universal] [inherits=GROUP/Kind] [unprefix=spec] [base=examples/…] -->`
 *   starts a kind's section (`core` is the core group; `<!-- kind: common -->` the fields every
 *   Kubernetes-style object has);
 * - a table whose header starts `field` and has a `Ricochet` column lists the fields Ricochet
 *   supports; one whose header has `what happens` lists the fields it does not; one starting
 *   `placeholder` defines `{name}` prefixes; one starting `left out` lists defaults checked on the
 *   compiled route of the `Defaults checked:` line before it;
 * - `Unchecked:` lists mappings whose field names Ricochet does not check;
 * - the first ```yaml block is the section's minimal object (the base when there is no `base=`).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { isPlainMap, type Plain } from './fieldPaths';

export interface ExpectedDiagnostic {
  severity: 'Error' | 'Warning' | 'Info';
  code: string;
}

export interface FieldRow {
  /** The field as written in the table (may use `{placeholders}`). */
  field: string;
  /** The concrete documented paths it stands for. */
  paths: string[];
  type: string;
  /** Whether the row is in a supported-fields table (else: a not-supported table). */
  supported: boolean;
  /** The example value, parsed as YAML; `hasExample` false when the cell has none. */
  example: unknown;
  hasExample: boolean;
  /** Fields set next to it (on its parent) for the example to make a valid object. */
  companions: Plain;
  /** Diagnostics the example must produce (the Ricochet / diagnostic column). */
  expected: ExpectedDiagnostic[];
  where: string;
}

export interface DefaultChange {
  path: string;
  /** Undefined: the field is removed. */
  value?: unknown;
  remove: boolean;
}

export interface DefaultRow {
  changes: DefaultChange[];
  /** `retryPolicy` (the whole policy) or one of its fields, e.g. `numRetries`. */
  envoyField: string;
  /** Undefined when the cell says `absent`. */
  expected: unknown;
  where: string;
}

export interface DefaultsCheck {
  /** Directory under the repository (`examples/local-flaky`). */
  dir: string;
  /** `ricochet translate` identity flags, e.g. `--namespace curl`. */
  flags: Record<string, string>;
  /** The Envoy cluster the checked route sends to. */
  cluster: string;
  rows: DefaultRow[];
  where: string;
}

export interface KindSection {
  /** `networking.istio.io/VirtualService`, `kuma.io/Retry universal`, or `common`. */
  id: string;
  group: string;
  kind: string;
  universal: boolean;
  inherits?: string;
  unprefix?: string;
  base?: string;
  minimal?: string;
  rows: FieldRow[];
  unchecked: string[];
  defaults: DefaultsCheck[];
  where: string;
}

const MARKER = /^<!--\s*kind:\s*(.+?)\s*-->$/;
const DEFAULTS_LINE = /^Defaults checked: `ricochet translate -f ([^\s`]+)([^`]*)` → route to `([^`]+)`/;

/** Every section of every page under `dir`, in file order. */
export function readReference(dir: string): KindSection[] {
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.md')).sort();
  return files.flatMap((f) => readPage(path.join(dir, f), `docs/reference/${f}`));
}

function readPage(file: string, name: string): KindSection[] {
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  const sections: KindSection[] = [];
  let current: KindSection | undefined;
  let placeholders = new Map<string, string[]>();
  let pendingDefaults: DefaultsCheck | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    const where = `${name}:${i + 1}`;
    const marker = MARKER.exec(line);
    if (marker) {
      current = newSection(marker[1], where);
      sections.push(current);
      placeholders = new Map();
      pendingDefaults = undefined;
      continue;
    }
    if (!current) continue;
    if (line.startsWith('```yaml') && current.minimal === undefined) {
      const end = lines.findIndex((l, k) => k > i && l.trim().startsWith('```'));
      current.minimal = lines.slice(i + 1, end).join('\n');
      i = end;
      continue;
    }
    if (line.startsWith('Unchecked:')) {
      current.unchecked.push(...codeSpans(line.split('(')[0]).flatMap((u) => expand(u, placeholders)));
      continue;
    }
    const defaults = DEFAULTS_LINE.exec(line);
    if (defaults) {
      pendingDefaults = { dir: defaults[1], flags: parseFlags(defaults[2]), cluster: defaults[3], rows: [], where };
      current.defaults.push(pendingDefaults);
      continue;
    }
    if (!line.startsWith('|')) continue;
    const table: string[][] = [];
    let k = i;
    for (; k < lines.length && lines[k].trim().startsWith('|'); k++) table.push(splitRow(lines[k]));
    readTable(table, current, placeholders, pendingDefaults, name, i + 1);
    i = k - 1;
  }
  return sections;
}

function newSection(text: string, where: string): KindSection {
  const [id, ...options] = text.split(/\s+/);
  const section: KindSection = { id, group: '', kind: '', universal: false, rows: [], unchecked: [], defaults: [], where };
  if (id !== 'common') {
    const slash = id.lastIndexOf('/');
    const group = id.slice(0, slash);
    section.group = group === 'core' ? '' : group;
    section.kind = id.slice(slash + 1);
  }
  for (const option of options) {
    const [key, value] = option.split('=');
    if (key === 'universal') section.universal = true;
    else if (key === 'inherits') section.inherits = value;
    else if (key === 'unprefix') section.unprefix = value;
    else if (key === 'base') section.base = value;
    else throw new Error(`${where}: unknown marker option ${option}`);
  }
  if (section.universal) section.id = `${id} universal`;
  return section;
}

/** Cells of a table row; `\|` is a literal pipe. */
function splitRow(line: string): string[] {
  const cells = line.trim().replace(/^\|/, '').replace(/\|$/, '').split(/(?<!\\)\|/);
  return cells.map((c) => c.trim().replace(/\\\|/g, '|'));
}

function codeSpans(text: string): string[] {
  return [...text.matchAll(/`([^`]+)`/g)].map((m) => m[1]);
}

function readTable(
  table: string[][], section: KindSection, placeholders: Map<string, string[]>, defaults: DefaultsCheck | undefined, file: string, firstLine: number,
): void {
  const header = table[0].map((h) => h.replace(/`/g, '').toLowerCase());
  const body = table.slice(2);
  const col = (name: string): number => header.findIndex((h) => h.startsWith(name));
  const where = (n: number): string => `${file}:${firstLine + 2 + n}`;
  if (header[0] === 'placeholder') {
    body.forEach((r) => placeholders.set(codeSpans(r[0])[0], codeSpans(r[1])));
  } else if (header[0] === 'left out') {
    if (!defaults) throw new Error(`${where(0)}: a "left out" table needs a "Defaults checked:" line before it`);
    body.forEach((r, n) => defaults.rows.push(defaultRow(r, where(n))));
  } else if (header[0] === 'field' && (col('ricochet') >= 0 || col('what happens') >= 0)) {
    const supported = col('ricochet') >= 0;
    const diagColumn = supported ? col('ricochet') : col('diagnostic');
    body.forEach((r, n) => {
      const field = codeSpans(r[0])[0];
      if (field === undefined) throw new Error(`${where(n)}: the field cell has no \`path\``);
      section.rows.push({
        field,
        paths: expand(field, placeholders),
        type: col('type') >= 0 ? r[col('type')] : '',
        supported,
        ...example(r[col('example')] ?? '', where(n)),
        expected: diagnostics(r[diagColumn] ?? ''),
        where: where(n),
      });
    });
  }
}

/** `{tp}.x` → every path `{tp}` stands for, recursively. */
function expand(field: string, placeholders: Map<string, string[]>): string[] {
  const m = /\{[a-z]+\}/.exec(field);
  if (!m) return [field];
  const values = placeholders.get(m[0]);
  if (!values) throw new Error(`placeholder ${m[0]} is not defined before ${field}`);
  return values.flatMap((v) => expand(field.replace(m[0], v), placeholders));
}

function example(cell: string, where: string): { example: unknown; hasExample: boolean; companions: Plain } {
  const spans = codeSpans(cell);
  if (spans.length === 0) return { example: undefined, hasExample: false, companions: {} };
  const companions: Plain = {};
  const withAt = cell.indexOf(' with ');
  if (withAt >= 0) {
    for (const span of codeSpans(cell.slice(withAt))) {
      const parsed: unknown = parseYaml(span);
      if (!isPlainMap(parsed)) throw new Error(`${where}: companion ${span} is not a key: value`);
      Object.assign(companions, parsed);
    }
  }
  return { example: parseYaml(spans[0]) as unknown, hasExample: true, companions };
}

function diagnostics(cell: string): ExpectedDiagnostic[] {
  return [...cell.matchAll(/\b(Error|Warning|Info) (RCO\d{4})\b/g)].map((m) => ({ severity: m[1] as ExpectedDiagnostic['severity'], code: m[2] }));
}

function defaultRow(r: string[], where: string): DefaultRow {
  const changes = codeSpans(r[0]).map((span): DefaultChange => {
    const colon = span.indexOf(': ');
    return colon < 0 ? { path: span, remove: true } : { path: span.slice(0, colon), value: parseYaml(span.slice(colon + 2)) as unknown, remove: false };
  });
  const envoyField = codeSpans(r[1])[0];
  const value = codeSpans(r[2])[0];
  const absent = value === undefined && /absent/.test(r[2]);
  if (envoyField === undefined || (value === undefined && !absent)) throw new Error(`${where}: a defaults row needs \`field\` and \`value\` or "absent"`);
  return { changes, envoyField, expected: absent ? undefined : (parseYaml(value) as unknown), where };
}

/** `--namespace curl --labels a=b` → `{namespace: 'curl', labels: 'a=b'}`. */
function parseFlags(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const words = text.trim().split(/\s+/).filter((w) => w !== '');
  for (let i = 0; i < words.length; i += 2) {
    if (!words[i].startsWith('--') || words[i + 1] === undefined) throw new Error(`cannot read translate flags ${JSON.stringify(text)}`);
    out[words[i].slice(2)] = words[i + 1];
  }
  return out;
}
