/**
 * One deployment and workload the model predicts for: the index (N, D, P, attributes), the stack (G,
 * the tree, memory, timeouts) and the traffic (batch size, selectivity, requests in flight, how warm
 * the processors are). Defaults are the stack's (`infra/search-settings.ts`) and the query options'
 * (`shared/api/query-options.ts`).
 */
export interface RoleSizes {
  readonly coordinator: number;
  readonly allocator: number;
  readonly processor: number;
}

export interface ModelConfiguration {
  /** N, rows in the index. */
  readonly vectors: number;
  /** D. */
  readonly dim: number;
  /** P, partitions. */
  readonly partitions: number;
  /** G, processor functions; partition p goes to function p mod G. @default 8 */
  readonly processorFunctions: number;
  /** b, allocator tree fan-out. @default 4 */
  readonly treeBranching: number;
  /** l, allocator tree depth. @default 2 */
  readonly treeDepth: number;
  /**
   * `options.maxAllocators` of every request: 0 runs the allocator step in the coordinator; undefined
   * lets the coordinator size the tree by allocator work (ALLOCATOR_WORK_TARGET).
   */
  readonly maxAllocators?: number | undefined;
  /** Queries per request. */
  readonly batchSize: number;
  /** Share of rows that pass every query's filter (1 = unfiltered); one filter per batch. */
  readonly selectivity: number;
  /** Attributes in the schema (the allocator keeps one code byte per row and attribute). @default 4 */
  readonly attributes: number;
  /**
   * Attributes a filter reads. One: the allocator counts matches from per-partition code histograms
   * (P·256 operations); more: one pass over the codes of every row (N per attribute). @default 1
   */
  readonly filterAttributes: number;
  /** @default 10 */
  readonly k: number;
  /** Memory per role in MiB. @default 1024 / 1024 / 1769 */
  readonly memoryMiB: RoleSizes;
  /** Deployed timeout per role in seconds. @default 90 / 60 / 10 */
  readonly timeoutSeconds: RoleSizes;
  /** Requests in flight at once, for peak concurrency. @default 1 */
  readonly concurrentRequests: number;
  /** Share of processor calls that find their partition in a warm container's cache. @default 1 */
  readonly warmShare: number;
  /** Bits per dimension of the OSQ codes (build option). @default 4 */
  readonly bitsPerDim: number;
  /** Query options. @default 10 / 5 / 32 */
  readonly matchesFactor: number;
  readonly rerank: number;
  readonly pruningDims: number;
}

export const DEFAULT_CONFIGURATION: Omit<ModelConfiguration, 'vectors' | 'dim' | 'partitions' | 'batchSize'> =
  Object.freeze({
    processorFunctions: 8,
    treeBranching: 4,
    treeDepth: 2,
    maxAllocators: undefined,
    selectivity: 1,
    attributes: 4,
    filterAttributes: 1,
    k: 10,
    memoryMiB: Object.freeze({ coordinator: 1024, allocator: 1024, processor: 1769 }),
    timeoutSeconds: Object.freeze({ coordinator: 90, allocator: 60, processor: 10 }),
    concurrentRequests: 1,
    warmShare: 1,
    bitsPerDim: 4,
    matchesFactor: 10,
    rerank: 5,
    pruningDims: 32,
  });

/** The defaults with the index shape and batch size filled in, and any overrides. */
export function configuration(
  shape: Pick<ModelConfiguration, 'vectors' | 'dim' | 'partitions' | 'batchSize'> &
    Partial<ModelConfiguration>,
): ModelConfiguration {
  return { ...DEFAULT_CONFIGURATION, ...shape };
}
