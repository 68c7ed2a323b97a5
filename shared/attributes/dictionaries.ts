/**
 * Dictionaries of the string-valued attributes. They are GLOBAL (built over all rows, shared by every
 * partition's table) and stored once in the manifest, so partition objects hold integer codes only.
 * Entry order is UTF-16 code-unit order (JavaScript's default sort and `<`), which makes the codes
 * deterministic and lets a value be found by binary search.
 */
import { z } from 'zod';
import { IndexFormatError } from '../errors/index.ts';
import type { AttributeSchema } from './schema.ts';

/** One dictionary per schema attribute, in schema order; `[]` for number attributes. */
export type AttributeDictionaries = readonly (readonly string[])[];

const dictionariesJsonSchema = z.array(z.array(z.string()));

/** The code of `value` in a sorted dictionary, or -1. */
export function dictionaryCode(dictionary: readonly string[], value: string): number {
  let low = 0;
  let high = dictionary.length - 1;
  while (low <= high) {
    const middle = (low + high) >>> 1;
    const entry = dictionary[middle]!;
    if (entry === value) return middle;
    if (entry < value) low = middle + 1;
    else high = middle - 1;
  }
  return -1;
}

/** Dictionaries read from a manifest: one per attribute, sorted, no duplicates, empty for numbers. */
export function parseDictionaries(
  json: unknown,
  schema: AttributeSchema,
  what = 'manifest',
): AttributeDictionaries {
  const result = dictionariesJsonSchema.safeParse(json);
  if (!result.success) {
    throw new IndexFormatError(`${what}: attribute dictionaries must be an array of string arrays`);
  }
  checkDictionaries(result.data, schema, what);
  return result.data;
}

/** IndexFormatError unless `dictionaries` fits `schema` (count, kinds, sorted unique entries). */
export function checkDictionaries(
  dictionaries: AttributeDictionaries,
  schema: AttributeSchema,
  what: string,
): void {
  if (dictionaries.length !== schema.attributes.length) {
    throw new IndexFormatError(
      `${what}: ${dictionaries.length} attribute dictionaries for ${schema.attributes.length} attributes`,
    );
  }
  schema.attributes.forEach(({ name, kind }, a) => {
    const dictionary = dictionaries[a]!;
    if (kind === 'number' && dictionary.length > 0) {
      throw new IndexFormatError(`${what}: number attribute \`${name}\` has a dictionary; expected none`);
    }
    for (let i = 1; i < dictionary.length; i++) {
      if (!(dictionary[i - 1]! < dictionary[i]!)) {
        throw new IndexFormatError(
          `${what}: dictionary of \`${name}\` is not sorted and unique at entry ${i} (${JSON.stringify(dictionary[i])})`,
        );
      }
    }
  });
}
