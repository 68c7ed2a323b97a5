import { writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { parseNpy, parseNpyHeader, readNpy } from '../../../shared/data/index.ts';
import { InvalidInputError } from '../../../shared/errors/index.ts';
import { useTempDir } from './temp-dir.ts';

/** An .npy file as NumPy writes it: the dict padded with spaces so the data starts at a multiple of 64. */
function npy(dict: string, data: Uint8Array, major = 1): Uint8Array {
  const prefix = major === 1 ? 10 : 12;
  const unpadded = prefix + dict.length + 1;
  const header = `${dict}${' '.repeat((64 - (unpadded % 64)) % 64)}\n`;
  const out = new Uint8Array(prefix + header.length + data.byteLength);
  out.set([0x93, ...new TextEncoder().encode('NUMPY'), major, 0]);
  const view = new DataView(out.buffer);
  if (major === 1) view.setUint16(8, header.length, true);
  else view.setUint32(8, header.length, true);
  out.set(new TextEncoder().encode(header), prefix);
  out.set(data, prefix + header.length);
  return out;
}

const dict = (descr: string, shape: string, fortran = 'False') =>
  `{'descr': '${descr}', 'fortran_order': ${fortran}, 'shape': ${shape}, }`;

const bytesOf = (array: ArrayBufferView) => new Uint8Array(array.buffer, array.byteOffset, array.byteLength);

describe('.npy', () => {
  const temp = useTempDir();
  const values = Float32Array.from({ length: 12 }, (_, i) => i * 0.5 - 2);

  it('reads float32, uint8 and float64 2-D C-order arrays', async () => {
    await writeFile(temp.path('f4.npy'), npy(dict('<f4', '(3, 4)'), bytesOf(values)));
    expect(await readNpy(temp.path('f4.npy'))).toEqual({ vectors: values, n: 3, dim: 4 });

    const pixels = Uint8Array.from({ length: 6 }, (_, i) => i * 50);
    await writeFile(temp.path('u1.npy'), npy(dict('|u1', '(2, 3)'), pixels));
    expect(await readNpy(temp.path('u1.npy'))).toEqual({ vectors: Float32Array.from(pixels), n: 2, dim: 3 });

    await writeFile(temp.path('f8.npy'), npy(dict('<f8', '(3, 4)'), bytesOf(Float64Array.from(values))));
    expect((await readNpy(temp.path('f8.npy'))).vectors).toEqual(values);

    await writeFile(temp.path('v2.npy'), npy(dict('<f4', '(3, 4)'), bytesOf(values), 2));
    expect((await readNpy(temp.path('v2.npy'))).vectors).toEqual(values);
    expect(parseNpy(npy(dict('<f4', '(3,4)'), bytesOf(values)), 'mem.npy').vectors).toEqual(values);
  });

  it('honours a limit', async () => {
    await writeFile(temp.path('limit.npy'), npy(dict('<f4', '(3, 4)'), bytesOf(values)));
    expect(await readNpy(temp.path('limit.npy'), { limit: 2 })).toEqual({
      vectors: values.subarray(0, 8),
      n: 2,
      dim: 4,
    });
  });

  it('parses the header NumPy writes', () => {
    const header = parseNpyHeader(npy(dict('<f4', '(1000, 128)'), new Uint8Array(0)), 'h.npy');
    expect(header).toEqual({ descr: '<f4', shape: [1000, 128], dataOffset: 128 });
  });

  it('rejects other dtypes, Fortran order and other shapes, saying what it expected', () => {
    const reject = (bytes: Uint8Array) => () => parseNpy(bytes, 'x.npy');
    expect(reject(npy(dict('>f4', '(3, 4)'), bytesOf(values)))).toThrow(
      new InvalidInputError(
        "`x.npy` holds dtype '>f4'; expected float32 ('<f4'), uint8 ('|u1') or float64 ('<f8'), little-endian",
      ),
    );
    expect(reject(npy(dict('<i8', '(3, 4)'), new Uint8Array(96)))).toThrow("holds dtype '<i8'");
    expect(reject(npy(dict('<f4', '(3, 4)', 'True'), bytesOf(values)))).toThrow(
      '`x.npy` is stored in Fortran (column-major) order; expected C order (save np.ascontiguousarray(x))',
    );
    expect(reject(npy(dict('<f4', '(12,)'), bytesOf(values)))).toThrow(
      '`x.npy` has shape (12,); expected a 2-D array (vectors, dimension)',
    );
    expect(reject(npy(dict('<f4', '(1, 3, 4)'), bytesOf(values)))).toThrow(
      'has shape (1, 3, 4); expected a 2-D array',
    );
    expect(
      reject(npy("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (3,), }", new Uint8Array(12))),
    ).toThrow("without a simple 'descr'");
  });

  it('rejects truncated files and files that are not .npy', async () => {
    const whole = npy(dict('<f4', '(3, 4)'), bytesOf(values));
    await writeFile(temp.path('cut.npy'), whole.subarray(0, whole.byteLength - 5));
    await expect(readNpy(temp.path('cut.npy'))).rejects.toThrow(
      `\`${temp.path('cut.npy')}\` is truncated: shape (3, 4) of float32 needs 48 data bytes after the 128-byte header, but the file has 43`,
    );
    expect(() => parseNpy(whole.subarray(0, 40), 'head.npy')).toThrow(
      '`head.npy` is truncated: its header needs bytes 0..128, but the file ends at byte 40',
    );
    await writeFile(temp.path('header-cut.npy'), whole.subarray(0, 30));
    await expect(readNpy(temp.path('header-cut.npy'))).rejects.toThrow('its header needs bytes 0..128');
    expect(() => parseNpy(new TextEncoder().encode('PK\x03\x04 a zip file'), 'x.npz')).toThrow(
      '`x.npz` is not an .npy file (it does not start with \\x93NUMPY)',
    );
  });
});
