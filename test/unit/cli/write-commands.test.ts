/**
 * `squash upsert`, `squash delete` and `squash compact` as a user runs them (`node bin/squash.js …` in a
 * child process): through a URL — a scripted server on 127.0.0.1 that records every request — and in
 * process on an index built by `squash build`, checked by searching it.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { writeFvecs } from '../../../shared/data/index.ts';
import { generateDataset } from '../../../shared/synthetic/index.ts';

const run = promisify(execFile);
const bin = resolve(import.meta.dirname, '../../../bin/squash.js');

async function squash(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [bin, ...args], { maxBuffer: 64 << 20 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

const lastLine = (stdout: string) => JSON.parse(stdout.trim().split('\n').at(-1)!);

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'squash-writes-cli-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('write commands through a URL', () => {
  interface Seen {
    readonly path: string;
    readonly body: Record<string, unknown>;
  }
  type Reply = (body: Record<string, unknown>, response: ServerResponse) => void;
  let server: Server;
  let url: string;
  let seen: Seen[];
  /** Replies for the next requests, in order; after them every write is applied at the next sequence. */
  let replies: Reply[];
  let sequence: number;

  const count = 1234;
  const dim = 4;
  const vectors = Float32Array.from({ length: count * dim }, (_, i) => Math.fround(Math.sin(i) * 10));

  const send = (response: ServerResponse, status: number, body: unknown) => {
    response.writeHead(status, { 'content-type': 'application/json' });
    response.end(JSON.stringify(body));
  };
  const applied: Reply = (body, response) => {
    sequence++;
    send(response, 200, {
      index: body.index,
      sequence,
      upserted: Array.isArray(body.vectors) ? body.vectors.length : 0,
      deleted: Array.isArray(body.ids) ? body.ids.length : 0,
      ...(body.filter === undefined ? {} : { deletedByFilter: true }),
      replayed: false,
    });
  };

  beforeAll(async () => {
    server = createServer((request: IncomingMessage, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        seen.push({ path: request.url ?? '', body });
        (replies.shift() ?? applied)(body, response);
      });
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    await writeFvecs(join(dir, 'url.fvecs'), vectors, count, dim);
    const rows = Array.from({ length: count }, (_, i) =>
      JSON.stringify({ id: i, color: i % 2 ? 'red' : 'blue' }),
    );
    await writeFile(join(dir, 'url.jsonl'), `${rows.join('\n')}\n`);
  });
  afterAll(() => new Promise<void>((done) => server.close(() => done())));
  beforeEach(() => {
    seen = [];
    replies = [];
    sequence = 0;
  });

  const upsertArgs = () => [
    'upsert',
    '--url',
    url,
    '--index',
    'docs',
    '--vectors',
    join(dir, 'url.fvecs'),
    '--attributes',
    join(dir, 'url.jsonl'),
  ];

  it('upserts 1,234 vectors as batches of 500/500/234 with tokens PREFIX-1..3 and prints a summary', async () => {
    const { code, stdout, stderr } = await squash(...upsertArgs(), '--token', 'load');
    expect([code, stderr.includes('upserting vectors: 1234/1234')]).toEqual([0, true]);
    expect(seen.map((request) => request.path)).toEqual(['/upsert', '/upsert', '/upsert']);
    expect(seen.map((request) => (request.body.vectors as unknown[]).length)).toEqual([500, 500, 234]);
    expect(seen.map((request) => request.body.token)).toEqual(['load-1', 'load-2', 'load-3']);
    const sent = seen.flatMap(
      (request) => request.body.vectors as { id: number; vectorBase64: string; attributes: unknown }[],
    );
    expect(sent.map((row) => row.id)).toEqual(Array.from({ length: count }, (_, i) => i));
    expect(sent[7]!.attributes).toEqual({ color: 'red' });
    const decoded = new Float32Array(count * dim);
    sent.forEach((row, i) => {
      const bytes = Buffer.from(row.vectorBase64, 'base64');
      decoded.set(new Float32Array(bytes.buffer, bytes.byteOffset, dim), i * dim);
    });
    expect(decoded).toEqual(vectors);
    expect(lastLine(stdout)).toMatchObject({
      index: 'docs',
      vectors: count,
      batches: 3,
      sequence: 3,
      replayedBatches: 0,
      token: 'load',
    });
    expect(lastLine(stdout).vectorsPerSecond).toBeGreaterThan(0);
  });

  it("retries a 503 with the same token; a 400 stops the run with exit code 1 and the server's message", async () => {
    replies = [
      (_, response) => send(response, 503, { code: 'UPSTREAM', message: 'log busy' }),
      applied,
      (_, response) =>
        send(response, 400, {
          code: 'INVALID_QUERY',
          message: 'vectors[3].attributes: unknown attribute `color`',
        }),
    ];
    const { code, stdout, stderr } = await squash(...upsertArgs(), '--token', 'load2');
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(seen.map((request) => request.body.token)).toEqual(['load2-1', 'load2-1', 'load2-2']);
    expect(stderr).toContain('squash: warning: request with token load2-1 failed');
    expect(stderr).toContain(
      `squash: upsert failed at batch 2 of 3: POST ${url}upsert answered 400 INVALID_QUERY: vectors[3].attributes: unknown attribute \`color\`\n` +
        '1 of 3 batches were applied (the last at log sequence 1); once the cause is fixed, the same command with --token load2 sends the rest',
    );
  });

  it('a random token prefix when none is given, named in the summary', async () => {
    const { code, stdout, stderr } = await squash(...upsertArgs(), '--batch', '400', '--concurrency', '2');
    expect(code, stderr).toBe(0);
    const { token } = lastLine(stdout);
    expect(token).toMatch(/^[0-9a-f-]{36}$/);
    expect(seen.map((request) => request.body.token).sort()).toEqual(
      [1, 2, 3, 4].map((n) => `${token}-${n}`),
    );
    expect(seen.map((request) => (request.body.vectors as unknown[]).length).sort()).toEqual([
      34, 400, 400, 400,
    ]);
    expect(lastLine(stdout)).toMatchObject({ vectors: count, batches: 4, sequence: 4 });
  });

  it('deletes ids from a file in batches of at most 1,000, and by filter in one request', async () => {
    const ids = Array.from({ length: 2500 }, (_, i) => (i % 2 ? `doc-${i}` : String(i)));
    await writeFile(join(dir, 'ids.txt'), `${ids.join('\n')}\n\n`);
    const byIds = await squash(
      'delete',
      '--url',
      url,
      '--index',
      'docs',
      '--ids-file',
      join(dir, 'ids.txt'),
      '--token',
      'del',
    );
    expect(byIds.code).toBe(0);
    expect(seen.map((request) => request.body.token)).toEqual(['del-1', 'del-2', 'del-3']);
    expect(seen.map((request) => (request.body.ids as unknown[]).length)).toEqual([1000, 1000, 500]);
    expect(seen.flatMap((request) => request.body.ids as unknown[])).toEqual(
      ids.map((id, i) => (i % 2 ? id : i)),
    );
    expect(lastLine(byIds.stdout)).toMatchObject({
      index: 'docs',
      ids: 2500,
      batches: 3,
      deleted: 2500,
      sequence: 3,
      token: 'del',
    });

    seen = [];
    const byFilter = await squash(
      'delete',
      '--url',
      url,
      '--index',
      'docs',
      '--filter',
      '{"color":{"$eq":"red"}}',
      '--token',
      'red',
    );
    expect(byFilter.code).toBe(0);
    expect(seen).toEqual([
      { path: '/delete', body: { index: 'docs', filter: { color: { $eq: 'red' } }, token: 'red-1' } },
    ]);
    expect(lastLine(byFilter.stdout)).toMatchObject({
      filter: { color: { $eq: 'red' } },
      batches: 1,
      deleted: 0,
      deletedByFilter: true,
      sequence: 4,
    });
  });

  it('asks for a compaction and prints the 202 answer', async () => {
    replies = [(body, response) => send(response, 202, { index: body.index, compacting: true })];
    const { code, stdout } = await squash('compact', '--url', `${url}search`, '--index', 'docs');
    expect(code).toBe(0);
    expect(seen).toEqual([{ path: '/compact', body: { index: 'docs' } }]);
    expect(JSON.parse(stdout)).toEqual({ index: 'docs', compacting: true });
  });

  it('a usage error prints the usage and exits 2, sending nothing', async () => {
    const { code, stderr } = await squash(
      'delete',
      '--url',
      url,
      '--index',
      'docs',
      '--ids',
      '1',
      '--filter',
      '{}',
    );
    expect(code).toBe(2);
    expect(stderr).toMatch(
      /^squash: give one of --ids, --ids-file or --filter, not several \(received --ids and --filter\)\nusage:/,
    );
    expect(stderr).toContain('  squash delete --url SEARCH_URL --index NAME');
    const badFilter = await squash('delete', '--url', url, '--index', 'docs', '--filter', '{"color":');
    expect(badFilter.code).toBe(2);
    expect(badFilter.stderr).toMatch(/^squash: --filter is not valid JSON: /);
    expect(seen).toEqual([]);
  });

  it('every write command answers --help with its usage and flags', async () => {
    for (const [command, flags] of [
      [
        'upsert',
        ['url', 'index', 'vectors', 'attributes', 'schema', 'batch', 'concurrency', 'token', 'sign'],
      ],
      [
        'delete',
        ['url', 'index', 'ids', 'ids-file', 'filter', 'string-ids', 'batch', 'concurrency', 'token', 'sign'],
      ],
      ['compact', ['url', 'index', 'sign']],
    ] as const) {
      const { code, stdout, stderr } = await squash(command, '--help');
      expect([code, stderr], command).toEqual([0, '']);
      expect(stdout).toMatch(new RegExp(`^usage:\\n {2}squash ${command} --url SEARCH_URL --index NAME`));
      for (const flag of [...flags, 'help']) expect(stdout, command).toMatch(new RegExp(`--${flag}\\b`));
    }
    const overview = await squash('--help');
    for (const command of ['upsert', 'delete', 'compact'])
      expect(overview.stdout).toContain(`  squash ${command} `);
  });
});

describe('write commands in process', () => {
  const count = 300;
  const dim = 8;
  const dataset = generateDataset({ count, dim, seed: 5, clusters: 4 });
  const index = () => join(dir, 'local-index');
  const far = (sign: number) => Array.from({ length: dim }, () => sign * 100);

  beforeAll(async () => {
    await writeFvecs(join(dir, 'local.fvecs'), dataset.vectors, count, dim);
    const rows = Array.from(dataset.attributes!.rows(), (row, i) =>
      JSON.stringify({ id: `sku-${i}`, ...row }),
    );
    await writeFile(join(dir, 'local.jsonl'), `${rows.join('\n')}\n`);
    const built = await squash(
      'build',
      '--vectors',
      join(dir, 'local.fvecs'),
      '--attributes',
      join(dir, 'local.jsonl'),
      '--partitions',
      '2',
      '--out',
      index(),
    );
    expect(built.code, built.stderr).toBe(0);
    await writeFvecs(join(dir, 'new.fvecs'), Float32Array.from([...far(1), ...far(-1)]), 2, dim);
    await writeFile(
      join(dir, 'new.jsonl'),
      `${JSON.stringify({ id: 'new-1', category: 'red' })}\n${JSON.stringify({ id: 'sku-5', category: 'blue', u: 0.5 })}\n`,
    );
    await writeFvecs(
      join(dir, 'probes.fvecs'),
      Float32Array.from([...far(1), ...far(-1), ...dataset.vectors.subarray(5 * dim, 6 * dim)]),
      3,
      dim,
    );
  }, 120_000);

  const nearest = async (...extra: string[]) => {
    const { code, stdout, stderr } = await squash(
      'search',
      '--index',
      index(),
      '--queries',
      join(dir, 'probes.fvecs'),
      '--exact',
      '--k',
      '1',
      ...extra,
    );
    expect(code, stderr).toBe(0);
    return stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line).hits.map((hit: { id: string }) => hit.id));
  };

  it('upserts (insert and replace by id), once per token, and a search sees it', async () => {
    const upsert = [
      'upsert',
      '--index',
      index(),
      '--vectors',
      join(dir, 'new.fvecs'),
      '--attributes',
      join(dir, 'new.jsonl'),
      '--token',
      'up',
    ];
    const first = await squash(...upsert);
    expect(first.code, first.stderr).toBe(0);
    expect(lastLine(first.stdout)).toMatchObject({
      vectors: 2,
      batches: 1,
      sequence: 1,
      replayedBatches: 0,
      token: 'up',
    });
    const again = await squash(...upsert);
    expect(lastLine(again.stdout)).toMatchObject({ sequence: 1, replayedBatches: 1 });
    // The far probes find the new rows; sku-5's old place no longer answers sku-5.
    const [plus, minus, oldPlace] = await nearest();
    expect([plus, minus]).toEqual([['new-1'], ['sku-5']]);
    expect(oldPlace).toHaveLength(1);
    expect(oldPlace).not.toEqual(['sku-5']);
  });

  it('deletes by ids and by filter; searches no longer see the rows', async () => {
    const byIds = await squash('delete', '--index', index(), '--ids', 'new-1', '--token', 'd');
    expect(byIds.code, byIds.stderr).toBe(0);
    expect(lastLine(byIds.stdout)).toMatchObject({ ids: 1, batches: 1, deleted: 1, sequence: 2 });
    const [plus] = await nearest();
    expect(plus).toHaveLength(1);
    expect(plus).not.toEqual(['new-1']);

    const byFilter = await squash('delete', '--index', index(), '--filter', '{"category":{"$eq":"blue"}}');
    expect(byFilter.code, byFilter.stderr).toBe(0);
    expect(lastLine(byFilter.stdout)).toMatchObject({ deleted: 0, deletedByFilter: true, sequence: 3 });
    expect(await nearest('--filter', '{"category":"blue"}')).toEqual([[], [], []]);
  });

  it('refuses a write the index cannot take, with exit code 1 and nothing written', async () => {
    const wrongKind = await squash('delete', '--index', index(), '--ids', '42');
    expect(wrongKind.code).toBe(1);
    expect(wrongKind.stderr).toMatch(/^squash: delete failed at batch 1 of 1: ids\[0\] is number 42/m);
    expect(wrongKind.stderr).toContain('0 of 1 batches were applied;');
    const noIds = await squash(
      'upsert',
      '--index',
      index(),
      '--vectors',
      join(dir, 'new.fvecs'),
      '--attributes',
      join(dir, 'url.jsonl'),
    );
    expect(noIds.code).toBe(1);
    expect(noIds.stderr).toMatch(/url\.jsonl has 1234 rows; expected one per vector \(2 in .*new\.fvecs\)/);
    await writeFile(join(dir, 'no-ids.jsonl'), '{"category":"red"}\n{"category":"red"}\n');
    const missingIds = await squash(
      'upsert',
      '--index',
      index(),
      '--vectors',
      join(dir, 'new.fvecs'),
      '--attributes',
      join(dir, 'no-ids.jsonl'),
    );
    expect([missingIds.code, missingIds.stderr]).toEqual([
      1,
      `squash: ${join(dir, 'no-ids.jsonl')} has no \`id\` field; squash upsert needs the id of every vector (an \`id\` field in each row, as squash build reads them)\n`,
    ]);
    await writeFvecs(
      join(dir, 'nan.fvecs'),
      Float32Array.from([...far(1), ...far(-1)].map((x, i) => (i === 11 ? Number.NaN : x))),
      2,
      dim,
    );
    const nan = await squash(
      'upsert',
      '--index',
      index(),
      '--vectors',
      join(dir, 'nan.fvecs'),
      '--attributes',
      join(dir, 'new.jsonl'),
    );
    expect([nan.code, nan.stderr]).toEqual([
      1,
      `squash: ${join(dir, 'nan.fvecs')} vector 1 has NaN at dimension 3; expected finite values\n`,
    ]);
    const after = await squash('delete', '--index', index(), '--ids', 'sku-9');
    expect(lastLine(after.stdout)).toMatchObject({ sequence: 4 });
  });

  it('compacts in process and prints the summary; searches answer the same after it', async () => {
    const dropped = new Set([5, 9]);
    for (let i = 0; i < count; i++) if (dataset.attributes!.row(i).category === 'blue') dropped.add(i);
    const before = await nearest();
    const { code, stdout, stderr } = await squash('compact', '--index', index());
    expect(code, stderr).toBe(0);
    expect(lastLine(stdout)).toMatchObject({
      previousVersion: 1,
      version: 2,
      logThrough: 4,
      rowsFolded: 0,
      rowsDropped: dropped.size,
      count: count - dropped.size,
    });
    expect(await nearest()).toEqual(before);
    expect(await nearest('--filter', '{"category":"blue"}')).toEqual([[], [], []]);
  });
});
