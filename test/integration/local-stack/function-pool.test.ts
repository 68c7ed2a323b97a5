/**
 * FunctionPool directly, for what the HTTP-level host tests cannot time: an invocation (or a warm-up)
 * that comes right after `kill()` — before the killed processes' exit events — must start a new
 * environment, not get a dead idle one (which would fail with Runtime.ExitError although nothing was in
 * flight); idle environments are reaped; past the ceiling invocations queue instead of starting more
 * environments, and get an extra one only when none came free for the queue timeout; an init that times
 * out is retried within the function timeout (suppressed init); a launch still waiting for its slot is
 * cancelled when another environment serves its invocation.
 * Time limits are generous multiples of what the fixtures need: the box may be busy.
 */
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import {
  DEFAULT_CAPACITY,
  type EnvironmentCapacity,
  FunctionPool,
  type PoolOutcome,
  type PoolSettings,
} from '../../../scripts/local/lambda-function-pool.ts';
import { LaunchGate } from '../../../scripts/local/launch-gate.ts';
import { isRunning, waitUntil } from '../../support/processes.ts';

const CODE = fileURLToPath(new URL('./fixtures/functions/', import.meta.url));

function counterPool(
  options: Partial<EnvironmentCapacity> & Partial<Pick<PoolSettings, 'timeoutMs' | 'initLimitMs'>> = {},
  handler = 'counter.handler',
  environment: Record<string, string> = {},
  gate = new LaunchGate(2),
): FunctionPool {
  const { timeoutMs, initLimitMs, ...capacity } = options;
  return new FunctionPool(
    {
      timeoutMs: timeoutMs ?? 10_000,
      initLimitMs,
      memoryMiB: 128,
      reservedConcurrency: undefined,
      nodeVersion: process.version,
      capacity: { ...DEFAULT_CAPACITY, ...capacity },
      launch: {
        functionName: 'counter',
        codeDirectory: CODE,
        handler,
        nodeBinary: process.execPath,
        environment: { PATH: process.env.PATH ?? '', ...environment },
        onLog: () => {},
      },
    },
    { account: { inFlight: 0, limit: 100 }, gate },
  );
}

const payloadOf = (outcome: PoolOutcome) => {
  expect(outcome.kind, JSON.stringify(outcome)).toBe('result');
  return JSON.parse((outcome as { payload: string }).payload);
};

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

  it('reaps an environment idle longer than the idle timeout, and starts a fresh one afterwards', async () => {
    pool = counterPool({ idleTimeoutMs: 400 });
    const first = payloadOf(await pool.invoke(request(1)));
    expect(pool.stats()).toMatchObject({ environments: 1, idle: 1, reaped: 0 });
    expect(await waitUntil(() => pool!.stats().reaped === 1, 10_000)).toBe(true);
    expect(await waitUntil(() => !isRunning(first.pid), 10_000)).toBe(true);
    expect(pool.stats()).toMatchObject({ environments: 0, idle: 0 });
    const second = payloadOf(await pool.invoke(request(2)));
    expect(second.pid).not.toBe(first.pid);
    expect(second.count).toBe(1);
    expect(pool.stats()).toMatchObject({ coldStarts: 2, environmentsStarted: 2 });
  });

  it('keeps an environment that is used more often than the idle timeout', async () => {
    pool = counterPool({ idleTimeoutMs: 1_500 });
    const pids = new Set<number>();
    for (let n = 0; n < 5; n++) {
      pids.add(payloadOf(await pool.invoke(request(n))).pid);
      await new Promise((r) => setTimeout(r, 300));
    }
    expect(pids.size).toBe(1);
    expect(pool.stats()).toMatchObject({ reaped: 0, environmentsStarted: 1, warmStarts: 4 });
  });

  it('past the ceiling, queues invocations for the next free environment instead of starting more', async () => {
    pool = counterPool({ maxEnvironments: 2, queueTimeoutMs: 60_000 });
    const outcomes = await Promise.all(
      [0, 1, 2, 3, 4, 5].map((n) => pool!.invoke(request(n, { sleepMs: 300 }))),
    );
    const pids = new Set(outcomes.map((outcome) => payloadOf(outcome).pid));
    expect(pids.size).toBe(2);
    expect(pool.stats()).toMatchObject({
      invocations: 6,
      environmentsStarted: 2,
      environments: 2,
      queued: 4,
      coldStarts: 2,
      warmStarts: 4,
      peakConcurrency: 6,
      errors: 0,
    });
  });

  it('past the ceiling, gives a queued invocation an extra environment after the queue timeout, then stops it', async () => {
    pool = counterPool({ maxEnvironments: 1, queueTimeoutMs: 200 });
    const [long, queued] = await Promise.all([
      pool.invoke(request(1, { sleepMs: 4_000 })),
      pool.invoke(request(2)),
    ]);
    const extra = payloadOf(queued).pid;
    expect(extra).not.toBe(payloadOf(long).pid);
    expect(pool.stats()).toMatchObject({ queued: 1, environmentsStarted: 2, errors: 0 });
    // The extra environment is over the ceiling: it is not kept once it has served.
    expect(await waitUntil(() => !isRunning(extra), 10_000)).toBe(true);
    expect(pool.stats().environments).toBe(1);
  });

  it('past the ceiling, starts no extra environment for a long queue whose environments keep coming free', async () => {
    pool = counterPool({ maxEnvironments: 1, queueTimeoutMs: 1_000 });
    // Eight calls of 250 ms on one environment: the last waits about 1.75 s, but one comes free every 250 ms.
    const outcomes = await Promise.all(
      [0, 1, 2, 3, 4, 5, 6, 7].map((n) => pool!.invoke(request(n, { sleepMs: 250 }))),
    );
    expect(new Set(outcomes.map((outcome) => payloadOf(outcome).pid)).size).toBe(1);
    expect(pool.stats()).toMatchObject({ queued: 7, environmentsStarted: 1, coldStarts: 1, warmStarts: 7 });
  });

  it('retries an init that timed out within the invocation (suppressed init), under the function timeout', async () => {
    pool = counterPool({ initLimitMs: 150, timeoutMs: 20_000 }, 'slow-init.handler', { SLOW_INIT_MS: '600' });
    const answer = payloadOf(await pool.invoke(request(1)));
    expect(answer.initMs).toBeGreaterThanOrEqual(600);
    // The retried init counts against the function timeout.
    expect(answer.remainingMs).toBeLessThanOrEqual(20_000 - 600);
    expect(pool.stats()).toMatchObject({ initRetries: 1, environmentsStarted: 2, errors: 0, coldStarts: 1 });
  });

  it('fails with Sandbox.Timedout when the retried init does not fit in the function timeout', async () => {
    pool = counterPool({ initLimitMs: 150, timeoutMs: 300 }, 'slow-init.handler', { SLOW_INIT_MS: '5000' });
    const outcome = await pool.invoke(request(1));
    expect(outcome).toMatchObject({
      kind: 'error',
      timedOut: true,
      error: {
        errorType: 'Sandbox.Timedout',
        errorMessage: 'RequestId: request-1 Error: Task timed out after 0.30 seconds',
      },
    });
    expect(pool.stats()).toMatchObject({ initRetries: 1, timeouts: 1, errors: 1 });
  });

  it('serves an invocation whose launch still waits for a slot with the first environment to come free, and cancels that launch', async () => {
    const gate = new LaunchGate(1);
    pool = counterPool({}, 'counter.handler', {}, gate);
    // A second pool holds the only launch slot with a slow init.
    const blocker = counterPool({ initLimitMs: 60_000 }, 'slow-init.handler', { SLOW_INIT_MS: '3000' }, gate);
    try {
      await pool.warm(1);
      const slow = pool.invoke(request(1, { sleepMs: 300 }));
      const blocked = blocker.invoke(request(2));
      const waiting = pool.invoke(request(3));
      const [first, second] = (await Promise.all([slow, waiting])).map(payloadOf);
      expect(second.pid).toBe(first.pid);
      expect(pool.stats()).toMatchObject({ environmentsStarted: 1, environments: 1, warmStarts: 2 });
      payloadOf(await blocked);
    } finally {
      await blocker.stop();
    }
  });
});

function request(n: number, event: object = {}) {
  return {
    requestId: `request-${n}`,
    payload: JSON.stringify(event),
    invokedFunctionArn: 'arn:aws:lambda:local:0:function:counter',
  };
}
