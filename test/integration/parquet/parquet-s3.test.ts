/**
 * Issue 13: a Parquet input in S3 is read by byte range. Against the project's local S3 server (loopback,
 * real HTTP), every GET the reader sends carries a `Range` header and is answered 206, and reading the
 * vector column and one small attribute column fetches a fraction of a file whose bulk is a column that
 * is not needed. `squash build --vectors s3://bucket/key.parquet` goes through the shared S3 client
 * (AWS_ENDPOINT_URL_S3, SQUASH_S3_FORCE_PATH_STYLE) and builds the same index, byte for byte, as the
 * same file read from disk.
 */

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type S3Server, startS3Server } from '../../../scripts/local/s3-server.ts';
import { readParquet } from '../../../shared/data/parquet-reader.ts';
import { createRng } from '../../../shared/random.ts';
import { S3BlobStore, sharedS3Client } from '../../../shared/store/index.ts';
import { generateDataset } from '../../../shared/synthetic/index.ts';
import { buildFrozen, filesUnder } from '../../support/frozen-build.ts';
import { pathStyleS3Client } from '../../support/path-style-s3-client.ts';
import { DOUBLE, FLOAT, list, parquetBytes, STRING, scalar } from '../../unit/data/parquet-fixtures.ts';

const BUCKET = 'squash-parquet';
const KEY = 'inputs/docs.parquet';
const count = 1500;
const dim = 32;

interface Request {
  readonly command: string;
  readonly range: string | undefined;
  readonly status: number;
}

/** Records every request the client sends: its command, Range header and the answer's status. */
function recordRequests(client: S3Client): Request[] {
  const requests: Request[] = [];
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      requests.push({
        command: String(context.commandName),
        range: (args.request as { headers: Record<string, string | undefined> }).headers.range,
        status: (result.response as { statusCode: number }).statusCode,
      });
      return result;
    },
    { step: 'finalizeRequest', name: 'recordParquetRequests' },
  );
  return requests;
}

/** Bytes a `bytes=a-b` header asks for. */
function rangeLength(range: string): number {
  const match = /^bytes=(\d+)-(\d+)$/.exec(range);
  if (!match) throw new Error(`unexpected Range header ${range}`);
  return Number(match[2]) - Number(match[1]) + 1;
}

describe('Parquet input in S3', () => {
  let server: S3Server;
  let client: S3Client;
  let dir: string;
  let bytes: Uint8Array;
  const variables = {
    AWS_ENDPOINT_URL_S3: undefined as string | undefined,
    SQUASH_S3_FORCE_PATH_STYLE: 'true',
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
  };
  const saved = Object.fromEntries(Object.keys(variables).map((name) => [name, process.env[name]]));

  beforeAll(async () => {
    server = await startS3Server({ buckets: [BUCKET] });
    client = pathStyleS3Client(server.endpoint);
    dir = await mkdtemp(join(tmpdir(), 'squash-parquet-s3-'));
    const data = generateDataset({ count, dim, seed: 9, clusters: 6, attributes: false });
    // The bulk of the file: incompressible text no build here reads.
    const rng = createRng(3);
    const notes = Array.from({ length: count }, () =>
      Array.from({ length: 1500 }, () => rng.int(36).toString(36)).join(''),
    );
    bytes = parquetBytes(
      [
        list(
          'embedding',
          Array.from({ length: count }, (_, i) => [...data.vectors.subarray(i * dim, (i + 1) * dim)]),
          FLOAT,
        ),
        scalar(
          'price',
          Array.from({ length: count }, (_, i) => (i % 13 === 0 ? null : i / 4)),
          DOUBLE,
        ),
        scalar('notes', notes, STRING),
      ],
      { rowGroupSize: 500 },
    );
    await writeFile(join(dir, 'docs.parquet'), bytes);
    await new S3BlobStore({ bucket: BUCKET, client }).put(KEY, bytes);
  });

  afterAll(async () => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    client?.destroy();
    await server?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('reads only the footer and the needed column chunks, by ranged GETs', async () => {
    const requests = recordRequests(client);
    const store = new S3BlobStore({ bucket: BUCKET, client });
    const input = await readParquet({ store, key: KEY }, { attributeColumns: ['price'] });
    const local = await readParquet(join(dir, 'docs.parquet'), { attributeColumns: ['price'] });

    expect(input.vectors).toEqual(local.vectors);
    expect(input.vectors.n).toBe(count);
    expect(input.attributes!.valueOf(13, 0)).toBeUndefined();
    expect(input.attributes!.valueOf(14, 0)).toBe(3.5);
    const gets = requests.filter((r) => r.command === 'GetObjectCommand');
    expect(requests.map((r) => r.command).sort()).toEqual(
      [...gets.map(() => 'GetObjectCommand'), 'HeadObjectCommand'].sort(),
    );
    // The footer, then per row group the chunks of `embedding` and `price` (coalesced when adjacent).
    expect(gets.length).toBeGreaterThanOrEqual(1 + 3);
    for (const get of gets) {
      expect(get.range).toMatch(/^bytes=\d+-\d+$/);
      expect(get.status).toBe(206);
    }
    const fetched = gets.reduce((sum, get) => sum + rangeLength(get.range!), 0);
    const vectorBytes = count * dim * 4;
    expect(bytes.byteLength).toBeGreaterThan(count * 1500 * 0.6 + vectorBytes);
    expect(fetched).toBeGreaterThan(vectorBytes);
    expect(fetched).toBeLessThan(bytes.byteLength / 3);
  });

  it('builds from s3://bucket/key.parquet through the shared client, as from the same file on disk', async () => {
    Object.assign(process.env, { ...variables, AWS_ENDPOINT_URL_S3: server.endpoint });
    const requests = recordRequests(sharedS3Client());
    const options = [
      '--attribute-columns',
      'price',
      '--partitions',
      '4',
      '--seed',
      '2',
      '--kmeans-iterations',
      '6',
    ];

    await buildFrozen(['--vectors', `s3://${BUCKET}/${KEY}`, '--out', join(dir, 'from-s3'), ...options]);
    await buildFrozen(['--vectors', join(dir, 'docs.parquet'), '--out', join(dir, 'from-disk'), ...options]);

    const gets = requests.filter((r) => r.command === 'GetObjectCommand');
    expect(gets.length).toBeGreaterThan(0);
    expect(gets.every((get) => get.range !== undefined && get.status === 206)).toBe(true);
    // The staged build reads the vector column twice (its sample pass and its assign pass) and the
    // footer at each task, and never the file's bulk, an unread text column.
    expect(gets.reduce((sum, get) => sum + rangeLength(get.range!), 0)).toBeLessThan(bytes.byteLength / 2);
    const expected = await filesUnder(join(dir, 'from-disk'));
    const actual = await filesUnder(join(dir, 'from-s3'));
    expect([...actual.keys()].sort()).toEqual([...expected.keys()].sort());
    expect(expected.size).toBeGreaterThanOrEqual(4 + 4);
    for (const [key, content] of expected) expect(actual.get(key)!.equals(content), key).toBe(true);
  });
});
