/**
 * Issue 13, "Build on Lambda": the staged build fanned out over the stack's builder function, on the
 * embedded local stack (its S3 server, and the bundle synthesized from the CDK app run by the local
 * Lambda host).
 *
 * A seeded 20,000 × 32 dataset (shared/synthetic) is uploaded as fvecs to a data bucket of its own, as
 * inputs usually sit on AWS (the stack's `buildInputBuckets`; the local host does not check IAM); the
 * attributes stay a local JSON Lines file (the driver reads them). Then:
 * - `squash build --on-lambda` (a child process with the stack's endpoints) builds it through the
 *   builder into the stack's bucket, with a memory budget that splits it into 4 chunks and 16
 *   partitions; the same command without `--on-lambda`, from local files into a folder, builds the
 *   reference. Same plan ⇒ same objects: every object of the version but the manifest (its
 *   `createdAt` differs) is byte-identical, and the work location under `<out>/builds/` is gone.
 * - Searches through the Function URL reach recall@10 ≥ 0.9 against exact ground truth, unfiltered
 *   and filtered (`category = red`, `u < 0.3`), and every hit satisfies its filter.
 * - Faults: the builder's environments are killed over and over while encode tasks are in flight
 *   (the driver's progress says when 'quantizing partitions' runs). With retries, the tasks are retried
 *   and the build publishes an index byte-identical to the reference. With `taskAttempts: 1` the build
 *   fails, `CURRENT` is untouched and searches still answer from the previous version; rerunning with
 *   the same work location resumes and publishes the same bytes again.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lambdaBuildRunner } from '../../../functions/invoke/lambda-build-runner.ts';
import { meanRecall } from '../../../scripts/bench/recall.ts';
import { hitOrdinal, type SearchResponse, searchUrl } from '../../../scripts/client/index.ts';
import type { LocalStack } from '../../../scripts/local/index.ts';
import { AttributeTable } from '../../../shared/attributes/index.ts';
import { defaultBuildOptions } from '../../../shared/build/build-index.ts';
import type { BuildTask } from '../../../shared/build/build-task.ts';
import {
  driverHeldBytes,
  runStagedBuild,
  type StagedBuildOptions,
} from '../../../shared/build/staged-build.ts';
import { writeFvecs } from '../../../shared/data/index.ts';
import { readCurrentPointer } from '../../../shared/format/index.ts';
import { type BlobStore, openStore } from '../../../shared/store/index.ts';
import {
  generateDataset,
  generateQueries,
  SYNTHETIC_SCHEMA,
  type SyntheticDataset,
} from '../../../shared/synthetic/index.ts';
import { bruteForceDistances } from '../../support/ground-truth.ts';
import { pathStyleS3Client } from '../../support/path-style-s3-client.ts';
import { isEmulated, projectRoot, type SearchTarget, startSearchTarget } from '../support/search-target.ts';

const COUNT = 20_000;
const DIM = 32;
const PARTITIONS = 16;
const SEED = 13;
const CLUSTERS = 24;
const k = 10;
const QUERIES = 60;
/**
 * 160 MiB of baseline plus about 3 MiB of rows (548 bytes each at dimension 32): chunks of 5,740 rows,
 * so 4 assign chunks; the same budget for the reference and every Lambda build.
 */
const MEMORY_BUDGET = '163MiB';
const MEMORY_BYTES = 163 * 2 ** 20;
const INPUT_BUCKET = 'squash-build-inputs';
const INPUT_KEY = 'embeddings/build-on-lambda.fvecs';
const INPUT = `s3://${INPUT_BUCKET}/${INPUT_KEY}`;

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function runCli(args: readonly string[], env: Record<string, string>): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(projectRoot, 'bin/squash.js'), ...args], {
      cwd: projectRoot,
      env: { ...process.env, ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Every object of version `version` but the manifest and the claim, by key relative to `v<N>/`. */
async function versionObjects(store: BlobStore, version: number): Promise<Map<string, Buffer>> {
  const prefix = `v${version}/`;
  const objects = new Map<string, Buffer>();
  for (const key of (await store.list(prefix)).sort()) {
    const name = key.slice(prefix.length);
    if (name === 'manifest.json' || name === 'build.json') continue;
    objects.set(name, Buffer.from(await store.get(key)));
  }
  return objects;
}

function expectSameObjects(actual: Map<string, Buffer>, expected: Map<string, Buffer>): void {
  expect([...actual.keys()]).toEqual([...expected.keys()]);
  expect(actual.size).toBeGreaterThan(PARTITIONS);
  for (const [name, bytes] of expected) {
    expect(actual.get(name)?.equals(bytes), `${name} is byte-identical`).toBe(true);
  }
}

describe.runIf(isEmulated)('build on Lambda (local stack)', () => {
  let target: SearchTarget;
  let stack: LocalStack;
  let builder: string;
  let folder: string;
  let data: SyntheticDataset;
  let reference: Map<string, Buffer>;
  let attributes: AttributeTable;
  const saved: Record<string, string | undefined> = {};

  beforeAll(async () => {
    target = await startSearchTarget();
    stack = target.emulator!;
    const fn = stack.functions.find((candidate) => /-builder$/.test(candidate.name));
    if (fn === undefined) throw new Error('the synthesized stack has no function named `<stack>-builder`');
    builder = fn.name;
    // This process drives the fault builds itself: its SDK clients go to the stack too.
    for (const [name, value] of Object.entries(stack.env)) {
      saved[name] = process.env[name];
      process.env[name] = value;
    }
    folder = await mkdtemp(join(tmpdir(), 'squash-build-on-lambda-'));
    data = generateDataset({ count: COUNT, dim: DIM, seed: SEED, clusters: CLUSTERS });
    const rows = [...data.attributes!.rows()];
    await writeFile(join(folder, 'rows.jsonl'), `${rows.map((row) => JSON.stringify(row)).join('\n')}\n`);
    await writeFile(join(folder, 'schema.json'), JSON.stringify(SYNTHETIC_SCHEMA));
    await writeFvecs(join(folder, 'rows.fvecs'), data.vectors, COUNT, DIM);
    attributes = AttributeTable.fromRows(SYNTHETIC_SCHEMA, rows);
    const client = pathStyleS3Client(stack.s3Endpoint);
    await client.send(new CreateBucketCommand({ Bucket: INPUT_BUCKET }));
    client.destroy();
    await openStore(`s3://${INPUT_BUCKET}`).put(INPUT_KEY, await readFile(join(folder, 'rows.fvecs')));

    const local = await runCli(
      [
        'build',
        '--vectors',
        join(folder, 'rows.fvecs'),
        '--attributes',
        join(folder, 'rows.jsonl'),
        '--schema',
        join(folder, 'schema.json'),
        '--partitions',
        String(PARTITIONS),
        // In-process, the attributes the driver holds come out of the budget first: give them on top so
        // that tasks get the builder's memory, as on Lambda.
        '--memory-budget',
        String(MEMORY_BYTES + driverHeldBytes({ attributes })),
        '--out',
        join(folder, 'reference'),
      ],
      {},
    );
    expect(local.code, local.stderr).toBe(0);
    reference = await versionObjects(openStore(join(folder, 'reference')), 1);
  });

  afterAll(async () => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    await target?.stop();
    if (folder) await rm(folder, { recursive: true, force: true });
  });

  const queries = generateQueries({
    count: QUERIES,
    dim: DIM,
    seed: SEED + 1,
    fromDataset: { seed: SEED, clusters: CLUSTERS },
  });

  const search = (index: string, filter?: unknown): Promise<SearchResponse> => {
    return searchUrl(
      target.searchUrl,
      {
        index,
        k,
        queries: Array.from({ length: QUERIES }, (_, q) => ({
          vector: Array.from(queries.vectors.subarray(q * DIM, (q + 1) * DIM)),
          ...(filter === undefined ? {} : { filter }),
        })),
      },
      { sign: target.sign },
    );
  };

  /** Recall@10 of `response` against brute force over the rows `keep` admits; every hit must pass. */
  function recallOf(response: SearchResponse, keep: (row: number) => boolean): number {
    return meanRecall(
      response.results.map((result, q) => {
        const query = queries.vectors.subarray(q * DIM, (q + 1) * DIM);
        for (const hit of result.hits) expect(keep(hitOrdinal(hit)), `hit ${hit.id} passes`).toBe(true);
        expect(result.hits).toHaveLength(k);
        return {
          returned: result.hits.map((hit) => hit.distance),
          truth: bruteForceDistances(data.vectors, DIM, query, k, keep),
        };
      }),
      k,
    );
  }

  it('squash build --on-lambda builds the same objects as the in-process build, and searches find them', async () => {
    const out = `s3://${stack.bucket}/indexes/lambda-built`;
    const run = await runCli(
      [
        'build',
        '--on-lambda',
        '--builder-function',
        builder,
        '--concurrency',
        '3',
        '--vectors',
        INPUT,
        '--attributes',
        join(folder, 'rows.jsonl'),
        '--schema',
        join(folder, 'schema.json'),
        '--partitions',
        String(PARTITIONS),
        '--memory-budget',
        MEMORY_BUDGET,
        '--out',
        out,
      ],
      { ...stack.env },
    );
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain(`work files in ${out}/builds/`);
    const summary = JSON.parse(run.stdout.trim().split('\n').at(-1)!) as { version: number; count: number };
    expect(summary).toMatchObject({ version: 1, count: COUNT, partitions: PARTITIONS });
    // Every task ran on the builder: 4 samples, train, 4 assigns, 16 encodes.
    expect(stack.stats(builder).invocations).toBeGreaterThanOrEqual(4 + 1 + 4 + PARTITIONS);

    const index = target.indexStore('lambda-built');
    expectSameObjects(await versionObjects(index, 1), reference);
    expect(await index.list('builds/'), 'the work files are removed after publishing').toEqual([]);

    const unfiltered = recallOf(await search('lambda-built'), () => true);
    const red = data.attributes!.category;
    const redCode = 6; // CATEGORY_VALUES[6] = 'red'
    const filtered = recallOf(
      await search('lambda-built', { category: 'red' }),
      (row) => red[row] === redCode,
    );
    const u = data.attributes!.u;
    const ranged = recallOf(await search('lambda-built', { u: { $lt: 0.3 } }), (row) => u[row]! < 0.3);
    console.log(
      `build on Lambda: recall@10 unfiltered ${unfiltered.toFixed(3)}, category = red ${filtered.toFixed(3)}, u < 0.3 ${ranged.toFixed(3)}`,
    );
    expect(unfiltered).toBeGreaterThanOrEqual(0.9);
    expect(filtered).toBeGreaterThanOrEqual(0.9);
    expect(ranged).toBeGreaterThanOrEqual(0.9);
  });

  describe('builder environments killed while encode tasks run', () => {
    const index = 'lambda-faults';
    const indexLocation = () => `s3://${stack.bucket}/indexes/${index}`;

    /**
     * Runs a staged build through the builder; while 'quantizing partitions' runs, kills the builder's
     * environments every 100 ms until `stopKilling(retries)` says enough (or the build ends).
     */
    async function buildWithKills(
      work: string,
      taskAttempts: number,
      stopKilling: (encodeRetries: number) => boolean,
    ): Promise<{ outcome: PromiseSettledResult<unknown>; encodeRetries: number; kills: number }> {
      let encodeRetries = 0;
      let kills = 0;
      let killing: Promise<void> | undefined;
      let done = false;
      const options: StagedBuildOptions = {
        ...defaultBuildOptions,
        partitions: PARTITIONS,
        work,
        taskAttempts,
        onTaskRetry: (task: BuildTask) => {
          if (task.kind === 'encode') encodeRetries++;
        },
        onProgress: (stage: string) => {
          if (stage !== 'quantizing partitions' || killing !== undefined) return;
          killing = (async () => {
            while (!done && !stopKilling(encodeRetries)) {
              kills += stack.killEnvironments(builder);
              await new Promise((resolve) => setTimeout(resolve, 100));
            }
          })();
        },
      };
      const runner = lambdaBuildRunner({
        functionName: builder,
        concurrency: 3,
        memoryBytes: MEMORY_BYTES,
        timeoutSeconds: 120,
      });
      const [outcome] = await Promise.allSettled([
        runStagedBuild({ vectors: INPUT, attributes }, indexLocation(), options, runner),
      ]);
      done = true;
      await killing;
      return { outcome: outcome!, encodeRetries, kills };
    }

    it('retries the killed tasks and publishes the same objects', async () => {
      const work = `${indexLocation()}/builds/retried`;
      const { outcome, encodeRetries, kills } = await buildWithKills(work, 10, (retries) => retries >= 2);
      expect(outcome.status, JSON.stringify(outcome)).toBe('fulfilled');
      expect(kills).toBeGreaterThan(0);
      expect(encodeRetries, 'encode tasks were killed in flight and retried').toBeGreaterThanOrEqual(2);
      const store = target.indexStore(index);
      expectSameObjects(await versionObjects(store, 1), reference);
      expect((await readCurrentPointer(store))?.version).toBe(1);
      expect(recallOf(await search(index), () => true)).toBeGreaterThanOrEqual(0.9);
    });

    it('with taskAttempts 1, fails with CURRENT untouched (the previous version still served), and a rerun resumes', async () => {
      const store = target.indexStore(index);
      const before = Buffer.from(await store.get('CURRENT'));
      const work = `${indexLocation()}/builds/failed`;
      const failed = await buildWithKills(work, 1, () => false);
      expect(failed.outcome.status).toBe('rejected');
      expect(failed.kills).toBeGreaterThan(0);
      expect(Buffer.from(await store.get('CURRENT')).equals(before), 'CURRENT is untouched').toBe(true);
      const served = await search(index);
      expect(served.results).toHaveLength(QUERIES);
      expect(recallOf(served, () => true)).toBeGreaterThanOrEqual(0.9);
      expect((await store.list('builds/failed/')).length, 'the work files are kept').toBeGreaterThan(0);

      // The same work location, no more kills: finished tasks are skipped, the rest run.
      const invocationsBefore = stack.stats(builder).invocations;
      const resumed = await buildWithKills(work, 3, () => true);
      expect(resumed.outcome.status, JSON.stringify(resumed.outcome)).toBe('fulfilled');
      const summary = (resumed.outcome as PromiseFulfilledResult<{ version: number }>).value;
      expect(summary.version).toBe(2);
      expectSameObjects(await versionObjects(store, 2), reference);
      expect(stack.stats(builder).invocations - invocationsBefore).toBeGreaterThan(0);
      expect((await readCurrentPointer(store))?.version).toBe(2);
    });
  });
});
