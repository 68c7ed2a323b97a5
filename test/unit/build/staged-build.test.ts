import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AttributeTable } from '../../../shared/attributes/index.ts';
import { buildIndex } from '../../../shared/build/build-index.ts';
import type { BuildTask } from '../../../shared/build/build-task.ts';
import { driverHeldBytes, inProcessRunner, runStagedBuild } from '../../../shared/build/staged-build.ts';
import { retainedBytes } from '../../../shared/cache/retained-bytes.ts';
import { encodeFvecs } from '../../../shared/data/index.ts';
import { InvalidInputError } from '../../../shared/errors/index.ts';
import { readCurrentPointer } from '../../../shared/format/index.ts';
import { LocalSearch } from '../../../shared/index/local-search.ts';
import { LocalDirectoryStore } from '../../../shared/store/index.ts';
import { generateDataset, generateQueries, SYNTHETIC_SCHEMA } from '../../../shared/synthetic/index.ts';
import { filesUnder, withFrozenClock } from '../../support/frozen-build.ts';

const COUNT = 12_000;
const DIM = 16;
const options = { partitions: 8, bitsPerDim: 4, metric: 'l2' as const, seed: 3, kmeansIterations: 8 };
const dataset = generateDataset({ count: COUNT, dim: DIM, seed: 5, clusters: 8 });
const attributes = new AttributeTable(SYNTHETIC_SCHEMA, COUNT, dataset.attributes!.columns());
/** Enough for the whole input in one chunk. */
const LARGE = 1 << 30;
/** Chunks of about 2,500 rows: five of them. */
const SMALL = (160 << 20) + 2_500 * (4 * (DIM + 2 * DIM + 1) + 160);

let root: string;
let vectorsPath: string;
let runs = 0;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'squash-staged-'));
  vectorsPath = join(root, 'base.fvecs');
  await writeFile(vectorsPath, encodeFvecs(dataset.vectors, COUNT, DIM));
});
afterAll(() => rm(root, { recursive: true, force: true }));

function fresh(): { out: string; work: string } {
  runs++;
  return { out: join(root, `index-${runs}`), work: join(root, `work-${runs}`) };
}

describe('the staged build', () => {
  it('in one chunk writes exactly the objects the in-memory build writes', async () => {
    const { out, work } = fresh();
    const memory = join(root, 'in-memory');
    await withFrozenClock(() =>
      buildIndex(
        { vectors: dataset.vectors, count: COUNT, dim: DIM, attributes },
        new LocalDirectoryStore(memory),
        options,
      ),
    );
    await withFrozenClock(() =>
      runStagedBuild({ vectors: vectorsPath, attributes }, out, { ...options, work }, inProcessRunner(LARGE)),
    );
    const expected = await filesUnder(memory);
    const actual = await filesUnder(out);
    expect([...actual.keys()]).toEqual([...expected.keys()]);
    for (const [key, bytes] of expected) expect(actual.get(key)?.equals(bytes), key).toBe(true);
  });

  it('in several chunks finds the exact neighbours and keeps filters exact', async () => {
    const { out, work } = fresh();
    const summary = await runStagedBuild(
      { vectors: vectorsPath, attributes },
      out,
      { ...options, work },
      inProcessRunner(SMALL),
    );
    expect(summary.count).toBe(COUNT);
    // Per-chunk capacity bounds: every partition within ±10 % of N/P, up to one row per chunk.
    expect(summary.partitionSizes.min).toBeGreaterThanOrEqual(Math.floor((0.9 * COUNT) / 8) - 5);
    expect(summary.partitionSizes.max).toBeLessThanOrEqual(Math.ceil((1.1 * COUNT) / 8) + 5);
    const queries = generateQueries({ count: 50, dim: DIM, seed: 9, fromDataset: { seed: 5, clusters: 8 } });
    const search = await LocalSearch.open(new LocalDirectoryStore(out));
    let found = 0;
    for (let q = 0; q < queries.count; q++) {
      const vector = queries.vectors.subarray(q * DIM, (q + 1) * DIM);
      const exact = exactTop(vector, 10);
      const hits = (await search.search([{ vector: Array.from(vector) }], { k: 10 }))[0]!.hits;
      found += hits.filter((hit) => exact.has(Number(hit.id))).length;
    }
    expect(found / (queries.count * 10)).toBeGreaterThanOrEqual(0.95);
    const filtered = await search.search(
      [{ vector: Array.from(queries.vectors.subarray(0, DIM)), filter: { u: { $lt: 0.05 } } }],
      { k: 20 },
    );
    expect(filtered[0]!.hits).toHaveLength(20);
    for (const hit of filtered[0]!.hits) expect(attributes.valueOf(Number(hit.id), 0)).toBeLessThan(0.05);
    expect(await readdirOrEmpty(work)).toEqual([]);
  });

  it('resumes after a task that kept failing, publishing what an uninterrupted run publishes', async () => {
    const { out, work } = fresh();
    let encodes = 0;
    const base = inProcessRunner(SMALL);
    const failing = {
      ...base,
      run: async (task: BuildTask) => {
        if (task.kind === 'encode' && ++encodes === 2) throw new Error('injected: the function was killed');
        if (task.kind === 'encode' && encodes === 3) throw new Error('injected: the function timed out');
        return base.run(task);
      },
    };
    await expect(
      withFrozenClock(() =>
        runStagedBuild({ vectors: vectorsPath }, out, { ...options, work, taskAttempts: 2 }, failing),
      ),
    ).rejects.toThrow(/timed out/);
    expect(await readCurrentPointer(new LocalDirectoryStore(out))).toBeUndefined();
    await expect(
      runStagedBuild({ vectors: vectorsPath }, out, { ...options, partitions: 9, work }, base),
    ).rejects.toThrow(/holds the plan of another build .* 8 partitions/);
    await withFrozenClock(() => runStagedBuild({ vectors: vectorsPath }, out, { ...options, work }, base));

    const reference = fresh();
    await withFrozenClock(() =>
      runStagedBuild({ vectors: vectorsPath }, reference.out, { ...options, work: reference.work }, base),
    );
    const expected = await filesUnder(reference.out);
    const actual = await filesUnder(out);
    expect([...actual.keys()]).toEqual([...expected.keys()]);
    for (const [key, bytes] of expected) expect(actual.get(key)?.equals(bytes), key).toBe(true);
  });

  it('retries a failed task and publishes', async () => {
    const { out, work } = fresh();
    let failures = 0;
    const base = inProcessRunner(SMALL);
    const flaky = {
      ...base,
      run: async (task: BuildTask) => {
        if (task.kind === 'assign' && failures++ === 0) throw new Error('injected: connection reset');
        return base.run(task);
      },
    };
    const summary = await runStagedBuild({ vectors: vectorsPath }, out, { ...options, work }, flaky);
    expect(failures).toBeGreaterThan(1);
    expect(summary.version).toBe(1);
  });

  it('refuses a non-finite value naming its row, and leaves nothing behind', async () => {
    const { out, work } = fresh();
    const bad = dataset.vectors.slice();
    bad[7_777 * DIM + 3] = Number.NaN;
    const path = join(root, 'bad.fvecs');
    await writeFile(path, encodeFvecs(bad, COUNT, DIM));
    const error = await runStagedBuild(
      { vectors: path },
      out,
      { ...options, work },
      inProcessRunner(SMALL),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as Error).message).toMatch(/vector 7777 has a non-finite value at dimension 3/);
    expect(await readdirOrEmpty(out)).toEqual([]);
    expect(await readdirOrEmpty(work)).toEqual([]);
  });

  it('refuses a budget too small for the partitions, saying what would fit', async () => {
    const { out, work } = fresh();
    await expect(
      runStagedBuild(
        { vectors: vectorsPath },
        out,
        { ...options, work },
        inProcessRunner((160 << 20) + 1_000),
      ),
    ).rejects.toThrow(/holds chunks of 2 rows of dimension 16; 8 partitions need chunks of at least 16 rows/);
  });
});

function exactTop(query: Float32Array, k: number): Set<number> {
  const distances: [number, number][] = [];
  for (let i = 0; i < COUNT; i++) {
    let sum = 0;
    for (let d = 0; d < DIM; d++) sum += (dataset.vectors[i * DIM + d]! - query[d]!) ** 2;
    distances.push([sum, i]);
  }
  distances.sort((a, b) => a[0] - b[0]);
  return new Set(distances.slice(0, k).map(([, i]) => i));
}

async function readdirOrEmpty(path: string): Promise<string[]> {
  const files = await filesUnder(path).catch(() => new Map());
  return [...files.keys()];
}

describe('driverHeldBytes', () => {
  it('counts the attribute table, its codes twice, the row numbers and the ids', () => {
    const table = attributes.select(Uint32Array.from({ length: 1_000 }, (_, i) => i));
    const held = driverHeldBytes({ attributes: table, ids: Array.from({ length: 1_000 }, (_, i) => i) });
    expect(held).toBe(retainedBytes(table) + 2 * 4 * 1_000 + 4 * 1_000 + 16 * 1_000);
    expect(driverHeldBytes({})).toBe(0);
  });
});
