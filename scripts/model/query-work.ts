/**
 * What one query of a configuration does (DESIGN §5): its plan, the partitions it visits and the rows it
 * scans in each. The plan is `choosePlan`'s, on the expected counts; the approximate plan visits the
 * measured partitions per query (partitionFactor's selection), more when a selective filter needs them
 * to hold matchesFactor·k matches; the exact plan visits every partition holding a match.
 */
import { choosePlan, type QueryPlan } from '../../shared/plan/query-plan.ts';
import type { ModelConfiguration } from './configuration.ts';
import type { MeasuredInputs } from './measured-inputs.ts';

export interface QueryWork {
  readonly plan: QueryPlan;
  /** N/P. */
  readonly rowsPerPartition: number;
  /** Filter matches in the whole index, s·N. */
  readonly matches: number;
  /** Partitions the query visits. */
  readonly partitionsVisited: number;
  /** Matching rows scanned in each visited partition. */
  readonly rowsPerVisit: number;
  /** Handler time one query adds to a processor call per partition, on one vCPU, ms. */
  readonly pairMs: number;
}

export function queryWork(config: ModelConfiguration, inputs: MeasuredInputs): QueryWork {
  const { vectors, partitions, dim, selectivity, matchesFactor, k, rerank, pruningDims } = config;
  const rowsPerPartition = vectors / partitions;
  const matches = selectivity * vectors;
  const matchesPerPartition = matches / partitions;
  const wanted = Math.min(matches, matchesFactor * k);
  const approximateVisits = Math.min(
    partitions,
    Math.max(
      inputs.partitionsPerQuery,
      matchesPerPartition > 0 ? Math.ceil(wanted / matchesPerPartition) : 0,
    ),
  );
  const lowerBoundDims = Math.min(dim, pruningDims);
  const plan = choosePlan({
    totalMatches: matches,
    selectedMatches: approximateVisits * matchesPerPartition,
    selectedPartitions: approximateVisits,
    dim,
    pruningDims: lowerBoundDims,
    shortlist: rerank * k,
  });
  const filtering = selectivity < 1 ? (rowsPerPartition * inputs.filterNsPerRow) / 1e6 : 0;
  const perPair = (inputs.processorPairMs * dim) / inputs.calibrationDim + filtering;
  if (plan === 'exact') {
    const visited = partitionsWithMatches(partitions, matches);
    const rowsPerVisit = visited > 0 ? matches / visited : 0;
    return {
      plan,
      rowsPerPartition,
      matches,
      partitionsVisited: visited,
      rowsPerVisit,
      pairMs: perPair + (rowsPerVisit * dim * inputs.exactNsPerRowDim) / 1e6,
    };
  }
  return {
    plan,
    rowsPerPartition,
    matches,
    partitionsVisited: approximateVisits,
    rowsPerVisit: matchesPerPartition,
    pairMs:
      perPair +
      (inputs.approximatePairMs * dim) / inputs.calibrationDim +
      (matchesPerPartition * lowerBoundDims * inputs.approximateNsPerRowDim) / 1e6,
  };
}

/** Expected partitions holding at least one of `matches` rows spread evenly at random over `partitions`. */
export function partitionsWithMatches(partitions: number, matches: number): number {
  return partitions * -Math.expm1(matches * Math.log1p(-1 / partitions));
}
