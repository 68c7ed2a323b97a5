/**
 * Environments start Node with the heap flags Lambda's Node.js bootstrap derives from the function's
 * memory, so V8's heap limit follows the function's memory, not this machine's RAM.
 */
import { fileURLToPath } from 'node:url';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lambdaNodeArgs } from '../../../scripts/local/lambda-environment.ts';
import { type LambdaHost, startLambdaHost } from '../../../scripts/local/lambda-host.ts';

const CODE = fileURLToPath(new URL('./fixtures/functions/', import.meta.url));
const RUNTIME = `nodejs${process.versions.node.split('.')[0]}.x`;

describe('Lambda heap flags', () => {
  let host: LambdaHost;
  let lambda: LambdaClient;

  beforeAll(async () => {
    host = await startLambdaHost({
      functions: [
        {
          name: 'heap-1024',
          handler: 'heap.handler',
          codeDirectory: CODE,
          runtime: RUNTIME,
          memoryMiB: 1024,
        },
        { name: 'heap-128', handler: 'heap.handler', codeDirectory: CODE, runtime: RUNTIME },
      ],
      onLog: () => {},
    });
    lambda = new LambdaClient({
      endpoint: host.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      maxAttempts: 1,
    });
  });

  afterAll(async () => {
    lambda?.destroy();
    await host?.stop();
  });

  const report = async (name: string) => {
    const response = await lambda.send(new InvokeCommand({ FunctionName: name }));
    return JSON.parse(Buffer.from(response.Payload ?? []).toString('utf8')) as {
      execArgv: string[];
      heapSizeLimitMiB: number;
      gcExposed: boolean;
    };
  };

  it('derives the flags from the memory as the bootstrap does (new space M/10, semi half of it, old the rest)', () => {
    expect(lambdaNodeArgs(1024)).toEqual([
      '--expose-gc',
      '--max-http-header-size=81920',
      '--max-semi-space-size=51',
      '--max-old-space-size=922',
    ]);
    expect(lambdaNodeArgs(1769)).toEqual([
      '--expose-gc',
      '--max-http-header-size=81920',
      '--max-semi-space-size=88',
      '--max-old-space-size=1593',
    ]);
    expect(lambdaNodeArgs(128)).toContain('--max-old-space-size=116');
  });

  it('starts each environment with its function’s flags: the heap limit follows the memory, not the machine', async () => {
    const big = await report('heap-1024');
    const small = await report('heap-128');
    expect(big.execArgv).toEqual(lambdaNodeArgs(1024));
    expect(small.execArgv).toEqual(lambdaNodeArgs(128));
    expect(big.gcExposed).toBe(true);
    // The limit is the old space plus V8's young generation (a few semi-spaces), so it sits a little
    // above the old space and far below what V8 picks from a machine's RAM (≥ 2 GB on 64-bit hosts).
    expect(big.heapSizeLimitMiB).toBeGreaterThanOrEqual(922);
    expect(big.heapSizeLimitMiB).toBeLessThan(1024 + 256);
    expect(small.heapSizeLimitMiB).toBeGreaterThanOrEqual(116);
    expect(small.heapSizeLimitMiB).toBeLessThan(128 + 64);
  }, 60_000);
});
