/**
 * Eigendecomposition of a real symmetric matrix: Householder tridiagonalisation followed by the
 * implicit QL algorithm (the EISPACK tred2/tql2 pair, as in JAMA).
 *
 * Design decisions:
 * - Everything works on one flat Float64Array. JAMA indexes V[row][column] with the row varying in
 *   every inner loop; we store the TRANSPOSE (`w[c * n + r]` holds V[r][c]) so those loops walk
 *   contiguous memory. That is what makes D = 784 take about a second instead of many.
 * - Eigenvalues come out descending (ties keep the solver's order), each eigenvector is a ROW of
 *   `vectors`, unit length, and its sign is fixed so that its largest-magnitude entry is positive: the
 *   same input always gives the same bytes.
 */
import { SquashError } from '../errors/errors.ts';

export interface SymmetricEigen {
  /** n eigenvalues, descending. */
  readonly values: Float64Array;
  /** n×n row-major; row j is the unit eigenvector of `values[j]`. */
  readonly vectors: Float64Array;
}

/** QL sweeps allowed per eigenvalue before giving up (convergence takes 1–3 in practice). */
const MAX_QL_ITERATIONS = 60;
const EPSILON = 2 ** -52;

/** Decomposes the symmetric n×n row-major `matrix` (only read; it is copied). */
export function symmetricEigen(matrix: Float64Array, n: number): SymmetricEigen {
  if (!Number.isInteger(n) || n < 0 || matrix.length !== n * n) {
    throw new SquashError(
      'INTERNAL',
      `symmetricEigen expects an n×n matrix, got n = ${n} and ${matrix.length} values`,
    );
  }
  const w = Float64Array.from(matrix); // symmetric, so V = matrix and its transpose are the same bytes
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  if (n > 0) {
    tridiagonalize(w, n, d, e);
    diagonalize(w, n, d, e);
  }
  return sortDescending(w, n, d);
}

/** tred2: reduces w to tridiagonal form (diagonal d, sub-diagonal e) and accumulates the transforms in w. */
function tridiagonalize(w: Float64Array, n: number, d: Float64Array, e: Float64Array): void {
  for (let j = 0; j < n; j++) d[j] = w[j * n + n - 1]!;

  for (let i = n - 1; i > 0; i--) {
    let scale = 0;
    let h = 0;
    for (let k = 0; k < i; k++) scale += Math.abs(d[k]!);
    if (scale === 0) {
      e[i] = d[i - 1]!;
      for (let j = 0; j < i; j++) {
        d[j] = w[j * n + i - 1]!;
        w[j * n + i] = 0;
        w[i * n + j] = 0;
      }
    } else {
      for (let k = 0; k < i; k++) {
        d[k] = d[k]! / scale;
        h += d[k]! * d[k]!;
      }
      let f = d[i - 1]!;
      let g = Math.sqrt(h);
      if (f > 0) g = -g;
      e[i] = scale * g;
      h -= f * g;
      d[i - 1] = f - g;
      for (let j = 0; j < i; j++) e[j] = 0;

      for (let j = 0; j < i; j++) {
        f = d[j]!;
        w[i * n + j] = f;
        const column = j * n;
        g = e[j]! + w[column + j]! * f;
        for (let k = j + 1; k <= i - 1; k++) {
          const v = w[column + k]!;
          g += v * d[k]!;
          e[k] = e[k]! + v * f;
        }
        e[j] = g;
      }
      f = 0;
      for (let j = 0; j < i; j++) {
        e[j] = e[j]! / h;
        f += e[j]! * d[j]!;
      }
      const hh = f / (h + h);
      for (let j = 0; j < i; j++) e[j] = e[j]! - hh * d[j]!;
      for (let j = 0; j < i; j++) {
        f = d[j]!;
        g = e[j]!;
        const column = j * n;
        for (let k = j; k <= i - 1; k++) w[column + k] = w[column + k]! - (f * e[k]! + g * d[k]!);
        d[j] = w[column + i - 1]!;
        w[column + i] = 0;
      }
    }
    d[i] = h;
  }

  for (let i = 0; i < n - 1; i++) {
    w[i * n + n - 1] = w[i * n + i]!;
    w[i * n + i] = 1;
    const h = d[i + 1]!;
    const next = (i + 1) * n;
    if (h !== 0) {
      for (let k = 0; k <= i; k++) d[k] = w[next + k]! / h;
      for (let j = 0; j <= i; j++) {
        const column = j * n;
        let g = 0;
        for (let k = 0; k <= i; k++) g += w[next + k]! * w[column + k]!;
        for (let k = 0; k <= i; k++) w[column + k] = w[column + k]! - g * d[k]!;
      }
    }
    for (let k = 0; k <= i; k++) w[next + k] = 0;
  }
  for (let j = 0; j < n; j++) {
    d[j] = w[j * n + n - 1]!;
    w[j * n + n - 1] = 0;
  }
  w[(n - 1) * n + n - 1] = 1;
  e[0] = 0;
}

/** tql2: diagonalises the tridiagonal (d, e) by implicit QL with shifts, rotating the rows of w. */
function diagonalize(w: Float64Array, n: number, d: Float64Array, e: Float64Array): void {
  for (let i = 1; i < n; i++) e[i - 1] = e[i]!;
  e[n - 1] = 0;

  let f = 0;
  let tst1 = 0;
  for (let l = 0; l < n; l++) {
    tst1 = Math.max(tst1, Math.abs(d[l]!) + Math.abs(e[l]!));
    let m = l;
    while (m < n - 1 && Math.abs(e[m]!) > EPSILON * tst1) m++;

    if (m > l) {
      let iterations = 0;
      do {
        if (++iterations > MAX_QL_ITERATIONS) {
          throw new SquashError(
            'INTERNAL',
            `symmetricEigen: eigenvalue ${l} of ${n} did not converge in ${MAX_QL_ITERATIONS} QL iterations`,
          );
        }
        let g = d[l]!;
        let p = (d[l + 1]! - g) / (2 * e[l]!);
        let r = hypot(p, 1);
        if (p < 0) r = -r;
        d[l] = e[l]! / (p + r);
        d[l + 1] = e[l]! * (p + r);
        const dl1 = d[l + 1]!;
        let h = g - d[l]!;
        for (let i = l + 2; i < n; i++) d[i] = d[i]! - h;
        f += h;

        p = d[m]!;
        let c = 1;
        let c2 = c;
        let c3 = c;
        const el1 = e[l + 1]!;
        let s = 0;
        let s2 = 0;
        for (let i = m - 1; i >= l; i--) {
          c3 = c2;
          c2 = c;
          s2 = s;
          g = c * e[i]!;
          h = c * p;
          r = hypot(p, e[i]!);
          e[i + 1] = s * r;
          s = e[i]! / r;
          c = p / r;
          p = c * d[i]! - s * g;
          d[i + 1] = h + s * (c * g + s * d[i]!);
          const lower = i * n;
          const upper = lower + n;
          for (let k = 0; k < n; k++) {
            const a = w[upper + k]!;
            const b = w[lower + k]!;
            w[upper + k] = s * b + c * a;
            w[lower + k] = c * b - s * a;
          }
        }
        p = (-s * s2 * c3 * el1 * e[l]!) / dl1;
        e[l] = s * p;
        d[l] = c * p;
      } while (Math.abs(e[l]!) > EPSILON * tst1);
    }
    d[l] = d[l]! + f;
    e[l] = 0;
  }
}

function sortDescending(w: Float64Array, n: number, d: Float64Array): SymmetricEigen {
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => d[b]! - d[a]! || a - b);
  const values = new Float64Array(n);
  const vectors = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    const source = order[j]! * n;
    values[j] = d[order[j]!]!;
    let largest = 0;
    for (let k = 1; k < n; k++) {
      if (Math.abs(w[source + k]!) > Math.abs(w[source + largest]!)) largest = k;
    }
    const sign = w[source + largest]! < 0 ? -1 : 1;
    const target = j * n;
    for (let k = 0; k < n; k++) vectors[target + k] = sign * w[source + k]!;
  }
  return { values, vectors };
}

/** sqrt(a² + b²) without overflow or underflow. */
function hypot(a: number, b: number): number {
  const x = Math.abs(a);
  const y = Math.abs(b);
  const big = Math.max(x, y);
  if (big === 0) return 0;
  const t = Math.min(x, y) / big;
  return big * Math.sqrt(1 + t * t);
}
