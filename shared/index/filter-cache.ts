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
 * - Every kept filter is remembered with its own JSON copy, never the caller's object (a caller may change
 *   its object between calls), and a filter is answered from the cache only when it equals that copy as
 *   JSON data (`sameJson`): a value that merely serialises to the same text (a Date, an object with
 *   `toJSON`, an undefined member) or not at all (a BigInt) is compiled for itself, so it fails as it
 *   would without the cache.
 * - At most `FILTER_CACHE_SIZE` filters, least recently used first out: the bound on what filters keep
 *   alive. Per filter: its matching rows in each partition table it met (`matchingRows`, 4 bytes per
 *   matching row) and, in process, the exact plan's row ids (up to 1/16 of the index). The worst case,
 *   32 filters that each match nearly every row, is 128 bytes per cached row, against the row's own
 *   4 × dim bytes of vector (a quarter more at 128 dimensions, 4 % at 784); the functions' index cache
 *   takes half their memory (`cacheShareOfMemory`), so even that stays inside the other half. Selective
 *   filters, which gain the most from being kept, cost the least.
 * - A filter that fails to compile is not kept: the next call fails the same way.
 */
import type { CompiledFilter } from '../attributes/index.ts';
import { type JsonTemplate, jsonTemplate, sameJson } from '../same-json.ts';

export const FILTER_CACHE_SIZE = 32;

/** A compiled filter with its own JSON copy of the filter (never the caller's object). */
interface KeptFilter {
  readonly json: JsonTemplate;
  readonly filter: CompiledFilter;
}

export class FilterCache {
  readonly #byJson = new Map<string, KeptFilter>();
  #last: KeptFilter | undefined;

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
    const filter = json ?? null;
    const last = this.#last;
    if (last !== undefined && sameJson(filter, last.json)) return last.filter;
    const key = jsonKey(filter);
    if (key === undefined) return this.compileFilter(filter);
    const kept = this.#byJson.get(key);
    // Equal JSON text is not enough: a Date, an object with toJSON or an undefined member serialises
    // like a valid filter, but the compiler must see (and refuse) what the caller wrote.
    if (kept !== undefined && !sameJson(filter, kept.json)) return this.compileFilter(filter);
    const entry = kept ?? { json: jsonTemplate(JSON.parse(key)), filter: this.compileFilter(filter) };
    this.#byJson.delete(key);
    this.#byJson.set(key, entry);
    if (this.#byJson.size > this.capacity) this.#byJson.delete(this.#byJson.keys().next().value!);
    this.#last = entry;
    return entry.filter;
  }
}

/** The filter's JSON text, or undefined when it has none (a BigInt, a cycle): then it is not kept. */
function jsonKey(filter: unknown): string | undefined {
  try {
    return JSON.stringify(filter);
  } catch {
    return undefined;
  }
}
