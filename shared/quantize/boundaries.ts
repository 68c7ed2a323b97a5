/**
 * Per-dimension scalar quantiser boundaries: equal-population quantiles, refined by Lloyd–Max.
 * Cell i is [b[i], b[i+1]); the last cell also holds b[cells]. Values outside [b[0], b[cells]] are
 * clamped into the first or last cell.
 *
 * Design decisions:
 * - The values are sorted once and carry prefix sums of x and x² (shifted by the mean, which keeps the
 *   x² sums well conditioned). A Lloyd iteration then finds each cell's members with one binary search
 *   and its mean and squared error from the prefix sums: O(cells · log n), not O(n).
 * - Boundaries are float32 values throughout (rounded down; the last one up), so the partition Lloyd–Max
 *   measures is the one the stored boundaries give, and b[0] ≤ min, b[cells] ≥ max hold exactly for
 *   float64 training values. Rounding a midpoint can move a value lying within one float32 ulp of it to
 *   the farther centre; that costs at most ~1e-7 of one value's error.
 * - An empty cell gets a fresh reconstruction point drawn uniformly in [min, max] from the seeded RNG (the
 *   reference used an unseeded one). Adding a point never raises nearest-neighbour distortion, so each
 *   iteration's distortion is still at most the previous one's (up to that rounding).
 * - Stop rule as in the reference: after `maxIterations` or when an iteration improves the distortion
 *   by less than `relativeTolerance` of the previous value.
 */
import { InvalidInputError } from '../errors/errors.ts';
import { createRng } from '../random.ts';
import { float32Above, float32Below } from './float32-rounding.ts';

export interface BoundaryOptions {
  /** Seeds the re-seeding of empty cells. */
  readonly seed: number;
  /** Lloyd–Max iterations at most; 0 returns the quantile initialisation. @default 250 */
  readonly maxIterations?: number;
  /** Stop once an iteration lowers the distortion by less than this fraction. @default 0.005 */
  readonly relativeTolerance?: number;
  /** Called with each iteration's total squared error (of the boundaries it starts from). */
  readonly onIteration?: (iteration: number, distortion: number) => void;
}

export const MAX_LLOYD_ITERATIONS = 250;
export const LLOYD_RELATIVE_TOLERANCE = 0.005;

/** Returns `cells + 1` ascending boundaries with [0] ≤ min(values) and [cells] ≥ max(values). */
export function trainBoundaries(
  values: Float64Array | Float32Array,
  cells: number,
  options: BoundaryOptions,
): Float32Array {
  const maxIterations = options.maxIterations ?? MAX_LLOYD_ITERATIONS;
  const tolerance = options.relativeTolerance ?? LLOYD_RELATIVE_TOLERANCE;
  if (!Number.isInteger(cells) || cells < 1) {
    throw new InvalidInputError(`boundaries need a positive integer cell count, got ${cells}`);
  }
  if (!Number.isInteger(maxIterations) || maxIterations < 0) {
    throw new InvalidInputError(`maxIterations must be a non-negative integer, got ${maxIterations}`);
  }
  if (!(tolerance >= 0)) throw new InvalidInputError(`relativeTolerance must be ≥ 0, got ${tolerance}`);
  const n = values.length;
  if (n === 0) throw new InvalidInputError('boundaries need at least 1 training value, got 0');
  const sorted = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const x = values[k]!;
    if (!Number.isFinite(x)) throw new InvalidInputError(`training value ${k} is not finite: ${x}`);
    sorted[k] = x;
  }
  sorted.sort();

  // Every boundary is a float32 value from the start, so the partition Lloyd–Max measures is exactly
  // the one the stored boundaries produce.
  const b = new Float64Array(cells + 1);
  b[0] = float32Below(sorted[0]!);
  b[cells] = float32Above(sorted[n - 1]!);
  for (let j = 1; j < cells; j++) b[j] = float32Below(sorted[Math.min(n - 1, Math.ceil((j * n) / cells))]!);
  if (cells > 1 && maxIterations > 0) lloydMax(sorted, b, cells, maxIterations, tolerance, options);
  return Float32Array.from(b);
}

/** The cell of x: the largest i in 0..cells-1 with boundaries[offset + i] ≤ x (0 below the range). */
export function cellOf(boundaries: Float32Array, offset: number, cells: number, x: number): number {
  let lo = 0;
  let hi = cells - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (boundaries[offset + mid]! <= x) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

function lloydMax(
  sorted: Float64Array,
  b: Float64Array,
  cells: number,
  maxIterations: number,
  tolerance: number,
  options: BoundaryOptions,
): void {
  const n = sorted.length;
  const min = sorted[0]!;
  const max = sorted[n - 1]!;
  let shift = 0;
  for (let k = 0; k < n; k++) shift += sorted[k]!;
  shift /= n;
  const sum1 = new Float64Array(n + 1);
  const sum2 = new Float64Array(n + 1);
  for (let k = 0; k < n; k++) {
    const y = sorted[k]! - shift;
    sum1[k + 1] = sum1[k]! + y;
    sum2[k + 1] = sum2[k]! + y * y;
  }

  const rng = createRng(options.seed);
  const centres = new Float64Array(cells);
  let previous = Number.POSITIVE_INFINITY;
  for (let iteration = 0; iteration < maxIterations; iteration++) {
    let distortion = 0;
    let reseeded = false;
    let start = 0;
    for (let i = 0; i < cells; i++) {
      const end = i === cells - 1 ? n : lowerBound(sorted, b[i + 1]!, start);
      const count = end - start;
      if (count > 0) {
        const s1 = sum1[end]! - sum1[start]!;
        const error = sum2[end]! - sum2[start]! - (s1 * s1) / count;
        centres[i] = shift + s1 / count;
        if (error > 0) distortion += error;
      } else {
        centres[i] = min + rng.next() * (max - min);
        reseeded = true;
      }
      start = end;
    }
    options.onIteration?.(iteration, distortion);
    if (reseeded) centres.sort();
    for (let j = 1; j < cells; j++) b[j] = float32Below((centres[j - 1]! + centres[j]!) / 2);
    if (distortion === 0 || Math.abs(previous - distortion) < tolerance * previous) return;
    previous = distortion;
  }
}

/** The first index k ≥ from with sorted[k] ≥ x (sorted.length if none). */
function lowerBound(sorted: Float64Array, x: number, from: number): number {
  let lo = from;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
