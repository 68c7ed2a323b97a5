import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { threadRunner } from '../../../scripts/cli/thread-runner.ts';
import type { BuildTask } from '../../../shared/build/build-task.ts';
import { inProcessRunner, runStagedBuild } from '../../../shared/build/staged-build.ts';
import { encodeFvecs } from '../../../shared/data/index.ts';
import { InvalidInputError } from '../../../shared/errors/index.ts';
import { generateDataset } from '../../../shared/synthetic/index.ts';
import { filesUnder, withFrozenClock } from '../../support/frozen-build.ts';

const COUNT = 8_000;
const DIM = 12;
const options = { partitions: 6, bitsPerDim: 4, metric: 'l2' as const, seed: 2, kmeansIterations: 6 };
const root = await mkdtemp(join(tmpdir(), 'squash-threads-'));
afterAll(() => rm(root, { recursive: true, force: true }));
const vectors = join(root, 'base.fvecs');
await writeFile(
  vectors,
  encodeFvecs(generateDataset({ count: COUNT, dim: DIM, seed: 4 }).vectors, COUNT, DIM),
);

describe('squash build --threads', () => {
  it('builds on two threads exactly what one thread builds with the same share of the budget', async () => {
    const threads = threadRunner(600 << 20, 2);
    try {
      await withFrozenClock(() =>
        runStagedBuild({ vectors }, join(root, 'threads'), { ...options, work: join(root, 'w1') }, threads),
      );
    } finally {
      await threads.close();
    }
    await withFrozenClock(() =>
      runStagedBuild(
        { vectors },
        join(root, 'one'),
        { ...options, work: join(root, 'w2') },
        inProcessRunner(threads.memoryBytes),
      ),
    );
    const expected = await filesUnder(join(root, 'one'));
    const actual = await filesUnder(join(root, 'threads'));
    expect([...actual.keys()]).toEqual([...expected.keys()]);
    for (const [key, bytes] of expected) expect(actual.get(key)?.equals(bytes), key).toBe(true);
  }, 120_000);

  it('passes bad input back as bad input, and a task error as an error', async () => {
    const threads = threadRunner(600 << 20, 1);
    try {
      const missing = { kind: 'sample', work: join(root, 'nowhere'), chunk: 0 } satisfies BuildTask;
      await expect(threads.run(missing)).rejects.not.toBeInstanceOf(InvalidInputError);
      const bad = generateDataset({ count: COUNT, dim: DIM, seed: 4 }).vectors;
      bad[5_000 * DIM] = Number.POSITIVE_INFINITY;
      await writeFile(join(root, 'bad.fvecs'), encodeFvecs(bad, COUNT, DIM));
      const error = await runStagedBuild(
        { vectors: join(root, 'bad.fvecs') },
        join(root, 'x'),
        { ...options, work: join(root, 'w3') },
        threads,
      ).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidInputError);
      expect((error as Error).message).toMatch(/vector 5000 has a non-finite value at dimension 0/);
    } finally {
      await threads.close();
    }
  }, 120_000);
});
