/** Squared Euclidean distance between a query and row `row` of a row-major matrix, in float64. */
export function squaredL2(query: Float32Array, data: Float32Array, row: number, dim: number): number {
  let sum = 0;
  const base = row * dim;
  for (let j = 0; j < dim; j++) {
    const diff = query[j]! - data[base + j]!;
    sum += diff * diff;
  }
  return sum;
}

/**
 * Squared Euclidean distance with early termination: once the partial sum exceeds `bound` (checked
 * every 32 dimensions) it returns that partial sum, which is enough to reject the row from a top-k whose
 * worst entry is `bound`.
 */
export function squaredL2Bounded(
  query: Float32Array,
  data: Float32Array,
  row: number,
  dim: number,
  bound: number,
): number {
  let sum = 0;
  const base = row * dim;
  let j = 0;
  while (j < dim) {
    const end = Math.min(dim, j + 32);
    for (; j < end; j++) {
      const diff = query[j]! - data[base + j]!;
      sum += diff * diff;
    }
    if (sum > bound) return sum;
  }
  return sum;
}

/**
 * `squaredL2Bounded` of a row whose coordinates are stored in another order: term j is
 * (query[j] − data[row·dim + source[j]])², so the terms and their order are those of `squaredL2Bounded`
 * on the row rearranged by `source`, and so is the result, bit for bit.
 */
export function squaredL2BoundedFrom(
  query: Float32Array,
  data: Float32Array,
  row: number,
  source: Uint32Array,
  bound: number,
): number {
  const dim = source.length;
  let sum = 0;
  const base = row * dim;
  let j = 0;
  while (j < dim) {
    const end = Math.min(dim, j + 32);
    for (; j < end; j++) {
      const diff = query[j]! - data[base + source[j]!]!;
      sum += diff * diff;
    }
    if (sum > bound) return sum;
  }
  return sum;
}

/**
 * `squaredL2Bounded` of four rows at once (`rows[0..4)`), for the same `bound`: each row's sum adds its
 * terms in coordinate order and checks the bound every 32 dimensions as `squaredL2Bounded` does, so a row
 * that runs to the end gets the bit-identical distance; it stops once all four exceed `bound` (a row past
 * it gets a partial sum that is still above it). Four independent sums and four streams of rows in
 * flight. Writes `out[0..4)`.
 */
export function squaredL2BoundedQuad(
  query: Float32Array,
  data: Float32Array,
  rows: Uint32Array,
  dim: number,
  bound: number,
  out: Float64Array,
): void {
  let a = 0;
  let b = 0;
  let c = 0;
  let d = 0;
  const baseA = rows[0]! * dim;
  const baseB = rows[1]! * dim;
  const baseC = rows[2]! * dim;
  const baseD = rows[3]! * dim;
  let j = 0;
  while (j < dim) {
    const end = Math.min(dim, j + 32);
    for (; j < end; j++) {
      const q = query[j]!;
      const da = q - data[baseA + j]!;
      const db = q - data[baseB + j]!;
      const dc = q - data[baseC + j]!;
      const dd = q - data[baseD + j]!;
      a += da * da;
      b += db * db;
      c += dc * dc;
      d += dd * dd;
    }
    if (a > bound && b > bound && c > bound && d > bound) break;
  }
  out[0] = a;
  out[1] = b;
  out[2] = c;
  out[3] = d;
}
