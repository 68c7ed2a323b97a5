/**
 * Issue 13: a build from a Parquet file (vector column, attribute columns, id column) equals the build
 * from the same data as .fvecs + JSON Lines, object for object and byte for byte, through the CLI's
 * `runBuild` with the same seed and options. The manifest records the build's `createdAt` (and CURRENT
 * pins the manifest's hash), so both builds run with the clock frozen at the same instant; nothing
 * else may differ.
 */
import { writeFile } from 'node:fs/promises';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runBuild } from '../../../scripts/cli/build-command.ts';
import { writeFvecs } from '../../../shared/data/index.ts';
import { generateDataset } from '../../../shared/synthetic/index.ts';
import { buildFrozen, filesUnder } from '../../support/frozen-build.ts';
import { DOUBLE, FLOAT, list, parquetBytes, STRING, scalar } from './parquet-fixtures.ts';
import { useTempDir } from './temp-dir.ts';

const count = 3000;
const dim = 24;
const options = ['--partitions', '6', '--seed', '5', '--bits-per-dim', '3', '--kmeans-iterations', '8'];

describe('squash build from Parquet', () => {
  const temp = useTempDir();
  afterEach(() => {
    vi.restoreAllMocks();
    vi.useRealTimers();
  });

  it('equals the build from the same data as .fvecs + JSON Lines, byte for byte', async () => {
    const data = generateDataset({ count, dim, seed: 41, clusters: 12 });
    const synthetic = data.attributes!;
    const ids = Array.from({ length: count }, (_, i) => `doc-${(i * 7919) % 100_003}`);
    // Missing values: no score on every 7th row, no category on every 11th (row 0 has all, so that JSON
    // Lines' first-seen attribute order is the column order); rows without tags are missing tags too.
    const rows = Array.from({ length: count }, (_, i) => {
      const row = synthetic.row(i);
      return {
        u: row.u,
        category: i % 11 === 5 ? null : row.category,
        tags: row.tags,
        score: i % 7 === 3 ? null : row.score,
      };
    });

    await writeFvecs(temp.path('base.fvecs'), data.vectors, count, dim);
    const lines = rows.map((row, i) => {
      const present = Object.entries(row).filter(([, value]) => value !== null);
      return JSON.stringify({ id: ids[i], ...Object.fromEntries(present) });
    });
    await writeFile(temp.path('attributes.jsonl'), `${lines.join('\n')}\n`);

    const vectors = Array.from({ length: count }, (_, i) => [
      ...data.vectors.subarray(i * dim, (i + 1) * dim),
    ]);
    await writeFile(
      temp.path('input.parquet'),
      parquetBytes(
        [
          scalar('id', ids, STRING),
          list('embedding', vectors, FLOAT),
          scalar(
            'u',
            rows.map((r) => r.u),
            DOUBLE,
          ),
          scalar(
            'category',
            rows.map((r) => r.category),
            STRING,
          ),
          list(
            'tags',
            rows.map((r) => r.tags),
            STRING,
          ),
          scalar(
            'score',
            rows.map((r) => r.score),
            DOUBLE,
          ),
        ],
        { rowGroupSize: 700 },
      ),
    );

    const fromVecs = await buildFrozen([
      '--vectors',
      temp.path('base.fvecs'),
      '--attributes',
      temp.path('attributes.jsonl'),
      '--out',
      temp.path('index-vecs'),
      ...options,
    ]);
    const fromParquet = await buildFrozen([
      '--vectors',
      temp.path('input.parquet'),
      '--out',
      temp.path('index-parquet'),
      ...options,
    ]);

    expect(fromParquet.attributes).toEqual(['u', 'category', 'tags', 'score']);
    const same = { location: '', seconds: 0, peakRssMiB: 0 };
    expect({ ...fromParquet, ...same }).toEqual({ ...fromVecs, ...same });
    const expected = await filesUnder(temp.path('index-vecs'));
    const actual = await filesUnder(temp.path('index-parquet'));
    expect([...actual.keys()]).toEqual([...expected.keys()]);
    expect([...expected.keys()]).toEqual(
      expect.arrayContaining([
        'CURRENT',
        'v1/manifest.json',
        'v1/ids.bin',
        'v1/attributes.bin',
        'v1/partitions/5.bin',
      ]),
    );
    for (const [key, bytes] of expected) {
      expect(actual.get(key)!.equals(bytes), key).toBe(true);
    }
    const manifest = JSON.parse(expected.get('v1/manifest.json')!.toString('utf8'));
    expect(manifest).toMatchObject({ count, dim, externalIdKind: 'string' });

    // The same columns named explicitly (and a schema declaring the kinds) give the same index again.
    await writeFile(
      temp.path('schema.json'),
      JSON.stringify({
        attributes: [
          { name: 'u', kind: 'number' },
          { name: 'category', kind: 'category' },
          { name: 'tags', kind: 'tags' },
          { name: 'score', kind: 'number' },
        ],
      }),
    );
    await buildFrozen([
      '--vectors',
      temp.path('input.parquet'),
      '--vector-column',
      'embedding',
      '--id-column',
      'id',
      '--schema',
      temp.path('schema.json'),
      '--out',
      temp.path('index-named'),
      ...options,
    ]);
    const named = await filesUnder(temp.path('index-named'));
    for (const [key, bytes] of expected) expect(named.get(key)!.equals(bytes), key).toBe(true);
  });

  it('refuses Parquet-only flags without a Parquet file, and --attributes with one', async () => {
    await expect(
      runBuild([
        '--vectors',
        'x.fvecs',
        '--vector-column',
        'v',
        '--partitions',
        '2',
        '--out',
        temp.path('no'),
      ]),
    ).rejects.toThrow('--vector-column needs --vectors FILE.parquet; received x.fvecs');
    await expect(
      runBuild([
        '--vectors',
        'x.parquet',
        '--attributes',
        'a.jsonl',
        '--partitions',
        '2',
        '--out',
        temp.path('no'),
      ]),
    ).rejects.toThrow('--attributes does not apply to --vectors FILE.parquet');
    await expect(
      runBuild(['--vectors', 'x.npy', '--schema', 's.json', '--partitions', '2', '--out', temp.path('no')]),
    ).rejects.toThrow('--schema needs --attributes or --vectors FILE.parquet');
  });
});
