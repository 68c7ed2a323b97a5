/**
 * Issue 10 acceptance 2, over real HTTP: 8 clients at once, each sending 100 upserts of 5 new vectors (40 on LocalStack S3)
 * (its own ids, one token per request) and some deletes (of its own upserted rows and of built rows)
 * through the Function URL, served by as many coordinator environments as the host starts. Afterwards:
 * - the acknowledged sequences are distinct and are exactly 1…T for T requests, and the log holds
 *   exactly those T objects, each decoding (checksum) to the token it was acknowledged for;
 * - `snapshotContent` of the stack's objects equals the expected content row by row (nothing lost,
 *   nothing doubled, every vector bit-exact, every attribute as written);
 * - searches sent while the clients write find every row acknowledged before them (distance 0) and no
 *   row deleted before them; after the writes, a search answers from snapshot T and never returns a
 *   deleted id;
 * - a retried request (same token) answers `replayed: true` with the first answer's sequence and
 *   writes nothing; six copies of one new request sent at once are applied once.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  deleteUrl,
  type RetryNotice,
  searchUrl,
  upsertUrl,
  type WriteAnswer,
} from '../../../scripts/client/index.ts';
import type { ExternalId } from '../../../shared/format/index.ts';
import { createRng } from '../../../shared/random.ts';
import type { BlobStore } from '../../../shared/store/index.ts';
import { snapshotContent } from '../../../shared/writes/snapshot-content.ts';
import { WriteLog } from '../../../shared/writes/write-log.ts';
import { type SearchTarget, startSearchTarget, testTarget } from '../support/search-target.ts';

import {
  baseContent,
  baseVector,
  buildWriteIndex,
  contentDifferences,
  logSequences,
  numbers,
  writeVector,
} from './write-fixture.ts';

const index = 'writes-concurrent';
const CLIENTS = 8;
/**
 * On LocalStack's S3 (a Python server sharing the 2-core CI box with the CPU hog) 100 batches per client
 * once took past the 900 s budget; 40 still interleave every client's writes, deletes and searches.
 */
const BATCHES = testTarget === 'localstack-s3' ? 40 : 100;
const PER_BATCH = 5;

/** Rows of each batch that no client deletes (rows 0 and 3 of some batches are deleted). */
const NEVER_DELETED = [1, 2, 4];
const READERS = 2;

const idOf = (client: number, batch: number, row: number) => 2_000_000 + client * 10_000 + batch * 10 + row;
const seedOf = (id: number) => id - 2_000_000 + 5_000;

interface Acknowledged {
  readonly token: string;
  readonly answer: WriteAnswer;
}

describe('concurrent writers through the Function URL', () => {
  let target: SearchTarget;
  let store: BlobStore;
  const expected = baseContent();
  const acknowledged: Acknowledged[] = [];
  const deleted = new Set<ExternalId>();
  /** Tokens of requests the client sent more than once (a retry may answer `replayed: true`). */
  const retried = new Set<string>();
  const sent = new Map<string, unknown>();
  /** Acknowledged upserted ids that are never deleted, in acknowledgement order. */
  const stable: number[] = [];
  const readProblems: string[] = [];
  let reads = 0;

  beforeAll(async () => {
    target = await startSearchTarget();
    store = await buildWriteIndex(target, index);
  });

  afterAll(async () => {
    await target?.stop();
  });

  const options = (token: string) => ({
    sign: target.sign,
    timeoutMs: 60_000,
    retry: { attempts: 8 },
    onRetry: (_notice: RetryNotice) => retried.add(token),
  });

  async function client(c: number): Promise<void> {
    for (let b = 0; b < BATCHES; b++) {
      const token = `client-${c}-batch-${b}`;
      const vectors = Array.from({ length: PER_BATCH }, (_, j) => {
        const id = idOf(c, b, j);
        return { id, vector: writeVector(seedOf(id)), attributes: { u: j / 10, category: `writer-${c}` } };
      });
      const request = {
        index,
        vectors: vectors.map((row) => ({ ...row, vector: numbers(row.vector) })),
        token,
      };
      sent.set(token, request);
      const answer = await upsertUrl(target.searchUrl, request, options(token));
      acknowledged.push({ token, answer });
      for (const row of vectors) expected.set(row.id, { vector: row.vector, attributes: row.attributes });
      for (const j of NEVER_DELETED) stable.push(idOf(c, b, j));

      if (b % 10 === 9) {
        // Two of this client's rows written five batches ago.
        const ids = [idOf(c, b - 5, 0), idOf(c, b - 5, 3)];
        const deleteToken = `client-${c}-delete-${b}`;
        acknowledged.push({
          token: deleteToken,
          answer: await deleteUrl(target.searchUrl, { index, ids, token: deleteToken }, options(deleteToken)),
        });
        for (const id of ids) {
          expected.delete(id);
          deleted.add(id);
        }
      }
      if (b % 25 === 12) {
        // Three built rows no other client touches.
        const ids = [0, 1, 2].map((i) => c * 300 + b * 3 + i);
        const deleteToken = `client-${c}-delete-built-${b}`;
        acknowledged.push({
          token: deleteToken,
          answer: await deleteUrl(target.searchUrl, { index, ids, token: deleteToken }, options(deleteToken)),
        });
        for (const id of ids) {
          expected.delete(id);
          deleted.add(id);
        }
      }
    }
  }

  /**
   * Searches while the clients write, for the exact vector of a row acknowledged before the search was
   * sent (read-your-writes): it must be the first hit at distance 0, and no hit may be a row whose delete
   * was acknowledged before. Following the log as it grows also keeps the functions' views warm, as
   * production traffic does (a cold start after hundreds of entries is another matter: see the report).
   */
  async function reader(r: number, writing: () => boolean): Promise<void> {
    const rng = createRng(100 + r);
    for (let step = 0; writing(); step++) {
      if (stable.length === 0) {
        await sleep(20);
        continue;
      }
      const id = stable[rng.int(stable.length)]!;
      const deletedBefore = new Set(deleted);
      const exact = step % 2 === 1;
      const what = `reader ${r} search ${step} for ${id} (exact ${exact})`;
      try {
        const response = await searchUrl(
          target.searchUrl,
          { index, k: 3, queries: [{ vector: numbers(writeVector(seedOf(id))) }], options: { exact } },
          { sign: target.sign },
        );
        const hits = response.results[0]!.hits;
        if (hits[0]?.id !== id || hits[0]?.distance !== 0) {
          readProblems.push(`${what}: first hit ${JSON.stringify(hits[0])}, expected id ${id} at distance 0`);
        }
        for (const hit of hits) {
          if (deletedBefore.has(hit.id))
            readProblems.push(`${what}: hit ${hit.id}, deleted before the search`);
        }
        reads++;
      } catch (error) {
        readProblems.push(`${what}: ${(error as Error).message}`);
      }
    }
  }

  it(`${CLIENTS} clients × ${BATCHES} upserts and some deletes, searched meanwhile: read-your-writes, distinct sequences 1…T, the log holds exactly them`, async () => {
    let writing = true;
    const readers = Array.from({ length: READERS }, (_, r) => reader(r, () => writing));
    try {
      await Promise.all(Array.from({ length: CLIENTS }, (_, c) => client(c)));
    } finally {
      writing = false;
      await Promise.all(readers);
    }
    expect(readProblems).toEqual([]);
    expect(reads).toBeGreaterThan(0);
    const total = acknowledged.length;
    // Per client: its upserts, a delete of its own rows every 10 batches, one of built rows at b % 25 = 12.
    const builtDeletes = Array.from({ length: BATCHES }, (_, b) => b).filter((b) => b % 25 === 12).length;
    expect(total).toBe(CLIENTS * (BATCHES + BATCHES / 10 + builtDeletes));
    const sequences = acknowledged.map(({ answer }) => answer.sequence).sort((a, b) => a - b);
    expect(sequences).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    for (const { token, answer } of acknowledged) {
      if (answer.replayed)
        expect(retried.has(token), `${token} answered replayed without a retry`).toBe(true);
    }
    expect(await logSequences(store)).toEqual({ sequences, strangers: [] });

    const log = new WriteLog(store);
    const entries = await log.readRange(1, total);
    const byToken = new Map(acknowledged.map(({ token, answer }) => [token, answer.sequence]));
    for (const entry of entries) {
      expect(entry.token, `log entry ${entry.sequence}`).toBeDefined();
      expect(byToken.get(entry.token!), `token ${entry.token}`).toBe(entry.sequence);
    }
    // 912 writes take 30–80 s here; against LocalStack on a loaded CI machine a run measured 1.8 writes/s
    // (each new coordinator environment reads the whole log from a slow S3), and one CI run on the
    // embedded stack beside the CPU hog passed 900 s (71 s alone the same day), so the bound is generous.
  }, 1_800_000);

  it('the content equals what was acknowledged: nothing lost, nothing doubled', async () => {
    const content = await snapshotContent(store);
    expect(content.sequence).toBe(acknowledged.length);
    expect(contentDifferences(content, expected)).toEqual([]);
    expect(content.rows).toHaveLength(expected.size);
    expect(content.rows.filter((row) => row.fromLog)).toHaveLength(
      CLIENTS * BATCHES * PER_BATCH - CLIENTS * (BATCHES / 10) * 2,
    );
  });

  it('searches answer from the last snapshot and never return a deleted id', async () => {
    const victims = [...deleted].slice(0, 40);
    const vectorOf = (id: ExternalId) =>
      typeof id === 'number' && id >= 2_000_000 ? writeVector(seedOf(id)) : baseVector(id as number);
    for (const exact of [false, true]) {
      const response = await searchUrl(
        target.searchUrl,
        {
          index,
          k: 10,
          queries: victims.map((id) => ({ vector: numbers(vectorOf(id)) })),
          options: { exact },
        },
        { sign: target.sign },
      );
      expect(response.stats.snapshot).toEqual({ version: 1, sequence: acknowledged.length });
      response.results.forEach((result, q) => {
        expect(result.hits).toHaveLength(10);
        for (const hit of result.hits) expect(deleted.has(hit.id), `query ${q}: hit ${hit.id}`).toBe(false);
      });
    }
  });

  it('a retry with the same token answers replayed with the first sequence and writes nothing', async () => {
    const first = acknowledged.find(({ token }) => token === 'client-3-batch-32')!;
    const last = acknowledged.length;
    const again = await upsertUrl(
      target.searchUrl,
      sent.get('client-3-batch-32') as Parameters<typeof upsertUrl>[1],
      { sign: target.sign },
    );
    expect(again).toEqual({ ...first.answer, replayed: true });
    expect((await logSequences(store)).sequences.at(-1)).toBe(last);

    const request = {
      index,
      vectors: [{ id: 3_000_000, vector: numbers(writeVector(3_000_000)) }],
      token: 'once',
    };
    const answers = await Promise.all(
      Array.from({ length: 6 }, () => upsertUrl(target.searchUrl, request, { sign: target.sign })),
    );
    expect(new Set(answers.map((answer) => answer.sequence))).toEqual(new Set([last + 1]));
    expect(answers.filter((answer) => !answer.replayed)).toHaveLength(1);
    expect((await logSequences(store)).sequences.at(-1)).toBe(last + 1);
  });
});
