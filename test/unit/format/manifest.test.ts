import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { IndexFormatError } from '../../../shared/errors/index.ts';
import { decodeManifest, encodeManifest, parseManifest } from '../../../shared/format/index.ts';
import { sampleVersion } from './sample-manifest.ts';

const WHAT = 'v1/manifest.json';

// biome-ignore lint/suspicious/noExplicitAny: the tests below edit arbitrary paths of a JSON document
type Json = Record<string, any>;

/** A deep copy of the sample manifest as plain JSON, edited by `edit`. */
function edited(edit: (json: Json) => void): unknown {
  const json = JSON.parse(JSON.stringify(sampleVersion().manifest));
  edit(json);
  return json;
}

describe('manifest', () => {
  it('round-trips through bytes', () => {
    const { manifest } = sampleVersion();
    const decoded = decodeManifest(encodeManifest(manifest), WHAT);
    expect(decoded).toEqual(manifest);
    expect(decoded.objects.partitions[1]!.sections.vectors).toEqual(
      manifest.objects.partitions[1]!.sections.vectors,
    );
  });

  it('keeps extra build parameters and drops unknown top-level fields', () => {
    const parsed = parseManifest(
      edited((json) => {
        json.build.partitionTolerance = 0.1;
        json.someFutureField = true;
      }),
      WHAT,
    );
    expect(parsed.build.partitionTolerance).toBe(0.1);
    expect('someFutureField' in parsed).toBe(false);
  });

  it('names the field that does not match', () => {
    const cases: [(json: Json) => void, string][] = [
      [(json) => (json.objects.partitions[1].bytes = '12'), 'objects.partitions[1].bytes: '],
      [(json) => (json.metric = 'manhattan'), 'metric: '],
      [(json) => delete json.dim, 'dim: '],
      [(json) => (json.version = 0), 'version: '],
      [(json) => (json.createdAt = 'yesterday'), 'createdAt: '],
      [(json) => (json.objects.centroids.crc32c = -1), 'objects.centroids.crc32c: '],
      [(json) => (json.schema.attributes[0].name = ''), 'schema.attributes[0].name: '],
      [(json) => (json.build.seed = 1.5), 'build.seed: '],
    ];
    for (const [edit, field] of cases) {
      const error = (() => {
        try {
          parseManifest(edited(edit), WHAT);
        } catch (caught) {
          return caught;
        }
      })();
      expect(error).toBeInstanceOf(IndexFormatError);
      expect(
        (error as Error).message.startsWith(`manifest \`${WHAT}\` is invalid: ${field}`),
        (error as Error).message,
      ).toBe(true);
    }
  });

  it('checks that the parts agree', () => {
    expect(() =>
      parseManifest(
        edited((json) => (json.partitions = 3)),
        WHAT,
      ),
    ).toThrow('manifest `v1/manifest.json` is invalid: objects.partitions: lists 2 partitions; expected 3');
    expect(() =>
      parseManifest(
        edited((json) => (json.count = 6)),
        WHAT,
      ),
    ).toThrow('objects.partitions: partition counts sum to 5; expected count 6');
    expect(() =>
      parseManifest(
        edited((json) => (json.storedDim = 3)),
        WHAT,
      ),
    ).toThrow('storedDim: is 3; expected at least dim 4');
    expect(() =>
      parseManifest(
        edited((json) => (json.objects.partitions[0].sections.vectors.length = 1e6)),
        WHAT,
      ),
    ).toThrow(/objects\.partitions\[0\]\.sections\.vectors: needs bytes \d+\.\.\d+ of a \d+-byte object/);
    expect(() =>
      parseManifest(
        edited((json) => {
          json.schema.attributes.push({ name: 'price', kind: 'category' });
          json.attributeDictionaries.push(['a']);
        }),
        WHAT,
      ),
    ).toThrow('schema.attributes[1].name: "price" is declared twice');
    expect(() =>
      parseManifest(
        edited((json) => json.attributeDictionaries.push([])),
        WHAT,
      ),
    ).toThrow('attributeDictionaries: has 2 dictionaries; expected one per attribute (1)');
  });

  it('says when the format version is not one this build reads', () => {
    expect(() =>
      parseManifest(
        edited((json) => (json.formatVersion = 7)),
        WHAT,
      ),
    ).toThrow('`v1/manifest.json` has format version 7; this build reads 2');
    expect(() =>
      parseManifest(
        edited((json) => (json.formatVersion = 1)),
        WHAT,
      ),
    ).toThrow(
      '`v1/manifest.json` has format version 1, whose manifest carries no checksum (its dictionaries, schema and quantizer cannot be verified); this build reads format version 2: rebuild the index',
    );
    expect(() =>
      parseManifest(
        edited((json) => (json.formatVersion = '1')),
        WHAT,
      ),
    ).toThrow('manifest `v1/manifest.json` is invalid: formatVersion: ');
  });

  it('rejects what is not a manifest at all', () => {
    expect(() => parseManifest([], WHAT)).toThrow(
      'manifest `v1/manifest.json` is an array; expected a JSON object',
    );
    expect(() => parseManifest({ format: 'parquet' }, WHAT)).toThrow(
      '`v1/manifest.json` is not a squash index manifest (format "parquet"; expected "squash-index")',
    );
    expect(() => decodeManifest(new TextEncoder().encode('{"format": '), WHAT)).toThrow(
      /^manifest `v1\/manifest\.json` is not valid UTF-8 JSON: /,
    );
    expect(() => decodeManifest(Uint8Array.from([0xff, 0xfe]), WHAT)).toThrow(IndexFormatError);
  });

  it('carries a SHA-256 of its content as its last member', () => {
    const text = new TextDecoder().decode(encodeManifest(sampleVersion().manifest));
    const { checksum, ...content } = JSON.parse(text);
    expect(Object.keys(JSON.parse(text)).at(-1)).toBe('checksum');
    expect(checksum).toBe(
      `sha256:${createHash('sha256')
        .update(`${JSON.stringify(content, null, 2)}\n`)
        .digest('hex')}`,
    );
    expect(text).toBe(`${JSON.stringify({ ...content, checksum }, null, 2)}\n`);
  });

  it('refuses a changed value, naming both checksums', () => {
    const text = new TextDecoder().decode(encodeManifest(sampleVersion().manifest));
    const edits: [string, string][] = [
      ['"price"', '"prise"'],
      ['"count": 5', '"count": 6'],
      ['"seed": 1', '"seed": 2'],
    ];
    for (const [from, to] of edits) {
      expect(text).toContain(from);
      expect(() => decodeManifest(new TextEncoder().encode(text.replace(from, to)), WHAT)).toThrow(
        /^manifest `v1\/manifest\.json` fails its checksum \(its content changed after it was written\): stored sha256:[0-9a-f]{64}, computed sha256:[0-9a-f]{64}$/,
      );
    }
  });

  it('refuses any byte that differs from how it was written, even with the same values', () => {
    const text = new TextDecoder().decode(encodeManifest(sampleVersion().manifest));
    const reformatted = [
      text.replace('{\n  "format"', '{\n   "format"'),
      `${text}\n`,
      text.replace(/\n$/, ''),
      `\ufeff${text}`,
      text.replace('"count": 5', '"count": 5.0'),
      text.replace('"squash-index"', '"squash\\u002dindex"'),
    ];
    for (const edited of reformatted) {
      const error = (() => {
        try {
          decodeManifest(new TextEncoder().encode(edited), WHAT);
        } catch (caught) {
          return caught;
        }
      })();
      expect(error, edited.slice(0, 40)).toBeInstanceOf(IndexFormatError);
    }
    expect(() =>
      decodeManifest(new TextEncoder().encode(text.replace('"count": 5', '"count": 5.0')), WHAT),
    ).toThrow('manifest `v1/manifest.json` is not byte for byte as written: at character');
  });

  it('refuses a manifest without a checksum, or with a malformed one', () => {
    const json = JSON.parse(new TextDecoder().decode(encodeManifest(sampleVersion().manifest)));
    const { checksum: _, ...content } = json;
    const bytes = (value: unknown) => new TextEncoder().encode(`${JSON.stringify(value, null, 2)}\n`);
    expect(() => decodeManifest(bytes(content), WHAT)).toThrow(
      'manifest `v1/manifest.json` has no checksum member; expected "checksum": "sha256:<64 hex digits>"',
    );
    expect(() => decodeManifest(bytes({ ...content, checksum: 'crc32c:00000000' }), WHAT)).toThrow(
      'manifest `v1/manifest.json` has checksum "crc32c:00000000"; expected "sha256:<64 hex digits>"',
    );
  });

  it('refuses to encode an invalid manifest', () => {
    const { manifest } = sampleVersion();
    expect(() => encodeManifest({ ...manifest, count: 99 })).toThrow(IndexFormatError);
  });
});
