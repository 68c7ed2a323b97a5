/**
 * One search function: a `NodejsFunction` bundled locally by esbuild (no Docker) into ESM for the
 * newest Node.js runtime Lambda still lets us create, on arm64, with its own log group.
 *
 * - Runtime: `nodejs24.x`, named explicitly rather than `NODEJS_LATEST` so an aws-cdk-lib upgrade
 *   cannot change the runtime behind our back (nodejs20.x stops being creatable on 2027-02-01).
 * - ESM output with a `createRequire` banner, so CommonJS dependencies that call `require` still work.
 * - `@aws-sdk/*` is external: the runtime provides it, which keeps bundles small and cold starts short.
 * - Logs go to a `LogGroup` with a retention (the non-deprecated replacement of `logRetention`); it is
 *   deleted with the stack.
 * - The execution role is our own, without the `AWSLambdaBasicExecutionRole` managed policy that CDK
 *   attaches by default (it allows writing to every log group, `Resource: *`): `logGroup.grantWrite`
 *   lets the function write to its own log group only.
 * - Provisioned concurrency, when asked for, lives on an alias `live` of the current version (Lambda
 *   only provisions versions and aliases, never `$LATEST`); `invokeName` is what callers must invoke to
 *   land on those environments. Without it there is no version or alias and callers use the bare name.
 * - X-Ray active tracing only when asked (`tracing`); CDK then grants `xray:PutTraceSegments` and
 *   `xray:PutTelemetryRecords` on `*`, as X-Ray has no resource-level permissions.
 * - No SnapStart: Lambda offers it for Java, Python and .NET runtimes, not for Node.js
 *   (`SEARCH_RUNTIME.supportsSnapStart` is false, and a test keeps it that way).
 */
import * as path from 'node:path';
import { Duration, aws_iam as iam, aws_lambda as lambda, aws_logs as logs, RemovalPolicy } from 'aws-cdk-lib';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { Construct } from 'constructs';
import { PROJECT_ROOT } from './project-root.ts';

export const SEARCH_RUNTIME = lambda.Runtime.NODEJS_24_X;

/** The alias that carries provisioned concurrency. */
export const LIVE_ALIAS = 'live';

/** The name callers invoke: `name:live` when the role has provisioned concurrency, else `name`. */
export function invokeName(functionName: string, provisionedConcurrency: number): string {
  return provisionedConcurrency > 0 ? `${functionName}:${LIVE_ALIAS}` : functionName;
}

const ESM_REQUIRE_BANNER =
  "import { createRequire as squashCreateRequire } from 'node:module'; const require = squashCreateRequire(import.meta.url);";

export interface SearchFunctionProps {
  /** Handler file, relative to the project root, exporting `handler`. */
  readonly entry: string;
  readonly functionName: string;
  readonly description: string;
  readonly memoryMiB: number;
  readonly timeoutSeconds: number;
  readonly reservedConcurrency: number | undefined;
  /** Environments kept initialised on alias `live`; 0 creates no version and no alias. */
  readonly provisionedConcurrency: number;
  readonly environment: Readonly<Record<string, string>>;
  readonly logRetention: logs.RetentionDays;
  /** Lambda active tracing (X-Ray); adds X-Ray's write actions to the role. */
  readonly tracing: boolean;
}

export class SearchFunction extends Construct {
  readonly function: NodejsFunction;
  readonly logGroup: logs.LogGroup;
  readonly role: iam.Role;
  /** The alias `live` carrying provisioned concurrency, when there is some. */
  readonly alias: lambda.Alias | undefined;
  /** What callers invoke (see `invokeName`). */
  readonly invokeName: string;

  constructor(scope: Construct, id: string, props: SearchFunctionProps) {
    super(scope, id);
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of ${props.functionName}`,
    });
    this.logGroup.grantWrite(this.role);
    this.function = new NodejsFunction(this, 'Function', {
      entry: path.join(PROJECT_ROOT, props.entry),
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: path.join(PROJECT_ROOT, 'package-lock.json'),
      functionName: props.functionName,
      description: props.description,
      runtime: SEARCH_RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memoryMiB,
      timeout: Duration.seconds(props.timeoutSeconds),
      reservedConcurrentExecutions: props.reservedConcurrency,
      environment: { ...props.environment },
      logGroup: this.logGroup,
      role: this.role,
      tracing: props.tracing ? lambda.Tracing.ACTIVE : undefined,
      bundling: {
        format: OutputFormat.ESM,
        mainFields: ['module', 'main'],
        banner: ESM_REQUIRE_BANNER,
        externalModules: ['@aws-sdk/*'],
        forceDockerBundling: false,
        minify: false,
        sourceMap: false,
      },
    });
    this.invokeName = invokeName(props.functionName, props.provisionedConcurrency);
    this.alias =
      props.provisionedConcurrency > 0
        ? new lambda.Alias(this, 'Live', {
            aliasName: LIVE_ALIAS,
            version: this.function.currentVersion,
            provisionedConcurrentExecutions: props.provisionedConcurrency,
          })
        : undefined;
  }
}
