import { describe, expect, it } from 'vitest';
import { createRng } from '../../../shared/random.ts';
import { fastScanCodes, fastScanSums } from '../../../shared/search/fast-scan/fast-scan.ts';
import { shortlistKeys, shortlistOf, shortlistOfSums } from '../../../shared/search/shortlist.ts';
import { TopK } from '../../../shared/search/top-k.ts';

/** The heap's answer: the `size` smallest (bound, index), ascending. */
function byHeap(bounds: Float32Array, count: number, size: number) {
  const heap = new TopK(Math.min(size, count));
  for (let i = 0; i < count; i++) heap.push(bounds[i]!, i);
  const indices = new Float64Array(size);
  const out = new Float64Array(size);
  const n = heap.drainAscending(indices, out);
  return { indices: Array.from(indices.subarray(0, n)), bounds: Array.from(out.subarray(0, n)) };
}

describe('shortlistOf', () => {
  it('gives the heap shortlist, ties by index, on random, tied, sorted and reversed bounds', () => {
    const rng = createRng(21);
    for (let trial = 0; trial < 300; trial++) {
      const count = 1 + rng.int(700);
      const size = rng.int(80);
      const bounds = new Float32Array(count);
      const kind = trial % 4;
      for (let i = 0; i < count; i++) {
        if (kind === 0) bounds[i] = rng.next() * 1000;
        else if (kind === 1)
          bounds[i] = rng.int(5); // many ties, zeros included
        else if (kind === 2) bounds[i] = i * 0.5;
        else bounds[i] = (count - i) * 0.25;
      }
      const bits = new Uint32Array(bounds.buffer);
      const indices = new Float64Array(size);
      const out = new Float64Array(size);
      const n = shortlistOf(bounds, bits, count, size, shortlistKeys(count), new TopK(0), indices, out);
      expect({ indices: Array.from(indices.subarray(0, n)), bounds: Array.from(out.subarray(0, n)) }).toEqual(
        byHeap(bounds, count, size),
      );
    }
  });

  it('with a cut, lists the heap shortlist up to the cut and leaves out only rows above it', () => {
    const rng = createRng(22);
    for (let trial = 0; trial < 300; trial++) {
      const count = 1 + rng.int(700);
      const size = 1 + rng.int(80);
      const bounds = new Float32Array(count);
      for (let i = 0; i < count; i++) bounds[i] = trial % 2 ? rng.int(50) : rng.next() * 1000;
      const cut = trial % 2 ? rng.int(60) : rng.next() * 1100;
      const bits = new Uint32Array(bounds.buffer);
      const indices = new Float64Array(size);
      const out = new Float64Array(size);
      const n = shortlistOf(bounds, bits, count, size, shortlistKeys(count), new TopK(0), indices, out, cut);
      const heap = byHeap(bounds, count, size);
      const atMostCut = heap.bounds.filter((bound) => bound <= cut).length;
      // The listed rows are the heap's first n; every heap row at or below the cut is among them.
      expect(n).toBeGreaterThanOrEqual(atMostCut);
      expect(Array.from(indices.subarray(0, n))).toEqual(heap.indices.slice(0, n));
      if (n < Math.min(size, count)) {
        const listed = new Set(Array.from(indices.subarray(0, n)));
        for (let i = 0; i < count; i++) if (!listed.has(i)) expect(bounds[i]).toBeGreaterThan(cut);
      }
    }
  });
});

/** Fast-scan sums of random 4-bit codes (`rows` × `dims`) against random gaps. */
function randomSums(rows: number, dims: number, seed: number) {
  const rng = createRng(seed);
  const pairs = Uint8Array.from({ length: (rows * dims) / 2 }, () => rng.int(256));
  // Few distinct gaps, so that many rows tie.
  const gaps = Float64Array.from({ length: dims * 16 }, () => rng.int(4) * rng.next() * 10);
  return fastScanSums(fastScanCodes(pairs, dims / 2, rows, dims), gaps)!;
}

describe('shortlistOfSums', () => {
  it('lists what shortlistOf lists for the same bounds, of whole partitions and of row lists, with and without a cut', () => {
    const rng = createRng(23);
    for (let trial = 0; trial < 200; trial++) {
      const rows = 1 + rng.int(900);
      const dims = [8, 16, 32, 300][trial % 4]!;
      const fastScan = randomSums(rows, dims, trial);
      const chosen =
        trial % 3 === 0 ? Uint32Array.from({ length: 1 + rng.int(rows) }, () => rng.int(rows)) : null;
      const count = chosen ? chosen.length : rows;
      const size = 1 + rng.int(80);
      const bounds = Float32Array.from({ length: count }, (_, i) =>
        Math.fround(fastScan.sums[chosen ? chosen[i]! : i]! * fastScan.step),
      );
      const cut = trial % 2 ? Number.POSITIVE_INFINITY : bounds[rng.int(count)]! * (0.5 + rng.next());
      const expected = byHeap(bounds, count, size);
      const indices = new Float64Array(size);
      const out = new Float64Array(size);
      const n = shortlistOfSums(fastScan, chosen, count, size, new TopK(0), indices, out, cut);
      const atMostCut = expected.bounds.filter((bound) => bound <= cut).length;
      expect(n).toBeGreaterThanOrEqual(atMostCut);
      expect(Array.from(indices.subarray(0, n))).toEqual(expected.indices.slice(0, n));
      expect(Array.from(out.subarray(0, n))).toEqual(expected.bounds.slice(0, n));
      if (n < Math.min(size, count)) {
        const listed = new Set(Array.from(indices.subarray(0, n)));
        for (let i = 0; i < count; i++) if (!listed.has(i)) expect(bounds[i]).toBeGreaterThan(cut);
      }
    }
  });
});
