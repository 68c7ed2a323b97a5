/**
 * Edits of `manifest.json` that keep it valid JSON — the damage a checksum over bytes alone would not
 * be needed for, and a schema check alone would not see: one letter of every string (every letter of
 * dictionary values), every number nudged by one unit in the last place and by one, booleans negated,
 * array entries swapped, removed and duplicated, object members deleted and added. The file is
 * re-serialised as the writer does, so only the edited value differs from what was written.
 */
import type { Edit } from './byte-edits.ts';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Path = (string | number)[];

export function jsonFieldEdits(key: string, bytes: Uint8Array): Edit[] {
  const original = JSON.parse(new TextDecoder().decode(bytes)) as Json;
  const edits: Edit[] = [];
  const add = (
    path: Path,
    what: string,
    change: (parent: Json[] | Record<string, Json>, at: string | number) => void,
  ) =>
    edits.push({
      key,
      kind: 'field',
      description: `${formatPath(path)}: ${what}`,
      apply: () => {
        const copy = structuredClone(original);
        const parent =
          path.length === 0 ? null : (resolve(copy, path.slice(0, -1)) as Json[] | Record<string, Json>);
        if (parent === null) throw new TypeError('cannot edit the root in place');
        change(parent, path.at(-1)!);
        return new TextEncoder().encode(`${JSON.stringify(copy, null, 2)}\n`);
      },
    });
  const set = (value: Json) => (parent: Json[] | Record<string, Json>, at: string | number) => {
    (parent as Record<string, Json>)[at as string] = value;
  };

  walk(original, [], (value, path) => {
    if (path.length === 0) return;
    const inDictionary = path[0] === 'attributeDictionaries' || path[0] === 'checksum';
    if (typeof value === 'string') {
      const positions = inDictionary
        ? Array.from({ length: value.length }, (_, i) => i)
        : [...new Set([0, Math.floor(value.length / 2), value.length - 1])];
      for (const i of positions.filter((i) => i >= 0)) {
        const changed = value.slice(0, i) + nextChar(value[i]!) + value.slice(i + 1);
        add(path, `letter ${i} of ${JSON.stringify(value)} → ${JSON.stringify(changed)}`, set(changed));
      }
      if (value.length === 0) add(path, 'empty string → "x"', set('x'));
    } else if (typeof value === 'number') {
      for (const nudged of nudges(value)) add(path, `${value} → ${nudged}`, set(nudged));
    } else if (typeof value === 'boolean') {
      add(path, `${value} → ${!value}`, set(!value));
    } else if (value === null) {
      add(path, 'null → 0', set(0));
    } else if (Array.isArray(value)) {
      const n = value.length;
      const differ = (a: number, b: number) => JSON.stringify(value[a]) !== JSON.stringify(value[b]);
      const swaps = n >= 2 ? [...new Set([0, n - 2])].filter((i) => differ(i, i + 1)) : [];
      for (const i of swaps) {
        add(path, `swap entries ${i} and ${i + 1}`, (parent, at) => {
          const array = (parent as Record<string, Json[]>)[at as string]!;
          [array[i], array[i + 1]] = [array[i + 1]!, array[i]!];
        });
      }
      if (n > 0) {
        add(
          path,
          'remove the last entry',
          (parent, at) => void (parent as Record<string, Json[]>)[at as string]!.pop(),
        );
        add(path, 'duplicate the last entry', (parent, at) => {
          const array = (parent as Record<string, Json[]>)[at as string]!;
          array.push(structuredClone(array[n - 1]!));
        });
      } else {
        add(
          path,
          'add an entry',
          (parent, at) => void (parent as Record<string, Json[]>)[at as string]!.push('x'),
        );
      }
    } else {
      add(path, 'add a member', (parent, at) => {
        ((parent as Record<string, Json>)[at as string] as Record<string, Json>).extra = 1;
      });
    }
    if (typeof path.at(-1) === 'string') {
      add(
        path,
        'delete the member',
        (parent, at) => void delete (parent as Record<string, Json>)[at as string],
      );
    }
  });
  return edits;
}

function walk(value: Json, path: Path, visit: (value: Json, path: Path) => void): void {
  visit(value, path);
  if (Array.isArray(value)) {
    for (const [i, entry] of value.entries()) walk(entry, [...path, i], visit);
  } else if (value !== null && typeof value === 'object') {
    for (const [name, entry] of Object.entries(value)) walk(entry, [...path, name], visit);
  }
}

function resolve(value: Json, path: Path): Json {
  let at = value;
  for (const part of path) at = (at as Record<string, Json>)[part as string]!;
  return at;
}

/** The next letter or digit (wrapping), or 'x' for anything else; never the same character. */
function nextChar(c: string): string {
  for (const alphabet of ['abcdefghijklmnopqrstuvwxyz', 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', '0123456789']) {
    const i = alphabet.indexOf(c);
    if (i >= 0) return alphabet[(i + 1) % alphabet.length]!;
  }
  return c === 'x' ? 'y' : 'x';
}

/** A number moved by one unit in the last place and by one, each distinct from the original. */
function nudges(value: number): number[] {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, value === 0 ? Number.MIN_VALUE : value);
  if (value !== 0) view.setBigUint64(0, view.getBigUint64(0) + 1n);
  const ulp = view.getFloat64(0);
  return [...new Set([ulp, value + 1])].filter((nudged) => nudged !== value && Number.isFinite(nudged));
}

function formatPath(path: Path): string {
  return path
    .map((part, i) => (typeof part === 'number' ? `[${part}]` : i === 0 ? part : `.${part}`))
    .join('');
}
