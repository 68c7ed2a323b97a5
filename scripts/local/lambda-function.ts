/** A function as the local Lambda host runs it: what a CloudFormation `AWS::Lambda::Function` declares. */
export interface LocalFunction {
  /** The function name (invoke by name, partial ARN or full ARN). */
  readonly name: string;
  /** Lambda handler string, `<module path>.<export>` relative to `codeDirectory`, e.g. `index.handler`. */
  readonly handler: string;
  /** Absolute path of the unpacked code (a cdk.out `asset.<hash>` directory). */
  readonly codeDirectory: string;
  /** Lambda runtime identifier; only `nodejs<major>.x` runs locally. @default 'nodejs22.x' */
  readonly runtime?: string;
  /** Recorded and exposed as AWS_LAMBDA_FUNCTION_MEMORY_SIZE; not enforced. @default 128 */
  readonly memoryMiB?: number;
  /** An invocation running longer is stopped and its environment killed. @default 3 */
  readonly timeoutSeconds?: number;
  /** Maximum concurrent invocations; more are throttled (429). @default unreserved */
  readonly reservedConcurrency?: number;
  /** The function's own environment variables. @default {} */
  readonly environment?: Readonly<Record<string, string>>;
}

/** Lambda's error document, as returned in the body of a failed invocation. */
export interface FunctionErrorBody {
  readonly errorType: string;
  readonly errorMessage: string;
  readonly trace?: readonly string[];
}

/** Counters of one function since the host started. */
export interface FunctionStats {
  readonly invocations: number;
  /** Invocations that had to start a new environment. */
  readonly coldStarts: number;
  /** Invocations served by an idle, already initialised environment. */
  readonly warmStarts: number;
  readonly throttles: number;
  /** Invocations that ended in a function error (timeouts and crashes included). */
  readonly errors: number;
  readonly timeouts: number;
  /** Environments (child processes) ever started, including pre-warmed ones. */
  readonly environmentsStarted: number;
  /** Environments alive now (starting, idle or busy). */
  readonly environments: number;
  /** Environments initialised and waiting for an invocation. */
  readonly idle: number;
  /** Invocations in flight, queued ones included. */
  readonly busy: number;
  /** Invocations that found every environment busy at the ceiling and queued for the next free one. */
  readonly queued: number;
  /** Inits that timed out and were retried within the invocation ("suppressed init"). */
  readonly initRetries: number;
  /** Environments killed because they were idle longer than the idle timeout. */
  readonly reaped: number;
  readonly peakConcurrency: number;
  readonly memoryMiB: number;
  /** Version of the Node binary the environments run on, e.g. `v22.12.0`. */
  readonly nodeVersion: string;
}

export const LOCAL_ACCOUNT_ID = '000000000000';
export const LOCAL_REGION = 'us-east-1';

export function functionArn(name: string): string {
  return `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:function:${name}`;
}
