/**
 * The `squash` command line end to end, as a user runs it (`node bin/squash.js …` in a child process):
 * build from .fvecs + JSON Lines, search with filters, JSON-lines output, and clear errors with a
 * non-zero exit for bad input — with nothing half-written.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILD_FLAGS } from '../../../scripts/cli/build-command.ts';
import { writeFvecs } from '../../../shared/data/index.ts';
import { generateDataset, generateQueries } from '../../../shared/synthetic/index.ts';

const run = promisify(execFile);
const bin = resolve(import.meta.dirname, '../../../bin/squash.js');
const count = 2000;
const dim = 16;

async function squash(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [bin, ...args], { maxBuffer: 64 << 20 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('squash CLI', () => {
  let dir: string;
  const dataset = generateDataset({ count, dim, seed: 3, clusters: 8 });
  const queries = generateQueries({ count: 20, dim, seed: 4, fromDataset: { seed: 3, clusters: 8 } });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'squash-cli-'));
    await writeFvecs(join(dir, 'base.fvecs'), dataset.vectors, count, dim);
    await writeFvecs(join(dir, 'queries.fvecs'), queries.vectors, queries.count, dim);
    await writeFvecs(join(dir, 'wrong-dims.fvecs'), queries.vectors.subarray(0, 15 * 4), 4, 15);
    const rows = Array.from(dataset.attributes!.rows(), (row) => JSON.stringify(row));
    await writeFile(join(dir, 'attributes.jsonl'), `${rows.join('\n')}\n`);
  }, 60_000);
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('builds an index and prints a JSON summary last', async () => {
    const { code, stdout, stderr } = await squash(
      'build',
      '--vectors',
      join(dir, 'base.fvecs'),
      '--attributes',
      join(dir, 'attributes.jsonl'),
      '--partitions',
      '4',
      '--out',
      join(dir, 'index'),
    );
    expect(stderr).toContain('quantizing partitions: 4/4');
    expect(code).toBe(0);
    const summary = JSON.parse(stdout.trim().split('\n').at(-1)!);
    expect(summary).toMatchObject({ version: 1, count, dim, partitions: 4, metric: 'l2', bitsPerVector: 64 });
    expect(summary.attributes).toEqual(['u', 'category', 'tags', 'score']);
  });

  it('searches with a filter: one JSON line per query, in order, every hit passing the filter', async () => {
    const { code, stdout } = await squash(
      'search',
      '--index',
      join(dir, 'index'),
      '--queries',
      join(dir, 'queries.fvecs'),
      '--filter',
      '{"category":{"$in":["red","blue"]},"u":{"$lt":0.5}}',
      '--k',
      '5',
    );
    expect(code).toBe(0);
    const lines = stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines.map((line) => line.query)).toEqual(Array.from({ length: 20 }, (_, q) => q));
    for (const line of lines) {
      expect(line.hits).toHaveLength(5);
      for (const hit of line.hits) {
        const row = dataset.attributes!.row(hit.id);
        expect(['red', 'blue']).toContain(row.category);
        expect(row.u).toBeLessThan(0.5);
      }
    }
  });

  it('--exact returns the true nearest neighbours', async () => {
    const { stdout } = await squash(
      'search',
      '--index',
      join(dir, 'index'),
      '--queries',
      join(dir, 'queries.fvecs'),
      '--exact',
      '--k',
      '3',
    );
    const first = JSON.parse(stdout.split('\n')[0]!);
    const query = queries.vectors.subarray(0, dim);
    const truth = Array.from({ length: count }, (_, i) => ({
      id: i,
      distance: Math.sqrt(query.reduce((sum, x, j) => sum + (x - dataset.vectors[i * dim + j]!) ** 2, 0)),
    }))
      .sort((a, b) => a.distance - b.distance)
      .slice(0, 3);
    expect(first.hits.map((hit: { id: number }) => hit.id)).toEqual(truth.map((t) => t.id));
  });

  const errors: [string, string[], RegExp][] = [
    [
      'queries of the wrong dimension',
      ['--queries', 'wrong-dims.fvecs'],
      /vector has 15 dims, the index expects 16/,
    ],
    ['an unknown attribute', ['--filter', '{"colour":"red"}'], /unknown attribute `colour`/],
    ['a malformed filter', ['--filter', '{"u":{"$lt":'], /--filter is not valid JSON/],
    ['an unknown operator', ['--filter', '{"u":{"$near":1}}'], /\$near/],
  ];
  for (const [what, args, message] of errors) {
    it(`rejects ${what} with a clear message and exit code 1`, async () => {
      const resolved = args.map((arg) => (arg.endsWith('.fvecs') ? join(dir, arg) : arg));
      const base = ['search', '--index', join(dir, 'index'), '--queries', join(dir, 'queries.fvecs')];
      const merged = [...base];
      for (let i = 0; i < resolved.length; i += 2) {
        const at = merged.indexOf(resolved[i]!);
        if (at >= 0) merged[at + 1] = resolved[i + 1]!;
        else merged.push(resolved[i]!, resolved[i + 1]!);
      }
      const { code, stderr, stdout } = await squash(...merged);
      expect(code).toBe(1);
      expect(stderr).toMatch(message);
      expect(stdout).toBe('');
    });
  }

  it('refuses --allow-partial for an in-process search (it is always complete) with exit code 2', async () => {
    const { code, stderr, stdout } = await squash(
      'search',
      '--index',
      join(dir, 'index'),
      '--queries',
      join(dir, 'queries.fvecs'),
      '--allow-partial',
    );
    expect(code).toBe(2);
    expect(stderr).toMatch(
      /--allow-partial applies to --url searches \(an in-process search is always complete\)/,
    );
    expect(stdout).toBe('');
  });

  it('rejects a missing index and a corrupted partition object', async () => {
    const missing = await squash(
      'search',
      '--index',
      join(dir, 'nowhere'),
      '--queries',
      join(dir, 'queries.fvecs'),
    );
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no published index/);

    const partition = join(dir, 'index', 'v1', 'partitions', '2.bin');
    const bytes = await readFile(partition);
    bytes[bytes.length - 5] = bytes[bytes.length - 5]! ^ 0xff;
    await writeFile(partition, bytes);
    const corrupted = await squash(
      'search',
      '--index',
      join(dir, 'index'),
      '--queries',
      join(dir, 'queries.fvecs'),
    );
    expect(corrupted.code).toBe(1);
    expect(corrupted.stderr).toMatch(/partitions\/2\.bin.*CRC32C/);
  });

  it('a failed build exits non-zero, names the problem and publishes nothing', async () => {
    await writeFile(join(dir, 'short.jsonl'), '{"u":1}\n{"u":2}\n');
    const { code, stderr } = await squash(
      'build',
      '--vectors',
      join(dir, 'base.fvecs'),
      '--attributes',
      join(dir, 'short.jsonl'),
      '--partitions',
      '4',
      '--out',
      join(dir, 'failed'),
    );
    expect(code).toBe(1);
    expect(stderr).toMatch(/attributes have 2 rows but there are 2000 vectors/);
    expect(existsSync(join(dir, 'failed', 'CURRENT'))).toBe(false);
    expect(existsSync(join(dir, 'failed', 'v1', 'manifest.json'))).toBe(false);
  });

  it('builds from CSV attributes too, typing the columns', async () => {
    const lines = Array.from(dataset.attributes!.rows(), (row) => `${row.u},${row.category},${row.score}`);
    await writeFile(join(dir, 'attributes.csv'), `u,category,score\n${lines.join('\n')}\n`);
    const built = await squash(
      'build',
      '--vectors',
      join(dir, 'base.fvecs'),
      '--attributes',
      join(dir, 'attributes.csv'),
      '--partitions',
      '4',
      '--out',
      join(dir, 'csv-index'),
    );
    expect(built.code).toBe(0);
    expect(JSON.parse(built.stdout.trim().split('\n').at(-1)!).attributes).toEqual([
      'u',
      'category',
      'score',
    ]);
    const { code, stdout } = await squash(
      'search',
      '--index',
      join(dir, 'csv-index'),
      '--queries',
      join(dir, 'queries.fvecs'),
      '--filter',
      '{"category":"green","u":{"$gte":0.5}}',
      '--k',
      '3',
    );
    expect(code).toBe(0);
    for (const line of stdout
      .trim()
      .split('\n')
      .map((text) => JSON.parse(text))) {
      expect(line.hits).toHaveLength(3);
      for (const hit of line.hits) {
        expect(dataset.attributes!.row(hit.id).category).toBe('green');
        expect(dataset.attributes!.row(hit.id).u).toBeGreaterThanOrEqual(0.5);
      }
    }
  });

  it('answers with the ids the input carried (an `id` field in the attribute rows)', async () => {
    const rows = Array.from(dataset.attributes!.rows(), (row, i) =>
      JSON.stringify({ id: `sku-${i}`, ...row }),
    );
    await writeFile(join(dir, 'with-ids.jsonl'), `${rows.join('\n')}\n`);
    const built = await squash(
      'build',
      '--vectors',
      join(dir, 'base.fvecs'),
      '--attributes',
      join(dir, 'with-ids.jsonl'),
      '--partitions',
      '4',
      '--out',
      join(dir, 'ids-index'),
    );
    expect(built.code).toBe(0);
    expect(JSON.parse(built.stdout.trim().split('\n').at(-1)!).attributes).toEqual([
      'u',
      'category',
      'tags',
      'score',
    ]);
    const withIds = await squash(
      'search',
      '--index',
      join(dir, 'ids-index'),
      '--queries',
      join(dir, 'queries.fvecs'),
      '--exact',
      '--k',
      '3',
    );
    withIds.stdout
      .trim()
      .split('\n')
      .forEach((text, q) => {
        const query = queries.vectors.subarray(q * dim, (q + 1) * dim);
        const nearest = Array.from({ length: count }, (_, i) => ({
          id: i,
          distance: query.reduce((sum, x, j) => sum + (x - dataset.vectors[i * dim + j]!) ** 2, 0),
        }))
          .sort((a, b) => a.distance - b.distance)
          .slice(0, 3);
        expect(JSON.parse(text).hits.map((hit: { id: string }) => hit.id)).toEqual(
          nearest.map((n) => `sku-${n.id}`),
        );
      });
  });

  it('`build --help` prints the usage and every flag on stdout and exits 0, like the other commands', async () => {
    for (const args of [
      ['build', '--help'],
      ['build', '-h'],
      ['help', 'build'],
    ]) {
      const { code, stdout, stderr } = await squash(...args);
      expect([code, stderr], args.join(' ')).toEqual([0, '']);
      expect(stdout).toMatch(/^usage:\n {2}squash build --vectors FILE/);
      for (const flag of [...Object.keys(BUILD_FLAGS), 'help'])
        expect(stdout).toMatch(new RegExp(`--${flag}\\b`));
    }
    // Help wins over the rest of the line: nothing is built.
    const withFlags = await squash(
      'build',
      '--vectors',
      'missing.fvecs',
      '--out',
      join(dir, 'never'),
      '--help',
    );
    expect(withFlags.code).toBe(0);
    expect(withFlags.stdout).toMatch(/^usage:/);
    expect(existsSync(join(dir, 'never'))).toBe(false);
    for (const command of ['search', 'local']) {
      const { code, stdout, stderr } = await squash(command, '--help');
      expect([code, stderr], command).toEqual([0, '']);
      expect(stdout).toMatch(new RegExp(`^usage:\\s+squash ${command} `));
    }
    const overview = await squash('--help');
    expect(overview.code).toBe(0);
    for (const command of ['build', 'search', 'local'])
      expect(overview.stdout).toContain(`  squash ${command} `);
  });

  it('an unknown command prints the usage on stderr and exits 2', async () => {
    const { code, stdout, stderr } = await squash('bulid', '--help');
    expect([code, stdout]).toEqual([2, '']);
    expect(stderr).toMatch(/^squash: unknown command `bulid`\nusage:/);
  });

  it('a bad flag prints the usage and exits 2', async () => {
    const { code, stderr } = await squash('build', '--vectors', 'x', '--partitions', 'many', '--out', 'y');
    expect(code).toBe(2);
    expect(stderr).toMatch(/--partitions "many" is not valid; expected a positive integer/);
    expect(stderr).toMatch(/usage:/);
  });
});
