import { InvalidInputError } from '../errors/index.ts';
import { RangeNotSatisfiableError } from './range-not-satisfiable-error.ts';

/** Non-empty `/`-separated segments, none of them `.` or `..`, no backslashes or NUL. */
export function assertValidKey(key: string): void {
  const problem = keyProblem(key);
  if (problem) throw new InvalidInputError(`blob key \`${key}\` is not valid: ${problem}`);
}

function keyProblem(key: string): string | undefined {
  if (key.length === 0) return 'it is empty';
  if (key.includes('\\') || key.includes('\0')) return 'it contains a backslash or NUL';
  for (const segment of key.split('/')) {
    if (segment === '') return 'it has an empty path segment (leading, trailing or double `/`)';
    if (segment === '.' || segment === '..') return 'it has a `.` or `..` segment';
  }
  return undefined;
}

/** Throws `RangeNotSatisfiableError` unless `offset`/`length` are non-negative safe integers. */
export function assertRangeArguments(key: string, offset: number, length: number): void {
  if (!Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(length) || length < 0) {
    throw new RangeNotSatisfiableError(key, offset, length, undefined);
  }
}

/** Throws `RangeNotSatisfiableError` unless `offset + length ≤ size`. */
export function assertRangeInside(key: string, offset: number, length: number, size: number): void {
  if (offset + length > size) throw new RangeNotSatisfiableError(key, offset, length, size);
}

/** Joins a store prefix (`''` or without trailing slash) and a key. */
export function joinKey(prefix: string, key: string): string {
  return prefix === '' ? key : `${prefix}/${key}`;
}

/** `'a/b/'` → `'a/b'`; `'/'` → `''`. */
export function normalizePrefix(prefix: string): string {
  return prefix.replace(/^\/+|\/+$/g, '');
}
