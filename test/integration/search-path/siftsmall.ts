/**
 * siftsmall (10,000 × 128, official ground truth) with two seeded attributes, as the search-path suite
 * uses it: `u`, uniform in [0, 1) with 10,000 distinct values (so each quantized cell holds ~N/255 rows),
 * and `group`, one of five categories. The index is built once into the index cache and copied into each
 * target's bucket with `copyIndex`, the same bytes every time.
 */
import { join } from 'node:path';
import { cachedIndex } from '../../../scripts/bench/cached-index.ts';
import { AttributeTable } from '../../../shared/attributes/index.ts';
import { buildIndex } from '../../../shared/build/build-index.ts';
import { readFvecs, readIvecs } from '../../../shared/data/index.ts';
import { createRng } from '../../../shared/random.ts';
import type { LocalDirectoryStore } from '../../../shared/store/index.ts';
import { dataDir, requireFile } from '../../datasets/data-dir.ts';

export const siftDim = 128;
export const siftGroups = ['amber', 'blue', 'cyan', 'dune', 'ember'] as const;
const hint = 'set SQUASH_DATA_DIR to the folder holding siftsmall/ (default ../shared/data)';

export interface Siftsmall {
  readonly base: Float32Array;
  readonly count: number;
  readonly queries: Float32Array;
  readonly queryCount: number;
  /** Official exact L2 top-100 ids per query. */
  readonly truth: Int32Array;
  readonly u: Float64Array;
  /** Index into `siftGroups` per row. */
  readonly group: Uint8Array;
}

export async function loadSiftsmall(): Promise<Siftsmall> {
  const folder = join(dataDir, 'siftsmall');
  const [base, queries, truth] = await Promise.all([
    readFvecs(requireFile(join(folder, 'siftsmall_base.fvecs'), hint)),
    readFvecs(requireFile(join(folder, 'siftsmall_query.fvecs'), hint)),
    readIvecs(requireFile(join(folder, 'siftsmall_groundtruth.ivecs'), hint)),
  ]);
  const rng = createRng(4242);
  const u = Float64Array.from({ length: base.n }, () => rng.next());
  const group = Uint8Array.from({ length: base.n }, () => rng.int(siftGroups.length));
  return {
    base: base.vectors,
    count: base.n,
    queries: queries.vectors,
    queryCount: queries.n,
    truth: truth.values,
    u,
    group,
  };
}

export function siftQuery(data: Siftsmall, q: number): Float32Array {
  return data.queries.subarray(q * siftDim, (q + 1) * siftDim);
}

/** The siftsmall index with `u` and `group` (16 partitions, 4 bits), built once into the index cache. */
export async function siftsmallIndex(data: Siftsmall): Promise<LocalDirectoryStore> {
  const { store } = await cachedIndex('siftsmall-u-group-p16-b4-s1', (target) =>
    buildIndex(
      {
        vectors: data.base,
        count: data.count,
        dim: siftDim,
        attributes: AttributeTable.fromRows(
          {
            attributes: [
              { name: 'u', kind: 'number' },
              { name: 'group', kind: 'category' },
            ],
          },
          Array.from({ length: data.count }, (_, i) => ({
            u: data.u[i]!,
            group: siftGroups[data.group[i]!]!,
          })),
        ),
      },
      target,
      { partitions: 16, bitsPerDim: 4, metric: 'l2', seed: 1, kmeansIterations: 30 },
    ),
  );
  return store;
}
