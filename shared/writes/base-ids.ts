/**
 * The id key (`idKey`) of every base row, by global ordinal: what a write names a base row by. An index
 * built with ids uses them; one built without numbers its rows 0…N−1 and those numbers are its ids.
 * Computed once per reader (N strings).
 */
import type { IndexReader } from '../index/index-reader.ts';
import { idKey } from './log-view.ts';

const keysOf = new WeakMap<IndexReader, Promise<(ordinal: number) => string>>();

export function baseIdKeys(reader: IndexReader): Promise<(ordinal: number) => string> {
  let keys = keysOf.get(reader);
  if (!keys) {
    keys = reader.externalIds().then((ids) => {
      if (!ids) return (ordinal: number) => String(ordinal);
      const table = Array.from({ length: ids.count }, (_, ordinal) => idKey(ids.get(ordinal)));
      return (ordinal: number) => table[ordinal]!;
    });
    keysOf.set(reader, keys);
  }
  return keys;
}
