/**
 * Issue 13, "a fault in one build function (… timed out) is retried and the build still publishes a
 * correct index, or fails with `CURRENT` untouched": a local stack whose builder times out after 10 ms
 * (`functionOverrides`; every task takes longer), so each task's invocation ends in Lambda's own
 * `Sandbox.Timedout`. The runner reports it as `UpstreamTimeoutError`, the driver retries it, and after
 * the last attempt the build fails with `CURRENT` untouched: the version built before is still served.
 * The work location is kept, and the same build resumed in-process on it publishes the next version —
 * any process can run any task of a plan.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lambdaBuildRunner } from '../../../functions/invoke/lambda-build-runner.ts';
import { searchUrl } from '../../../scripts/client/index.ts';
import type { LocalStack } from '../../../scripts/local/index.ts';
import { defaultBuildOptions } from '../../../shared/build/build-index.ts';
import type { BuildTask } from '../../../shared/build/build-task.ts';
import {
  inProcessRunner,
  runStagedBuild,
  type StagedBuildOptions,
} from '../../../shared/build/staged-build.ts';
import { UpstreamTimeoutError } from '../../../shared/errors/index.ts';
import { bytesOf, readCurrentPointer, versionKeys } from '../../../shared/format/index.ts';
import { openStore } from '../../../shared/store/index.ts';
import { generateDataset } from '../../../shared/synthetic/index.ts';
import { isEmulated, type SearchTarget, startSearchTarget } from '../support/search-target.ts';

const COUNT = 4000;
const DIM = 16;
const PARTITIONS = 4;
const MEMORY_BYTES = 162 * 2 ** 20;
const BUILDER_TIMEOUT_SECONDS = 0.01;
const INPUT_KEY = 'inputs/timed-out.fvecs';

/** fvecs bytes: each row is its dimension (int32) then its values. */
function fvecs(vectors: Float32Array, count: number, dim: number): Uint8Array {
  const bytes = new Uint8Array(count * (dim + 1) * 4);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < count; i++) {
    view.setInt32(i * (dim + 1) * 4, dim, true);
    bytes.set(bytesOf(vectors.subarray(i * dim, (i + 1) * dim)), (i * (dim + 1) + 1) * 4);
  }
  return bytes;
}

describe.runIf(isEmulated)('a builder task that times out', () => {
  let target: SearchTarget;
  let stack: LocalStack;
  let builder: string;
  const saved: Record<string, string | undefined> = {};

  beforeAll(async () => {
    target = await startSearchTarget({
      functionOverrides: (fn) =>
        /-builder$/.test(fn.name) ? { ...fn, timeoutSeconds: BUILDER_TIMEOUT_SECONDS } : fn,
    });
    stack = target.emulator!;
    builder = stack.functions.find((fn) => /-builder$/.test(fn.name))!.name;
    for (const [name, value] of Object.entries(stack.env)) {
      saved[name] = process.env[name];
      process.env[name] = value;
    }
    const data = generateDataset({ count: COUNT, dim: DIM, seed: 5, attributes: false });
    await openStore(`s3://${stack.bucket}`).put(INPUT_KEY, fvecs(data.vectors, COUNT, DIM));
  });

  afterAll(async () => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    await target?.stop();
  });

  it('is retried, then fails the build with CURRENT untouched; the kept work resumes elsewhere', async () => {
    const location = `s3://${stack.bucket}/indexes/timed-out`;
    const input = { vectors: `s3://${stack.bucket}/${INPUT_KEY}` };
    const options = (work: string, onTaskRetry?: StagedBuildOptions['onTaskRetry']): StagedBuildOptions => ({
      ...defaultBuildOptions,
      partitions: PARTITIONS,
      work,
      taskAttempts: 2,
      ...(onTaskRetry ? { onTaskRetry } : {}),
    });
    const first = await runStagedBuild(
      input,
      location,
      options(`${location}/builds/first`),
      inProcessRunner(MEMORY_BYTES),
    );
    expect(first.version).toBe(1);
    const store = target.indexStore('timed-out');
    const before = Buffer.from(await store.get('CURRENT'));

    const retried: { task: BuildTask; error: unknown }[] = [];
    const work = `${location}/builds/second`;
    const failure = await runStagedBuild(
      input,
      location,
      options(work, (task, _attempt, error) => retried.push({ task, error })),
      lambdaBuildRunner({
        functionName: builder,
        concurrency: 2,
        memoryBytes: MEMORY_BYTES,
        timeoutSeconds: BUILDER_TIMEOUT_SECONDS,
        marginMs: 20_000,
      }),
    ).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(UpstreamTimeoutError);
    expect((failure as Error).message).toMatch(/Sandbox\.Timedout|timed out/);
    expect(retried.length).toBeGreaterThanOrEqual(1);
    for (const { error } of retried) expect(error).toBeInstanceOf(UpstreamTimeoutError);
    expect(stack.stats(builder).timeouts).toBeGreaterThanOrEqual(2);

    expect(Buffer.from(await store.get('CURRENT')).equals(before), 'CURRENT is untouched').toBe(true);
    const served = await searchUrl(target.searchUrl, {
      index: 'timed-out',
      k: 5,
      queries: [{ vector: Array.from({ length: DIM }, () => 0) }],
    });
    expect(served.results[0]!.hits).toHaveLength(5);

    const resumed = await runStagedBuild(input, location, options(work), inProcessRunner(MEMORY_BYTES));
    expect(resumed.version).toBe(2);
    expect((await readCurrentPointer(store))?.version).toBe(2);
    // Both versions come from the same plan decisions but for the version: the same partition bytes.
    for (let p = 0; p < PARTITIONS; p++) {
      const one = Buffer.from(await store.get(versionKeys(1).partition(p)));
      const two = Buffer.from(await store.get(versionKeys(2).partition(p)));
      expect(two.equals(one), `partition ${p}`).toBe(true);
    }
  });
});
