/**
 * The builder function and the Lambda build runner, in process (no network): events and answers go
 * through JSON text as over the Invoke API (`InProcessInvoker`). A build fanned out over the builder
 * writes exactly the bytes of the in-process runner's build; a crashed invocation is retried; bad input
 * comes back as `INVALID_INPUT` and is not retried; the attempt timeout is the function's plus a margin.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveBuilder } from '../../../functions/builder/serve-builder.ts';
import { lambdaBuildRunner } from '../../../functions/invoke/lambda-build-runner.ts';
import { silentTelemetry } from '../../../functions/observability/telemetry.ts';
import type { BuildTask } from '../../../shared/build/build-task.ts';
import { inProcessRunner, runStagedBuild } from '../../../shared/build/staged-build.ts';
import { encodeFvecs } from '../../../shared/data/index.ts';
import { IndexFormatError, InvalidInputError, SquashError } from '../../../shared/errors/index.ts';
import { generateDataset } from '../../../shared/synthetic/index.ts';
import { filesUnder } from '../../support/frozen-build.ts';
import { crash, InProcessInvoker } from './in-process-invoker.ts';

const COUNT = 3000;
const DIM = 8;
const options = { partitions: 4, bitsPerDim: 4, metric: 'l2' as const, seed: 3, kmeansIterations: 8 };
/** Chunks of about 1,000 rows: three of them. */
const MEMORY = (160 << 20) + 1_000 * (4 * (DIM + 2 * DIM + 1) + 160);
const BUILDER = 'S-builder';

let root: string;
let vectorsPath: string;
let runs = 0;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'squash-builder-'));
  vectorsPath = join(root, 'base.fvecs');
  const { vectors } = generateDataset({ count: COUNT, dim: DIM, seed: 5, clusters: 6, attributes: false });
  await writeFile(vectorsPath, encodeFvecs(vectors, COUNT, DIM));
});
afterAll(() => rm(root, { recursive: true, force: true }));

function fresh(): { out: string; work: string } {
  runs++;
  return { out: join(root, `index-${runs}`), work: join(root, `work-${runs}`) };
}

const telemetry = silentTelemetry();
const builderInvoker = () => new InProcessInvoker((_name, event) => serveBuilder(event, telemetry));

/** The version's objects but the manifest (its `createdAt` differs between runs). */
async function objects(dir: string): Promise<Map<string, Buffer>> {
  const files = await filesUnder(dir);
  return new Map([...files].filter(([key]) => !key.endsWith('manifest.json') && key !== 'CURRENT'));
}

describe('the builder function', () => {
  it('answers a malformed event with INVALID_INPUT, naming what it received', async () => {
    for (const event of [
      { kind: 'merge', work: '/tmp/w' },
      { kind: 'encode', work: '/tmp/w' },
      { kind: 'sample', work: '/tmp/w', chunk: -1 },
      { kind: 'train', work: '', maxSquared: 0 },
      'sample',
    ]) {
      const reply = (await serveBuilder(event, telemetry)) as { error?: { code: string; message: string } };
      expect(reply.error?.code, JSON.stringify(event)).toBe('INVALID_INPUT');
      expect(reply.error?.message).toMatch(
        /^builder event \(a build task: sample, train, assign or encode\): /,
      );
    }
  });

  it('answers a typed failure that is not about the input with its code (the driver retries it)', async () => {
    const missing = join(root, 'no-such-work');
    const reply = (await serveBuilder({ kind: 'sample', work: missing, chunk: 0 }, telemetry)) as {
      error?: { code: string; message: string };
    };
    expect(reply.error?.code).toBe('BLOB_NOT_FOUND');
    expect(reply.error?.message).toContain('plan.json');
  });
});

describe('a build fanned out over the builder', () => {
  it('writes exactly the objects the in-process runner writes', async () => {
    const local = fresh();
    await runStagedBuild(
      { vectors: vectorsPath },
      local.out,
      { ...options, work: local.work },
      inProcessRunner(MEMORY),
    );
    const fanned = fresh();
    const invoker = builderInvoker();
    const summary = await runStagedBuild(
      { vectors: vectorsPath },
      fanned.out,
      { ...options, work: fanned.work },
      lambdaBuildRunner({ functionName: BUILDER, concurrency: 3, memoryBytes: MEMORY, invoker }),
    );
    expect(summary.version).toBe(1);
    const kinds = invoker.calls.map((call) => call.payload.kind);
    expect(kinds.filter((kind) => kind === 'sample')).toHaveLength(3);
    expect(kinds.filter((kind) => kind === 'train')).toHaveLength(1);
    expect(kinds.filter((kind) => kind === 'assign')).toHaveLength(3);
    expect(kinds.filter((kind) => kind === 'encode')).toHaveLength(options.partitions);
    const expected = await objects(local.out);
    const actual = await objects(fanned.out);
    expect([...actual.keys()]).toEqual([...expected.keys()]);
    for (const [key, bytes] of expected) expect(actual.get(key)?.equals(bytes), key).toBe(true);
  });

  it('retries a crashed invocation and still writes the same objects', async () => {
    const local = fresh();
    await runStagedBuild(
      { vectors: vectorsPath },
      local.out,
      { ...options, work: local.work },
      inProcessRunner(MEMORY),
    );
    const { out, work } = fresh();
    const invoker = builderInvoker();
    invoker.fault = (call) =>
      call.attempt === 0 && (call.payload.kind === 'encode' || call.payload.kind === 'assign')
        ? crash(BUILDER)
        : undefined;
    const retried: BuildTask[] = [];
    await runStagedBuild(
      { vectors: vectorsPath },
      out,
      { ...options, work, onTaskRetry: (task) => retried.push(task) },
      lambdaBuildRunner({ functionName: BUILDER, concurrency: 2, memoryBytes: MEMORY, invoker }),
    );
    expect(retried.map((task) => task.kind).sort()).toEqual(
      [...Array(3).fill('assign'), ...Array(options.partitions).fill('encode')].sort(),
    );
    const expected = await objects(local.out);
    const actual = await objects(out);
    for (const [key, bytes] of expected) expect(actual.get(key)?.equals(bytes), key).toBe(true);
  });

  it('does not retry bad input: the INVALID_INPUT reply is rebuilt as InvalidInputError', async () => {
    const badPath = join(root, 'bad.fvecs');
    const vectors = new Float32Array(COUNT * DIM).fill(0.5);
    vectors[1234 * DIM + 3] = Number.NaN;
    await writeFile(badPath, encodeFvecs(vectors, COUNT, DIM));
    const { out, work } = fresh();
    const retried: BuildTask[] = [];
    const failure = await runStagedBuild(
      { vectors: badPath },
      out,
      { ...options, work, onTaskRetry: (task) => retried.push(task) },
      lambdaBuildRunner({
        functionName: BUILDER,
        concurrency: 1,
        memoryBytes: MEMORY,
        invoker: builderInvoker(),
      }),
    ).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(InvalidInputError);
    expect((failure as Error).message).toBe('vector 1234 has a non-finite value at dimension 3');
    expect(retried).toEqual([]);
  });
});

describe('lambdaBuildRunner', () => {
  it('waits for the function timeout plus the margin, and rebuilds typed errors by code', async () => {
    const seen: number[] = [];
    let reply: unknown = { kind: 'train', iterations: 4 };
    const invoker = {
      invoke: async (_name: string, _payload: string, timeoutMs: number) => {
        seen.push(timeoutMs);
        return JSON.stringify(reply);
      },
    };
    const task: BuildTask = { kind: 'train', work: 's3://b/w', maxSquared: 0 };
    const runner = lambdaBuildRunner({ functionName: BUILDER, concurrency: 4, memoryBytes: MEMORY, invoker });
    expect(await runner.run(task)).toEqual({ kind: 'train', iterations: 4 });
    const short = lambdaBuildRunner({
      functionName: BUILDER,
      concurrency: 4,
      memoryBytes: MEMORY,
      invoker,
      timeoutSeconds: 60,
      marginMs: 5000,
    });
    await short.run(task);
    expect(seen).toEqual([930_000, 65_000]);
    expect([runner.concurrency, runner.memoryBytes]).toEqual([4, MEMORY]);

    reply = { error: { code: 'INDEX_FORMAT', message: 'partition 3 is truncated' } };
    const format = await runner.run(task).catch((error: unknown) => error);
    expect(format).toBeInstanceOf(IndexFormatError);
    expect(format).not.toBeInstanceOf(InvalidInputError);
    reply = { error: { code: 'SOMETHING_NEW', message: 'x' } };
    expect(await runner.run(task).catch((error: unknown) => error)).toBeInstanceOf(SquashError);
    reply = { error: { code: 'INVALID_INPUT', message: 'bad' } };
    await expect(runner.run(task)).rejects.toThrow(new InvalidInputError('bad'));
    expect(() =>
      lambdaBuildRunner({ functionName: BUILDER, concurrency: 0, memoryBytes: MEMORY, invoker }),
    ).toThrow('concurrency is 0; expected a positive integer');
  });
});
