/**
 * Energy-based non-uniform bit allocation: a greedy over dimensions that hands out one bit at a time
 * to the dimension with the highest remaining energy (first one on ties), then divides that energy by
 * 4 (one more bit cuts a Gaussian's quantisation distortion about 4×).
 *
 * Design decisions:
 * - Cells are powers of two, so a dimension's cell count is 2^bits, at most 2^8 = 256.
 * - A dimension that reaches its cap (`maxBitsPerDim`, or the largest 2^b ≤ `maxCells`) leaves the
 *   candidate set WITHOUT being charged; the reference charged the budget for it (bug B2), which left
 *   Σbits short of the budget. Here Σbits is exactly min(budget, D · cap).
 */
import { InvalidInputError } from '../errors/errors.ts';

export interface BitAllocationOptions {
  /** Most bits one dimension may get, 0..8. @default 8 */
  readonly maxBitsPerDim?: number;
  /** Most cells one dimension may get (the training vector count: more cells than vectors is waste). @default unlimited */
  readonly maxCells?: number;
}

export function allocateBits(
  energies: Float64Array,
  budgetBits: number,
  options: BitAllocationOptions = {},
): Uint8Array {
  const maxBitsPerDim = options.maxBitsPerDim ?? 8;
  const maxCells = options.maxCells ?? Number.POSITIVE_INFINITY;
  if (!Number.isInteger(budgetBits) || budgetBits < 0) {
    throw new InvalidInputError(`bit budget must be a non-negative integer, got ${budgetBits}`);
  }
  if (!Number.isInteger(maxBitsPerDim) || maxBitsPerDim < 0 || maxBitsPerDim > 8) {
    throw new InvalidInputError(`maxBitsPerDim must be an integer in 0..8, got ${maxBitsPerDim}`);
  }
  if (!(maxCells >= 1)) throw new InvalidInputError(`maxCells must be at least 1, got ${maxCells}`);
  const dims = energies.length;
  const energy = new Float64Array(dims);
  for (let d = 0; d < dims; d++) {
    const value = energies[d]!;
    if (!(value >= 0) || value === Number.POSITIVE_INFINITY) {
      throw new InvalidInputError(`energy of dimension ${d} must be finite and ≥ 0, got ${value}`);
    }
    energy[d] = value;
  }

  let cap = 0;
  while (cap < maxBitsPerDim && 2 ** (cap + 1) <= maxCells) cap++;
  const bits = new Uint8Array(dims);
  let budget = Math.min(budgetBits, dims * cap);
  if (cap === 0) return bits;

  // Candidates are kept in an unordered list; removal swaps in the last one, so ties compare indices.
  const active = new Uint32Array(dims);
  for (let d = 0; d < dims; d++) active[d] = d;
  let activeCount = dims;
  while (budget > 0) {
    let bestSlot = 0;
    let best = active[0]!;
    for (let slot = 1; slot < activeCount; slot++) {
      const d = active[slot]!;
      if (energy[d]! > energy[best]! || (energy[d] === energy[best] && d < best)) {
        best = d;
        bestSlot = slot;
      }
    }
    bits[best] = bits[best]! + 1;
    energy[best] = energy[best]! / 4;
    budget--;
    if (bits[best] === cap) active[bestSlot] = active[--activeCount]!;
  }
  return bits;
}
