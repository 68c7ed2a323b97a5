/**
 * One node of the allocator tree (DESIGN §5, reference §4.2–4.3): launch the children with their
 * subtrees' queries, run the allocator step over this node's own slice while they work, wait for them,
 * and answer the whole subtree's results with its summed cost.
 */
import { InvalidInputError, InvalidQueryError } from '../../shared/errors/index.ts';
import { InvocationTree } from '../../shared/plan/invocation-tree.ts';
import { cachedReader } from '../index-cache.ts';
import { logViewAt } from '../index-log.ts';
import { recordAllocation } from '../observability/records.ts';
import { type FunctionRuntime, startInvocation } from '../runtime.ts';
import type { AllocatorPayload, AllocatorResponse } from '../tree/allocator-payload.ts';
import { runAllocatorStep } from '../tree/allocator-step.ts';
import { sliceQueries } from '../tree/slice-query.ts';
import { launchSubtree, settleSubtrees } from '../tree/subtree.ts';
import { addPathStats } from '../wire/path-stats.ts';

/** @param ownDeadline epoch ms at which this invocation times out. */
export async function allocate(
  payload: AllocatorPayload,
  runtime: FunctionRuntime,
  ownDeadline: number,
): Promise<AllocatorResponse> {
  const started = performance.now();
  const containerStart = startInvocation(runtime);
  const deadline = Math.min(ownDeadline, payload.deadline);
  const tree = treeOf(payload);
  const node = payload.node;
  const subtree = tree.subtreeSlice(node, payload.batchSize);
  const queries = payload.queries;
  if (
    queries.length !== subtree.end - subtree.start ||
    queries.some((query, i) => query.position !== subtree.start + i)
  ) {
    throw new InvalidQueryError(
      `allocator payload: tree node ${node.id} serves positions ${subtree.start}..${subtree.end - 1} of ${payload.batchSize}; ` +
        `received ${queries.length} queries from position ${queries[0]?.position}`,
    );
  }
  const request = { ...payload, tree, deadline };
  const children = tree.children(node).map((child) => {
    const range = tree.subtreeSlice(child, payload.batchSize);
    return launchSubtree(
      runtime,
      request,
      child,
      queries.slice(range.start - subtree.start, range.end - subtree.start),
    );
  });

  const { reader, bytesFetched } = await cachedReader(runtime, payload.index, payload.version);
  const view = await logViewAt(runtime, payload.index, reader, payload.sequence);
  const own = tree.ownSlice(node.id, payload.batchSize);
  const step = await runAllocatorStep(
    runtime,
    {
      index: payload.index,
      reader,
      sequence: payload.sequence,
      view,
      k: payload.k,
      options: payload.options,
      deadline,
    },
    sliceQueries(reader, queries.slice(own.start - subtree.start, own.end - subtree.start)),
  );
  const outcomes = await Promise.all(children);
  // What this node sent itself, before its subtrees' costs are added to the step's stats.
  let retries = step.stats.retries;
  for (const outcome of outcomes) retries += Math.max(0, outcome.attempts - 1);
  const sent = { processorInvocations: step.stats.processorInvocations, retries };
  const ownFailures = [...step.stats.failures];
  const subtrees = settleSubtrees(runtime, outcomes, reader.manifest.partitions);

  const stats = step.stats;
  for (const child of subtrees) addPathStats(stats, child.stats);
  stats.bytesFetched += bytesFetched;
  if (containerStart) stats.containerStarts++;
  const results = [...step.results, ...subtrees.flatMap((child) => child.results)];
  results.sort((a, b) => a.position - b.position);
  const ms = performance.now() - started;
  stats.allocatorMs += ms;
  let partitionsVisited = 0;
  for (const result of step.results) partitionsVisited += result.stats.partitionsVisited;
  recordAllocation(runtime.telemetry, {
    index: payload.index,
    node: node.id,
    batchSize: payload.batchSize,
    queries: queries.length,
    ownQueries: step.results.length,
    children: outcomes.length,
    plans: step.results.map((result) => result.stats.plan),
    partitionsVisited,
    sent,
    failures: ownFailures,
    ms,
  });
  return { results, stats };
}

function treeOf(payload: AllocatorPayload): InvocationTree {
  try {
    const tree = new InvocationTree(payload.tree.branching, payload.tree.depth);
    tree.subtreeSlice(payload.node, payload.batchSize);
    return tree;
  } catch (error) {
    if (!(error instanceof InvalidInputError)) throw error;
    throw new InvalidQueryError(`allocator payload: ${error.message}`);
  }
}
