/**
 * Field paths as the reference writes them (`spec.http[].retries.perTryTimeout`): parsing, matching
 * a path seen in a YAML object against a documented one, walking an object to the paths it uses,
 * and setting or removing a field on a plain object. `[]` is "any element of a list" (index 0 when
 * setting); `<word>` is "any key of a map" (the key `word` when setting).
 */

export type Segment = { key: string; anyKey: boolean } | { list: true };

/** `a.b[].<name>.c` → segments. */
export function parsePath(path: string): Segment[] {
  const out: Segment[] = [];
  for (const m of path.matchAll(/\[\]|[^.[\]]+/g)) {
    const token = m[0];
    if (token === '[]') out.push({ list: true });
    else if (/^<[^>]+>$/.test(token)) out.push({ key: token.slice(1, -1), anyKey: true });
    else out.push({ key: token, anyKey: false });
  }
  return out;
}

/** Segments → text (`a.b[].c`), with `<word>` written as the literal key `word` when `concrete`. */
export function formatSegments(segments: readonly Segment[], concrete = false): string {
  let out = '';
  for (const s of segments) {
    if ('list' in s) out += '[]';
    else {
      const key = s.anyKey && !concrete ? `<${s.key}>` : s.key;
      out += out === '' ? key : `.${key}`;
    }
  }
  return out;
}

/** A regular expression that matches the concrete paths a documented path stands for. */
export function pathPattern(documented: string): RegExp {
  const body = documented
    .split(/(\[\]|<[^>]+>)/)
    .map((part) => (part === '[]' ? '\\[\\]' : /^<[^>]+>$/.test(part) ? '[^.\\[\\]]+' : part.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')))
    .join('');
  return new RegExp(`^${body}$`);
}

/** The parent of a path (`a.b[].c` → `a.b[]`, `a` → ''). */
export function parentPath(path: string): string {
  const segments = parsePath(path);
  segments.pop();
  return formatSegments(segments);
}

export type Plain = Record<string, unknown>;

export function isPlainMap(value: unknown): value is Plain {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

/**
 * Every leaf path an object uses: scalars, lists of scalars (written without `[]`), empty
 * collections, and mappings `stopAt` says are documented as a whole (a `map[...]`).
 */
export function leafPaths(value: unknown, stopAt: (path: string) => boolean, path = ''): string[] {
  if (Array.isArray(value)) {
    if (value.length === 0 || value.every((v) => !isPlainMap(v) && !Array.isArray(v))) return [path];
    return value.flatMap((v) => leafPaths(v, stopAt, `${path}[]`));
  }
  if (isPlainMap(value)) {
    const keys = Object.keys(value);
    if (keys.length === 0 || (path !== '' && stopAt(path))) return [path];
    return keys.flatMap((k) => leafPaths(value[k], stopAt, path === '' ? k : `${path}.${k}`));
  }
  return [path];
}

/** Sets `value` at `path`, creating maps and one-element lists on the way; list steps take element 0. */
export function setAt(root: Plain, path: string, value: unknown): void {
  const segments = parsePath(path);
  let cur: unknown = root;
  for (let i = 0; i < segments.length; i++) {
    const s = segments[i];
    const last = i === segments.length - 1;
    const next = segments[i + 1];
    if ('list' in s) {
      if (!Array.isArray(cur)) throw new Error(`${path}: no list at step ${i}`);
      if (cur.length === 0 || !isPlainMap(cur[0])) cur[0] = {};
      cur = cur[0];
      continue;
    }
    if (!isPlainMap(cur)) throw new Error(`${path}: no mapping at step ${i}`);
    if (last) {
      cur[s.key] = structuredClone(value);
      return;
    }
    const wantList = next !== undefined && 'list' in next;
    const existing = cur[s.key];
    if (wantList ? !Array.isArray(existing) : !isPlainMap(existing)) cur[s.key] = wantList ? [] : {};
    cur = cur[s.key];
  }
}

/** Removes the field at `path` from every element a `[]` step reaches. */
export function removeAt(root: unknown, path: string): void {
  removeSegments(root, parsePath(path));
}

function removeSegments(cur: unknown, segments: readonly Segment[]): void {
  if (segments.length === 0) return;
  const [s, ...rest] = segments;
  if ('list' in s) {
    if (Array.isArray(cur)) for (const item of cur) removeSegments(item, rest);
    return;
  }
  if (!isPlainMap(cur)) return;
  if (rest.length === 0) delete cur[s.key];
  else removeSegments(cur[s.key], rest);
}

/**
 * Sets an example's companion fields: each key is a path relative to the mapping at `path`; a
 * leading `../` goes up one mapping (`../ip` next to `addresses[].targetRef.kind` is `addresses[].ip`).
 */
export function mergeAt(root: Plain, path: string, extra: Plain): void {
  for (const [key, value] of Object.entries(extra)) {
    const segments = parsePath(path);
    let rest = key;
    while (rest.startsWith('../')) {
      rest = rest.slice(3);
      const popped = segments.pop();
      if (popped && 'list' in popped) segments.pop();
    }
    const base = formatSegments(segments, true);
    setAt(root, base === '' ? rest : `${base}.${rest}`, value);
  }
}
