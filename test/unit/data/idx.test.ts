import { writeFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { parseIdx, readIdxImages, readIdxLabels } from '../../../shared/data/index.ts';
import { InvalidInputError } from '../../../shared/errors/index.ts';
import { useTempDir } from './temp-dir.ts';

/** An IDX file: two zero bytes, the type, the dimension count, big-endian dimensions, data. */
function idx(dims: number[], data: Uint8Array, type = 0x08): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + data.byteLength);
  const view = new DataView(out.buffer);
  out.set([0, 0, type, dims.length]);
  for (const [i, d] of dims.entries()) view.setUint32(4 + 4 * i, d, false);
  out.set(data, 4 + 4 * dims.length);
  return out;
}

describe('IDX', () => {
  const temp = useTempDir();
  const pixels = Uint8Array.from({ length: 3 * 2 * 2 }, (_, i) => (i * 23) % 256);

  it('reads gzipped images as vectors and labels as bytes', async () => {
    await writeFile(temp.path('images.gz'), gzipSync(idx([3, 2, 2], pixels)));
    await writeFile(temp.path('labels.gz'), gzipSync(idx([3], Uint8Array.from([9, 0, 4]))));
    expect(await readIdxImages(temp.path('images.gz'))).toEqual({
      vectors: Float32Array.from(pixels),
      n: 3,
      dim: 4,
    });
    expect(await readIdxLabels(temp.path('labels.gz'))).toEqual(Uint8Array.from([9, 0, 4]));
  });

  it('reads plain (not gzipped) files too', async () => {
    await writeFile(temp.path('images.idx'), idx([3, 2, 2], pixels));
    expect((await readIdxImages(temp.path('images.idx'))).vectors).toEqual(Float32Array.from(pixels));
  });

  it('rejects other element types, wrong sizes and the wrong kind of file', async () => {
    expect(() => parseIdx(idx([3], new Uint8Array(12), 0x0d), 'f.idx')).toThrow(
      new InvalidInputError('`f.idx` holds IDX element type 0x0d (float32); expected 0x08 (unsigned byte)'),
    );
    expect(() => parseIdx(idx([3, 2, 2], pixels.subarray(0, 11)), 'short.idx')).toThrow(
      '`short.idx` has 11 data bytes after its header; dimensions 3 × 2 × 2 need exactly 12',
    );
    expect(() => parseIdx(Uint8Array.from([0x50, 0x4b, 3, 4]), 'x.zip')).toThrow(
      '`x.zip` is not an IDX file',
    );
    expect(() => parseIdx(Uint8Array.from([0, 0, 8, 3, 0, 0]), 'h.idx')).toThrow(
      '`h.idx` is truncated or malformed: 3 dimensions need a 16-byte header, and the file has 6 bytes',
    );
    await writeFile(temp.path('labels-as-images.gz'), gzipSync(idx([3], Uint8Array.from([1, 2, 3]))));
    await expect(readIdxImages(temp.path('labels-as-images.gz'))).rejects.toThrow(
      'has 1 dimensions; expected 3 (images × rows × columns)',
    );
    const broken = gzipSync(idx([3], Uint8Array.from([1, 2, 3]))).subarray(0, 20);
    await writeFile(temp.path('broken.gz'), broken);
    await expect(readIdxLabels(temp.path('broken.gz'))).rejects.toThrow(
      `\`${temp.path('broken.gz')}\` is not a valid gzip file: `,
    );
  });
});
