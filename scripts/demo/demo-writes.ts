/**
 * The demo's write step (docs/writes.md): upsert one new row per query vector (ids after the base's,
 * a category the index was built without), check that the very next search finds each at distance 0
 * with that filter, delete them, and check that no search returns them again. Returns what went wrong,
 * one line per problem (none: every write was visible at once and every delete held).
 */
import { deleteUrl, searchUrl, upsertUrl } from '../client/index.ts';

const NEW_CATEGORY = 'ultraviolet';

export interface WriteCheck {
  readonly line: string;
  readonly problems: string[];
}

export async function checkWrites(
  url: string,
  index: string,
  baseCount: number,
  queries: readonly Float32Array[],
): Promise<WriteCheck> {
  const rows = queries.slice(0, 200);
  const ids = rows.map((_, i) => baseCount + i);
  const problems: string[] = [];
  let started = performance.now();
  const upserted = await upsertUrl(url, {
    index,
    vectors: rows.map((vector, i) => ({
      id: ids[i]!,
      vector: Array.from(vector),
      attributes: { category: NEW_CATEGORY },
    })),
  });
  const upsertMs = performance.now() - started;
  const search = (filter?: unknown) =>
    searchUrl(url, {
      index,
      k: 1,
      queries: rows.map((vector) => ({ vector: Array.from(vector), ...(filter ? { filter } : {}) })),
    });
  const found = await search({ category: NEW_CATEGORY });
  found.results.forEach((result, q) => {
    const hit = result.hits[0];
    if (hit === undefined || hit.id !== ids[q] || hit.distance !== 0) {
      problems.push(
        `writes: query ${q} did not find its upserted row ${ids[q]} at distance 0 (got ${JSON.stringify(hit)})`,
      );
    }
  });
  started = performance.now();
  const deleted = await deleteUrl(url, { index, ids });
  const deleteMs = performance.now() - started;
  const written = new Set<number | string>(ids);
  for (const filter of [undefined, { category: NEW_CATEGORY }]) {
    const answer = await search(filter);
    const back = answer.results.flatMap((result) => result.hits).filter((hit) => written.has(hit.id));
    if (back.length > 0)
      problems.push(
        `writes: ${back.length} deleted rows came back (filter ${JSON.stringify(filter ?? null)})`,
      );
    if (filter && answer.results.some((result) => result.hits.length > 0)) {
      problems.push(`writes: a search for category ${NEW_CATEGORY} still returns hits after the delete`);
    }
  }
  return {
    line:
      `writes: ${rows.length} upserts acknowledged in ${upsertMs.toFixed(0)} ms (sequence ${upserted.sequence}), each found by the next search at distance 0; ` +
      `deleted in ${deleteMs.toFixed(0)} ms (sequence ${deleted.sequence}), none returned again`,
    problems,
  };
}
