/**
 * Plain-JSON helpers for request bodies: own-property access (a body may carry a `__proto__`
 * key, which must stay data and never become a prototype), deep clone and equality, and the
 * nesting limit that keeps every recursive walk over a body (patches, the store's freeze, the
 * validators) from overflowing the stack on hostile input.
 */

export type JsonMap = Record<string, unknown>;

export function isJsonMap(value: unknown): value is JsonMap {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `obj[key]` only when it is the object's own property. */
export function own(obj: JsonMap, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(obj, key) ? obj[key] : undefined;
}

/** `obj[key] = value` that defines a plain data property even for `__proto__`. */
export function setOwn(obj: JsonMap, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

export function deepClone<T>(value: T): T {
  if (Array.isArray(value)) return value.map((v: unknown) => deepClone(v)) as T;
  if (isJsonMap(value)) {
    const out: JsonMap = {};
    for (const key of Object.keys(value)) setOwn(out, key, deepClone(value[key]));
    return out as T;
  }
  return value;
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((v, i) => deepEqual(v, b[i]));
  if (isJsonMap(a) && isJsonMap(b)) {
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    return ka.length === kb.length && ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && deepEqual(a[k], b[k]));
  }
  return false;
}

/** Deepest nesting accepted in a body; real objects stay far below it. */
export const MAX_DEPTH = 64;

/**
 * Why a decoded body is not plain JSON data the store can keep byte for byte, or undefined:
 * nesting deeper than MAX_DEPTH, numbers JSON cannot write (YAML's `.inf`, `.nan`), or values
 * that are not JSON at all. Walks without recursion, so a hostile body cannot overflow the stack.
 */
export function jsonProblem(value: unknown, limit = MAX_DEPTH): string | undefined {
  const stack: Array<{ v: unknown; d: number }> = [{ v: value, d: 0 }];
  while (stack.length > 0) {
    const { v, d } = stack.pop() as { v: unknown; d: number };
    if (d > limit) return `the body nests deeper than ${limit} levels`;
    if (Array.isArray(v)) for (const item of v) stack.push({ v: item, d: d + 1 });
    else if (isJsonMap(v)) {
      if (Object.getPrototypeOf(v) !== Object.prototype && Object.getPrototypeOf(v) !== null) return 'the body holds a value that is not JSON data';
      for (const key of Object.keys(v)) stack.push({ v: v[key], d: d + 1 });
    } else if (typeof v === 'number') {
      if (!Number.isFinite(v)) return `the body holds the number ${String(v)}, which JSON cannot represent`;
    } else if (v !== null && typeof v !== 'string' && typeof v !== 'boolean') {
      return `the body holds a ${typeof v} value, which JSON cannot represent`;
    }
  }
  return undefined;
}
