import { describe, expect, it } from 'vitest';
import { callFunction, MIN_ATTEMPT_MS } from '../../../functions/invoke/call-function.ts';
import type { Invoker } from '../../../functions/invoke/invoker.ts';
import {
  IndexNotFoundError,
  InvalidQueryError,
  PayloadTooLargeError,
  UpstreamError,
  UpstreamTimeoutError,
} from '../../../shared/errors/index.ts';

/** Answers each attempt with the next scripted outcome (a reply object, or an error to throw). */
function scripted(...outcomes: (unknown | Error)[]) {
  const timeouts: number[] = [];
  const invoker: Invoker = {
    async invoke(_name, _payload, timeoutMs) {
      timeouts.push(timeoutMs);
      const next = outcomes.shift();
      if (next instanceof Error) throw next;
      return JSON.stringify(next);
    },
  };
  return { invoker, timeouts };
}

const options = (deadlineMs = 10_000, attemptTimeoutMs = 1000) => ({
  what: 'processor `p-1` (partition 4)',
  deadline: Date.now() + deadlineMs,
  attemptTimeoutMs,
});

describe('callFunction', () => {
  it('returns the reply of the first attempt that succeeds, retrying once', async () => {
    const { invoker, timeouts } = scripted(new UpstreamTimeoutError('`p-1` did not answer within 1000 ms'), {
      ok: 1,
    });
    const attempts: number[] = [];
    const reply = await callFunction(invoker, 'p-1', '{}', {
      ...options(),
      onAttempt: (a) => attempts.push(a),
    });
    expect(reply).toEqual({ ok: 1 });
    expect(attempts).toEqual([0, 1]);
    expect(timeouts).toEqual([1000, 1000]);
  });

  it('fails with the last cause after the retry: timeout → UpstreamTimeoutError, else UpstreamError', async () => {
    const timedOut = scripted(
      new UpstreamError('`p-1` failed: Runtime.ExitError: killed'),
      new UpstreamTimeoutError('`p-1` did not answer within 1000 ms'),
    );
    const failure = callFunction(timedOut.invoker, 'p-1', '{}', options());
    await expect(failure).rejects.toThrow(UpstreamTimeoutError);
    await expect(failure).rejects.toThrow(
      'processor `p-1` (partition 4) failed after a retry: `p-1` did not answer within 1000 ms',
    );
    const replied = scripted(
      { error: { code: 'INDEX_FORMAT', message: 'bad checksum' } },
      { error: { code: 'INDEX_FORMAT', message: 'bad checksum' } },
    );
    const error = await callFunction(replied.invoker, 'p-1', '{}', options()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamError);
    expect((error as Error).message).toBe(
      'processor `p-1` (partition 4) failed after a retry: INDEX_FORMAT: bad checksum',
    );
  });

  it('rethrows errors that describe the request at once, rebuilt by code', async () => {
    const { invoker, timeouts } = scripted({
      error: { code: 'INVALID_QUERY', message: 'filter: unknown attribute' },
    });
    const error = await callFunction(invoker, 'p-1', '{}', options()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidQueryError);
    expect((error as Error).message).toBe('filter: unknown attribute');
    expect(timeouts).toHaveLength(1);
    const missing = scripted({ error: { code: 'INDEX_NOT_FOUND', message: 'no version 3' } });
    await expect(callFunction(missing.invoker, 'p-1', '{}', options())).rejects.toThrow(IndexNotFoundError);
  });

  it('bounds each attempt by the time left and skips a retry that cannot fit', async () => {
    const { invoker, timeouts } = scripted({ ok: 1 });
    await callFunction(invoker, 'p-1', '{}', options(400, 5000));
    expect(timeouts).toHaveLength(1);
    expect(timeouts[0]).toBeLessThanOrEqual(300);
    expect(timeouts[0]).toBeGreaterThanOrEqual(MIN_ATTEMPT_MS);
    const slow: Invoker = {
      async invoke() {
        await new Promise((resolve) => setTimeout(resolve, 250));
        throw new UpstreamError('boom');
      },
    };
    await expect(callFunction(slow, 'p-1', '{}', options(450, 5000))).rejects.toThrow(
      'processor `p-1` (partition 4) failed with no time left to retry: boom',
    );
    await expect(callFunction(slow, 'p-1', '{}', options(100, 5000))).rejects.toThrow(
      "processor `p-1` (partition 4) was not sent: no time left before the caller's deadline",
    );
  });

  it('sends attempts shorter than MIN_ATTEMPT_MS when the configured attempt timeout is that short', async () => {
    const { invoker, timeouts } = scripted(
      new UpstreamTimeoutError('`p-1` did not answer within 20 ms'),
      new UpstreamTimeoutError('`p-1` did not answer within 20 ms'),
    );
    await expect(callFunction(invoker, 'p-1', '{}', options(10_000, 20))).rejects.toThrow(
      'processor `p-1` (partition 4) failed after a retry: `p-1` did not answer within 20 ms',
    );
    expect(timeouts).toEqual([20, 20]);
  });

  it("refuses a request over Lambda's 6 MB limit without sending it", async () => {
    const { invoker, timeouts } = scripted({ ok: 1 });
    const payload = JSON.stringify({ blob: 'x'.repeat(6 * 1024 * 1024) });
    await expect(callFunction(invoker, 'p-1', payload, options())).rejects.toThrow(PayloadTooLargeError);
    await expect(callFunction(invoker, 'p-1', payload, options())).rejects.toThrow(
      'processor `p-1` (partition 4): the request is 6.0 MiB; Lambda accepts at most 6.0 MiB',
    );
    expect(timeouts).toHaveLength(0);
  });
});
