/**
 * The allocator tree a request gets, as the coordinator sizes it (`functions/coordinator/search.ts`,
 * `treeFor` and `allocatorWork`): the allocator step's work is P·D per query plus N·A per filtered one;
 * without `maxAllocators` the batch is split only when it holds at least two ALLOCATOR_WORK_TARGETs of
 * work, into at most that many allocators, within the deployed (b, l) and never more than the batch.
 */
import { ALLOCATOR_WORK_TARGET } from '../../functions/coordinator/search.ts';
import { fitTree, type InvocationTree } from '../../shared/plan/invocation-tree.ts';
import type { ModelConfiguration } from './configuration.ts';

/** Operations of the allocator step for one query as the coordinator estimates them to size the tree. */
export function allocatorOpsPerQuery(config: ModelConfiguration): number {
  const filtered = config.selectivity < 1;
  return config.partitions * config.dim + (filtered ? config.vectors * config.attributes : 0);
}

/** Code cells per attribute: a one-attribute filter is counted from 256-entry histograms per partition. */
const HISTOGRAM_CELLS = 256;

/**
 * Operations the allocator step really does for one query: the centroid distances, and for a filtered
 * query the histogram sums (one filter attribute) or a pass over every row's codes (several).
 */
export function stepOpsPerQuery(config: ModelConfiguration): number {
  if (config.selectivity >= 1) return config.partitions * config.dim;
  const counting =
    config.filterAttributes <= 1
      ? config.partitions * HISTOGRAM_CELLS
      : config.vectors * config.filterAttributes;
  return config.partitions * config.dim + counting;
}

/** undefined: the coordinator runs the allocator step itself. */
export function treeFor(config: ModelConfiguration): InvocationTree | undefined {
  const { maxAllocators, batchSize } = config;
  const allocators =
    maxAllocators ?? Math.floor((allocatorOpsPerQuery(config) * batchSize) / ALLOCATOR_WORK_TARGET);
  if (maxAllocators === undefined && allocators < 2) return undefined;
  return fitTree(config.treeBranching, config.treeDepth, Math.min(allocators, batchSize));
}
