/**
 * The compiled filters of one index version, kept across calls: a filter compiles once per reader (a
 * warm container's or the in-process search's), not once per call. A compiled filter depends only on
 * the version's schema, attribute quantizer and dictionaries, which never change for a reader, so a kept
 * one is never stale; what callers derive from it (its matching rows per partition, in WeakMaps keyed by
 * it) lives as long as it stays here.
 *
 * Design decisions:
 * - Keyed by the filter's JSON. A filter equal to the last one asked for (`sameJson`, key order aside,
 *   which no filter's meaning depends on) is recognised without serialising it: `JSON.stringify` per
 *   query was 11 % of a 0.1 % batch on siftsmall, and a batch's queries usually share their filter.
 * - The last filter is remembered as its own JSON copy, never as the caller's object: a caller may change
 *   its object between calls.
 * - At most `FILTER_CACHE_SIZE` filters, least recently used first out: the bound on what filters keep
 *   alive (the in-process exact plan keeps up to 1/16 of the index's row ids per filter).
 * - A filter that fails to compile is not kept: the next call fails the same way.
 */
import type { CompiledFilter } from '../attributes/index.ts';
import { sameJson } from '../same-json.ts';

export const FILTER_CACHE_SIZE = 32;

export class FilterCache {
  readonly #byJson = new Map<string, CompiledFilter>();
  #last: { readonly json: unknown; readonly filter: CompiledFilter } | undefined;

  constructor(
    private readonly compileFilter: (json: unknown) => CompiledFilter,
    private readonly capacity = FILTER_CACHE_SIZE,
  ) {}

  /** Filters kept. */
  get size(): number {
    return this.#byJson.size;
  }

  /** The compiled form of `json` (null or undefined: match everything); InvalidFilterError when bad. */
  compile(json: unknown): CompiledFilter {
    const last = this.#last;
    if (last !== undefined && sameJson(json, last.json)) return last.filter;
    const key = JSON.stringify(json ?? null);
    let filter = this.#byJson.get(key);
    if (filter) this.#byJson.delete(key);
    else filter = this.compileFilter(json);
    this.#byJson.set(key, filter);
    if (this.#byJson.size > this.capacity) this.#byJson.delete(this.#byJson.keys().next().value!);
    this.#last = { json: JSON.parse(key), filter };
    return filter;
  }
}
