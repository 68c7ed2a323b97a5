/**
 * A `BuildTaskRunner` that fans a staged build out over the builder function (docs/build-on-lambda.md):
 * each task is one RequestResponse invocation of `functionName`, through the same `LambdaInvoker` the
 * search path uses, so `AWS_ENDPOINT_URL_LAMBDA` points it at the local stack.
 *
 * Design decisions:
 * - One attempt per `run`: the driver (`runStagedBuild`) owns retries (`taskAttempts`), so neither the
 *   SDK (`maxAttempts: 1` on the shared client) nor this runner adds any behind it.
 * - The attempt's timeout is the function's own timeout plus `marginMs`, so Lambda's timeout
 *   (`Sandbox.Timedout`, an `UpstreamTimeoutError`) reports before the caller gives up on the socket.
 * - An `{ error }` reply is rebuilt by code (`errorFromWire`): `INVALID_INPUT` becomes
 *   `InvalidInputError`, which the driver does not retry; every other failure (a killed environment, a
 *   timeout, a crash, a typed error of S3 or the index) is thrown as it is and retried.
 * - The memory budget the driver sizes chunks by is the builder's memory: one task runs in one
 *   environment of that size.
 */
import { GetFunctionConfigurationCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import type { BuildTask, BuildTaskResult } from '../../shared/build/build-task.ts';
import type { BuildTaskRunner } from '../../shared/build/staged-build.ts';
import { errorFromWire } from '../../shared/errors/index.ts';
import { errorOfReply } from '../wire/function-reply.ts';
import type { Invoker } from './invoker.ts';
import { LambdaInvoker, sharedLambdaClient } from './lambda-invoker.ts';

/** Time the caller waits beyond the function's timeout before giving up on an attempt, in ms. */
export const BUILD_INVOKE_MARGIN_MS = 30_000;

export interface LambdaBuildRunnerOptions {
  /** The builder function (name or ARN). */
  readonly functionName: string;
  /** Tasks in flight at once (concurrent builder environments). */
  readonly concurrency: number;
  /** The builder's memory, in bytes: the budget chunks are sized by. */
  readonly memoryBytes: number;
  /** The builder's timeout, in seconds. @default 900 (Lambda's longest) */
  readonly timeoutSeconds?: number;
  /** Added to the function's timeout for the caller's wait, in ms. @default BUILD_INVOKE_MARGIN_MS */
  readonly marginMs?: number;
  /** @default a `LambdaInvoker` on the process's shared Lambda client */
  readonly invoker?: Invoker;
  /** Called after every invocation, failed ones too (progress, counts). */
  readonly onInvoked?: (task: BuildTask, error: unknown) => void;
}

export function lambdaBuildRunner(options: LambdaBuildRunnerOptions): BuildTaskRunner {
  const invoker = options.invoker ?? new LambdaInvoker();
  const timeoutMs = (options.timeoutSeconds ?? 900) * 1000 + (options.marginMs ?? BUILD_INVOKE_MARGIN_MS);
  if (!Number.isInteger(options.concurrency) || options.concurrency < 1) {
    throw new RangeError(`concurrency is ${options.concurrency}; expected a positive integer`);
  }
  return {
    concurrency: options.concurrency,
    memoryBytes: options.memoryBytes,
    async run(task: BuildTask): Promise<BuildTaskResult> {
      try {
        const text = await invoker.invoke(options.functionName, JSON.stringify(task), timeoutMs);
        const reply = parseReply(options.functionName, text);
        const wire = errorOfReply(reply);
        if (wire !== undefined) throw errorFromWire(wire);
        options.onInvoked?.(task, undefined);
        return reply as BuildTaskResult;
      } catch (error) {
        options.onInvoked?.(task, error);
        throw error;
      }
    },
  };
}

/** The builder's memory (MiB) and timeout (s) as Lambda reports them; undefined when it cannot say. */
export async function builderConfiguration(
  functionName: string,
  client: LambdaClient = sharedLambdaClient(),
): Promise<{ memoryMiB: number; timeoutSeconds: number } | undefined> {
  try {
    const output = await client.send(new GetFunctionConfigurationCommand({ FunctionName: functionName }), {
      abortSignal: AbortSignal.timeout(10_000),
    });
    if (output.MemorySize === undefined || output.Timeout === undefined) return undefined;
    return { memoryMiB: output.MemorySize, timeoutSeconds: output.Timeout };
  } catch {
    return undefined;
  }
}

function parseReply(functionName: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`\`${functionName}\` answered a reply that is not JSON: ${text.slice(0, 80)}`);
  }
}
