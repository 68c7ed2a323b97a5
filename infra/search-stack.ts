/**
 * The search stack (DESIGN §2): the index bucket, the coordinator behind a Function URL, one allocator
 * function (every tree node is an invocation of it), G processor functions (partition p → function
 * p mod G) and the compactor, which folds an index's write log into a new version (docs/writes.md).
 *
 * IAM, one grant per need, each for exactly what the code sends:
 * - every function may read objects below the index prefix and nothing else in the bucket
 *   (`grantIndexRead`: `s3:GetObject` on `<prefix>*`, `s3:ListBucket` only for `s3:prefix` under it,
 *   so that a missing key is a 404; see `index-read-access.ts`): processors their partition sections,
 *   allocators the centroids and attribute codes, the coordinator `CURRENT`, the manifest and the
 *   write log, the compactor the version it folds the log into;
 * - the coordinator may append to write logs: `s3:PutObject` on `<prefix>*` + `/log/*` only (one
 *   `If-None-Match: *` PUT per write; `grantLogAppend`, see `index-write-access.ts`), never on
 *   `CURRENT` or a version;
 * - the compactor may write and delete below the index prefix (`grantIndexWrite`: `s3:PutObject` and
 *   `s3:DeleteObject` on `<prefix>*`): it writes a new version and moves `CURRENT`, then removes retired
 *   versions and folded log objects; it invokes nothing;
 * - the allocator may invoke the processors and itself (child tree nodes);
 * - the coordinator may invoke the allocator, the processors because it runs the allocator step
 *   in-process for single-query requests, and the compactor (an asynchronous trigger when a log has
 *   grown by `compactAfterRows` rows, and `POST /compact`);
 * - processors invoke nothing;
 * - the builder (docs/build-on-lambda.md) may read, write and delete below the index prefix
 *   (`grantIndexRead` + `grantIndexWrite`): its tasks read a build's work files and write them (the work
 *   location defaults to `<index>/builds/<id>/`, below the prefix) and write the new version's
 *   partition objects; and it may read the buckets named by `buildInputBuckets` (`grantInputRead`:
 *   `s3:GetObject` and `s3:ListBucket`), where inputs usually sit. It invokes nothing: the build's driver
 *   (the CLI) invokes it with the operator's credentials and publishes the manifest and `CURRENT`.
 *   No other function writes or deletes.
 *
 * Observability (docs/operate.md): every function gets Powertools' variables (`telemetry.ts`: service
 * name per role, namespace `Squash`, log level, metrics on or off, tracing), X-Ray active tracing when
 * `tracing` is on, and the stack adds the alarms (`search-alarms.ts`) and a dashboard
 * (`search-dashboard.ts`).
 *
 * The allocator's grant on itself goes through its fixed name (see `function-names.ts`): a policy that
 * referenced the function's own ARN would form a dependency cycle.
 */
import { ArnFormat, CfnOutput, aws_lambda as lambda, Stack, aws_s3 as s3, Token } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { CONFIG_DEFAULTS, ENV, type EnvName } from '../functions/config.ts';
import { InvalidInputError } from '../shared/errors/index.ts';
import { grantInputRead } from './build-input-access.ts';
import { functionNames } from './function-names.ts';
import { IndexBucket } from './index-bucket.ts';
import { grantIndexRead } from './index-read-access.ts';
import { grantIndexWrite, grantLogAppend } from './index-write-access.ts';
import { SearchAlarms } from './search-alarms.ts';
import { SearchDashboard } from './search-dashboard.ts';
import { invokeName, SearchFunction } from './search-function.ts';
import { type FunctionRole, resolveSettings, type SearchSettings } from './search-settings.ts';
import type { SearchStackProps } from './search-stack-props.ts';
import type { MonitoredFunction } from './stack-metrics.ts';
import { telemetryEnvironment } from './telemetry.ts';

/** The write path's variables, set only on the functions that write. */
type WriteEnvName = typeof ENV.compactorFunction | typeof ENV.compactAfterRows | typeof ENV.retentionSeconds;

/** Lambda's limit on the total size of a function's environment variables (keys plus values). */
const MAX_ENVIRONMENT_BYTES = 4096;

export class SearchStack extends Stack {
  readonly settings: SearchSettings;
  readonly indexBucket: IndexBucket;
  readonly coordinator: SearchFunction;
  readonly allocator: SearchFunction;
  readonly processors: readonly SearchFunction[];
  readonly compactor: SearchFunction;
  readonly builder: SearchFunction;
  readonly searchUrl: lambda.FunctionUrl;
  readonly alarms: SearchAlarms;
  readonly dashboard: SearchDashboard;

  constructor(scope: Construct, id: string, props: SearchStackProps = {}) {
    super(scope, id, {
      description:
        'squash: serverless hybrid vector search (coordinator, allocator tree, processors, compactor, builder, index bucket)',
      ...props,
    });
    const settings = resolveSettings(props);
    this.settings = settings;
    const names = functionNames(this.stackName, settings.processorFunctions);
    this.indexBucket = new IndexBucket(this, 'Indexes', { removalPolicy: settings.bucketRemovalPolicy });
    const bucket = this.indexBucket.bucket;

    // Callers invoke the alias carrying provisioned concurrency when a role has some (see search-function.ts).
    const allocatorTarget = invokeName(names.allocator, settings.roles.allocator.provisionedConcurrency);
    const processorTargets = names.processors.map((name) =>
      invokeName(name, settings.roles.processor.provisionedConcurrency),
    );
    const sharedEnvironment: Record<Exclude<EnvName, typeof ENV.cacheBudgetMiB | WriteEnvName>, string> = {
      [ENV.bucket]: bucket.bucketName,
      [ENV.indexPrefix]: settings.indexPrefix,
      [ENV.allocatorFunction]: allocatorTarget,
      [ENV.processorFunctions]: processorTargets.join(','),
      [ENV.treeBranching]: String(settings.treeBranching),
      [ENV.treeDepth]: String(settings.treeDepth),
      [ENV.invokeTimeoutMs]: String(settings.invokeTimeoutMs),
      [ENV.maxBatch]: String(settings.maxBatch),
      [ENV.matchingRowsMaxKiB]: String(CONFIG_DEFAULTS.matchingRowsMaxKiB),
    };
    // Only the functions that write get the write path's variables.
    const writeEnvironment: Record<WriteEnvName, string> = {
      [ENV.compactorFunction]: names.compactor,
      [ENV.compactAfterRows]: String(settings.compactAfterRows),
      [ENV.retentionSeconds]: String(settings.retentionSeconds),
    };
    const searchFunction = (
      id: string,
      role: FunctionRole,
      functionName: string,
      description: string,
      writes = false,
    ) => {
      const sizing = settings.roles[role];
      const environment = {
        ...sharedEnvironment,
        [ENV.cacheBudgetMiB]: String(sizing.cacheBudgetMiB),
        ...(writes ? writeEnvironment : {}),
        ...telemetryEnvironment(role, settings),
      };
      checkEnvironmentSize(functionName, environment);
      return new SearchFunction(this, id, {
        entry: `functions/${role}/handler.ts`,
        functionName,
        description,
        memoryMiB: sizing.memoryMiB,
        timeoutSeconds: sizing.timeoutSeconds,
        reservedConcurrency: sizing.reservedConcurrency,
        provisionedConcurrency: sizing.provisionedConcurrency,
        environment,
        logRetention: settings.logRetention,
        tracing: settings.tracing,
      });
    };

    this.processors = names.processors.map((name, p) =>
      searchFunction(
        `Processor${p}`,
        'processor',
        name,
        `squash processor ${p} of ${settings.processorFunctions}: partitions p with p mod ${settings.processorFunctions} = ${p}`,
      ),
    );
    this.allocator = searchFunction(
      'Allocator',
      'allocator',
      names.allocator,
      'squash allocator (every tree node)',
    );
    this.coordinator = searchFunction(
      'Coordinator',
      'coordinator',
      names.coordinator,
      'squash coordinator (search Function URL)',
      true,
    );
    // Its cache budget variable is left unset (the handlers' default): a compaction reads each object once.
    const compactorEnvironment = {
      ...sharedEnvironment,
      ...writeEnvironment,
      ...telemetryEnvironment('compactor', settings),
    };
    checkEnvironmentSize(names.compactor, compactorEnvironment);
    this.compactor = new SearchFunction(this, 'Compactor', {
      entry: 'functions/compactor/handler.ts',
      functionName: names.compactor,
      description: 'squash compactor (folds an index write log into a new version)',
      memoryMiB: settings.compactor.memoryMiB,
      timeoutSeconds: settings.compactor.timeoutSeconds,
      reservedConcurrency: settings.compactor.reservedConcurrency,
      provisionedConcurrency: 0,
      environment: compactorEnvironment,
      logRetention: settings.logRetention,
      tracing: settings.tracing,
    });

    // It reads no search variables: every location it touches is named by the task it runs.
    const builderEnvironment = telemetryEnvironment('builder', settings);
    checkEnvironmentSize(names.builder, builderEnvironment);
    this.builder = new SearchFunction(this, 'Builder', {
      entry: 'functions/builder/handler.ts',
      functionName: names.builder,
      description:
        'squash builder (one task of a build fanned out over Lambda: sample, train, assign, encode)',
      memoryMiB: settings.builder.memoryMiB,
      timeoutSeconds: settings.builder.timeoutSeconds,
      reservedConcurrency: settings.builder.reservedConcurrency,
      provisionedConcurrency: 0,
      environment: builderEnvironment,
      logRetention: settings.logRetention,
      tracing: settings.tracing,
    });

    for (const reader of [
      this.coordinator,
      this.allocator,
      ...this.processors,
      this.compactor,
      this.builder,
    ]) {
      grantIndexRead(bucket, reader.function, settings.indexPrefix);
    }
    grantLogAppend(bucket, this.coordinator.function, settings.indexPrefix);
    grantIndexWrite(bucket, this.compactor.function, settings.indexPrefix);
    grantIndexWrite(bucket, this.builder.function, settings.indexPrefix);
    settings.buildInputBuckets.forEach((name, i) => {
      grantInputRead(s3.Bucket.fromBucketName(this, `BuildInput${i}`, name), this.builder.function);
    });
    this.compactor.function.grantInvoke(this.coordinator.function);
    for (const processor of this.processors) {
      processor.function.grantInvoke(this.allocator.function);
      processor.function.grantInvoke(this.coordinator.function);
    }
    this.allocator.function.grantInvoke(this.coordinator.function);
    const allocatorByName = lambda.Function.fromFunctionAttributes(this, 'AllocatorByName', {
      functionArn: this.formatArn({
        service: 'lambda',
        resource: 'function',
        resourceName: names.allocator,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      }),
      sameEnvironment: true,
    });
    allocatorByName.grantInvoke(this.allocator.function);

    this.searchUrl = (this.coordinator.alias ?? this.coordinator.function).addFunctionUrl({
      authType: settings.urlAuthType,
      cors:
        settings.corsAllowedOrigins.length === 0
          ? undefined
          : {
              allowedOrigins: [...settings.corsAllowedOrigins],
              allowedMethods: [lambda.HttpMethod.GET, lambda.HttpMethod.POST],
              allowedHeaders: [
                'content-type',
                'authorization',
                'x-amz-date',
                'x-amz-security-token',
                'x-amz-content-sha256',
              ],
            },
    });

    const monitored: MonitoredFunction[] = [
      {
        functionName: names.coordinator,
        role: 'coordinator',
        timeoutSeconds: settings.roles.coordinator.timeoutSeconds,
      },
      {
        functionName: names.allocator,
        role: 'allocator',
        timeoutSeconds: settings.roles.allocator.timeoutSeconds,
      },
      ...names.processors.map((functionName) => ({
        functionName,
        role: 'processor' as const,
        timeoutSeconds: settings.roles.processor.timeoutSeconds,
      })),
      { functionName: names.compactor, role: 'compactor', timeoutSeconds: settings.compactor.timeoutSeconds },
    ];
    this.alarms = new SearchAlarms(this, 'Alarms', {
      namePrefix: this.stackName,
      functions: monitored,
      coordinatorName: names.coordinator,
      thresholds: settings.alarms,
      metrics: settings.metrics,
    });
    // Dashboard names are per account, not per region: the region keeps two deployments apart.
    const dashboardName = `${this.stackName}-${this.region}`;
    this.dashboard = new SearchDashboard(this, 'Dashboard', {
      dashboardName,
      functions: monitored,
      coordinatorName: names.coordinator,
      alarms: this.alarms.alarms,
      metrics: settings.metrics,
    });

    new CfnOutput(this, 'BucketName', { value: bucket.bucketName, description: 'Index bucket' });
    new CfnOutput(this, 'SearchUrl', {
      value: this.searchUrl.url,
      description: `Search Function URL (auth ${settings.urlAuthType}); POST /search, GET /health`,
    });
    new CfnOutput(this, 'CoordinatorFunctionName', { value: names.coordinator });
    new CfnOutput(this, 'AllocatorFunctionName', { value: names.allocator });
    new CfnOutput(this, 'ProcessorFunctionNames', {
      value: names.processors.join(','),
      description: 'Processor functions; partition p is served by entry p mod G',
    });
    new CfnOutput(this, 'CompactorFunctionName', { value: names.compactor });
    new CfnOutput(this, 'BuilderFunctionName', {
      value: names.builder,
      description: 'Builder function: squash build --on-lambda --builder-function <this>',
    });
    new CfnOutput(this, 'DashboardName', {
      value: dashboardName,
      description: 'CloudWatch dashboard: search URL, every function, custom metrics, alarms',
    });
  }
}

function checkEnvironmentSize(functionName: string, environment: Readonly<Record<string, string>>): void {
  let bytes = 0;
  for (const [key, value] of Object.entries(environment)) {
    // The bucket name is a token until deploy; count it at S3's maximum length of 63.
    const size = Token.isUnresolved(value) ? 63 : Buffer.byteLength(value);
    bytes += Buffer.byteLength(key) + size;
  }
  if (bytes > MAX_ENVIRONMENT_BYTES) {
    throw new InvalidInputError(
      `the environment of \`${functionName}\` would take ${bytes} bytes; Lambda allows ${MAX_ENVIRONMENT_BYTES}. ` +
        'Use fewer processor functions or a shorter stack name',
    );
  }
}
