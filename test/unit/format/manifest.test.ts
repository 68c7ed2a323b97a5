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
    ).toThrow('`v1/manifest.json` has format version 7; this build reads 1');
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

  it('refuses to encode an invalid manifest', () => {
    const { manifest } = sampleVersion();
    expect(() => encodeManifest({ ...manifest, count: 99 })).toThrow(IndexFormatError);
  });
});
