import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BlobNotFoundError, InvalidInputError, PreconditionFailedError } from '../../shared/errors/index.ts';
import { createRng } from '../../shared/random.ts';
import { type BlobStore, RangeNotSatisfiableError, withPrefix } from '../../shared/store/index.ts';

export interface BlobStoreFixture {
  readonly store: BlobStore;
  readonly cleanup?: () => Promise<void>;
}

/**
 * The behaviour every `BlobStore` must share, runnable against any implementation: call it from a
 * test file with a factory that returns a fresh, empty store (e.g. an S3 bucket prefix per test).
 */
export function describeBlobStoreContract(
  name: string,
  create: () => Promise<BlobStoreFixture> | BlobStoreFixture,
): void {
  describe(`BlobStore contract: ${name}`, () => {
    let fixture: BlobStoreFixture;
    let store: BlobStore;

    beforeEach(async () => {
      fixture = await create();
      store = fixture.store;
    });
    afterEach(async () => {
      await fixture.cleanup?.();
    });

    it('returns exactly the bytes that were put, with the same ETag from put and head', async () => {
      const body = seededBytes(1, 5000);
      const { etag } = await store.put('v1/partitions/0.bin', body);
      expect(await store.get('v1/partitions/0.bin')).toEqual(body);
      expect(await store.head('v1/partitions/0.bin')).toEqual({ size: 5000, etag });
      expect(etag).not.toBe('');
    });

    it('stores an empty object', async () => {
      await store.put('empty', new Uint8Array(0));
      expect(await store.get('empty')).toEqual(new Uint8Array(0));
      expect((await store.head('empty'))?.size).toBe(0);
      expect(await store.getRange('empty', 0, 0)).toEqual(new Uint8Array(0));
    });

    it('serves exact byte ranges', async () => {
      const body = seededBytes(2, 300_001);
      await store.put('big.bin', body);
      const cases: [number, number][] = [
        [0, 1],
        [0, 300_001],
        [1, 7],
        [4096, 65_536],
        [123_457, 100_000],
        [300_000, 1],
        [299_990, 11],
        [17, 0],
        [300_001, 0],
      ];
      for (const [offset, length] of cases) {
        const bytes = await store.getRange('big.bin', offset, length);
        expect(bytes.byteLength, `range ${offset}+${length}`).toBe(length);
        expect(
          firstDifference(bytes, body.subarray(offset, offset + length)),
          `range ${offset}+${length}`,
        ).toBe(-1);
      }
    });

    it('reports the whole object size with a range', async () => {
      await store.put('sized.bin', seededBytes(3, 5000));
      for (const [offset, length] of [
        [0, 1],
        [4999, 1],
        [100, 4900],
        [17, 0],
      ] as const) {
        const { bytes, objectSize } = await store.getRangeWithSize('sized.bin', offset, length);
        expect([bytes.byteLength, objectSize], `range ${offset}+${length}`).toEqual([length, 5000]);
      }
      await expect(store.getRangeWithSize('sized.bin', 4999, 2)).rejects.toThrow(RangeNotSatisfiableError);
      await store.put('p/sized.bin', seededBytes(4, 10));
      expect((await withPrefix(store, 'p').getRangeWithSize('sized.bin', 2, 3)).objectSize).toBe(10);
    });

    it('rejects ranges outside the object with RangeNotSatisfiableError', async () => {
      await store.put('small.bin', seededBytes(3, 100));
      for (const [offset, length] of [
        [0, 101],
        [99, 2],
        [100, 1],
        [500, 10],
        [101, 0],
        [-1, 5],
        [0, -1],
        [1.5, 2],
      ] as const) {
        const attempt = store.getRange('small.bin', offset, length);
        await expect(attempt, `range ${offset}+${length}`).rejects.toThrow(RangeNotSatisfiableError);
      }
      await expect(store.getRange('small.bin', 99, 2)).rejects.toThrow(
        'bytes 99..101 of `small.bin` are past its end (the object has 100 bytes)',
      );
    });

    it('reports a missing key as BlobNotFoundError from get and getRange, undefined from head', async () => {
      await store.put('present', seededBytes(4, 10));
      await expect(store.get('absent')).rejects.toThrow(BlobNotFoundError);
      await expect(store.get('absent')).rejects.toThrow('object `absent` does not exist');
      await expect(store.getRange('absent', 0, 4)).rejects.toThrow(BlobNotFoundError);
      await expect(store.getRange('absent', 0, 0)).rejects.toThrow(BlobNotFoundError);
      expect(await store.head('absent')).toBeUndefined();
      // A "folder" of other keys is not an object.
      await store.put('folder/inner', seededBytes(5, 3));
      await expect(store.get('folder')).rejects.toThrow(BlobNotFoundError);
      expect(await store.head('folder')).toBeUndefined();
    });

    it('overwrites unconditionally and changes the ETag', async () => {
      const first = await store.put('k', seededBytes(6, 64));
      const second = await store.put('k', seededBytes(7, 80));
      expect(second.etag).not.toBe(first.etag);
      expect(await store.get('k')).toEqual(seededBytes(7, 80));
    });

    it('honours ifNoneMatch: "*"', async () => {
      await store.put('CURRENT', text('1'), { ifNoneMatch: '*' });
      const attempt = store.put('CURRENT', text('2'), { ifNoneMatch: '*' });
      await expect(attempt).rejects.toThrow(PreconditionFailedError);
      expect(await store.get('CURRENT')).toEqual(text('1'));
    });

    it('honours ifMatch', async () => {
      const { etag: first } = await store.put('CURRENT', text('1'));
      const { etag: second } = await store.put('CURRENT', text('2'), { ifMatch: first });
      await expect(store.put('CURRENT', text('3'), { ifMatch: first })).rejects.toThrow(
        PreconditionFailedError,
      );
      expect(await store.get('CURRENT')).toEqual(text('2'));
      await store.put('CURRENT', text('4'), { ifMatch: second });
      expect(await store.get('CURRENT')).toEqual(text('4'));
      await expect(store.put('missing', text('x'), { ifMatch: second })).rejects.toThrow(
        PreconditionFailedError,
      );
      expect(await store.head('missing')).toBeUndefined();
    });

    it('lets exactly one of several racing ifNoneMatch writes win', async () => {
      const writes = Array.from({ length: 8 }, (_, i) =>
        store.put('race', text(String(i)), { ifNoneMatch: '*' }).then(
          () => i,
          (error: unknown) => error,
        ),
      );
      const outcomes = await Promise.all(writes);
      const winners = outcomes.filter((outcome) => typeof outcome === 'number');
      expect(winners).toHaveLength(1);
      for (const outcome of outcomes) {
        if (typeof outcome !== 'number') expect(outcome).toBeInstanceOf(PreconditionFailedError);
      }
      expect(await store.get('race')).toEqual(text(String(winners[0])));
    });

    it('lists keys by plain string prefix, sorted', async () => {
      for (const key of ['b/1', 'a/sub/3', 'a/2', 'ab', 'a/1', 'CURRENT']) await store.put(key, text(key));
      expect(await store.list('a/')).toEqual(['a/1', 'a/2', 'a/sub/3']);
      expect(await store.list('a')).toEqual(['a/1', 'a/2', 'a/sub/3', 'ab']);
      expect(await store.list('a/s')).toEqual(['a/sub/3']);
      expect(await store.list('')).toEqual(['CURRENT', 'a/1', 'a/2', 'a/sub/3', 'ab', 'b/1']);
      expect(await store.list('zzz')).toEqual([]);
      expect(await store.list('nope/')).toEqual([]);
    });

    it('lists only the keys after `startAfter`', async () => {
      for (const key of ['log/01', 'log/02', 'log/03', 'logs', 'v1/x']) await store.put(key, text(key));
      expect(await store.list('log/', 'log/01')).toEqual(['log/02', 'log/03']);
      expect(await store.list('log/', 'log/03')).toEqual([]);
      expect(await store.list('log/', 'log/')).toEqual(['log/01', 'log/02', 'log/03']);
      expect(await store.list('log', 'log/02')).toEqual(['log/03', 'logs']);
    });

    it('deletes keys, and deleting a missing key is not an error', async () => {
      await store.put('d/1', text('x'));
      await store.put('d/2', text('y'));
      await store.delete('d/1');
      await store.delete('d/1');
      await store.delete('never');
      expect(await store.list('d/')).toEqual(['d/2']);
      await expect(store.get('d/1')).rejects.toThrow(BlobNotFoundError);
    });

    it('does not let callers alias stored bytes', async () => {
      const body = seededBytes(8, 32);
      await store.put('alias', body);
      body.fill(0);
      const read = await store.get('alias');
      expect(read).toEqual(seededBytes(8, 32));
      read.fill(1);
      expect(await store.get('alias')).toEqual(seededBytes(8, 32));
    });

    it('rejects keys that are not relative /-separated paths', async () => {
      for (const key of ['', '/abs', 'a//b', 'a/', '../up', 'a/../b', 'a/./b', 'back\\slash']) {
        await expect(store.put(key, text('x')), `key ${JSON.stringify(key)}`).rejects.toThrow(
          InvalidInputError,
        );
        await expect(store.get(key)).rejects.toThrow(InvalidInputError);
      }
    });

    it('opens a view under a prefix', async () => {
      const child = withPrefix(store, 'indexes/my-index/');
      expect(child.description.endsWith('/indexes/my-index')).toBe(true);
      expect(child.description.startsWith(store.description.replace(/\/+$/, ''))).toBe(true);
      await child.put('v1/manifest.json', text('{}'));
      await store.put('indexes/other/v1/manifest.json', text('{}'));
      expect(await store.get('indexes/my-index/v1/manifest.json')).toEqual(text('{}'));
      expect(await child.list('')).toEqual(['v1/manifest.json']);
      expect(await child.getRange('v1/manifest.json', 1, 1)).toEqual(text('}'));
      expect((await child.head('v1/manifest.json'))?.size).toBe(2);
      await child.delete('v1/manifest.json');
      expect(await store.list('indexes/')).toEqual(['indexes/other/v1/manifest.json']);
    });
  });
}

export function seededBytes(seed: number, length: number): Uint8Array {
  const rng = createRng(seed);
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = rng.int(256);
  return bytes;
}

/** The first index where `a` and `b` differ (-1 when equal); cheaper than a deep `toEqual` on big arrays. */
export function firstDifference(a: Uint8Array, b: Uint8Array): number {
  const length = Math.min(a.byteLength, b.byteLength);
  for (let i = 0; i < length; i++) if (a[i] !== b[i]) return i;
  return a.byteLength === b.byteLength ? -1 : length;
}

function text(value: string): Uint8Array {
  return new TextEncoder().encode(value);
}
