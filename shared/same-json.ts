/**
 * Whether two values built of JSON's types (plain objects, arrays, strings, numbers, booleans, null) are
 * equal as JSON values: the same arrays in the same order, objects with the same keys and equal values
 * (in any key order). Anything else (a class instance, a typed array, a Map) answers no, so a caller
 * falls back to comparing serialisations. It allocates nothing: comparing a batch's filters with it was
 * measured as a tenth of a query's cost when it listed keys with `Object.keys`.
 */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameJson(a[i], b[i])) return false;
    return true;
  }
  if (!isPlainObject(a) || !isPlainObject(b)) return false;
  let keys = 0;
  for (const key in a) {
    if (!Object.hasOwn(b, key) || !sameJson(a[key], b[key])) return false;
    keys++;
  }
  for (const _ in b) keys--;
  return keys === 0;
}

function isPlainObject(value: object): value is Record<string, unknown> {
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}
