/**
 * `Invoker` over the Lambda Invoke API (`@aws-sdk/client-lambda`, RequestResponse). Endpoint, region and
 * credentials come from the SDK's default chain, so `AWS_ENDPOINT_URL_LAMBDA` points it at a local host.
 *
 * Design decisions:
 * - One client per container (module scope, created on first use), keep-alive agents with room for a
 *   whole fan-out, and `maxAttempts: 1`: `callFunction` owns the single retry, so the SDK must not add
 *   its own behind it.
 * - The timeout of each attempt is enforced twice: `requestTimeout` on the NodeHttpHandler (with
 *   `throwOnRequestTimeout`, else it only warns) and an AbortSignal slightly later, in case the handler
 *   never arms its timer (e.g. while waiting for a socket).
 */
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { InvokeCommand, type InvokeCommandOutput, LambdaClient } from '@aws-sdk/client-lambda';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { UpstreamError, UpstreamTimeoutError } from '../../shared/errors/index.ts';
import type { Invoker } from './invoker.ts';

/** Concurrent connections per endpoint: a whole fan-out of one invocation at once. */
const MAX_SOCKETS = 512;

/** How long after `requestTimeout` the AbortSignal fires, in ms. */
const ABORT_GRACE_MS = 250;

/** Connection phase limit, in ms. */
const CONNECTION_TIMEOUT_MS = 3000;

let sharedClient: LambdaClient | undefined;

export function sharedLambdaClient(): LambdaClient {
  sharedClient ??= new LambdaClient({
    maxAttempts: 1,
    requestHandler: new NodeHttpHandler({
      throwOnRequestTimeout: true,
      connectionTimeout: CONNECTION_TIMEOUT_MS,
      httpAgent: new HttpAgent({ keepAlive: true, maxSockets: MAX_SOCKETS }),
      httpsAgent: new HttpsAgent({ keepAlive: true, maxSockets: MAX_SOCKETS }),
    }),
  });
  return sharedClient;
}

export class LambdaInvoker implements Invoker {
  readonly #client: LambdaClient | undefined;

  /** @param client defaults to the container's shared client. */
  constructor(client?: LambdaClient) {
    this.#client = client;
  }

  async invoke(functionName: string, payload: string, timeoutMs: number): Promise<string> {
    const client = this.#client ?? sharedLambdaClient();
    const command = new InvokeCommand({
      FunctionName: functionName,
      InvocationType: 'RequestResponse',
      Payload: Buffer.from(payload),
    });
    let output: InvokeCommandOutput;
    try {
      output = await client.send(command, {
        requestTimeout: timeoutMs,
        abortSignal: AbortSignal.timeout(timeoutMs + ABORT_GRACE_MS),
      });
    } catch (error) {
      const { name, message } = error instanceof Error ? error : { name: 'Error', message: String(error) };
      if (name === 'TimeoutError' || name === 'AbortError') {
        throw new UpstreamTimeoutError(`\`${functionName}\` did not answer within ${timeoutMs} ms`);
      }
      throw new UpstreamError(`invoking \`${functionName}\` failed: ${name}: ${message}`);
    }
    const text = Buffer.from(output.Payload ?? new Uint8Array(0)).toString('utf8');
    if (output.FunctionError !== undefined) throw functionError(functionName, output.FunctionError, text);
    if (output.StatusCode !== 200) {
      throw new UpstreamError(`invoking \`${functionName}\` answered status ${output.StatusCode ?? 'none'}`);
    }
    return text;
  }

  async trigger(functionName: string, payload: string): Promise<void> {
    const client = this.#client ?? sharedLambdaClient();
    try {
      const output = await client.send(
        new InvokeCommand({
          FunctionName: functionName,
          InvocationType: 'Event',
          Payload: Buffer.from(payload),
        }),
        { requestTimeout: CONNECTION_TIMEOUT_MS * 2 },
      );
      if (output.StatusCode !== 202) {
        throw new UpstreamError(
          `\`${functionName}\` refused an Event invocation: status ${output.StatusCode ?? 'none'}`,
        );
      }
    } catch (error) {
      if (error instanceof UpstreamError) throw error;
      throw new UpstreamError(`starting \`${functionName}\` failed: ${(error as Error).message}`);
    }
  }
}

/** Lambda's error body `{errorType, errorMessage}`; its own timeout becomes UpstreamTimeoutError. */
function functionError(
  functionName: string,
  kind: string,
  text: string,
): UpstreamError | UpstreamTimeoutError {
  let errorType = kind;
  let errorMessage = text;
  try {
    const body = JSON.parse(text) as { errorType?: unknown; errorMessage?: unknown };
    if (typeof body.errorType === 'string') errorType = body.errorType;
    if (typeof body.errorMessage === 'string') errorMessage = body.errorMessage;
  } catch {
    // Not JSON: keep the raw text as the message.
  }
  const summary = `\`${functionName}\` failed: ${errorType}: ${errorMessage.slice(0, 500)}`;
  return errorType === 'Sandbox.Timedout' || /Task timed out/.test(errorMessage)
    ? new UpstreamTimeoutError(summary)
    : new UpstreamError(summary);
}
