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
