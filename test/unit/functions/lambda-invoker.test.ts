/** LambdaInvoker's mapping of Invoke API outcomes, over a stub client (no network). */
import type { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { describe, expect, it } from 'vitest';
import { LambdaInvoker } from '../../../functions/invoke/lambda-invoker.ts';
import { UpstreamError, UpstreamTimeoutError } from '../../../shared/errors/index.ts';

function stubClient(answer: (command: InvokeCommand, options: Record<string, unknown>) => Promise<unknown>) {
  const sent: { input: InvokeCommand['input']; options: Record<string, unknown> }[] = [];
  const client = {
    send: (command: InvokeCommand, options: Record<string, unknown>) => {
      sent.push({ input: command.input, options });
      return answer(command, options);
    },
  } as unknown as LambdaClient;
  return { client, sent };
}

const bytes = (text: string) => new TextEncoder().encode(text);

describe('LambdaInvoker', () => {
  it('sends a RequestResponse invoke with the attempt timeout and returns the payload text', async () => {
    const { client, sent } = stubClient(async () => ({ StatusCode: 200, Payload: bytes('{"ok":true}') }));
    expect(await new LambdaInvoker(client).invoke('fn', '{"a":1}', 1500)).toBe('{"ok":true}');
    expect(sent[0]!.input).toMatchObject({ FunctionName: 'fn', InvocationType: 'RequestResponse' });
    expect(Buffer.from(sent[0]!.input.Payload as Uint8Array).toString()).toBe('{"a":1}');
    expect(sent[0]!.options.requestTimeout).toBe(1500);
    expect(sent[0]!.options.abortSignal).toBeInstanceOf(AbortSignal);
  });

  it("turns a FunctionError into UpstreamError, and the function's own timeout into UpstreamTimeoutError", async () => {
    const crashed = stubClient(async () => ({
      StatusCode: 200,
      FunctionError: 'Unhandled',
      Payload: bytes('{"errorType":"TypeError","errorMessage":"x is undefined","trace":[]}'),
    }));
    const error = await new LambdaInvoker(crashed.client).invoke('fn', '{}', 1000).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamError);
    expect((error as Error).message).toBe('`fn` failed: TypeError: x is undefined');

    const timedOut = stubClient(async () => ({
      StatusCode: 200,
      FunctionError: 'Unhandled',
      Payload: bytes('{"errorType":"Sandbox.Timedout","errorMessage":"Task timed out after 10.00 seconds"}'),
    }));
    await expect(new LambdaInvoker(timedOut.client).invoke('fn', '{}', 1000)).rejects.toThrow(
      UpstreamTimeoutError,
    );
  });

  it('maps transport timeouts and other SDK errors', async () => {
    const slow = stubClient(async () => {
      throw Object.assign(new Error('a request has exceeded the configured 800 ms requestTimeout'), {
        name: 'TimeoutError',
      });
    });
    await expect(new LambdaInvoker(slow.client).invoke('fn', '{}', 800)).rejects.toThrow(
      new UpstreamTimeoutError('`fn` did not answer within 800 ms'),
    );
    const throttled = stubClient(async () => {
      throw Object.assign(new Error('Rate exceeded'), { name: 'TooManyRequestsException' });
    });
    await expect(new LambdaInvoker(throttled.client).invoke('fn', '{}', 800)).rejects.toThrow(
      new UpstreamError('invoking `fn` failed: TooManyRequestsException: Rate exceeded'),
    );
  });
});
