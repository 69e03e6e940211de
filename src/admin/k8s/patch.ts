/**
 * PATCH bodies (spec/kubectl-1.20.md §4.2, §10): kubectl's client-side apply sends a JSON merge
 * patch (RFC 7386) for every custom resource and a strategic merge patch for core kinds (a
 * Service's `spec.ports` merged by `port`, `$patch: delete`, `$setElementOrder/…`). `kubectl
 * patch --type json` sends an RFC 6902 JSON patch. Every function returns a new value; the input
 * (a frozen stored object) is never touched. A malformed patch is a BadRequest.
 */
import { deepClone, deepEqual, isJsonMap, own, setOwn, type JsonMap } from './json';
import { badRequest } from './status';

/** RFC 7386: maps merge recursively, `null` deletes, anything else (lists included) replaces. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isJsonMap(patch)) return deepClone(patch);
  const result: JsonMap = isJsonMap(target) ? deepClone(target) : {};
  for (const key of Object.keys(patch)) {
    const value = patch[key];
    if (value === null) delete result[key];
    else setOwn(result, key, mergePatch(own(result, key), value));
  }
  return result;
}

/** How a list at a field path (indexes dropped: `spec.containers.ports`) merges in a strategic merge patch. */
export interface ListStrategy {
  /** Items are maps merged by this key (`patchMergeKey`). */
  mergeKey?: string;
  /** A list of scalars merged as a set (`patchStrategy: merge` without a key, e.g. finalizers). */
  mergeScalars?: boolean;
}

/** `patchStrategy`/`patchMergeKey` of the core kinds Ricochet reads (k8s.io/api core/v1, discovery/v1). Lists not named replace. */
const CORE_LISTS: Record<string, Record<string, ListStrategy>> = {
  '*': {
    'metadata.ownerReferences': { mergeKey: 'uid' },
    'metadata.finalizers': { mergeScalars: true },
  },
  Service: {
    'spec.ports': { mergeKey: 'port' },
  },
  Pod: {
    'spec.containers': { mergeKey: 'name' },
    'spec.initContainers': { mergeKey: 'name' },
    'spec.ephemeralContainers': { mergeKey: 'name' },
    'spec.containers.ports': { mergeKey: 'containerPort' },
    'spec.initContainers.ports': { mergeKey: 'containerPort' },
    'spec.containers.env': { mergeKey: 'name' },
    'spec.initContainers.env': { mergeKey: 'name' },
    'spec.containers.volumeMounts': { mergeKey: 'mountPath' },
    'spec.initContainers.volumeMounts': { mergeKey: 'mountPath' },
    'spec.volumes': { mergeKey: 'name' },
    'spec.imagePullSecrets': { mergeKey: 'name' },
    'spec.hostAliases': { mergeKey: 'ip' },
  },
  // Endpoints `subsets` and EndpointSlice `endpoints`/`ports` carry no patch strategy upstream
  // (atomic lists): a strategic merge patch replaces them whole, as written here by omission.
};

export function listStrategy(kind: string, path: string): ListStrategy {
  return CORE_LISTS[kind]?.[path] ?? CORE_LISTS['*'][path] ?? {};
}

const SET_ORDER = '$setElementOrder/';
const DELETE_FROM = '$deleteFromPrimitiveList/';

/** A strategic merge patch for an object of `kind` (apimachinery's strategicpatch, the parts kubectl sends). */
export function strategicMergePatch(kind: string, target: unknown, patch: unknown): unknown {
  if (!isJsonMap(patch)) throw badRequest('a strategic merge patch must be a JSON object');
  const merged = mergeMap(kind, isJsonMap(target) ? target : {}, patch, '');
  if (merged === undefined) throw badRequest('a strategic merge patch cannot delete the whole object ($patch: delete at the top)');
  return merged;
}

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

/** Merges a patch map into a map; undefined means "delete this map" (`$patch: delete`). */
function mergeMap(kind: string, original: JsonMap, patch: JsonMap, path: string): JsonMap | undefined {
  const directive = own(patch, '$patch');
  if (directive === 'delete') return undefined;
  if (directive === 'replace') return stripDirectives(patch) as JsonMap;
  if (directive !== undefined && directive !== 'merge') throw badRequest(`unknown $patch directive ${JSON.stringify(directive)} at ${path || 'the top'}; accepted: merge, replace, delete`);
  const result = deepClone(original);
  const orders = new Map<string, unknown[]>();
  for (const key of Object.keys(patch)) {
    const value = patch[key];
    if (key === '$patch') continue;
    if (key === '$retainKeys') continue;
    if (key.startsWith(SET_ORDER)) {
      orders.set(key.slice(SET_ORDER.length), asList(value, key, path));
      continue;
    }
    if (key.startsWith(DELETE_FROM)) {
      const field = key.slice(DELETE_FROM.length);
      const remove = asList(value, key, path);
      const current = own(result, field);
      if (Array.isArray(current)) setOwn(result, field, current.filter((v) => !remove.some((r) => deepEqual(r, v))));
      continue;
    }
    if (key.startsWith('$')) throw badRequest(`unknown strategic merge patch directive ${JSON.stringify(key)} at ${path || 'the top'}`);
    mergeField(kind, result, key, value, join(path, key));
  }
  for (const [field, order] of orders) {
    const current = own(result, field);
    if (Array.isArray(current)) setOwn(result, field, ordered(current, order, listStrategy(kind, join(path, field)).mergeKey));
  }
  const retain = own(patch, '$retainKeys');
  if (retain !== undefined) {
    const keep = asList(retain, '$retainKeys', path);
    for (const key of Object.keys(result)) if (!keep.includes(key)) delete result[key];
  }
  return result;
}

function mergeField(kind: string, result: JsonMap, key: string, value: unknown, path: string): void {
  if (value === null) {
    delete result[key];
    return;
  }
  if (isJsonMap(value)) {
    const current = own(result, key);
    const merged = mergeMap(kind, isJsonMap(current) ? current : {}, value, path);
    if (merged === undefined) delete result[key];
    else setOwn(result, key, merged);
    return;
  }
  if (Array.isArray(value)) {
    setOwn(result, key, mergeList(kind, own(result, key), value, path));
    return;
  }
  setOwn(result, key, value);
}

function mergeList(kind: string, current: unknown, patch: unknown[], path: string): unknown[] {
  const strategy = listStrategy(kind, path);
  if (strategy.mergeScalars) {
    const out = Array.isArray(current) ? deepClone(current) : [];
    for (const v of patch) if (!out.some((o) => deepEqual(o, v))) out.push(deepClone(v));
    return out;
  }
  const key = strategy.mergeKey;
  if (!key || patch.some((item) => isJsonMap(item) && own(item, '$patch') === 'replace')) {
    return patch.filter((item) => !(isJsonMap(item) && own(item, '$patch') === 'replace')).map(stripDirectives);
  }
  const out: unknown[] = Array.isArray(current) ? deepClone(current) : [];
  for (const item of patch) {
    if (!isJsonMap(item)) throw badRequest(`${path}: items must be objects merged by ${key}, got ${JSON.stringify(item)}`);
    const id = own(item, key);
    if (id === undefined) throw badRequest(`${path}: an item has no merge key ${JSON.stringify(key)}`);
    const at = out.findIndex((o) => isJsonMap(o) && deepEqual(own(o, key), id));
    if (own(item, '$patch') === 'delete') {
      if (at >= 0) out.splice(at, 1);
      continue;
    }
    const merged = mergeMap(kind, at >= 0 ? (out[at] as JsonMap) : {}, item, path);
    if (merged === undefined) continue;
    if (at >= 0) out[at] = merged;
    else out.push(merged);
  }
  return out;
}

/** Orders a merged list as `$setElementOrder` says; items it does not name keep their place after. */
function ordered(list: unknown[], order: unknown[], key: string | undefined): unknown[] {
  const position = (item: unknown): number => {
    const id = key && isJsonMap(item) ? own(item, key) : item;
    const at = order.findIndex((o) => deepEqual(key && isJsonMap(o) ? own(o, key) : o, id));
    return at < 0 ? order.length : at;
  };
  return list.map((item, index) => ({ item, index, at: position(item) }))
    .sort((a, b) => a.at - b.at || a.index - b.index)
    .map((e) => e.item);
}

function asList(value: unknown, key: string, path: string): unknown[] {
  if (!Array.isArray(value)) throw badRequest(`${key} at ${path || 'the top'} must be a list`);
  return value;
}

/** A value with every `$…` directive removed (what `$patch: replace` stores). */
function stripDirectives(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stripDirectives);
  if (!isJsonMap(value)) return value;
  const out: JsonMap = {};
  for (const key of Object.keys(value)) if (!key.startsWith('$')) setOwn(out, key, stripDirectives(value[key]));
  return out;
}

/** RFC 6902 JSON patch (`kubectl patch --type json`): add, remove, replace, move, copy, test. */
export function jsonPatch(target: unknown, patch: unknown): unknown {
  if (!Array.isArray(patch)) throw badRequest('a JSON patch must be a list of operations');
  let doc = deepClone(target);
  patch.forEach((op, i) => {
    if (!isJsonMap(op) || typeof op.op !== 'string' || typeof op.path !== 'string') throw badRequest(`JSON patch operation ${i}: needs op and path`);
    doc = applyOperation(doc, op, i);
  });
  return doc;
}

function pointer(path: string, i: number): string[] {
  if (path === '') return [];
  if (!path.startsWith('/')) throw badRequest(`JSON patch operation ${i}: path ${JSON.stringify(path)} must start with /`);
  return path.slice(1).split('/').map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function applyOperation(doc: unknown, op: JsonMap, i: number): unknown {
  const path = pointer(op.path as string, i);
  switch (op.op) {
    case 'add': return put(doc, path, required(op, 'value', i), 'add', i);
    case 'replace': get(doc, path, i); return put(doc, path, required(op, 'value', i), 'replace', i);
    case 'remove': return remove(doc, path, i);
    case 'test':
      if (!deepEqual(get(doc, path, i), required(op, 'value', i))) throw badRequest(`JSON patch operation ${i}: test failed at ${String(op.path)}`);
      return doc;
    case 'move': case 'copy': {
      if (typeof op.from !== 'string') throw badRequest(`JSON patch operation ${i}: ${op.op} needs from`);
      const from = pointer(op.from, i);
      const value = deepClone(get(doc, from, i));
      return put(op.op === 'move' ? remove(doc, from, i) : doc, path, value, 'add', i);
    }
    default: throw badRequest(`JSON patch operation ${i}: unknown op ${JSON.stringify(op.op)}; accepted: add, remove, replace, move, copy, test`);
  }
}

function required(op: JsonMap, key: string, i: number): unknown {
  if (!Object.prototype.hasOwnProperty.call(op, key)) throw badRequest(`JSON patch operation ${i}: ${String(op.op)} needs ${key}`);
  return deepClone(op[key]);
}

function get(doc: unknown, path: string[], i: number): unknown {
  let cur = doc;
  for (const part of path) {
    if (Array.isArray(cur) && /^\d+$/.test(part) && Number(part) < cur.length) cur = cur[Number(part)];
    else if (isJsonMap(cur) && Object.prototype.hasOwnProperty.call(cur, part)) cur = cur[part];
    else throw badRequest(`JSON patch operation ${i}: path /${path.join('/')} does not exist`);
  }
  return cur;
}

function put(doc: unknown, path: string[], value: unknown, mode: 'add' | 'replace', i: number): unknown {
  if (path.length === 0) return value;
  const parent = get(doc, path.slice(0, -1), i);
  const last = path[path.length - 1];
  if (Array.isArray(parent)) {
    const index = last === '-' ? parent.length : /^\d+$/.test(last) ? Number(last) : -1;
    if (index < 0 || index > parent.length || (mode === 'replace' && index === parent.length)) throw badRequest(`JSON patch operation ${i}: bad index ${JSON.stringify(last)}`);
    parent.splice(index, mode === 'replace' ? 1 : 0, value);
  } else if (isJsonMap(parent)) {
    setOwn(parent, last, value);
  } else {
    throw badRequest(`JSON patch operation ${i}: /${path.slice(0, -1).join('/')} is not a container`);
  }
  return doc;
}

function remove(doc: unknown, path: string[], i: number): unknown {
  if (path.length === 0) throw badRequest(`JSON patch operation ${i}: cannot remove the whole object`);
  get(doc, path, i);
  const parent = get(doc, path.slice(0, -1), i);
  const last = path[path.length - 1];
  if (Array.isArray(parent)) parent.splice(Number(last), 1);
  else delete (parent as JsonMap)[last];
  return doc;
}
