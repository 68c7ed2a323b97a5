/**
 * Whether `value` equals `known` as a JSON value, where `known` is built of JSON's types only (plain
 * objects, arrays, strings, numbers, booleans, null; a filter that compiled): the same arrays in the
 * same order, objects with the same keys and equal values (in any key order). Anything else in `value`
 * (a class instance, a typed array, a Map, an undefined member) answers no, so a caller falls back to
 * comparing serialisations. It allocates nothing: comparing a batch's filters with it was measured as a
 * tenth of a query's cost when it listed keys with `Object.keys`.
 */
export function sameJson(value: unknown, known: unknown): boolean {
  if (value === known) return true;
  if (typeof value !== 'object' || value === null || typeof known !== 'object' || known === null) {
    return false;
  }
  if (Array.isArray(known)) {
    if (!Array.isArray(value) || value.length !== known.length) return false;
    for (let i = 0; i < known.length; i++) if (!sameJson(value[i], known[i])) return false;
    return true;
  }
  if (Array.isArray(value) || !isPlainObject(value)) return false;
  let keys = 0;
  for (const key in known) {
    const member = value[key];
    if (member === undefined || !sameJson(member, (known as Record<string, unknown>)[key])) return false;
    keys++;
  }
  for (const _ in value) keys--;
  return keys === 0;
}

function isPlainObject(value: object): value is Record<string, unknown> {
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}
