/**
 * Bounds on a parsed request body, checked right after `JSON.parse` and before anything else walks it
 * (zod, the filter parser, `JSON.stringify` for cache keys and payloads). `JSON.parse` itself is not
 * recursive in V8, but most later walks are: a body nested a few thousand levels deep used to overflow
 * the stack in serialisation (500) before the filter's own depth check ran.
 *
 * Design decisions:
 * - One iterative walk with an explicit stack: it cannot overflow whatever it is given, and it stops at
 *   the first limit passed, so its cost is bounded by the limits, not by the body.
 * - MAX_JSON_DEPTH is well above the deepest valid request (a filter at MAX_FILTER_DEPTH levels of
 *   `$and` sits about 70 levels down), so the filter parser still gets to name a too-deep filter
 *   precisely; this walk only guards the recursion after it.
 * - MAX_JSON_VALUES bounds how many values later steps can visit. A 6 MB body holds at most about
 *   3 million (`[0,0,…]`); a real batch of 1,000 float vectors holds well under a million.
 */
import { InvalidQueryError } from '../../shared/errors/index.ts';

/** Deepest nesting of arrays and objects accepted in a request body. */
export const MAX_JSON_DEPTH = 128;

/** Most JSON values (every object, array, string, number, boolean and null) in a request body. */
export const MAX_JSON_VALUES = 2_000_000;

/** Throws an InvalidQueryError naming the limit when `value` nests too deep or holds too many values. */
export function checkJsonBounds(value: unknown, what: string): void {
  // Only arrays and objects wait on the stack; scalars are counted where they are met.
  const pending: object[] = [];
  const depths: number[] = [];
  let count = 1;
  if (typeof value === 'object' && value !== null) {
    pending.push(value);
    depths.push(1);
  }
  while (pending.length > 0) {
    const item = pending.pop()!;
    const depth = depths.pop()!;
    if (depth > MAX_JSON_DEPTH) {
      throw new InvalidQueryError(
        `${what} nests arrays and objects more than ${MAX_JSON_DEPTH} levels deep; the limit is ${MAX_JSON_DEPTH}`,
      );
    }
    const children: unknown[] = Array.isArray(item) ? item : Object.values(item);
    count += children.length;
    if (count > MAX_JSON_VALUES) {
      throw new InvalidQueryError(
        `${what} holds more than ${MAX_JSON_VALUES} JSON values; the limit is ${MAX_JSON_VALUES}`,
      );
    }
    for (const child of children) {
      if (typeof child !== 'object' || child === null) continue;
      pending.push(child);
      depths.push(depth + 1);
    }
  }
}
