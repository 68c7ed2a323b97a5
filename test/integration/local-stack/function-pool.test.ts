/**
 * FunctionPool directly, for what the HTTP-level host tests cannot time: an invocation (or a warm-up)
 * that comes right after `kill()` — before the killed processes' exit events — must start a new
 * environment, not get a dead idle one (which would fail with Runtime.ExitError although nothing was in
 * flight).
 */
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { FunctionPool } from '../../../scripts/local/lambda-function-pool.ts';
import { LaunchGate } from '../../../scripts/local/launch-gate.ts';

const CODE = fileURLToPath(new URL('./fixtures/functions/', import.meta.url));

function counterPool(): FunctionPool {
  return new FunctionPool(
    {
      timeoutMs: 10_000,
      memoryMiB: 128,
      reservedConcurrency: undefined,
      nodeVersion: process.version,
      launch: {
        functionName: 'counter',
        codeDirectory: CODE,
        handler: 'counter.handler',
        nodeBinary: process.execPath,
        environment: { PATH: process.env.PATH ?? '' },
        onLog: () => {},
      },
    },
    { account: { inFlight: 0, limit: 100 }, gate: new LaunchGate(2) },
  );
}

describe('FunctionPool', () => {
  let pool: FunctionPool | undefined;

  afterEach(async () => {
    await pool?.stop();
  });

  it('never hands out an idle environment killed a moment ago', async () => {
    pool = counterPool();
    await pool.warm(2);
    expect(pool.stats()).toMatchObject({ environments: 2, environmentsStarted: 2 });
    expect(pool.kill()).toBe(2);
    // Same tick as the kill: the children's exit events cannot have been handled yet.
    const outcomes = await Promise.all([1, 2].map((n) => pool!.invoke(request(n))));
    for (const outcome of outcomes) {
      expect(outcome.kind, JSON.stringify(outcome)).toBe('result');
      expect(JSON.parse((outcome as { payload: string }).payload).count).toBe(1);
    }
    expect(pool.stats()).toMatchObject({
      environmentsStarted: 4,
      coldStarts: 2,
      warmStarts: 0,
      errors: 0,
    });
  });

  it('warms new environments in place of idle ones killed a moment ago', async () => {
    pool = counterPool();
    await pool.warm(2);
    pool.kill();
    await pool.warm(2);
    expect(pool.stats()).toMatchObject({ environments: 2, environmentsStarted: 4 });
    const outcome = await pool.invoke(request(1));
    expect(outcome.kind, JSON.stringify(outcome)).toBe('result');
    expect(pool.stats()).toMatchObject({ environmentsStarted: 4, warmStarts: 1, errors: 0 });
  });
});

function request(n: number) {
  return {
    requestId: `request-${n}`,
    payload: '{}',
    invokedFunctionArn: 'arn:aws:lambda:local:0:function:counter',
  };
}
