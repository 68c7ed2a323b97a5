/**
 * The tasks of a staged build (docs/build.md), each a pure function of the plan and the files earlier
 * stages wrote, so that any process can run any of them — the CLI itself, or a builder Lambda function
 * of a fan-out — and a retried or resumed task does the same thing again:
 *   sample c   read chunk c, check its values, keep its rows of the seeded k-means sample
 *   train      k-means (balanced) on the sample → centroids
 *   assign c   read chunk c again, assign its rows to partitions (capacity-constrained within the chunk)
 *              and spill them grouped by partition: one shard object per chunk
 *   encode p   gather partition p from every shard by byte range, train its OSQ quantizer, write its
 *              partition object into the index's new version
 * A task whose result is stored returns it without running again; an index object already written with
 * the same bytes counts as written, different bytes fail (another build wrote that version).
 */
import { z } from 'zod';
import { type AttributeSchema, AttributeTable } from '../attributes/index.ts';
import { InvalidInputError, PreconditionFailedError } from '../errors/index.ts';
import { bytesOf, type ObjectRef, objectRef, versionKeys } from '../format/index.ts';
import { encodePartition } from '../index/partition-object.ts';
import { baseSpace, maxSquaredNorm, prepareRows } from '../metric.ts';
import { DEFAULT_TOLERANCE, trainCentroids } from '../partition/balanced-kmeans.ts';
import { AssignmentWorkspace, assignWithCapacity } from '../partition/capacity-assignment.ts';
import { chooseSampleRows } from '../partition/sample-rows.ts';
import { partitionSizeBounds } from '../partition/size-bounds.ts';
import { OsqQuantizer } from '../quantize/index.ts';
import { createRng } from '../random.ts';
import { type BlobStore, openStore } from '../store/index.ts';
import { decodeAttributeSlice } from './attribute-slice.ts';
import { type BuildPlan, buildPlanSchema, chunkRange, workKeys } from './build-plan.ts';
import { openVectorSource } from './vector-source.ts';

const work = z.string().min(1);
const chunk = z.number().int().nonnegative();
const maxSquared = z.number().nonnegative();

export const buildTaskSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('sample'), work, chunk }),
  z.strictObject({ kind: z.literal('train'), work, maxSquared }),
  z.strictObject({ kind: z.literal('assign'), work, chunk, maxSquared }),
  z.strictObject({ kind: z.literal('encode'), work, partition: chunk }),
]);
export type BuildTask = z.infer<typeof buildTaskSchema>;

export interface SampleResult {
  readonly kind: 'sample';
  /** Largest squared norm of the chunk's rows (dot's M² is the largest over all chunks). */
  readonly maxSquared: number;
  readonly sampled: number;
}
export interface TrainResult {
  readonly kind: 'train';
  readonly iterations: number;
}
export interface AssignResult {
  readonly kind: 'assign';
  /** Rows of the chunk per partition. */
  readonly counts: number[];
}
export interface EncodeResult {
  readonly kind: 'encode';
  readonly ref: ObjectRef & { readonly count: number };
  /** The partition's centroid (the mean of its prepared rows), float32 as base64. */
  readonly centroid: string;
}
export type BuildTaskResult = SampleResult | TrainResult | AssignResult | EncodeResult;

/** What a task's stored result is called in the work location, e.g. `assign-3`. */
export function taskName(task: BuildTask): string {
  if (task.kind === 'sample' || task.kind === 'assign') return `${task.kind}-${task.chunk}`;
  if (task.kind === 'encode') return `encode-${task.partition}`;
  return task.kind;
}

export async function runBuildTask(task: BuildTask): Promise<BuildTaskResult> {
  const workStore = openStore(task.work);
  const resultKey = workKeys.result(taskName(task));
  const stored = await workStore.head(resultKey);
  if (stored) return JSON.parse(new TextDecoder().decode(await workStore.get(resultKey))) as BuildTaskResult;
  const plan = await loadPlan(workStore);
  const result = await RUNNERS[task.kind](task as never, plan, workStore);
  await workStore.put(resultKey, new TextEncoder().encode(JSON.stringify(result)));
  return result;
}

export async function loadPlan(workStore: BlobStore): Promise<BuildPlan> {
  const bytes = await workStore.get(workKeys.plan);
  return buildPlanSchema.parse(JSON.parse(new TextDecoder().decode(bytes)));
}

type Runner<K extends BuildTask['kind']> = (
  task: Extract<BuildTask, { kind: K }>,
  plan: BuildPlan,
  workStore: BlobStore,
) => Promise<BuildTaskResult>;

const RUNNERS: { [K in BuildTask['kind']]: Runner<K> } = {
  sample: runSample,
  train: runTrain,
  assign: runAssign,
  encode: runEncode,
};

async function runSample(
  task: Extract<BuildTask, { kind: 'sample' }>,
  plan: BuildPlan,
  workStore: BlobStore,
): Promise<SampleResult> {
  const { start, end } = chunkRange(plan, task.chunk);
  const raw = await readChunk(plan, start, end);
  const rows = sampleRowsOf(plan).filter((row) => row >= start && row < end);
  const sample = new Float32Array(rows.length * plan.dim);
  for (let i = 0; i < rows.length; i++) {
    const from = (rows[i]! - start) * plan.dim;
    sample.set(raw.subarray(from, from + plan.dim), i * plan.dim);
  }
  await workStore.put(workKeys.sample(task.chunk), bytesOf(sample));
  return { kind: 'sample', maxSquared: maxSquaredNorm(raw, end - start, plan.dim), sampled: rows.length };
}

async function runTrain(
  task: Extract<BuildTask, { kind: 'train' }>,
  plan: BuildPlan,
  workStore: BlobStore,
): Promise<TrainResult> {
  const sample = new Float32Array(plan.sampleSize * plan.dim);
  let filled = 0;
  for (let c = 0; c < plan.chunks; c++) {
    const part = float32Of(await workStore.get(workKeys.sample(c)));
    sample.set(part, filled);
    filled += part.length;
  }
  if (filled !== sample.length) {
    throw new Error(`the sample holds ${filled / plan.dim} rows; the plan expects ${plan.sampleSize}`);
  }
  const space = baseSpace(plan.metric, plan.dim, task.maxSquared);
  const prepared = prepareRows(sample, plan.sampleSize, plan.dim, plan.metric, task.maxSquared);
  const rng = createRng(plan.seed);
  if (plan.sampleSize < plan.count) chooseSampleRows(plan.count, plan.sampleSize, rng);
  const trained = trainCentroids(
    prepared,
    plan.sampleSize,
    space.storedDim,
    { partitions: plan.partitions, maxIterations: plan.kmeansIterations, tolerance: DEFAULT_TOLERANCE },
    rng,
  );
  await workStore.put(workKeys.centroids, bytesOf(trained.centroids));
  return { kind: 'train', iterations: trained.iterations };
}

async function runAssign(
  task: Extract<BuildTask, { kind: 'assign' }>,
  plan: BuildPlan,
  workStore: BlobStore,
): Promise<AssignResult> {
  const { start, end } = chunkRange(plan, task.chunk);
  const rows = end - start;
  const storedDim = baseSpace(plan.metric, plan.dim, task.maxSquared).storedDim;
  const prepared = prepareRows(
    await readChunk(plan, start, end),
    rows,
    plan.dim,
    plan.metric,
    task.maxSquared,
    start,
  );
  const centroids = float32Of(await workStore.get(workKeys.centroids));
  const assignment = new Uint32Array(rows);
  const sizes = new Uint32Array(plan.partitions);
  assignWithCapacity(
    prepared,
    rows,
    storedDim,
    centroids,
    partitionSizeBounds(rows, plan.partitions),
    new AssignmentWorkspace(rows, plan.partitions),
    assignment,
    sizes,
  );
  await workStore.put(workKeys.shard(task.chunk), encodeShard(prepared, storedDim, start, assignment, sizes));
  return { kind: 'assign', counts: Array.from(sizes) };
}

async function runEncode(
  task: Extract<BuildTask, { kind: 'encode' }>,
  plan: BuildPlan,
  workStore: BlobStore,
): Promise<EncodeResult> {
  const p = task.partition;
  const counts = JSON.parse(
    new TextDecoder().decode(await workStore.get(workKeys.shardCounts)),
  ) as number[][];
  const storedDim = baseSpace(plan.metric, plan.dim, 0).storedDim;
  const { rows, vectors } = await gatherPartition(workStore, counts, p, storedDim);
  const count = rows.length;
  const { quantizer, ...codes } = OsqQuantizer.trainAndEncode(vectors, count, storedDim, {
    bitsPerVector: Math.round(plan.bitsPerDim * storedDim),
    seed: plan.seed + p,
  });
  const { attributes, attributeCodes } = plan.attributes
    ? await readAttributeSlice(workStore, p)
    : { attributes: new AttributeTable({ attributes: [] }, count, []), attributeCodes: new Uint8Array(0) };
  const bytes = encodePartition({
    partition: p,
    rows,
    vectors,
    dim: storedDim,
    quantizer,
    codes,
    attributeCodes,
    attributes,
  });
  const key = versionKeys(plan.version).partition(p);
  await putOnce(openStore(plan.index), key, bytes);
  return {
    kind: 'encode',
    ref: { ...objectRef(key, bytes), count },
    centroid: Buffer.from(bytesOf(meanOf(vectors, count, storedDim))).toString('base64'),
  };
}

/** The rows of the seeded k-means sample, ascending (every row when k-means trains on all of them). */
export function sampleRowsOf(plan: BuildPlan): Uint32Array {
  if (plan.sampleSize >= plan.count) return Uint32Array.from({ length: plan.count }, (_, i) => i);
  return chooseSampleRows(plan.count, plan.sampleSize, createRng(plan.seed));
}

/** Rows [start, end) of the input, checked against the plan and for finite values. */
async function readChunk(plan: BuildPlan, start: number, end: number): Promise<Float32Array> {
  const source = await openVectorSource(plan.source.location, {
    ...(plan.source.vectorColumn === undefined ? {} : { vectorColumn: plan.source.vectorColumn }),
  });
  try {
    if (source.count !== plan.count || source.dim !== plan.dim) {
      throw new InvalidInputError(
        `\`${source.description}\` now holds ${source.count} × ${source.dim} vectors; the build planned ${plan.count} × ${plan.dim} (did the input change?)`,
      );
    }
    const raw = await source.readRows(start, end);
    for (let i = 0; i < raw.length; i++) {
      if (!Number.isFinite(raw[i]!)) {
        throw new InvalidInputError(
          `vector ${start + Math.floor(i / plan.dim)} has a non-finite value at dimension ${i % plan.dim}`,
        );
      }
    }
    return raw;
  } finally {
    await source.close();
  }
}

/**
 * A chunk's rows grouped by partition, in row order within each: the global row numbers (uint32),
 * then their prepared vectors (float32), so that partition p of the chunk is two byte ranges.
 */
function encodeShard(
  prepared: Float32Array,
  storedDim: number,
  start: number,
  assignment: Uint32Array,
  sizes: Uint32Array,
): Uint8Array {
  const rows = assignment.length;
  const next = new Uint32Array(sizes.length);
  for (let p = 1; p < sizes.length; p++) next[p] = next[p - 1]! + sizes[p - 1]!;
  const bytes = new Uint8Array(rows * 4 * (1 + storedDim));
  const ordinals = new Uint32Array(bytes.buffer, 0, rows);
  const vectors = new Float32Array(bytes.buffer, rows * 4, rows * storedDim);
  for (let i = 0; i < rows; i++) {
    const at = next[assignment[i]!]!++;
    ordinals[at] = start + i;
    vectors.set(prepared.subarray(i * storedDim, (i + 1) * storedDim), at * storedDim);
  }
  return bytes;
}

/** Partition p's rows and vectors from every chunk's shard, by two range reads per chunk. */
async function gatherPartition(
  workStore: BlobStore,
  counts: readonly number[][],
  p: number,
  storedDim: number,
): Promise<{ rows: Uint32Array; vectors: Float32Array }> {
  const total = counts.reduce((sum, chunkCounts) => sum + chunkCounts[p]!, 0);
  const rows = new Uint32Array(total);
  const vectors = new Float32Array(total * storedDim);
  let filled = 0;
  for (let c = 0; c < counts.length; c++) {
    const chunkCounts = counts[c]!;
    const n = chunkCounts[p]!;
    if (n === 0) continue;
    const before = chunkCounts.slice(0, p).reduce((sum, x) => sum + x, 0);
    const chunkRows = chunkCounts.reduce((sum, x) => sum + x, 0);
    const key = workKeys.shard(c);
    rows.set(new Uint32Array((await workStore.getRange(key, before * 4, n * 4)).slice().buffer), filled);
    const vectorBytes = await workStore.getRange(
      key,
      (chunkRows + before * storedDim) * 4,
      n * storedDim * 4,
    );
    vectors.set(float32Of(vectorBytes), filled * storedDim);
    filled += n;
  }
  return { rows, vectors };
}

async function readAttributeSlice(
  workStore: BlobStore,
  p: number,
): Promise<{ attributes: AttributeTable; attributeCodes: Uint8Array }> {
  const { schema, dictionaries } = JSON.parse(
    new TextDecoder().decode(await workStore.get(workKeys.attributeSchema)),
  ) as { schema: AttributeSchema; dictionaries: string[][] };
  const slice = decodeAttributeSlice(await workStore.get(workKeys.attributeSlice(p)));
  return {
    attributes: AttributeTable.decode(slice.table, schema, dictionaries),
    attributeCodes: slice.codes,
  };
}

/** The mean of the rows: float64 sums in row order, rounded to float32 (as k-means' update does). */
function meanOf(vectors: Float32Array, n: number, dim: number): Float32Array {
  const sums = new Float64Array(dim);
  for (let i = 0; i < n; i++) for (let d = 0; d < dim; d++) sums[d]! += vectors[i * dim + d]!;
  return Float32Array.from(sums, (sum) => Math.fround(sum / n));
}

/**
 * Writes a new object of the build's version; an object already there with the same bytes (a retried
 * task) counts as written, different bytes are another writer's and fail.
 */
export async function putOnce(store: BlobStore, key: string, bytes: Uint8Array): Promise<void> {
  try {
    await store.put(key, bytes, { ifNoneMatch: '*' });
  } catch (error) {
    if (!(error instanceof PreconditionFailedError)) throw error;
    const existing = await store.get(key);
    if (!Buffer.from(existing).equals(Buffer.from(bytes))) {
      throw new Error(
        `\`${key}\` in ${store.description} already holds different bytes: another build wrote this version`,
      );
    }
  }
}

export function float32Of(bytes: Uint8Array): Float32Array {
  const aligned = bytes.byteOffset % 4 === 0 ? bytes : bytes.slice();
  return new Float32Array(aligned.buffer, aligned.byteOffset, aligned.byteLength / 4);
}
