/** Population variance of each coordinate of a row-major n × dim matrix (float64 sums; 0 when n = 0). */
export function coordinateVariances(vectors: Float32Array, n: number, dim: number): Float64Array {
  const sums = new Float64Array(dim);
  const squares = new Float64Array(dim);
  for (let i = 0; i < n; i++) {
    const x0 = i * dim;
    for (let d = 0; d < dim; d++) {
      const v = vectors[x0 + d]!;
      sums[d]! += v;
      squares[d]! += v * v;
    }
  }
  const variances = new Float64Array(dim);
  if (n === 0) return variances;
  for (let d = 0; d < dim; d++) {
    const mean = sums[d]! / n;
    variances[d] = Math.max(0, squares[d]! / n - mean * mean);
  }
  return variances;
}
