/**
 * Issue 10 acceptance 3: a writer killed mid-request leaves all of a request or nothing.
 *
 * First, deterministically, what a writer killed during its PUT leaves: a PUT of a log object cut short
 * (40,000 of 100,000 announced bytes, then a reset) must store nothing, so the next write takes that
 * sequence and searches go on (emulated targets: a raw request to the S3 endpoint).
 *
 * Then for real: a child process runs the CLI's in-process upsert (`squash upsert --index s3://…
 * --batch 500 --concurrency 3`, one IndexWriter over S3 on the stack's S3 endpoint) of 40 batches of
 * 500 vectors; it is SIGKILLed at a random
 * moment after it started appending, several times, and each time rerun with the same `--token` (the
 * documented way to finish an interrupted run). After every kill:
 * - the log's objects are 1…L with no gap and nothing else under `log/`, and each decodes (checksum);
 * - each entry is exactly one batch: its token `kill-n`, batch n's 500 ids in order, their vectors
 *   bit-exact, and no token twice;
 * - in `snapshotContent`, each batch is wholly present (its token in the log) or wholly absent.
 * The last run, not killed, ends with every batch present exactly once and the built rows untouched;
 * its summary counts as replayed exactly the batches the killed runs had applied.
 *
 * The delays before each kill come from a seeded generator; the seed is in every failure message
 * (SQUASH_KILL_SEED=<seed> draws the same delays again).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { searchUrl, upsertUrl } from '../../../scripts/client/index.ts';
import { writeFvecs } from '../../../shared/data/index.ts';
import type { ExternalId } from '../../../shared/format/index.ts';
import { createRng } from '../../../shared/random.ts';
import type { BlobStore, S3BlobStore } from '../../../shared/store/index.ts';
import { logKey } from '../../../shared/writes/log-keys.ts';
import { snapshotContent } from '../../../shared/writes/snapshot-content.ts';
import { WriteLog } from '../../../shared/writes/write-log.ts';
import { isEmulated, projectRoot, type SearchTarget, startSearchTarget } from '../support/search-target.ts';
import {
  baseContent,
  buildWriteIndex,
  contentDifferences,
  DIM,
  logSequences,
  numbers,
  type Row,
  s3Location,
  sameBits,
  writeVector,
} from './write-fixture.ts';

const index = 'writes-killed';
const BATCH = 500;
const BATCHES = 40;
const ROWS = BATCH * BATCHES;
const KILLS = 4;
const TOKEN = 'kill';
const seed = Number(process.env.SQUASH_KILL_SEED ?? Date.now() % 1_000_000);

const idOf = (row: number) => 5_000_000 + row;
const rowVector = (row: number) => writeVector(10_000 + row);
const rowAttributes = (row: number) => ({
  u: (row % 1000) / 1000,
  category: `batch-${Math.floor(row / BATCH) + 1}`,
});

/**
 * Sends a PUT announcing `announced` bytes, writes `sent` of them and resets the connection, as a
 * killed process does; resolves to the status if the server answered anyway.
 */
function cutShortPut(url: URL, announced: number, sent: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const req = httpRequest(url, {
      method: 'PUT',
      headers: { 'content-length': announced, 'content-type': 'application/json', 'if-none-match': '*' },
    });
    req.on('response', (res) => {
      res.resume();
      resolve(res.statusCode);
    });
    req.on('error', () => resolve(undefined));
    req.write(Buffer.alloc(sent, 0x20), () => {
      setTimeout(() => {
        req.destroy();
        resolve(undefined);
      }, 100);
    });
  });
}

interface Run {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

describe('a writer killed mid-request leaves all or nothing', () => {
  let target: SearchTarget;
  let store: BlobStore;
  let folder: string;
  const why = `(kill seed ${seed}; SQUASH_KILL_SEED=${seed} draws the same delays)`;

  beforeAll(async () => {
    target = await startSearchTarget();
    store = await buildWriteIndex(target, index);
    folder = await mkdtemp(join(tmpdir(), 'squash-killed-writer-'));
    const vectors = new Float32Array(ROWS * DIM);
    const lines: string[] = [];
    for (let row = 0; row < ROWS; row++) {
      vectors.set(rowVector(row), row * DIM);
      lines.push(JSON.stringify({ id: idOf(row), ...rowAttributes(row) }));
    }
    await writeFvecs(join(folder, 'rows.fvecs'), vectors, ROWS, DIM);
    await writeFile(join(folder, 'rows.jsonl'), `${lines.join('\n')}\n`);
  });

  afterAll(async () => {
    await target?.stop();
    if (folder) await rm(folder, { recursive: true, force: true });
  });

  function startWriter(): { child: ChildProcess; done: Promise<Run> } {
    const child = spawn(
      process.execPath,
      [
        join(projectRoot, 'bin/squash.js'),
        'upsert',
        '--index',
        s3Location(store),
        '--vectors',
        join(folder, 'rows.fvecs'),
        '--attributes',
        join(folder, 'rows.jsonl'),
        '--batch',
        String(BATCH),
        '--concurrency',
        '3',
        '--token',
        TOKEN,
      ],
      { env: { ...process.env, ...target.emulator?.env }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const done = new Promise<Run>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
    });
    return { child, done };
  }

  /** Checks the log and the content; returns the batch numbers present. */
  async function expectAllOrNothing(when: string): Promise<Set<number>> {
    const { sequences, strangers } = await logSequences(store);
    expect(strangers, `${when}: objects under log/ that are not entries ${why}`).toEqual([]);
    expect(sequences, `${when}: log sequences ${why}`).toEqual(sequences.map((_, i) => i + 1));
    // Each entry is decoded and its checksum checked; a damaged one fails here, naming it.
    const entries = await new WriteLog(store).readRange(1, sequences.length).catch((error: Error) => {
      throw new Error(`${when}: ${error.message} ${why}`);
    });
    const present = new Set<number>();
    for (const entry of entries) {
      const where = `${when}: log entry ${entry.sequence} ${why}`;
      const batch = Number(/^kill-(\d+)$/.exec(entry.token ?? '')?.[1]);
      expect(batch >= 1 && batch <= BATCHES, `${where}: token ${entry.token}`).toBe(true);
      expect(present.has(batch), `${where}: batch ${batch} is in the log twice`).toBe(false);
      present.add(batch);
      const first = (batch - 1) * BATCH;
      expect(
        entry.upserts.map((row) => row.id),
        where,
      ).toEqual(Array.from({ length: BATCH }, (_, i) => idOf(first + i)));
      const damaged = entry.upserts.findIndex((row, i) => !sameBits(row.vector, rowVector(first + i)));
      expect(damaged, `${where}: first row whose vector differs`).toBe(-1);
      expect(entry.upserts[BATCH - 1]!.attributes, where).toEqual(rowAttributes(first + BATCH - 1));
    }

    const content = await snapshotContent(store);
    const count = new Map<number, number>();
    for (const row of content.rows) {
      const id = row.id as number;
      if (id < 5_000_000) continue;
      const batch = Math.floor((id - 5_000_000) / BATCH) + 1;
      count.set(batch, (count.get(batch) ?? 0) + 1);
    }
    for (let batch = 1; batch <= BATCHES; batch++) {
      expect(count.get(batch) ?? 0, `${when}: rows of batch ${batch} in the content ${why}`).toBe(
        present.has(batch) ? BATCH : 0,
      );
    }
    return present;
  }

  it.skipIf(!isEmulated)(
    'emulator only (raw S3 request): a log PUT cut short stores nothing, and the next write takes its sequence',
    async () => {
      const name = 'writes-cut-short';
      const cut = await buildWriteIndex(target, name);
      const endpoint = target.emulator!.s3Endpoint;
      const key = `${(cut as S3BlobStore).prefix.replace(/\/$/, '')}/${logKey(1)}`;
      const url = new URL(`/${target.bucket}/${key}`, endpoint);
      // What a writer killed during its PUT leaves behind: 40,000 of 100,000 announced bytes, then a reset.
      const received = await cutShortPut(url, 100_000, 40_000);
      expect(received, 'the server should not have answered a PUT whose body never arrived').toBeUndefined();
      await sleep(300);
      const head = await cut.head(logKey(1));
      expect(
        head,
        `${logKey(1)} exists with ${head?.size} bytes after a PUT of 100000 bytes was cut at 40000: S3 stores a PUT whole or not at all`,
      ).toBeUndefined();
      expect(await cut.list('log/')).toEqual([]);
      const answer = await upsertUrl(
        target.searchUrl,
        { index: name, vectors: [{ id: 9_000_000, vector: numbers(writeVector(9)) }] },
        { sign: target.sign, retry: { attempts: 1 } },
      );
      expect(answer).toMatchObject({ sequence: 1, upserted: 1, replayed: false });
      const found = await searchUrl(
        target.searchUrl,
        { index: name, k: 1, queries: [{ vector: numbers(writeVector(9)) }] },
        { sign: target.sign },
      );
      expect(found.results[0]!.hits).toEqual([{ id: 9_000_000, distance: 0 }]);
    },
  );

  it(`SIGKILLed ${KILLS} times at random moments, then finished: every batch whole or absent, then each once`, async () => {
    const rng = createRng(seed);
    const moments: string[] = [];
    let applied = new Set<number>();
    for (let kill = 1; kill <= KILLS; kill++) {
      const before = (await logSequences(store)).sequences.length;
      const { child, done } = startWriter();
      let exited = false;
      void done.then(() => {
        exited = true;
      });
      // Wait until this run has appended something (or ended), then a random moment more.
      while (!exited && (await logSequences(store)).sequences.length === before) await sleep(10);
      const delayMs = Math.floor(rng.next() * 150);
      await sleep(delayMs);
      const killed = !exited && child.kill('SIGKILL');
      const run = await done;
      moments.push(
        `run ${kill}: ${killed ? `killed ${delayMs} ms after its first append` : `ended ${run.code}`}`,
      );
      if (!killed) {
        // The run finished every remaining batch before its moment came: the final run replays them all.
        expect(run.code, `${moments.join('; ')}: ${run.stderr.slice(-2000)}`).toBe(0);
        applied = await expectAllOrNothing(`after run ${kill} ended ${moments.join('; ')}`);
        break;
      }
      expect(run.signal).toBe('SIGKILL');
      applied = await expectAllOrNothing(`after run ${kill} ${moments.join('; ')}`);
    }
    expect(
      moments.filter((moment) => moment.includes('killed')).length,
      `no run was killed: ${moments.join('; ')} ${why}`,
    ).toBeGreaterThan(0);

    const last = await startWriter().done;
    expect(last.code, last.stderr.slice(-2000)).toBe(0);
    const summary = JSON.parse(last.stdout.trim().split('\n').at(-1)!);
    expect(summary).toMatchObject({
      vectors: ROWS,
      batches: BATCHES,
      token: TOKEN,
      replayedBatches: applied.size,
    });
    expect((await expectAllOrNothing('after the last run')).size).toBe(BATCHES);
    expect((await logSequences(store)).sequences).toHaveLength(BATCHES);

    const expected = baseContent() as Map<ExternalId, Row>;
    for (let row = 0; row < ROWS; row++) {
      expected.set(idOf(row), { vector: rowVector(row), attributes: rowAttributes(row) });
    }
    expect(contentDifferences(await snapshotContent(store), expected)).toEqual([]);
  });
});
