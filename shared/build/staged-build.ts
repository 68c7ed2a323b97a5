/**
 * The staged build (docs/build.md): the whole input is never in memory. The driver plans (chunks sized
 * by the memory budget, the version to write), runs the tasks of build-task.ts stage by stage through a
 * runner — in this process, or as a fan-out over builder Lambda functions — and publishes the manifest
 * and `CURRENT` last, exactly as the in-memory build does. Tasks are retried (anything but bad input);
 * a run that still fails keeps its work location, and running again with it resumes where it stopped.
 * Attributes and external ids are held by the driver (columnar, a few bytes per row and attribute).
 */
import { randomUUID } from 'node:crypto';
import { AttributeQuantizer, AttributeTable } from '../attributes/index.ts';
import { retainedBytes } from '../cache/retained-bytes.ts';
import { InvalidInputError, PreconditionFailedError } from '../errors/index.ts';
import {
  type CurrentPointer,
  ExternalIds,
  objectRef,
  readCurrentPointer,
  readManifest,
  versionPrefix,
} from '../format/index.ts';
import { baseSpace } from '../metric.ts';
import { defaultSampleSize } from '../partition/balanced-kmeans.ts';
import { type BlobStore, openStore } from '../store/index.ts';
import { encodeAttributeSlice } from './attribute-slice.ts';
import {
  type BuildOptions,
  type BuildSummary,
  gatherAttributeCodes,
  publishObjects,
  type VersionWriter,
} from './build-index.ts';
import { type BuildPlan, workKeys } from './build-plan.ts';
import {
  type AssignResult,
  type BuildTask,
  type BuildTaskResult,
  type EncodeResult,
  float32Of,
  loadPlan,
  putOnce,
  runBuildTask,
  type SampleResult,
  type TrainResult,
} from './build-task.ts';
import { openVectorSource } from './vector-source.ts';

export interface BuildTaskRunner {
  /** Tasks run at once. */
  readonly concurrency: number;
  /** Memory one task may use, in bytes: chunks are sized by it. */
  readonly memoryBytes: number;
  run(task: BuildTask): Promise<BuildTaskResult>;
}

export interface StagedBuildInput {
  /** .fvecs, .bvecs, .npy or .parquet: a path or s3://bucket/key. */
  readonly vectors: string;
  readonly vectorColumn?: string;
  readonly attributes?: AttributeTable;
  readonly ids?: readonly (string | number)[];
}

export interface StagedBuildOptions extends BuildOptions {
  /** Where the build's intermediate files go: a directory or s3://bucket/prefix, this build's alone. */
  readonly work: string;
  /** Attempts per task before the build fails (resumable). @default 3 */
  readonly taskAttempts?: number;
  readonly onTaskRetry?: (task: BuildTask, attempt: number, error: unknown) => void;
}

/** Node's own heap and code, and what the driver holds, before any chunk: kept out of the chunk budget. */
export const BASELINE_BYTES = 160 << 20;
/** Per row of a chunk beyond its vectors: the capacity assignment's scratch arrays. */
const ASSIGN_ROW_BYTES = 160;

export async function runStagedBuild(
  input: StagedBuildInput,
  indexLocation: string,
  options: StagedBuildOptions,
  runner: BuildTaskRunner,
): Promise<BuildSummary> {
  const started = performance.now();
  const progress = options.onProgress ?? (() => {});
  const index = openStore(indexLocation);
  const workStore = openStore(options.work);
  const plan = await planBuild(input, indexLocation, index, workStore, options, runner);
  const run = (task: BuildTask) => runWithRetries(task, runner, options);
  const forEach = <T>(count: number, stage: string, task: (i: number) => BuildTask) =>
    mapWithConcurrency(
      count,
      runner.concurrency,
      async (i) => (await run(task(i))) as T,
      (done) => progress(stage, done, count),
    );
  try {
    const samples = await forEach<SampleResult>(plan.chunks, 'reading a sample', (chunk) => ({
      kind: 'sample',
      work: options.work,
      chunk,
    }));
    const maxSquared = plan.metric === 'dot' ? Math.max(...samples.map((s) => s.maxSquared)) : 0;
    progress('partitioning', 0, 1);
    (await run({ kind: 'train', work: options.work, maxSquared })) as TrainResult;
    progress('partitioning', 1, 1);
    const assigned = await forEach<AssignResult>(plan.chunks, 'assigning chunks', (chunk) => ({
      kind: 'assign',
      work: options.work,
      chunk,
      maxSquared,
    }));
    const counts = assigned.map((result) => result.counts);
    await workStore.put(workKeys.shardCounts, new TextEncoder().encode(JSON.stringify(counts)));
    const attributes = input.attributes ?? new AttributeTable({ attributes: [] }, plan.count, []);
    const attributeQuantizer = AttributeQuantizer.train(attributes);
    const allocatorCodes = plan.attributes
      ? await writeAttributeSlices(attributes, attributeQuantizer, workStore, counts)
      : new Uint8Array(0);
    const encoded = await forEach<EncodeResult>(plan.partitions, 'quantizing partitions', (partition) => ({
      kind: 'encode',
      work: options.work,
      partition,
    }));
    const summary = await publish(
      plan,
      index,
      { encoded, attributes, attributeQuantizer, allocatorCodes, ...(input.ids ? { ids: input.ids } : {}) },
      options,
      started,
      maxSquared,
    );
    await index.delete(claimKey(plan.version));
    await clearWork(workStore);
    return summary;
  } catch (error) {
    if (error instanceof InvalidInputError || isPublishConflict(error)) {
      await abandon(plan, index, workStore);
    }
    throw error;
  }
}

/**
 * Rows of a chunk within a task's memory: the chunk as read (d floats), prepared and spilled (d' floats
 * each, and its row number), and the capacity assignment's scratch arrays.
 */
export function chunkRowsFor(memoryBytes: number, dim: number, storedDim: number): number {
  return Math.floor((memoryBytes - BASELINE_BYTES) / (4 * (dim + 2 * storedDim + 1) + ASSIGN_ROW_BYTES));
}

async function planBuild(
  input: StagedBuildInput,
  indexLocation: string,
  index: BlobStore,
  workStore: BlobStore,
  options: StagedBuildOptions,
  runner: BuildTaskRunner,
): Promise<BuildPlan> {
  const source = await openVectorSource(input.vectors, {
    ...(input.vectorColumn === undefined ? {} : { vectorColumn: input.vectorColumn }),
  });
  const { count, dim } = source;
  await source.close();
  validate(input, options, count);
  if (await workStore.head(workKeys.plan)) {
    const plan = await loadPlan(workStore);
    const same =
      plan.index === indexLocation &&
      plan.source.location === input.vectors &&
      plan.count === count &&
      plan.partitions === options.partitions &&
      plan.metric === options.metric &&
      plan.bitsPerDim === options.bitsPerDim &&
      plan.seed === options.seed &&
      plan.kmeansIterations === options.kmeansIterations;
    if (!same) {
      throw new InvalidInputError(
        `the work location ${workStore.description} holds the plan of another build (${plan.source.location} into ${plan.index}, ` +
          `${plan.partitions} partitions, ${plan.metric}, ${plan.bitsPerDim} bits per dimension, seed ${plan.seed}); resume it with the same options or use an empty work location`,
      );
    }
    return plan;
  }
  const storedDim = baseSpace(options.metric, dim, 0).storedDim;
  const chunkBudget = runner.memoryBytes - BASELINE_BYTES;
  const chunkRows = chunkRowsFor(runner.memoryBytes, dim, storedDim);
  if (chunkRows < 2 * options.partitions) {
    throw new InvalidInputError(
      `a memory budget of ${mib(runner.memoryBytes)} MiB holds chunks of ${Math.max(chunkRows, 0)} rows of dimension ${dim}; ` +
        `${options.partitions} partitions need chunks of at least ${2 * options.partitions} rows (raise the budget or lower --partitions)`,
    );
  }
  const partitionRows = Math.ceil((1.1 * count) / options.partitions) + Math.ceil(count / chunkRows);
  const encodeBytes = partitionRows * storedDim * 4 * 5;
  if (encodeBytes > chunkBudget) {
    throw new InvalidInputError(
      `partitions of up to ${partitionRows} rows need about ${mib(encodeBytes)} MiB each to encode, more than the memory budget of ${mib(runner.memoryBytes)} MiB allows; ` +
        `use at least ${Math.ceil((options.partitions * encodeBytes) / chunkBudget)} partitions or a larger budget`,
    );
  }
  const sampleSize = Math.min(
    count,
    defaultSampleSize(count, options.partitions),
    Math.floor(chunkBudget / (4 * (dim + storedDim) + ASSIGN_ROW_BYTES)),
  );
  const previous = await readCurrentPointer(index);
  const buildId = randomUUID();
  const plan: BuildPlan = {
    buildId,
    index: indexLocation,
    source: {
      location: input.vectors,
      ...(input.vectorColumn === undefined ? {} : { vectorColumn: input.vectorColumn }),
    },
    count,
    dim,
    metric: options.metric,
    partitions: options.partitions,
    bitsPerDim: options.bitsPerDim,
    seed: options.seed,
    kmeansIterations: options.kmeansIterations,
    sampleSize,
    chunks: Math.ceil(count / chunkRows),
    version: await claimVersion(index, buildId, previous),
    ...(previous === undefined ? {} : { previous: { version: previous.version, etag: previous.etag } }),
    attributes: input.attributes !== undefined && input.attributes.schema.attributes.length > 0,
  };
  await workStore.put(workKeys.plan, new TextEncoder().encode(JSON.stringify(plan)));
  return plan;
}

function validate(input: StagedBuildInput, options: BuildOptions, count: number): void {
  if (!Number.isInteger(options.partitions) || options.partitions < 1 || options.partitions > count) {
    throw new InvalidInputError(
      `--partitions ${options.partitions} is not valid for ${count} vectors; expected an integer in 1..${count}`,
    );
  }
  if (!(options.bitsPerDim > 0 && options.bitsPerDim <= 8)) {
    throw new InvalidInputError(
      `--bits-per-dim ${options.bitsPerDim} is not valid; expected a number in (0, 8]`,
    );
  }
  if (input.attributes && input.attributes.count !== count) {
    throw new InvalidInputError(
      `attributes have ${input.attributes.count} rows but there are ${count} vectors; expected one attribute row per vector`,
    );
  }
  if (input.ids) ExternalIds.check(input.ids, count);
}

/**
 * The first version above every one that has objects, claimed by writing `v<N>/build.json` only if
 * absent, so that no other build (staged or in-memory, which writes every object only if absent) can
 * write into it.
 */
async function claimVersion(index: BlobStore, buildId: string, previous: CurrentPointer | undefined) {
  let version = previous?.version ?? 0;
  for (const key of await index.list('v')) {
    const match = /^v([1-9][0-9]*)\//.exec(key);
    if (match) version = Math.max(version, Number(match[1]));
  }
  for (;;) {
    version++;
    try {
      const claim = new TextEncoder().encode(JSON.stringify({ buildId }));
      await index.put(claimKey(version), claim, { ifNoneMatch: '*' });
      return version;
    } catch (error) {
      if (!(error instanceof PreconditionFailedError)) throw error;
    }
  }
}

/** Marks a version as this build's while it is written; removed once the version is published. */
function claimKey(version: number): string {
  return `${versionPrefix(version)}build.json`;
}

/** Each partition's attribute slice for its encode task; returns the allocator's codes (partition order). */
async function writeAttributeSlices(
  attributes: AttributeTable,
  quantizer: AttributeQuantizer,
  workStore: BlobStore,
  counts: readonly number[][],
): Promise<Uint8Array> {
  const codes = quantizer.encode(attributes);
  const attributeCount = attributes.schema.attributes.length;
  const members = await membersOf(workStore, counts);
  await workStore.put(
    workKeys.attributeSchema,
    new TextEncoder().encode(
      JSON.stringify({ schema: attributes.schema, dictionaries: attributes.dictionaries.map((d) => [...d]) }),
    ),
  );
  const allocator = new Uint8Array(attributeCount * attributes.count);
  let offset = 0;
  for (let p = 0; p < members.length; p++) {
    const rows = members[p]!;
    const slice = gatherAttributeCodes(codes, attributeCount, attributes.count, rows);
    allocator.set(slice, offset);
    offset += slice.length;
    const table = attributes.select(rows).encode();
    await workStore.put(workKeys.attributeSlice(p), encodeAttributeSlice({ table, codes: slice }));
  }
  return allocator;
}

/** Every partition's global row numbers, ascending, from the shards' row sections. */
async function membersOf(workStore: BlobStore, counts: readonly number[][]): Promise<Uint32Array[]> {
  const partitions = counts[0]!.length;
  const sizes = Array.from({ length: partitions }, (_, p) => counts.reduce((sum, c) => sum + c[p]!, 0));
  const members = sizes.map((size) => new Uint32Array(size));
  const filled = new Uint32Array(partitions);
  for (let c = 0; c < counts.length; c++) {
    const chunkRows = counts[c]!.reduce((sum, x) => sum + x, 0);
    const rows = new Uint32Array(
      (await workStore.getRange(workKeys.shard(c), 0, chunkRows * 4)).slice().buffer,
    );
    let at = 0;
    for (let p = 0; p < partitions; p++) {
      const n = counts[c]![p]!;
      members[p]!.set(rows.subarray(at, at + n), filled[p]!);
      filled[p]! += n;
      at += n;
    }
  }
  return members;
}

interface PublishedParts {
  readonly encoded: readonly EncodeResult[];
  readonly attributes: AttributeTable;
  readonly attributeQuantizer: AttributeQuantizer;
  readonly allocatorCodes: Uint8Array;
  readonly ids?: readonly (string | number)[];
}

async function publish(
  plan: BuildPlan,
  index: BlobStore,
  parts: PublishedParts,
  options: StagedBuildOptions,
  started: number,
  maxSquared: number,
): Promise<BuildSummary> {
  const space = baseSpace(plan.metric, plan.dim, maxSquared);
  const centroids = new Float32Array(plan.partitions * space.storedDim);
  parts.encoded.forEach((result, p) => {
    centroids.set(float32Of(Buffer.from(result.centroid, 'base64')), p * space.storedDim);
  });
  const current = await readCurrentPointer(index);
  if (current?.version === plan.version) return publishedSummary(index, plan, started);
  const writer: VersionWriter = {
    // The manifest: a resumed run rewrites its own unpublished one (its createdAt differs).
    raw: async (key, bytes) => {
      await index.put(key, bytes);
    },
    object: async (key, bytes) => {
      await putOnce(index, key, bytes);
      return objectRef(key, bytes);
    },
  };
  return publishObjects(
    index,
    writer,
    {
      version: plan.version,
      space,
      count: plan.count,
      bitsPerVector: Math.round(plan.bitsPerDim * space.storedDim),
      attributes: parts.attributes,
      attributeQuantizer: parts.attributeQuantizer,
      partitionRefs: parts.encoded.map((result) => result.ref),
      centroids,
      allocatorCodes: parts.allocatorCodes,
      ...(parts.ids ? { ids: parts.ids, externalIdKind: ExternalIds.check(parts.ids, plan.count) } : {}),
    },
    options,
    {
      previous: plan.previous ? ({ ...plan.previous } as CurrentPointer) : undefined,
      started,
      version: plan.version,
    },
  );
}

/** A run that stopped after publishing: the summary from the published manifest. */
async function publishedSummary(index: BlobStore, plan: BuildPlan, started: number): Promise<BuildSummary> {
  const manifest = await readManifest(index, plan.version);
  const sizes = manifest.objects.partitions.map((ref) => ref.count);
  return {
    location: index.description,
    version: plan.version,
    count: manifest.count,
    dim: manifest.dim,
    partitions: manifest.partitions,
    metric: manifest.metric,
    bitsPerVector: manifest.bitsPerVector,
    attributes: manifest.schema.attributes.map((a) => a.name),
    bytes: manifest.objects.partitions.reduce((sum, ref) => sum + ref.bytes, 0),
    seconds: (performance.now() - started) / 1000,
    partitionSizes: { min: Math.min(...sizes), max: Math.max(...sizes) },
  };
}

async function runWithRetries(
  task: BuildTask,
  runner: BuildTaskRunner,
  options: StagedBuildOptions,
): Promise<BuildTaskResult> {
  const attempts = options.taskAttempts ?? 3;
  for (let attempt = 1; ; attempt++) {
    try {
      return await runner.run(task);
    } catch (error) {
      if (error instanceof InvalidInputError || attempt >= attempts) throw error;
      options.onTaskRetry?.(task, attempt, error);
    }
  }
}

/** Runs `count` jobs, `concurrency` at a time, results in job order; the first failure stops new jobs. */
async function mapWithConcurrency<T>(
  count: number,
  concurrency: number,
  job: (i: number) => Promise<T>,
  onDone: (done: number) => void,
): Promise<T[]> {
  const results: T[] = new Array(count);
  let next = 0;
  let done = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < count) {
      const i = next++;
      try {
        results[i] = await job(i);
        onDone(++done);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  const workers = Array.from({ length: Math.max(1, Math.min(concurrency, count)) }, worker);
  const settled = await Promise.allSettled(workers);
  const rejected = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (rejected) throw rejected.reason;
  return results;
}

function isPublishConflict(error: unknown): boolean {
  return error instanceof PreconditionFailedError;
}

/** A build that cannot succeed: its version's objects and its work files go. */
async function abandon(plan: BuildPlan, index: BlobStore, workStore: BlobStore): Promise<void> {
  const current = await readCurrentPointer(index).catch(() => undefined);
  if (current?.version !== plan.version) {
    const keys = await index.list(versionPrefix(plan.version));
    await Promise.allSettled(keys.map((key) => index.delete(key)));
  }
  await clearWork(workStore);
}

async function clearWork(workStore: BlobStore): Promise<void> {
  const keys = await workStore.list('');
  await Promise.allSettled(keys.map((key) => workStore.delete(key)));
}

function mib(bytes: number): number {
  return Math.round(bytes / (1 << 20));
}

/**
 * What the driver holds through a build besides its baseline: the attribute table, its codes twice
 * (all rows, then the allocator's copy in partition order), each partition's row numbers while slices are
 * written, and the ids. A runner in the driver's process has the rest of the budget for its tasks.
 */
export function driverHeldBytes(input: Pick<StagedBuildInput, 'attributes' | 'ids'>): number {
  const table = input.attributes;
  const rows = table?.count ?? input.ids?.length ?? 0;
  const codes = table ? 2 * table.schema.attributes.length * table.count : 0;
  const ids = input.ids ? input.ids.length * (typeof input.ids[0] === 'string' ? 48 : 16) : 0;
  return (table ? retainedBytes(table) + codes + 4 * rows : 0) + ids;
}

/** Tasks run one at a time in this process, spilling to the work location (a directory, usually). */
export function inProcessRunner(memoryBytes: number): BuildTaskRunner {
  return { concurrency: 1, memoryBytes, run: runBuildTask };
}
