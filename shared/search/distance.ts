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
