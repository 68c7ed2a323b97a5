import { describe, expect, it } from 'vitest';
import { serveAllocator } from '../../../functions/allocator/serve-allocator.ts';
import { createRuntime } from '../../../functions/runtime.ts';
import { splitBySize } from '../../../functions/wire/split-by-size.ts';
import { decodeVector, encodeVector } from '../../../functions/wire/vector-base64.ts';
import { InvalidQueryError } from '../../../shared/errors/index.ts';
import { MemoryBlobStore } from '../../../shared/store/index.ts';
import { testConfig } from './test-stack.ts';

describe('base64 float32 vectors', () => {
  it('round-trip bit-exactly, little-endian', () => {
    const vector = Float32Array.from([1, -0, 0.1, 3.4028234663852886e38, 1.401298464324817e-45, -2.5]);
    const text = encodeVector(vector);
    expect(Buffer.from(text, 'base64').subarray(0, 4)).toEqual(Buffer.from([0x00, 0x00, 0x80, 0x3f]));
    const back = decodeVector(text, 'v');
    expect(new Uint8Array(back.buffer)).toEqual(new Uint8Array(vector.buffer));
    expect(Object.is(back[1], -0)).toBe(true);
  });

  it('name the field and the problem for bad input', () => {
    expect(() => decodeVector('AAAA', 'queries[2].vectorBase64')).toThrow(InvalidQueryError);
    expect(() => decodeVector('AAAA', 'queries[2].vectorBase64')).toThrow(
      'queries[2].vectorBase64 decodes to 3 bytes; expected a multiple of 4 (little-endian float32 values)',
    );
    expect(() => decodeVector('AA$A', 'v')).toThrow('v is not base64');
  });
});

describe('splitBySize', () => {
  const size = (n: number) => ({ request: n, response: 10 });
  it('packs consecutive items while request and response stay within the budget', () => {
    expect(splitBySize([30, 30, 30, 50, 10], size, 100, 10)).toEqual([
      [30, 30, 30],
      [50, 10],
    ]);
    // The response bound binds first: 10 + 10·k ≤ 45 holds for 3 items.
    expect(splitBySize([1, 1, 1, 1, 1, 1, 1], (n) => ({ request: n, response: 10 }), 45, 10)).toEqual([
      [1, 1, 1],
      [1, 1, 1],
      [1],
    ]);
    expect(splitBySize([], size, 100, 0)).toEqual([]);
  });

  it('gives an item larger than the budget a chunk of its own', () => {
    expect(splitBySize([10, 500, 10], size, 100, 0)).toEqual([[10], [500], [10]]);
  });
});

describe('allocator payload', () => {
  const runtime = createRuntime(testConfig(), {
    indexStore: () => new MemoryBlobStore(),
    invoker: {
      invoke: () => Promise.reject(new Error('unit tests invoke nothing')),
    },
  });
  const base = {
    index: 'synth',
    version: 1,
    sequence: 0,
    k: 10,
    options: {
      partitionFactor: 1.2,
      matchesFactor: 10,
      rerank: 4,
      hammingKeepPercent: 100,
      pruningDims: 32,
      exact: false,
      includeAttributes: false,
      allowPartial: false,
    },
    tree: { branching: 2, depth: 2 },
    node: { id: 3, level: 1 },
    batchSize: 12,
    deadline: Date.now() + 10_000,
    queries: [6, 7, 8, 9, 10, 11].map((position) => ({ position, vectorBase64: 'AACAPw==', filter: null })),
  };

  it('rejects a node outside the tree, a wrong slice and unknown fields as { error }', async () => {
    expect(await serveAllocator({ ...base, node: { id: 2, level: 1 } }, runtime, Date.now() + 1000)).toEqual({
      error: {
        code: 'INVALID_QUERY',
        message: 'allocator payload: tree node 2 at level 1 is not in the (2, 2) tree of 6 allocators',
      },
    });
    expect(
      await serveAllocator({ ...base, queries: base.queries.slice(1) }, runtime, Date.now() + 1000),
    ).toEqual({
      error: {
        code: 'INVALID_QUERY',
        message:
          'allocator payload: tree node 3 serves positions 6..11 of 12; received 5 queries from position 7',
      },
    });
    expect(await serveAllocator({ ...base, k: '10', extra: true }, runtime, Date.now() + 1000)).toEqual({
      error: {
        code: 'INVALID_QUERY',
        message:
          'allocator payload: `k`: Invalid input: expected number, received string (received "10"); ' +
          'the payload: Unrecognized key: "extra" (received an object)',
      },
    });
  });

  it('answers an unknown index version as INDEX_NOT_FOUND', async () => {
    const leaf = {
      ...base,
      node: { id: 4, level: 2 },
      queries: base.queries.filter((query) => query.position >= 8 && query.position < 10),
    };
    expect(await serveAllocator(leaf, runtime, Date.now() + 1000)).toEqual({
      error: {
        code: 'INDEX_NOT_FOUND',
        message: 'memory:// has no version 1 (`v1/manifest.json` does not exist)',
      },
    });
  });
});
