/**
 * `npm run bench:build-scale-lambda`: the dataset of `bench:build-scale` built through the local stack's
 * builder fan-out (`squash build --on-lambda`) into the stack's S3, then searched through its Function
 * URL, with recall@10 against the ground truth `bench:build-scale` saved beside the data.
 *
 *   npx tsx scripts/bench/build-scale-lambda.ts --data /path/to/syn10m --partitions 256 \
 *     [--concurrency 2] [--memory-budget 3008MiB] [--queries 100] [--search-options '{"partitionFactor":1.4}']
 *     [--cdk-out cdk.out] (a cloud assembly inside the project, synthesized when stale)
 *     [--s3-directory DIR [--search-only]] (keep the stack's objects; search a previous run's index again)
 *
 * The input is uploaded to the stack's bucket first (a multipart upload of 512 MiB parts, as S3 needs for
 * objects over 5 GB; the local S3 server keeps objects
 * on disk under --s3-directory, default a temporary directory). Prints a table and writes
 * bench-results/build-scale-lambda.json; exits non-zero when the build fails or recall@10 < 0.95.
 */
import { spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { readFvecs, readIvecs } from '../../shared/data/index.ts';
import { searchUrl } from '../client/index.ts';
import { startLocalStack } from '../local/index.ts';
import type { FunctionStats } from '../local/lambda-function.ts';

const projectRoot = resolve(import.meta.dirname, '../..');
const log = (line: string) =>
  process.stderr.write(`[build-scale-lambda ${new Date().toISOString().slice(11, 19)}] ${line}\n`);

const { values: args } = parseArgs({
  options: {
    data: { type: 'string' },
    partitions: { type: 'string', default: '256' },
    concurrency: { type: 'string', default: '2' },
    'memory-budget': { type: 'string' },
    queries: { type: 'string', default: '100' },
    'search-options': { type: 'string', default: '{}' },
    's3-directory': { type: 'string' },
    'search-only': { type: 'boolean', default: false },
    'cdk-out': { type: 'string', default: 'cdk.out' },
    out: { type: 'string', default: 'bench-results/build-scale-lambda.json' },
  },
});
if (!args.data)
  throw new Error('--data DIR is required (a dataset of bench:build-scale, with its ground truth)');
const data = resolve(args.data);
const queriesWanted = Number(args.queries);
const k = 10;
const searchOptions = JSON.parse(args['search-options']) as Record<string, unknown>;

const queries = await readFvecs(join(data, 'queries.fvecs'));
const truth = await readIvecs(join(data, `groundtruth-q${queriesWanted}-k${k}.ivecs`));
const input = join(data, 'base.fvecs');
const inputBytes = (await stat(input)).size;

const stack = await startLocalStack({
  cdkOut: resolve(projectRoot, args['cdk-out']),
  synth: 'if-stale',
  ...(args['s3-directory'] ? { s3Directory: args['s3-directory'] } : {}),
  onLog: () => {},
});
try {
  const builder = stack.functions.find((fn) => /builder/i.test(fn.name));
  if (!builder) throw new Error('the stack has no builder function');
  const index = 'build-scale';
  const built = args['search-only']
    ? (JSON.parse(await readFile(args.out, 'utf8')) as { input: unknown; build: BuildFigures }).build
    : await buildOnLambda(builder.name, builder.memoryMiB ?? 128, index);
  const { summary } = built;
  log(`searching ${queriesWanted} queries through ${stack.searchUrl}`);

  let found = 0;
  let visited = 0;
  const searchStarted = performance.now();
  for (let q = 0; q < queriesWanted; q += 10) {
    const batch = Array.from({ length: Math.min(10, queriesWanted - q) }, (_, i) => ({
      vector: Array.from(queries.vectors.subarray((q + i) * queries.dim, (q + i + 1) * queries.dim)),
    }));
    const answer = await searchUrl(stack.searchUrl, { index, k, queries: batch, options: searchOptions });
    answer.results.forEach((result, i) => {
      const expected = new Set(truth.values.subarray((q + i) * k, (q + i + 1) * k));
      found += result.hits.filter((hit) => expected.has(Number(hit.id))).length;
    });
    visited += answer.stats.partitionsVisited;
  }
  const searchSeconds = (performance.now() - searchStarted) / 1000;
  const recall = found / (queriesWanted * k);
  const result = {
    when: new Date().toISOString(),
    data,
    input: { bytes: inputBytes },
    build: built,
    search: {
      queries: queriesWanted,
      options: searchOptions,
      recallAtK: recall,
      partitionsVisitedPerQuery: visited / queriesWanted,
      seconds: searchSeconds,
    },
  };
  await mkdir(resolve(args.out, '..'), { recursive: true });
  await writeFile(args.out, `${JSON.stringify(result, null, 2)}\n`);
  const rows: [string, string][] = [
    [
      'vectors',
      `${String(summary.count)} × ${String(summary.dim)} (${(inputBytes / 2 ** 30).toFixed(2)} GiB in the stack's S3)`,
    ],
    ['partitions', String(summary.partitions)],
    [
      'builder',
      `${built.builder.memoryMiB} MiB, ${built.builder.invocations} invocations, ${built.builder.errors} errors, peak concurrency ${built.builder.peakConcurrency}`,
    ],
    ['upload to S3', `${built.uploadSeconds.toFixed(1)} s`],
    ['build time (driver)', `${built.seconds.toFixed(1)} s`],
    ['driver peak RSS', `${String(summary.peakRssMiB)} MiB`],
    [`recall@${k} through the Function URL`, `${recall.toFixed(4)} with ${JSON.stringify(searchOptions)}`],
    ['partitions visited / query', (visited / queriesWanted).toFixed(1)],
  ];
  const width = Math.max(...rows.map(([name]) => name.length));
  for (const [name, value] of rows) process.stdout.write(`${name.padEnd(width)}  ${value}\n`);
  if (recall < 0.95) {
    process.stderr.write(`build-scale-lambda failed: recall@${k} ${recall.toFixed(4)}; expected ≥ 0.95\n`);
    process.exitCode = 1;
  }
} finally {
  await stack.stop();
}

interface BuildFigures {
  readonly uploadSeconds: number;
  readonly seconds: number;
  readonly summary: Record<string, unknown>;
  readonly builder: FunctionStats;
}

/** Uploads the input to the stack's bucket and builds it there with `squash build --on-lambda`. */
async function buildOnLambda(builderName: string, memoryMiB: number, index: string): Promise<BuildFigures> {
  const inputKey = 'inputs/build-scale.fvecs';
  log(`uploading ${(inputBytes / 2 ** 30).toFixed(2)} GiB to s3://${stack.bucket}/${inputKey}`);
  const uploadStarted = performance.now();
  const s3 = new S3Client({
    requestChecksumCalculation: 'WHEN_REQUIRED',
    endpoint: stack.s3Endpoint,
    forcePathStyle: true,
    region: stack.env.AWS_REGION,
    credentials: {
      accessKeyId: stack.env.AWS_ACCESS_KEY_ID,
      secretAccessKey: stack.env.AWS_SECRET_ACCESS_KEY,
    },
  });
  await uploadInParts(s3, stack.bucket, inputKey, input, inputBytes);
  const uploadSeconds = (performance.now() - uploadStarted) / 1000;
  log(`uploaded in ${uploadSeconds.toFixed(0)} s; building on the builder (${builderName})`);
  const started = performance.now();
  const summary = await runCli(
    [
      'build',
      '--on-lambda',
      '--builder-function',
      builderName,
      '--concurrency',
      args.concurrency,
      '--vectors',
      `s3://${stack.bucket}/${inputKey}`,
      '--partitions',
      args.partitions,
      '--out',
      `s3://${stack.bucket}/indexes/${index}`,
      '--memory-budget',
      args['memory-budget'] ?? `${memoryMiB}MiB`,
    ],
    { ...stack.env },
  );
  const seconds = (performance.now() - started) / 1000;
  log(`built in ${seconds.toFixed(0)} s`);
  return { uploadSeconds, seconds, summary, builder: stack.stats(builderName) };
}

/** `squash build …` as a child process; resolves with its JSON summary (the last stdout line). */
function runCli(argv: string[], env: Record<string, string>): Promise<Record<string, unknown>> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(process.execPath, [join(projectRoot, 'bin/squash.js'), ...argv], {
      cwd: projectRoot,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let stdout = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`squash build --on-lambda exited with ${code}`));
      else resolveRun(JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, unknown>);
    });
  });
}

/** A file as one object, uploaded in 512 MiB parts streamed from disk. */
async function uploadInParts(s3: S3Client, bucket: string, key: string, path: string, size: number) {
  const partBytes = 512 * 2 ** 20;
  const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
  const parts: { ETag: string; PartNumber: number }[] = [];
  for (let start = 0, number = 1; start < size; start += partBytes, number++) {
    const end = Math.min(size, start + partBytes);
    const { ETag } = await s3.send(
      new UploadPartCommand({
        Bucket: bucket,
        Key: key,
        UploadId,
        PartNumber: number,
        Body: createReadStream(path, { start, end: end - 1 }),
        ContentLength: end - start,
      }),
    );
    parts.push({ ETag: ETag!, PartNumber: number });
  }
  await s3.send(
    new CompleteMultipartUploadCommand({
      Bucket: bucket,
      Key: key,
      UploadId,
      MultipartUpload: { Parts: parts },
    }),
  );
}
