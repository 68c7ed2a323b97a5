import { describe, expect, it } from 'vitest';
import { OsqQuantizer } from '../../../shared/quantize/index.ts';
import { createRng } from '../../../shared/random.ts';

describe('OsqQuantizer.trainAndEncode', () => {
  it('gives the same quantizer and the same bytes as train then encode', () => {
    const rng = createRng(21);
    const n = 300;
    const dim = 20;
    const vectors = Float32Array.from({ length: n * dim }, (_, i) => rng.normal() * (1 + (i % dim)));
    const options = { bitsPerVector: 3 * dim, seed: 4 };
    const together = OsqQuantizer.trainAndEncode(vectors, n, dim, options);
    const quantizer = OsqQuantizer.train(vectors, n, dim, options);
    const separate = quantizer.encode(vectors, n);
    expect(together.quantizer.params).toEqual(quantizer.params);
    expect(together.osq).toEqual(separate.osq);
    expect(together.binary).toEqual(separate.binary);
  });
});
