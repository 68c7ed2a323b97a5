/**
 * Child allocators (DESIGN §5, reference §4.2): a tree node — or the coordinator, the root — invokes each
 * child with its subtree's queries before doing its own work, then settles the answers. A subtree whose
 * invocation failed after its retry is answered by placeholders that name every partition as missing
 * (nothing of it was searched) and the failure, never silently dropped: the coordinator then fails the
 * request with 502/504 naming the tree node, or with `allowPartial` answers `complete: false`
 * (`functions/coordinator/incomplete-search.ts`). A node does not throw for a failed child: its parent
 * would retry the whole subtree, and the failure's structure would be lost on the way up.
 */
import { UpstreamError, UpstreamTimeoutError } from '../../shared/errors/index.ts';
import type { InvocationTree, TreeNode } from '../../shared/plan/invocation-tree.ts';
import { callFunction, DEADLINE_RESERVE_MS } from '../invoke/call-function.ts';
import type { FunctionRuntime } from '../runtime.ts';
import { emptyPathStats, recordFailure } from '../wire/path-stats.ts';
import type { ResolvedOptions } from '../wire/query-options.ts';
import {
  type AllocatorPayload,
  type AllocatorQuery,
  type AllocatorResponse,
  allocatorResponseSchema,
} from './allocator-payload.ts';

export interface TreeRequest {
  readonly index: string;
  readonly version: number;
  readonly sequence: number;
  readonly k: number;
  readonly options: ResolvedOptions;
  readonly tree: InvocationTree;
  readonly batchSize: number;
  /** Epoch ms by which the caller must have answered. */
  readonly deadline: number;
}

export interface SubtreeOutcome {
  readonly node: TreeNode;
  readonly queries: readonly AllocatorQuery[];
  /** Invoke requests sent, the retry included. */
  readonly attempts: number;
  readonly response?: AllocatorResponse;
  readonly error?: unknown;
}

/** Invokes the allocator for `child`'s subtree. Never rejects: failures come back in the outcome. */
export async function launchSubtree(
  runtime: FunctionRuntime,
  request: TreeRequest,
  child: TreeNode,
  queries: readonly AllocatorQuery[],
): Promise<SubtreeOutcome> {
  const functionName = runtime.config.allocatorFunction;
  const payload: AllocatorPayload = {
    index: request.index,
    version: request.version,
    sequence: request.sequence,
    k: request.k,
    options: request.options,
    tree: { branching: request.tree.branching, depth: request.tree.depth },
    node: { id: child.id, level: child.level },
    batchSize: request.batchSize,
    deadline: Math.floor(request.deadline - DEADLINE_RESERVE_MS),
    queries: [...queries],
  };
  const what = `allocator \`${functionName}\` (tree node ${child.id})`;
  let attempts = 0;
  try {
    const reply = await callFunction(runtime.invoker, functionName, JSON.stringify(payload), {
      what,
      deadline: request.deadline,
      attemptTimeoutMs: Number.POSITIVE_INFINITY,
      onAttempt: () => attempts++,
    });
    return { node: child, queries, attempts, response: checkResponse(what, reply, queries) };
  } catch (error) {
    return { node: child, queries, attempts, error };
  }
}

/**
 * The subtrees' responses, failed ones replaced by placeholders over `partitions` partitions. Errors
 * other than upstream failures (a bad query, an unknown index) are rethrown: they answer the request.
 */
export function settleSubtrees(
  runtime: FunctionRuntime,
  outcomes: readonly SubtreeOutcome[],
  partitions: number,
): AllocatorResponse[] {
  return outcomes.map((outcome) => {
    const { response, error } = outcome;
    if (response) {
      const stats = { ...response.stats, failures: [...response.stats.failures] };
      stats.allocatorInvocations += outcome.attempts;
      stats.retries += Math.max(0, outcome.attempts - 1);
      return { results: response.results, stats };
    }
    if (!(error instanceof UpstreamError || error instanceof UpstreamTimeoutError)) throw error;
    return failedSubtree(runtime, outcome, error, partitions);
  });
}

function failedSubtree(
  runtime: FunctionRuntime,
  outcome: SubtreeOutcome,
  error: UpstreamError | UpstreamTimeoutError,
  partitions: number,
): AllocatorResponse {
  const stats = emptyPathStats();
  stats.allocatorInvocations = outcome.attempts;
  stats.retries = Math.max(0, outcome.attempts - 1);
  recordFailure(stats, {
    target: runtime.config.allocatorFunction,
    node: outcome.node.id,
    code: error.code,
    message: error.message,
  });
  const everyPartition = Array.from({ length: partitions }, (_, p) => p);
  return {
    results: outcome.queries.map((query) => ({
      position: query.position,
      hits: [],
      stats: {
        plan: 'approximate',
        partitionsVisited: 0,
        rounds: 0,
        matchesEstimated: 0,
        vectorsScanned: 0,
        missingPartitions: everyPartition,
      },
    })),
    stats,
  };
}

function checkResponse(what: string, reply: unknown, queries: readonly AllocatorQuery[]): AllocatorResponse {
  const parsed = allocatorResponseSchema.safeParse(reply);
  if (!parsed.success) {
    throw new UpstreamError(`${what} sent a malformed response: ${parsed.error.issues[0]?.message ?? ''}`);
  }
  const { results } = parsed.data;
  if (
    results.length !== queries.length ||
    results.some((result, i) => result.position !== queries[i]!.position)
  ) {
    throw new UpstreamError(
      `${what} answered ${results.length} queries; expected positions ${queries[0]?.position}..${queries.at(-1)?.position}`,
    );
  }
  return parsed.data;
}
