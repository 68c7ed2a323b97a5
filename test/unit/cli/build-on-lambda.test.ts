/**
 * `squash build --on-lambda` flags (scripts/cli/build-on-lambda.ts): s3:// locations only, the default
 * work location under the index's prefix, and the memory budget from the builder's configuration — read
 * here from a loopback stand-in for Lambda's GetFunctionConfiguration (the only request it answers).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../../scripts/cli/args.ts';
import { DEFAULT_BUILD_CONCURRENCY, lambdaBuild } from '../../../scripts/cli/build-on-lambda.ts';

const OUT = 's3://index-bucket/indexes/docs';
const VECTORS = 's3://data-bucket/docs.fvecs';
const CONFIGURED = 'Configured-builder';

let server: Server;
const saved: Record<string, string | undefined> = {};
const requests: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    if (req.method === 'GET' && req.url === `/2015-03-31/functions/${CONFIGURED}/configuration`) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ FunctionName: CONFIGURED, MemorySize: 2048, Timeout: 300 }));
      return;
    }
    res.writeHead(404, {
      'content-type': 'application/json',
      'x-amzn-errortype': 'ResourceNotFoundException',
    });
    res.end(JSON.stringify({ message: 'Function not found' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const variables = {
    AWS_ENDPOINT_URL_LAMBDA: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    SQUASH_BUILDER_FUNCTION: undefined,
  };
  for (const [name, value] of Object.entries(variables)) {
    saved[name] = process.env[name];
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

afterAll(async () => {
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  await new Promise((resolve) => server.close(resolve));
});

async function usageError(run: Promise<unknown>): Promise<string> {
  const error = await run.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(UsageError);
  return (error as Error).message;
}

describe('squash build --on-lambda', () => {
  it('needs s3:// vectors, output and work, and no --threads', async () => {
    expect(await usageError(lambdaBuild({}, OUT, 'docs.fvecs'))).toBe(
      '--vectors docs.fvecs is not valid with --on-lambda; expected s3://bucket/… (the builder functions read the input)',
    );
    expect(await usageError(lambdaBuild({}, './index', VECTORS))).toMatch(
      /^--out \.\/index is not valid with --on-lambda; expected s3:\/\/bucket\//,
    );
    expect(await usageError(lambdaBuild({ work: '/tmp/work' }, OUT, VECTORS))).toMatch(
      /^--work \/tmp\/work is not valid with --on-lambda/,
    );
    expect(await usageError(lambdaBuild({ threads: '2' }, OUT, VECTORS))).toBe(
      '--threads does not apply with --on-lambda: use --concurrency (builder invocations)',
    );
    expect(await usageError(lambdaBuild({ concurrency: '0', 'memory-budget': '1GiB' }, OUT, VECTORS))).toBe(
      '--concurrency "0" is not valid; expected a positive integer',
    );
  });

  it('takes the memory budget and timeout from the builder’s configuration', async () => {
    const build = await lambdaBuild({ 'builder-function': CONFIGURED, concurrency: '8' }, `${OUT}/`, VECTORS);
    expect(build.functionName).toBe(CONFIGURED);
    expect(build.runner.memoryBytes).toBe(2048 * 2 ** 20);
    expect(build.runner.concurrency).toBe(8);
    expect(build.work).toMatch(/^s3:\/\/index-bucket\/indexes\/docs\/builds\/[0-9a-f-]{36}$/);
    expect(requests).toContain(`GET /2015-03-31/functions/${CONFIGURED}/configuration`);
    const smaller = await lambdaBuild(
      { 'builder-function': CONFIGURED, 'memory-budget': '1GiB', work: 's3://w/x' },
      OUT,
      VECTORS,
    );
    expect([smaller.runner.memoryBytes, smaller.work]).toEqual([2 ** 30, 's3://w/x']);
    expect(
      await usageError(
        lambdaBuild({ 'builder-function': CONFIGURED, 'memory-budget': '4GiB' }, OUT, VECTORS),
      ),
    ).toBe(
      `--memory-budget 4GiB is more than \`${CONFIGURED}\`'s memory, 2048 MiB; expected at most the builder function’s memory (one task runs in one environment)`,
    );
  });

  it('asks for --memory-budget when the configuration cannot be read, and names the default function', async () => {
    expect(await usageError(lambdaBuild({}, OUT, VECTORS))).toBe(
      'could not read the memory of `SquashSearch-builder` (GetFunctionConfiguration failed); ' +
        'give --memory-budget, at most the builder function’s memory',
    );
    process.env.SQUASH_BUILDER_FUNCTION = 'Env-builder';
    try {
      const build = await lambdaBuild({ 'memory-budget': '512MiB' }, OUT, VECTORS);
      expect([build.functionName, build.runner.memoryBytes, build.runner.concurrency]).toEqual([
        'Env-builder',
        512 * 2 ** 20,
        DEFAULT_BUILD_CONCURRENCY,
      ]);
    } finally {
      delete process.env.SQUASH_BUILDER_FUNCTION;
    }
  });
});
