import type { RemovalPolicy, StackProps } from 'aws-cdk-lib';
import type { FunctionUrlAuthType } from 'aws-cdk-lib/aws-lambda';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { LogLevel } from './telemetry.ts';

/** Sizing of one function role. Every field is optional; the defaults are in `STACK_DEFAULTS`. */
export interface FunctionSettings {
  /**
   * Memory in MiB (128–10,240). Lambda gives CPU in proportion: 1,769 MiB is one full vCPU.
   * @default coordinator 1024, allocator 1024, processor 1769
   */
  readonly memoryMiB?: number;
  /**
   * Timeout in seconds (1–900, Lambda's 15 minutes). The tree fails from the bottom up, so each caller
   * outlives what it calls: processor timeout < `invokeTimeoutMs` (Lambda's own timeout reports before the
   * caller gives up on an attempt), 2 × `invokeTimeoutMs` ≤ allocator timeout (one attempt and its retry)
   * and allocator timeout < coordinator timeout.
   * @default coordinator 90, allocator 60, processor 10
   */
  readonly timeoutSeconds?: number;
  /**
   * Reserved concurrency: caps (and guarantees) concurrent environments of this role. Reserving takes
   * concurrency away from the rest of the account, whose unreserved pool must stay ≥ 100.
   * @default none (the account's unreserved pool)
   */
  readonly reservedConcurrency?: number;
  /**
   * Provisioned concurrency: environments Lambda keeps initialised, so that the first requests after a
   * quiet spell (or a burst up to this many at once) skip the cold start. Billed for every second it is
   * configured, used or not. Set on an alias `live` of the function's current version, which its callers
   * (and, for the coordinator, the Function URL) then invoke. 0 turns it off. At most
   * `reservedConcurrency` when that is set.
   * @default 0 (off: every environment starts on demand)
   */
  readonly provisionedConcurrency?: number;
  /**
   * Memory a warm container may fill with cached index sections, in MiB (SQUASH_CACHE_BUDGET_MIB).
   * @default half of `memoryMiB`
   */
  readonly cacheBudgetMiB?: number;
}

/**
 * Sizing of the compactor (docs/writes.md "Compaction"). Every field is optional; the defaults are in
 * `STACK_DEFAULTS`. It has no cache budget (it reads a whole version once per run) and no provisioned
 * concurrency (it is invoked asynchronously, rarely, and a cold start is small next to a compaction).
 */
export interface CompactorSettings {
  /**
   * Memory in MiB (128–10,240). A compaction holds the rows it re-encodes and re-trains partitions, so
   * it wants both memory and CPU (3,008 MiB is about 1.7 vCPUs).
   * @default 3008
   */
  readonly memoryMiB?: number;
  /**
   * Timeout in seconds (1–900). A compaction that times out leaves `CURRENT` untouched and the next
   * one starts over, so give it Lambda's full 15 minutes unless indexes are small.
   * @default 900
   */
  readonly timeoutSeconds?: number;
  /**
   * Reserved concurrency. 1 runs the stack's compactions one at a time: the coordinator's asynchronous
   * triggers wait in Lambda's event queue meanwhile (a second compaction of the same index would lose
   * the race to publish anyway). `'none'` takes concurrency from the account's unreserved pool instead,
   * which accounts with a concurrency quota below 101 need (Lambda keeps 100 unreserved); concurrent
   * compactions are then safe but may do wasted work.
   * @default 1
   */
  readonly reservedConcurrency?: number | 'none';
}

/**
 * Sizing of the builder, the function a build fanned out over Lambda runs its tasks in
 * (docs/build-on-lambda.md: `squash build --on-lambda`). Every field is optional; the defaults are in
 * `STACK_DEFAULTS`. No provisioned concurrency: builds are rare and a cold start is small next to a task.
 */
export interface BuilderSettings {
  /**
   * Memory in MiB (128–10,240). It is the build's memory budget: the driver sizes input chunks by it, so
   * more memory means fewer, larger chunks (fewer tasks and shard objects) and more CPU per task (Lambda
   * gives 1 vCPU at 1,769 MiB). 3,008 MiB is the largest size every account may use without asking
   * AWS for more (new accounts are capped there until a quota increase).
   * @default 3008
   */
  readonly memoryMiB?: number;
  /**
   * Timeout in seconds (1–900). One task (a chunk's sample or assignment, k-means, one partition's
   * encoding) must finish within it; a task that times out is retried, then fails the build (resumable).
   * The driver waits this long plus a margin for each task.
   * @default 900 (Lambda's longest: a task's length grows with the data)
   */
  readonly timeoutSeconds?: number;
  /**
   * Reserved concurrency: caps (and guarantees) the builder environments of every build together. The
   * CLI's `--concurrency` already bounds one build's fan-out, and a reservation would take concurrency
   * from the search functions all the time, builds or not, so by default there is none. Set a number to
   * keep several simultaneous builds from throttling searches (`'none'` says the default explicitly).
   * @default 'none' (the account's unreserved pool)
   */
  readonly reservedConcurrency?: number | 'none';
}

/**
 * Thresholds of the stack's CloudWatch alarms (docs/operate.md "Alarms"). Every field is optional; the
 * defaults are in `STACK_DEFAULTS`. An alarm fires when its statistic over one period reaches the
 * threshold in `evaluationPeriods` consecutive periods, and a period without data never fires it.
 */
export interface AlarmSettings {
  /**
   * Errors (AWS/Lambda `Errors`, Sum per period) of one function that fire its errors alarm: crashes,
   * timeouts and out-of-memory ends. Typed errors the functions answer (4xx, `{ error }` replies) are
   * not Lambda errors. Raise it if occasional retried failures are acceptable.
   * @default 1
   */
  readonly errors?: number;
  /**
   * Throttled invocations (AWS/Lambda `Throttles`, Sum per period) of one function that fire its
   * throttles alarm. Throttling means the account's or the function's concurrency ran out.
   * @default 1
   */
  readonly throttles?: number;
  /**
   * The timeouts alarm of a function fires when its p99 `Duration` reaches this percentage of its
   * timeout: at least 1 % of its invocations ran (nearly) until Lambda would stop them.
   * @default 90
   */
  readonly timeoutPercent?: number;
  /**
   * p99 latency of the search URL (AWS/Lambda `UrlRequestLatency` of the coordinator) in ms that fires
   * the latency alarm. At most the coordinator's timeout. Set it to about twice the p99 your workload
   * shows on the dashboard.
   * @default 5000
   */
  readonly searchLatencyP99Ms?: number;
  /**
   * Partitions that failed after their retry (`Squash` `MissingPartitions`, service
   * `squash-coordinator`, Sum per period) that fire the missing-partitions alarm. Not created when
   * `metrics` is off.
   * @default 1
   */
  readonly missingPartitions?: number;
  /**
   * Length of one alarm period in seconds: a multiple of 60 (Lambda's metrics have one-minute
   * resolution). Longer periods smooth spikes and report later.
   * @default 300
   */
  readonly periodSeconds?: number;
  /**
   * Consecutive periods that must breach before an alarm fires. More: fewer alarms on short spikes,
   * later alarms on real trouble. `periodSeconds × evaluationPeriods` is at most one day.
   * @default 1
   */
  readonly evaluationPeriods?: number;
  /**
   * ARN of an SNS topic notified when an alarm fires and when it recovers (in the stack's region).
   * Subscribe e-mail, chat or paging to it.
   * @default none (alarms show in the console and on the dashboard only)
   */
  readonly topicArn?: string;
}

export interface SearchStackProps extends StackProps {
  /**
   * Key prefix under which indexes live in the bucket; functions may read only below it.
   * @default 'indexes/'
   */
  readonly indexPrefix?: string;
  /**
   * G, the number of processor functions; partition p is served by function p mod G. More functions
   * keep more partitions warm in dedicated containers; fewer share warm containers between partitions.
   * Each one adds seven resources (function, role, policy, log group and three alarms), and a
   * CloudFormation stack holds at most 500, so at most 64 are accepted (fewer fit with provisioned
   * concurrency, which adds a version and an alias each; CDK's synth then says so).
   * @default 8
   */
  readonly processorFunctions?: number;
  /** @default see `FunctionSettings` */
  readonly coordinator?: FunctionSettings;
  /** @default see `FunctionSettings` */
  readonly allocator?: FunctionSettings;
  /** Applies to each of the G processor functions. @default see `FunctionSettings` */
  readonly processor?: FunctionSettings;
  /** @default see `CompactorSettings` */
  readonly compactor?: CompactorSettings;
  /** @default see `BuilderSettings` */
  readonly builder?: BuilderSettings;
  /**
   * Buckets the builder may read build inputs from (`s3:GetObject` on their objects and `s3:ListBucket`,
   * so that a missing input is a 404): inputs usually sit in another bucket than the index. The index
   * bucket's index prefix is readable without naming it here.
   * @default [] (inputs under the index prefix only)
   */
  readonly buildInputBuckets?: readonly string[];
  /**
   * Rows (upserted vectors plus deleted ids) an index's write log may gain since its last compaction
   * before the coordinator triggers the compactor. Lower keeps the log that every search applies short;
   * higher compacts (rewrites partitions) less often.
   * @default 10000
   */
  readonly compactAfterRows?: number;
  /**
   * Seconds a compaction keeps the versions it retired and the log objects it folded, so that searches
   * in flight finish on their snapshot and a retried write still finds its token. At least the
   * coordinator's timeout (the longest a search runs); longer keeps replaced data in the bucket longer.
   * @default 900 (Lambda's longest run)
   */
  readonly retentionSeconds?: number;
  /**
   * Allocator tree fan-out b. Wider trees start more allocators per hop (faster fan-out for big batches,
   * more concurrent invocations).
   * @default 4
   */
  readonly treeBranching?: number;
  /**
   * Allocator tree depth l; a batch is served by up to b + b² + … + b^l allocators. Deeper trees add a hop
   * of latency per level.
   * @default 2
   */
  readonly treeDepth?: number;
  /**
   * How long a caller waits for one downstream Invoke attempt before its single retry, in ms.
   * @default 12000 (above the processor timeout, so Lambda's own timeout reports first)
   */
  readonly invokeTimeoutMs?: number;
  /**
   * Queries accepted in one `POST /search` request; more gets HTTP 413.
   * @default 1000
   */
  readonly maxBatch?: number;
  /**
   * Function URL auth. `NONE` makes the search URL public: anyone who learns it can query and run up
   * the bill. Only set it on purpose.
   * @default FunctionUrlAuthType.AWS_IAM (callers sign requests with SigV4)
   */
  readonly urlAuthType?: FunctionUrlAuthType;
  /**
   * Origins allowed by CORS on the search URL (browser callers). Empty means no CORS configuration.
   * @default []
   */
  readonly corsAllowedOrigins?: readonly string[];
  /**
   * What `cdk destroy` does with the index bucket. `DESTROY` deletes it only when it is empty (no
   * auto-delete custom resource is installed).
   * @default RemovalPolicy.RETAIN
   */
  readonly bucketRemovalPolicy?: RemovalPolicy;
  /**
   * Retention of every function's log group (log groups are deleted with the stack).
   * @default RetentionDays.ONE_MONTH
   */
  readonly logRetention?: RetentionDays;
  /**
   * Level of the functions' JSON logs (`POWERTOOLS_LOG_LEVEL`). `DEBUG` logs every request in detail and
   * costs CloudWatch Logs ingestion; `WARN` and `ERROR` keep only trouble.
   * @default 'INFO'
   */
  readonly logLevel?: LogLevel;
  /**
   * Whether the functions emit metrics (EMF lines in namespace `Squash`). false sets
   * `POWERTOOLS_METRICS_DISABLED=true` and leaves out the missing-partitions alarm and the custom metrics
   * of the dashboard; AWS/Lambda's own metrics and their alarms stay.
   * @default true
   */
  readonly metrics?: boolean;
  /**
   * X-Ray tracing: Lambda active tracing on every function and `POWERTOOLS_TRACE_ENABLED=true`. Traces
   * cost per segment recorded and the execution roles gain X-Ray's write actions (on `*`: X-Ray has no
   * resource-level permissions).
   * @default false
   */
  readonly tracing?: boolean;
  /** @default see `AlarmSettings` */
  readonly alarms?: AlarmSettings;
}
