/**
 * out[r] = Σ_d matrix[(first + r)·dim + d] · vector[offset + d] for r < rows: a matrix–vector product
 * over a block of rows, the kernel under the KLT query transform, k-means assignment and the centroid
 * order. The vector is float64 at every call site (one element kind keeps the kernel monomorphic in V8).
 * Four rows per pass share each load of the vector and keep four independent sums in flight
 * (about twice as fast in V8 as one dot product at a time); every sum still adds its terms in coordinate
 * order, so each value is bit-identical to a plain dot product.
 */
export function dotRows(
  matrix: Float32Array,
  first: number,
  rows: number,
  dim: number,
  vector: Float64Array,
  offset: number,
  out: Float64Array,
): void {
  let r = 0;
  for (; r + 4 <= rows; r += 4) {
    const m0 = (first + r) * dim;
    const m1 = m0 + dim;
    const m2 = m1 + dim;
    const m3 = m2 + dim;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    for (let d = 0; d < dim; d++) {
      const v = vector[offset + d]!;
      s0 += v * matrix[m0 + d]!;
      s1 += v * matrix[m1 + d]!;
      s2 += v * matrix[m2 + d]!;
      s3 += v * matrix[m3 + d]!;
    }
    out[r] = s0;
    out[r + 1] = s1;
    out[r + 2] = s2;
    out[r + 3] = s3;
  }
  for (; r < rows; r++) {
    const m = (first + r) * dim;
    let sum = 0;
    for (let d = 0; d < dim; d++) sum += vector[offset + d]! * matrix[m + d]!;
    out[r] = sum;
  }
}
