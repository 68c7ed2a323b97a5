/**
 * Whether a value equals a known JSON value as data: the same arrays in the same order, objects with the
 * same keys and equal values (in any key order), equal strings, numbers, booleans and nulls. Anything
 * else in the value (a class instance, a typed array, a Map, an undefined member) answers no, so a caller
 * falls back to comparing serialisations.
 *
 * The known value is prepared once (`jsonTemplate`: its objects become Maps), and the value's objects
 * are read with `Object.entries`: no property of either is read by a key that varies. Reading
 * `value[key]` for each key of the known object made V8 (Node 24) deoptimise and re-optimise the
 * comparison in a loop — thousands of times, "unexpected name in keyed access" — once filters of
 * several shapes had passed through it, which made a siftsmall 0.1 % batch 2.4× slower after the other
 * workloads had run than alone (the filter cache's share of the batch went from 4 % to 32 %).
 */

/** A known JSON value with its objects as Maps; build one with `jsonTemplate`. */
export type JsonTemplate = string | number | boolean | null | readonly JsonTemplate[] | ObjectTemplate;

type ObjectTemplate = ReadonlyMap<string, JsonTemplate>;

/** `json` (built of JSON's types only, as `JSON.parse` gives) prepared for `sameJson`. */
export function jsonTemplate(json: unknown): JsonTemplate {
  if (typeof json !== 'object' || json === null) return json as JsonTemplate;
  if (Array.isArray(json)) return json.map(jsonTemplate);
  return new Map(Object.entries(json).map(([key, member]) => [key, jsonTemplate(member)]));
}

export function sameJson(value: unknown, known: JsonTemplate): boolean {
  if (value === known) return true;
  if (typeof value !== 'object' || value === null || typeof known !== 'object' || known === null) {
    return false;
  }
  if (Array.isArray(known)) {
    if (!Array.isArray(value) || value.length !== known.length) return false;
    for (let i = 0; i < known.length; i++) if (!sameJson(value[i], known[i]!)) return false;
    return true;
  }
  if (Array.isArray(value) || !isPlainObject(value)) return false;
  const members = Object.entries(value);
  const template = known as ObjectTemplate;
  if (members.length !== template.size) return false;
  for (const [key, member] of members) {
    const expected = template.get(key);
    if (expected === undefined || !sameJson(member, expected)) return false;
  }
  return true;
}

function isPlainObject(value: object): boolean {
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}
