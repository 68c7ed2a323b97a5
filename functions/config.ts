/**
 * Runtime configuration of the three functions, read from the environment that the CDK stack sets.
 *
 * Design decisions:
 * - The variable names live here, once: the CDK app (`infra/`) imports `ENV` and `CONFIG_DEFAULTS` so a
 *   name cannot drift between what the stack sets and what a handler reads.
 * - `loadConfig` is a function, not a module-scope parse, so importing this module (as `infra/` does)
 *   never reads `process.env`. Handlers call it once at module scope and reuse the result while warm.
 * - One schema serves every handler, so a misconfigured stack fails at cold start with a message naming
 *   the variable, instead of at the first query. The search variables go to every function (only the
 *   cache budget differs by role); the write variables (compactor, compaction threshold, retention) only
 *   to the coordinator and the compactor, the functions that write. Elsewhere their defaults apply,
 *   and an unset compactor means no automatic compaction trigger.
 * - Partition p is served by processor function `p mod G` (DESIGN §5 "Routing"), so a warm container
 *   keeps seeing the same partitions; `processorFunctionFor` is the one place that rule is written.
 */
import { z } from 'zod';
import { InvalidInputError } from '../shared/errors/index.ts';

/** Environment variable names (set by `infra/`, read by `loadConfig`). */
export const ENV = {
  bucket: 'SQUASH_BUCKET',
  indexPrefix: 'SQUASH_INDEX_PREFIX',
  allocatorFunction: 'SQUASH_ALLOCATOR_FUNCTION',
  processorFunctions: 'SQUASH_PROCESSOR_FUNCTIONS',
  treeBranching: 'SQUASH_TREE_BRANCHING',
  treeDepth: 'SQUASH_TREE_DEPTH',
  cacheBudgetMiB: 'SQUASH_CACHE_BUDGET_MIB',
  invokeTimeoutMs: 'SQUASH_INVOKE_TIMEOUT_MS',
  maxBatch: 'SQUASH_MAX_BATCH',
  compactorFunction: 'SQUASH_COMPACTOR_FUNCTION',
  compactAfterRows: 'SQUASH_COMPACT_AFTER_ROWS',
  retentionSeconds: 'SQUASH_RETENTION_SECONDS',
  matchingRowsMaxKiB: 'SQUASH_MATCHING_ROWS_MAX_KIB',
} as const;

export type EnvName = (typeof ENV)[keyof typeof ENV];

/** Defaults used when a variable is unset; the CDK stack uses the same values for its own defaults. */
export const CONFIG_DEFAULTS = {
  /** Key prefix of all indexes in the bucket; ends with `/`. */
  indexPrefix: 'indexes/',
  /** Allocator tree fan-out b (DESIGN §5): more children per node spread a batch wider per hop. */
  treeBranching: 4,
  /** Allocator tree depth l: at most b + b² + … + b^l allocators serve one batch. */
  treeDepth: 2,
  /** Memory a warm container may spend on cached index sections (LRU), in MiB. */
  cacheBudgetMiB: 512,
  /** How long a caller waits for one downstream Invoke attempt before retrying it once, in ms. */
  invokeTimeoutMs: 12_000,
  /** Queries accepted in one `POST /search` request; more gets 413. */
  maxBatch: 1000,
  /**
   * Rows (upserted vectors plus deleted ids) the write log may gain since the last compaction before
   * the coordinator triggers the compactor (docs/writes.md "Compaction").
   */
  compactAfterRows: 10_000,
  /**
   * How long a compaction keeps the versions it retired and the log objects it folded, in seconds, so
   * that searches in flight can finish on the old snapshot and retried writes still find their token.
   * 900 s is Lambda's longest run.
   */
  retentionSeconds: 900,
  /**
   * The largest float32 size of a selective filter's matching vectors, in KiB, that an allocator fetches
   * from the processors and keeps to answer the filter's exact plan itself (functions/tree/remote-matching.ts);
   * 0 turns this off (every exact plan then visits the partitions through the processors).
   */
  matchingRowsMaxKiB: 4096,
} as const;

/** Largest values `loadConfig` accepts for the write settings (the stack checks the same bounds). */
export const CONFIG_LIMITS = {
  compactAfterRows: 100_000_000,
  /** A week: retired versions cost storage until they are removed. */
  retentionSeconds: 604_800,
} as const;

export interface SquashConfig {
  readonly bucket: string;
  readonly indexPrefix: string;
  readonly allocatorFunction: string;
  /** G names; partition p is served by `processorFunctions[p % G]`. */
  readonly processorFunctions: readonly string[];
  readonly treeBranching: number;
  readonly treeDepth: number;
  readonly cacheBudgetMiB: number;
  readonly invokeTimeoutMs: number;
  readonly maxBatch: number;
  /** The compactor to invoke (asynchronously) when the log has grown enough; undefined: no trigger. */
  readonly compactorFunction: string | undefined;
  readonly compactAfterRows: number;
  readonly retentionSeconds: number;
  readonly matchingRowsMaxKiB: number;
}

const name = z.string({ error: 'required' }).trim().min(1, 'must not be empty');

function positiveInt(fallback: number, max: number) {
  return z
    .string()
    .trim()
    .regex(/^[0-9]+$/, 'must be a positive integer')
    .transform(Number)
    .pipe(z.number().int().min(1, 'must be at least 1').max(max, `must be at most ${max}`))
    .default(fallback);
}

function nonNegativeInt(fallback: number, max: number) {
  return z
    .string()
    .trim()
    .regex(/^[0-9]+$/, 'must be a non-negative integer')
    .transform(Number)
    .pipe(z.number().int().max(max, `must be at most ${max}`))
    .default(fallback);
}

const envSchema = z.object({
  [ENV.bucket]: name,
  [ENV.indexPrefix]: z
    .string()
    .regex(/^([^/].*\/)?$/, 'must be empty or end with `/` and not start with `/`')
    .default(CONFIG_DEFAULTS.indexPrefix),
  [ENV.allocatorFunction]: name,
  [ENV.processorFunctions]: z
    .string()
    .transform((list) => list.split(',').map((entry) => entry.trim()))
    .pipe(z.array(name).min(1)),
  [ENV.treeBranching]: positiveInt(CONFIG_DEFAULTS.treeBranching, 64),
  [ENV.treeDepth]: positiveInt(CONFIG_DEFAULTS.treeDepth, 8),
  [ENV.cacheBudgetMiB]: positiveInt(CONFIG_DEFAULTS.cacheBudgetMiB, 10_240),
  [ENV.invokeTimeoutMs]: positiveInt(CONFIG_DEFAULTS.invokeTimeoutMs, 900_000),
  [ENV.maxBatch]: positiveInt(CONFIG_DEFAULTS.maxBatch, 100_000),
  [ENV.compactorFunction]: z
    .string()
    .trim()
    .optional()
    .transform((value) => (value === '' ? undefined : value)),
  [ENV.compactAfterRows]: positiveInt(CONFIG_DEFAULTS.compactAfterRows, CONFIG_LIMITS.compactAfterRows),
  [ENV.retentionSeconds]: positiveInt(CONFIG_DEFAULTS.retentionSeconds, CONFIG_LIMITS.retentionSeconds),
  [ENV.matchingRowsMaxKiB]: nonNegativeInt(CONFIG_DEFAULTS.matchingRowsMaxKiB, 65_536),
});

/**
 * Reads and validates the configuration. Throws `InvalidInputError` naming every bad variable, what it
 * held and what was expected.
 */
export function loadConfig(env: Readonly<Record<string, string | undefined>> = process.env): SquashConfig {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const variable = String(issue.path[0]);
      const received = env[variable];
      const shown = received === undefined ? 'unset' : `\`${received}\``;
      const entry = issue.path.length > 1 ? ` (entry ${String(issue.path[1])})` : '';
      return `${variable} is ${shown}${entry}: ${issue.message}`;
    });
    throw new InvalidInputError(`invalid function configuration: ${problems.join('; ')}`);
  }
  const values = parsed.data;
  return {
    bucket: values[ENV.bucket],
    indexPrefix: values[ENV.indexPrefix],
    allocatorFunction: values[ENV.allocatorFunction],
    processorFunctions: values[ENV.processorFunctions],
    treeBranching: values[ENV.treeBranching],
    treeDepth: values[ENV.treeDepth],
    cacheBudgetMiB: values[ENV.cacheBudgetMiB],
    invokeTimeoutMs: values[ENV.invokeTimeoutMs],
    maxBatch: values[ENV.maxBatch],
    compactorFunction: values[ENV.compactorFunction],
    compactAfterRows: values[ENV.compactAfterRows],
    retentionSeconds: values[ENV.retentionSeconds],
    matchingRowsMaxKiB: values[ENV.matchingRowsMaxKiB],
  };
}

/** The processor function serving partition `partition`: function `partition mod G`. */
export function processorFunctionFor(
  config: Pick<SquashConfig, 'processorFunctions'>,
  partition: number,
): string {
  if (!Number.isInteger(partition) || partition < 0) {
    throw new InvalidInputError(`partition must be a non-negative integer, received ${partition}`);
  }
  const functions = config.processorFunctions;
  return functions[partition % functions.length]!;
}
