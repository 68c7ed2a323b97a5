import type { AttributeColumn } from '../attributes/attribute-columns.ts';
import type { AttributeSchema } from '../attributes/schema.ts';
import type { Rng } from '../random.ts';

/**
 * Seeded attributes with known selectivities, kept as columns (no per-row objects at 1 M rows):
 * - `u`: uniform in [0, 1), so `{"u": {"$lt": s}}` selects a fraction s of the rows;
 * - `category`: one of CATEGORY_VALUES, 10 % each;
 * - `tags`: each tag of SYNTHETIC_TAGS present independently with its probability (possibly none);
 * - `score`: in [0, 1), correlated with the vector's cluster — (rank of the cluster in a seeded
 *   permutation + U(0,1)) / clusters — so a filter on it selects whole regions of the vector space.
 *   Its marginal is not uniform (clusters have unequal weights).
 * Dictionaries are sorted, as `shared/attributes` keeps them, so the codes here are table codes.
 */
export const CATEGORY_VALUES: readonly string[] = Object.freeze([
  'black',
  'blue',
  'green',
  'grey',
  'indigo',
  'orange',
  'red',
  'violet',
  'white',
  'yellow',
]);

/** Tag names (sorted) and the probability that a row carries each. */
export const SYNTHETIC_TAGS: readonly { readonly name: string; readonly probability: number }[] =
  Object.freeze([
    { name: 'common', probability: 0.5 },
    { name: 'popular', probability: 0.2 },
    { name: 'rare', probability: 0.01 },
    { name: 'seasonal', probability: 0.05 },
  ]);

export const SYNTHETIC_SCHEMA: AttributeSchema = Object.freeze({
  attributes: Object.freeze([
    { name: 'u', kind: 'number' },
    { name: 'category', kind: 'category' },
    { name: 'tags', kind: 'tags' },
    { name: 'score', kind: 'number' },
  ] as const),
});

/** A type alias rather than an interface, so that rows pass as `Record<string, unknown>`. */
export type SyntheticRow = {
  u: number;
  category: string;
  tags: string[];
  score: number;
};

export class SyntheticAttributes {
  constructor(
    readonly u: Float64Array,
    /** Index into CATEGORY_VALUES. */
    readonly category: Int32Array,
    /** Bit t set when the row carries SYNTHETIC_TAGS[t]. */
    readonly tagBits: Uint8Array,
    readonly score: Float64Array,
  ) {}

  get count(): number {
    return this.u.length;
  }

  row(i: number): SyntheticRow {
    const tags: string[] = [];
    const bits = this.tagBits[i]!;
    SYNTHETIC_TAGS.forEach((tag, t) => {
      if ((bits >>> t) & 1) tags.push(tag.name);
    });
    return { u: this.u[i]!, category: CATEGORY_VALUES[this.category[i]!]!, tags, score: this.score[i]! };
  }

  *rows(): Generator<SyntheticRow> {
    for (let i = 0; i < this.count; i++) yield this.row(i);
  }

  /** The columns of an `AttributeTable` over SYNTHETIC_SCHEMA (tags in CSR form). */
  columns(): AttributeColumn[] {
    const n = this.count;
    const offsets = new Uint32Array(n + 1);
    let total = 0;
    for (let i = 0; i < n; i++) {
      total += popcount(this.tagBits[i]!);
      offsets[i + 1] = total;
    }
    const codes = new Int32Array(total);
    let k = 0;
    for (let i = 0; i < n; i++) {
      for (let t = 0, bits = this.tagBits[i]!; bits !== 0; t++, bits >>>= 1) if (bits & 1) codes[k++] = t;
    }
    return [
      { kind: 'number', values: this.u },
      { kind: 'category', codes: this.category, dictionary: CATEGORY_VALUES },
      { kind: 'tags', offsets, codes, dictionary: SYNTHETIC_TAGS.map((tag) => tag.name) },
      { kind: 'number', values: this.score },
    ];
  }
}

function popcount(bits: number): number {
  let count = 0;
  for (; bits !== 0; bits >>>= 1) count += bits & 1;
  return count;
}

/** A random ordering of the clusters: `score` ranks. */
export function clusterRanks(clusters: number, rng: Rng): Uint32Array {
  const ranks = new Uint32Array(clusters);
  for (let c = 0; c < clusters; c++) ranks[c] = c;
  for (let c = clusters - 1; c > 0; c--) {
    const j = rng.int(c + 1);
    const t = ranks[c]!;
    ranks[c] = ranks[j]!;
    ranks[j] = t;
  }
  return ranks;
}

/** Draws the attributes of `count` rows whose clusters are `labels[first..first+count)`. */
export function sampleAttributes(
  rng: Rng,
  ranks: Uint32Array,
  labels: Uint32Array,
  count: number,
  out: SyntheticAttributes,
  first = 0,
): void {
  const clusters = ranks.length;
  const tagCount = SYNTHETIC_TAGS.length;
  for (let i = first; i < first + count; i++) {
    out.u[i] = rng.next();
    out.category[i] = rng.int(CATEGORY_VALUES.length);
    let bits = 0;
    for (let t = 0; t < tagCount; t++) if (rng.next() < SYNTHETIC_TAGS[t]!.probability) bits |= 1 << t;
    out.tagBits[i] = bits;
    out.score[i] = (ranks[labels[i]!]! + rng.next()) / clusters;
  }
}
