/**
 * The siftsmall index of `bench:peers` and `fixed-cost.ts`: the official base and queries with seeded
 * attributes — `u` uniform in [0, 1) and `cat` one of ten categories (10 % each) — built once into the
 * index cache. One definition, because the cache key promises one build.
 */
import { join } from 'node:path';
import { AttributeTable } from '../../shared/attributes/index.ts';
import { buildIndex } from '../../shared/build/build-index.ts';
import { readFvecs } from '../../shared/data/index.ts';
import { createRng } from '../../shared/random.ts';
import type { LocalDirectoryStore } from '../../shared/store/index.ts';
import { cachedIndex } from './cached-index.ts';

export const siftCategories = Array.from({ length: 10 }, (_, c) => `c${c}`);

export interface SiftsmallPeers {
  readonly base: Awaited<ReturnType<typeof readFvecs>>;
  readonly queries: Awaited<ReturnType<typeof readFvecs>>;
  readonly u: Float64Array;
  /** Index into `siftCategories` per row. */
  readonly cat: Uint8Array;
  readonly store: LocalDirectoryStore;
}

export async function siftsmallPeers(dataDir: string): Promise<SiftsmallPeers> {
  const folder = join(dataDir, 'siftsmall');
  const [base, queries] = await Promise.all([
    readFvecs(join(folder, 'siftsmall_base.fvecs')),
    readFvecs(join(folder, 'siftsmall_query.fvecs')),
  ]);
  const rng = createRng(4242);
  const u = Float64Array.from({ length: base.n }, () => rng.next());
  const cat = Uint8Array.from({ length: base.n }, () => rng.int(siftCategories.length));
  const { store } = await cachedIndex('siftsmall-peers-u-cat10-p16-b4-s1', (target) =>
    buildIndex(
      {
        vectors: base.vectors,
        count: base.n,
        dim: base.dim,
        attributes: AttributeTable.fromRows(
          {
            attributes: [
              { name: 'u', kind: 'number' },
              { name: 'cat', kind: 'category' },
            ],
          },
          Array.from({ length: base.n }, (_, i) => ({ u: u[i]!, cat: siftCategories[cat[i]!]! })),
        ),
      },
      target,
      { partitions: 16, bitsPerDim: 4, metric: 'l2', seed: 1, kmeansIterations: 30 },
    ),
  );
  return { base, queries, u, cat, store };
}
