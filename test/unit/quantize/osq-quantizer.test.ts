import { describe, expect, it } from 'vitest';
import { IndexFormatError, InvalidInputError } from '../../../shared/errors/errors.ts';
import { kltTransform } from '../../../shared/quantize/klt.ts';
import { readCode } from '../../../shared/quantize/osq-codes.ts';
import { OsqQuantizer } from '../../../shared/quantize/osq-quantizer.ts';
import { correlatedVectors } from './correlated-data.ts';

const n = 600;
const dim = 24;
const vectors = correlatedVectors(n, dim, 8);
const quantizer = OsqQuantizer.train(vectors, n, dim, { bitsPerVector: 4 * dim, seed: 5 });

const sum = (bits: Uint8Array): number => bits.reduce((s, b) => s + b, 0);

describe('OsqQuantizer', () => {
  it('spends the whole budget, energy-first, and sizes its codes from it', () => {
    const { bits } = quantizer.params;
    expect(sum(bits)).toBe(96);
    expect(quantizer.codeBytes).toBe(12);
    expect(quantizer.binaryBytes).toBe(3);
    expect(quantizer.dim).toBe(dim);
    for (let d = 1; d < dim; d++) expect(bits[d]!).toBeLessThanOrEqual(bits[d - 1]!);
  });

  it('is deterministic: the same seed gives identical parameters and bytes', () => {
    const again = OsqQuantizer.train(vectors, n, dim, { bitsPerVector: 4 * dim, seed: 5 });
    expect(again.params.bits).toEqual(quantizer.params.bits);
    expect(again.params.boundaries).toEqual(quantizer.params.boundaries);
    expect(again.params.klt.components).toEqual(quantizer.params.klt.components);
    expect(again.encode(vectors, n)).toEqual(quantizer.encode(vectors, n));
  });

  it('encodes every coordinate into its cell and decodes to the cell midpoint', () => {
    const { osq, binary } = quantizer.encode(vectors, n);
    expect(osq.length).toBe(12 * n);
    expect(binary.length).toBe(3 * n);
    const { boundaries, boundaryOffsets } = quantizer.params;
    const z = new Float64Array(dim);
    const decoded = new Float64Array(dim);
    let error = 0;
    let energy = 0;
    for (let r = 0; r < n; r++) {
      kltTransform(quantizer.params.klt, vectors, r * dim, z);
      quantizer.decode(osq, n, r, decoded);
      for (let d = 0; d < dim; d++) {
        const at = boundaryOffsets[d]! + readCode(osq, n, quantizer.layout, r, d);
        expect(boundaries[at]!).toBeLessThanOrEqual(z[d]!);
        expect(z[d]!).toBeLessThanOrEqual(boundaries[at + 1]!);
        expect(decoded[d]).toBe((boundaries[at]! + boundaries[at + 1]!) / 2);
        expect((binary[r * 3 + (d >>> 3)]! >>> (7 - (d & 7))) & 1).toBe(z[d]! > 0 ? 1 : 0);
        error += (decoded[d]! - z[d]!) ** 2;
        energy += z[d]! ** 2;
      }
    }
    // 4 bits per dimension on average: the reconstruction keeps > 98 % of the energy.
    expect(error / energy).toBeLessThan(0.02);
  });

  it('encodes unseen vectors with clamping and rebuilds identically from its params', () => {
    const unseen = correlatedVectors(50, dim, 99);
    const rebuilt = new OsqQuantizer(quantizer.params);
    expect(rebuilt.encode(unseen, 50)).toEqual(quantizer.encode(unseen, 50));
  });

  it('caps cells at the vector count and bits at 8 when the budget exceeds capacity', () => {
    const small = OsqQuantizer.train(vectors.subarray(0, 20 * dim), 20, dim, {
      bitsPerVector: 8 * dim,
      seed: 1,
    });
    expect(Array.from(small.params.bits)).toEqual(new Array(dim).fill(4)); // 16 cells ≤ 20 vectors < 32
    const saturated = OsqQuantizer.train(vectors, n, dim, { bitsPerVector: 8 * dim + 10, seed: 1 });
    expect(Array.from(saturated.params.bits)).toEqual(new Array(dim).fill(8));
    expect(saturated.codeBytes).toBe(dim);
  });

  it('rejects bad vectors and inconsistent parameters with typed errors', () => {
    expect(() => quantizer.encode(vectors, n - 1)).toThrow(
      new InvalidInputError(
        `vectors to encode: expected ${n - 1} × ${dim} = ${(n - 1) * dim} values, got ${n * dim}`,
      ),
    );
    const { boundaries, boundaryOffsets } = quantizer.params;
    expect(() => new OsqQuantizer({ ...quantizer.params, boundaries: boundaries.subarray(1) })).toThrow(
      IndexFormatError,
    );
    const unsorted = boundaries.slice();
    unsorted[boundaryOffsets[0]! + 1] = 1e9;
    expect(() => new OsqQuantizer({ ...quantizer.params, boundaries: unsorted })).toThrow(
      "OSQ quantizer parameters: dimension 0's boundaries are not finite and ascending at index 2",
    );
    const bits = quantizer.params.bits.slice();
    const last = dim - 1;
    bits[last] = bits[last]! + 1;
    expect(() => new OsqQuantizer({ ...quantizer.params, bits })).toThrow(
      `OSQ quantizer parameters: dimension ${last} has ${boundaryOffsets[dim]! - boundaryOffsets[last]!} boundaries, ` +
        `expected ${(1 << bits[last]!) + 1}`,
    );
    bits[0] = 9;
    expect(() => new OsqQuantizer({ ...quantizer.params, bits })).toThrow(
      'OSQ quantizer parameters: dimension 0 has 9 bits, at most 8 are allowed',
    );
    expect(() => quantizer.decode(new Uint8Array(12), 1, 1, new Float64Array(dim))).toThrow(
      'row 1 of 1 is out of range',
    );
  });
});
