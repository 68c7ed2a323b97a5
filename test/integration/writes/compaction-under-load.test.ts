/**
 * Issue 10 acceptance 4, over real HTTP: a compaction while writers and searchers run. Three writer
 * loops (upserts of 5 new rows, now and then a delete of 2 of their own earlier rows) and three searcher
 * loops (unfiltered approximate, unfiltered exact, and exact filtered on a writer's own category) run
 * against the Function URL; once the log holds some writes, `POST /compact` starts the compactor and the
 * loops go on until `CURRENT` moved and more writes landed on the new version. Then:
 * - no search failed; each answered k hits (or every matching row, when fewer match) and only ids that
 *   exist at its `stats.snapshot` — exact ones exactly the brute-force top k of that snapshot's content;
 *   searches answered from both versions;
 * - no write was lost: acknowledged sequences are exactly 1…T, and `snapshotContent` after the
 *   compaction equals the content the acknowledgements describe, row by row;
 * - the compaction changed nothing: the content of the old version plus the whole log equals the content
 *   of the new version plus the log after its `logThrough`, row by row (ids, vector bits, attributes).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  compactUrl,
  deleteUrl,
  type SearchResponse,
  searchUrl,
  upsertUrl,
} from '../../../scripts/client/index.ts';
import type { ExternalId } from '../../../shared/format/index.ts';
import { readCurrentPointer } from '../../../shared/format/index.ts';
import { IndexReader } from '../../../shared/index/index-reader.ts';
import type { BlobStore } from '../../../shared/store/index.ts';
import { contentAt, snapshotContent } from '../../../shared/writes/snapshot-content.ts';
import { WriteLog } from '../../../shared/writes/write-log.ts';
import { isEmulated, type SearchTarget, startSearchTarget } from '../support/search-target.ts';
import {
  baseContent,
  buildWriteIndex,
  contentAsRows,
  contentDifferences,
  exactTop,
  numbers,
  type Row,
  writeVector,
} from './write-fixture.ts';

const index = 'writes-compaction';
const WRITERS = 3;
const SEARCHERS = 3;
const k = 10;
/** Writes acknowledged before the compaction is started, and after `CURRENT` moved. */
const WRITES_BEFORE = 60;
const WRITES_AFTER = 30;
/**
 * The coordinator's SQUASH_COMPACT_AFTER_ROWS on emulated targets: far above what the loops write
 * (about 600 rows), reached at once by the last test.
 */
const AUTO_COMPACT_ROWS = 3000;

interface Write {
  readonly sequence: number;
  readonly upserts: readonly { id: number; row: Row }[];
  readonly deletes: readonly number[];
}

interface Search {
  /** When it was sent, in writes acknowledged so far. */
  readonly sentAfter: number;
  readonly query: Float32Array;
  readonly filter?: { category: string };
  readonly exact: boolean;
  readonly response: SearchResponse;
}

const idOf = (writer: number, step: number, row: number) => 4_000_000 + writer * 100_000 + step * 10 + row;

describe('compaction while writers and searchers run', () => {
  let target: SearchTarget;
  let store: BlobStore;
  const writes: Write[] = [];
  const searches: Search[] = [];
  const failures: string[] = [];
  let stop = false;
  /** Writes acknowledged when the compaction was asked for, and when `CURRENT` was seen to move. */
  let compactionAsked = 0;
  let compactedAt = Number.POSITIVE_INFINITY;

  beforeAll(async () => {
    target = await startSearchTarget({
      functionOverrides: (fn) =>
        fn.environment?.SQUASH_COMPACT_AFTER_ROWS === undefined
          ? fn
          : {
              ...fn,
              environment: { ...fn.environment, SQUASH_COMPACT_AFTER_ROWS: String(AUTO_COMPACT_ROWS) },
            },
    });
    store = await buildWriteIndex(target, index);
  });

  afterAll(async () => {
    stop = true;
    await target?.stop();
  });

  async function writer(w: number): Promise<void> {
    for (let step = 0; !stop; step++) {
      try {
        const upserts = Array.from({ length: 5 }, (_, j) => {
          const id = idOf(w, step, j);
          return { id, row: { vector: writeVector(id), attributes: { u: j / 5, category: `load-${w}` } } };
        });
        const answer = await upsertUrl(
          target.searchUrl,
          {
            index,
            vectors: upserts.map(({ id, row }) => ({
              id,
              vector: numbers(row.vector),
              attributes: row.attributes,
            })),
            token: `load-${w}-${step}`,
          },
          { sign: target.sign },
        );
        writes.push({ sequence: answer.sequence, upserts, deletes: [] });
        if (step % 8 === 7) {
          const deletes = [idOf(w, step - 4, 1), idOf(w, step - 3, 4)];
          const removed = await deleteUrl(
            target.searchUrl,
            { index, ids: deletes, token: `load-${w}-${step}-delete` },
            { sign: target.sign },
          );
          writes.push({ sequence: removed.sequence, upserts: [], deletes });
        }
      } catch (error) {
        failures.push(`writer ${w} step ${step}: ${(error as Error).message}`);
        return;
      }
    }
  }

  async function searcher(s: number): Promise<void> {
    for (let step = 0; !stop; step++) {
      const query = writeVector(700_000 + s * 10_000 + step);
      const kind = step % 3;
      const exact = kind !== 0;
      const filter = kind === 2 ? { category: `load-${step % WRITERS}` } : undefined;
      const sentAfter = writes.length;
      try {
        const response = await searchUrl(
          target.searchUrl,
          {
            index,
            k,
            queries: [{ vector: numbers(query), ...(filter ? { filter } : {}) }],
            options: { exact },
          },
          { sign: target.sign },
        );
        searches.push({ sentAfter, query, exact, response, ...(filter ? { filter } : {}) });
      } catch (error) {
        failures.push(`searcher ${s} step ${step}: ${(error as Error).message}`);
      }
    }
  }

  /** The content the acknowledged writes through `sequence` describe. */
  function contentThrough(sequence: number): Map<ExternalId, Row> {
    const content = baseContent();
    for (const write of [...writes].sort((a, b) => a.sequence - b.sequence)) {
      if (write.sequence > sequence) break;
      for (const { id, row } of write.upserts) content.set(id, row);
      for (const id of write.deletes) content.delete(id);
    }
    return content;
  }

  async function until(condition: () => boolean, what: string, limitMs = 180_000): Promise<void> {
    const deadline = Date.now() + limitMs;
    while (!condition()) {
      if (failures.length > 0) throw new Error(`while waiting for ${what}: ${failures.join('\n')}`);
      if (Date.now() > deadline) throw new Error(`${what} did not happen within ${limitMs} ms`);
      await sleep(50);
    }
  }

  it('runs writers and searchers, compacts meanwhile, and stops after more writes on the new version', async () => {
    const loops = [
      ...Array.from({ length: WRITERS }, (_, w) => writer(w)),
      ...Array.from({ length: SEARCHERS }, (_, s) => searcher(s)),
    ];
    try {
      await until(() => writes.length >= WRITES_BEFORE, `${WRITES_BEFORE} writes`);
      compactionAsked = writes.length;
      const started = await compactUrl(target.searchUrl, { index }, { sign: target.sign });
      expect(started).toEqual({ index, compaction: 'started' });
      let version = 1;
      // Poll CURRENT until it names the next version (the loops keep running meanwhile).
      const poll = (async () => {
        while (version === 1 && !stop) {
          version = (await readCurrentPointer(store))?.version ?? 1;
          if (version === 1) await sleep(100);
        }
      })();
      await until(() => version > 1, 'CURRENT to move');
      await poll;
      compactedAt = writes.length;
      await until(
        () => writes.length >= compactedAt + WRITES_AFTER,
        `${WRITES_AFTER} writes after the compaction`,
      );
      await until(
        () => searches.filter((search) => search.response.stats.snapshot.version === 2).length >= 10,
        '10 searches of the new version',
      );
    } finally {
      stop = true;
      await Promise.all(loops);
    }
    expect(failures).toEqual([]);
    // Searches were in flight while the compactor ran: sent after it was asked for, answered from v1.
    const during = searches.filter(
      (search) => search.sentAfter >= compactionAsked && search.response.stats.snapshot.version === 1,
    );
    expect(during.length).toBeGreaterThan(0);
  });

  it('no search failed, and each answered only rows of its snapshot (exact ones exactly)', () => {
    expect(failures).toEqual([]);
    const versions = new Set(searches.map((search) => search.response.stats.snapshot.version));
    expect([...versions].sort()).toEqual([1, 2]);
    const problems: string[] = [];
    for (const [n, search] of searches.entries()) {
      const { snapshot } = search.response.stats;
      const rows = contentThrough(snapshot.sequence);
      const keep = (row: Row) =>
        search.filter === undefined || row.attributes.category === search.filter.category;
      const truth = exactTop(rows, search.query, k, keep);
      const hits = search.response.results[0]!.hits;
      const what = `search ${n} (snapshot ${JSON.stringify(snapshot)}, exact ${search.exact}, filter ${JSON.stringify(search.filter)})`;
      if (hits.length !== truth.length)
        problems.push(`${what}: ${hits.length} hits, expected ${truth.length}`);
      for (const hit of hits) {
        const row = rows.get(hit.id);
        if (!row) problems.push(`${what}: hit ${hit.id} does not exist at its snapshot`);
        else if (!keep(row)) problems.push(`${what}: hit ${hit.id} does not match the filter`);
      }
      if (search.exact) {
        const ids = hits.map((hit) => hit.id);
        const expected = truth.map((hit) => hit.id);
        if (JSON.stringify(ids) !== JSON.stringify(expected)) {
          problems.push(`${what}: ids ${ids.join(',')}, expected ${expected.join(',')}`);
        }
        hits.forEach((hit, i) => {
          if (Math.abs(hit.distance - truth[i]!.distance) > 1e-4) {
            problems.push(`${what}: hit ${i} at ${hit.distance}, expected ${truth[i]!.distance}`);
          }
        });
      }
      if (problems.length > 20) break;
    }
    expect(problems).toEqual([]);
  });

  it('no write was lost, and the compaction changed nothing', async () => {
    const total = writes.length;
    expect(writes.map((write) => write.sequence).sort((a, b) => a - b)).toEqual(
      Array.from({ length: total }, (_, i) => i + 1),
    );
    const after = await snapshotContent(store);
    expect(after.version).toBe(2);
    expect(after.sequence).toBe(total);
    expect(contentDifferences(after, contentThrough(total))).toEqual([]);

    const published = await IndexReader.open(store);
    const folded = published.manifest.logThrough!;
    // It folded at least every write acknowledged before it was asked for, and no more than were in
    // the log when CURRENT was seen to move (those acknowledged, plus one in flight per writer).
    expect(folded).toBeGreaterThanOrEqual(compactionAsked);
    expect(folded).toBeLessThanOrEqual(compactedAt + WRITERS);
    expect(folded).toBeLessThan(total);
    expect(published.manifest.count).toBe(contentThrough(folded).size);

    // The old version stays for the retention period, and so do the entries it did not fold.
    const before = await contentAt(await IndexReader.open(store, { version: 1 }), new WriteLog(store), total);
    expect(before.version).toBe(1);
    expect(contentDifferences(before, contentAsRows(after))).toEqual([]);
    expect(before.rows).toHaveLength(after.rows.length);
  });

  it.skipIf(!isEmulated)(
    'emulator only (SQUASH_COMPACT_AFTER_ROWS set for the stack): the write that crosses it starts one compaction',
    async () => {
      const name = 'writes-auto-compact';
      const auto = await buildWriteIndex(target, name);
      const expected = baseContent();
      for (let batch = 0; batch < AUTO_COMPACT_ROWS / 500; batch++) {
        const rows = Array.from({ length: 500 }, (_, i) => {
          const id = 6_000_000 + batch * 500 + i;
          return { id, vector: writeVector(id), attributes: { category: `auto-${batch}` } };
        });
        const answer = await upsertUrl(
          target.searchUrl,
          {
            index: name,
            vectors: rows.map((row) => ({ ...row, vector: numbers(row.vector) })),
            token: `auto-${batch}`,
          },
          { sign: target.sign },
        );
        expect(answer.sequence).toBe(batch + 1);
        for (const row of rows) expected.set(row.id, { vector: row.vector, attributes: row.attributes });
      }
      let pointer = await readCurrentPointer(auto);
      for (const deadline = Date.now() + 180_000; pointer?.version === 1 && Date.now() < deadline; ) {
        await sleep(200);
        pointer = await readCurrentPointer(auto);
      }
      expect(pointer?.version, 'CURRENT should have moved once, after the crossing write').toBe(2);
      const published = await IndexReader.open(auto);
      expect(published.manifest.logThrough).toBe(AUTO_COMPACT_ROWS / 500);
      expect(published.manifest.count).toBe(expected.size);
      expect(contentDifferences(await snapshotContent(auto), expected)).toEqual([]);
    },
  );
});
