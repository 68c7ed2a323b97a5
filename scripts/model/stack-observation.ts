/**
 * Measuring request kinds on the local stack for the model (`validate.ts`). Each kind is warmed until
 * a pass over it starts no environment on the host and makes no cold partition load or container
 * start, then timed in chunks that `validate.ts` interleaves with the other kinds' (so a change in
 * the machine's speed hits calibration and held-out kinds alike): the median latency of its requests,
 * what their responses report, the CPU the stack's processes used over them (Linux /proc, this
 * process included: the Lambda host, the S3 server and the client), and the environments that started
 * or exited while timed (an exited one takes its CPU with it; a started one brings its init). And the
 * hop: the round trip of an Invoke the processor refuses at once.
 */
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { percentile } from '../bench/latency.ts';
import { type SearchResponse, searchUrl } from '../client/index.ts';
import type { LocalStack } from '../local/index.ts';
import type { Observation } from './calibrate.ts';
import type { ModelConfiguration } from './configuration.ts';
import type { MeasuredInputs } from './measured-inputs.ts';
import { ownCpuMs, processCpuMs } from './process-cpu.ts';

const log = (line: string) => process.stderr.write(`${line}\n`);

export interface Workload {
  readonly label: string;
  readonly batchSize: number;
  /** Single-query requests: this many distinct queries, one after another (batchSize 1). */
  readonly singles?: number;
  readonly filter: unknown;
  readonly selectivity: number;
  readonly maxAllocators: number | undefined;
}

export interface Target {
  readonly stack: LocalStack;
  readonly index: string;
  readonly k: number;
  /** Every query vector as base64 float32, in order. */
  readonly wire: readonly string[];
}

/** What a timed request kind adds to its observation: how clean its timing was. */
export interface TimedObservation extends Observation {
  /** Requests timed. */
  readonly requests: number;
  /** Environments of the stack started, and exited, while this kind was timed (0 when warm). */
  readonly environmentsStarted: number;
  readonly environmentsExited: number;
  /** Cold partition loads and container starts the timed responses reported (0 when warm). */
  readonly coldInTimed: number;
  /** Median latency of the timed requests, ms (`latencyMs` is their mean). */
  readonly medianLatencyMs: number;
  /** Mean latency of each round's requests, ms (its spread shows the machine's drift). */
  readonly roundLatencyMs: readonly number[];
  /** Each timed chunk: the stack's CPU over it and its wall time, ms, and its median latency. */
  readonly chunks: readonly Chunk[];
  /** CPU per request by role: functions' environments, and this process (host, S3 server, client). */
  readonly cpuByRoleMs: Readonly<Record<Role, number>>;
}

export interface Chunk {
  readonly cpuMs: number;
  readonly wallMs: number;
  readonly meanMs: number;
}

/** Whose CPU: a function's environments by role, or `host` (this process: Lambda host, S3, client). */
export type Role = 'coordinator' | 'allocator' | 'processor' | 'host';

interface SearchRequestBody {
  readonly queries: { vectorBase64: string; filter?: unknown }[];
}

/** One request kind on one stack, timed chunk by chunk. */
export class WorkloadRun {
  readonly workload: Workload;
  readonly target: Target;
  readonly #base: ModelConfiguration;
  readonly #requests: readonly SearchRequestBody[];
  readonly #latencies: number[] = [];
  readonly #chunks: Chunk[] = [];
  readonly #responses: SearchResponse[] = [];
  readonly #cpu: Record<Role, number> = { coordinator: 0, allocator: 0, processor: 0, host: 0 };
  #started = 0;
  #exited = 0;
  #cold = 0;

  constructor(target: Target, base: ModelConfiguration, workload: Workload) {
    this.target = target;
    this.workload = workload;
    this.#base = base;
    this.#requests = requestQueries(workload, target.wire.length).map((positions) => ({
      queries: positions.map((q) => ({
        vectorBase64: target.wire[q]!,
        ...(workload.filter === undefined ? {} : { filter: workload.filter }),
      })),
    }));
  }

  /** Requests in one pass over the kind: its singles, or one batch. */
  get passRequests(): number {
    return this.#requests.length;
  }

  /**
   * Runs at least `minPasses` passes (the environments' JIT warms too), then until one starts no
   * environment on the stack and reports no cold load or container start; resolves to the passes run
   * and whether the last was clean.
   */
  async warm(minPasses: number, maxPasses: number): Promise<{ passes: number; clean: boolean }> {
    for (let pass = 1; pass <= maxPasses; pass++) {
      if ((await this.cleanPass()) && pass >= minPasses) return { passes: pass, clean: true };
    }
    return { passes: maxPasses, clean: false };
  }

  /** One untimed pass; true when it started no environment and every response was warm. */
  async cleanPass(): Promise<boolean> {
    const started = environmentsStarted(this.target.stack);
    let cold = 0;
    for (const request of this.#requests) cold += coldOf(await this.#send(request));
    return cold === 0 && environmentsStarted(this.target.stack) === started;
  }

  /** Times `requests` requests (cycling through the kind's requests from where the last chunk ended). */
  async time(requests: number): Promise<void> {
    const { stack } = this.target;
    const startedBefore = environmentsStarted(stack);
    const before = cpuSnapshot(stack);
    const latencies: number[] = [];
    const chunkStarted = performance.now();
    for (let i = 0; i < requests; i++) {
      const request = this.#requests[(this.#responses.length + i) % this.#requests.length]!;
      const started = performance.now();
      const response = await this.#send(request);
      latencies.push(performance.now() - started);
      this.#cold += coldOf(response);
      this.#responses.push(response);
    }
    const after = cpuSnapshot(stack);
    const wallMs = performance.now() - chunkStarted;
    let cpuMs = after.ownMs - before.ownMs;
    this.#started += environmentsStarted(stack) - startedBefore;
    for (const [pid, cpu] of after.perPid) {
      const was = before.perPid.get(pid);
      const used = cpu.ms - (was?.ms ?? 0);
      this.#cpu[cpu.role] += used;
      cpuMs += used;
    }
    for (const pid of before.perPid.keys()) if (!after.perPid.has(pid)) this.#exited += 1;
    this.#cpu.host += after.ownMs - before.ownMs;
    this.#latencies.push(...latencies);
    this.#chunks.push({ cpuMs, wallMs, meanMs: latencies.reduce((s, ms) => s + ms, 0) / latencies.length });
  }

  /** The timed requests' observation (per-request means; median latency). */
  observation(): TimedObservation {
    const responses = this.#responses;
    const n = responses.length;
    if (n === 0) throw new Error(`${this.workload.label}: no request was timed, expected at least one`);
    const mean = (f: (r: SearchResponse) => number) => responses.reduce((s, r) => s + f(r), 0) / n;
    const pairs = (plan: string) =>
      mean((r) => r.results.reduce((s, x) => s + (x.stats.plan === plan ? x.stats.partitionsVisited : 0), 0));
    const latencyMs = this.#latencies.reduce((s, ms) => s + ms, 0) / n;
    log(
      `${this.workload.label}: mean ${latencyMs.toFixed(1)} ms over ${n} requests` +
        ` (rounds ${this.#chunks.map((chunk) => chunk.meanMs.toFixed(1)).join(', ')});` +
        ` ${this.#started} environments started, ${this.#exited} exited, ${this.#cold} cold while timed`,
    );
    const { workload } = this;
    return {
      label: workload.label,
      config: {
        ...this.#base,
        batchSize: workload.batchSize,
        selectivity: workload.selectivity,
        maxAllocators: workload.maxAllocators,
      },
      latencyMs,
      processorMs: mean((r) => r.stats.processorMs),
      cpuMs: {
        processor: this.#cpu.processor / n,
        other: (this.#cpu.coordinator + this.#cpu.allocator + this.#cpu.host) / n,
      },
      processorInvocations: mean((r) => r.stats.processorInvocations),
      allocatorInvocations: mean((r) => r.stats.allocatorInvocations),
      approximatePairs: pairs('approximate'),
      exactPairs: pairs('exact'),
      exactQueries: mean((r) => r.results.filter((x) => x.stats.plan === 'exact').length),
      requests: n,
      environmentsStarted: this.#started,
      environmentsExited: this.#exited,
      coldInTimed: this.#cold,
      medianLatencyMs: percentile(this.#latencies, 0.5),
      roundLatencyMs: this.#chunks.map((chunk) => chunk.meanMs),
      chunks: [...this.#chunks],
      cpuByRoleMs: {
        coordinator: this.#cpu.coordinator / n,
        allocator: this.#cpu.allocator / n,
        processor: this.#cpu.processor / n,
        host: this.#cpu.host / n,
      },
    };
  }

  #send(request: SearchRequestBody): Promise<SearchResponse> {
    const { workload, target } = this;
    return searchUrl(target.stack.searchUrl, {
      index: target.index,
      k: target.k,
      queries: request.queries,
      ...(workload.maxAllocators === undefined ? {} : { options: { maxAllocators: workload.maxAllocators } }),
    });
  }
}

/**
 * The queries of each request of a kind, spread over the whole query set so that every kind samples
 * the same queries (their partitions per query differ: 1.8 over the first 20 of the validation's
 * queries, 3.3 over queries 100–199): `singles` evenly spaced single queries, or consecutive batches
 * that together cover every query once.
 */
export function requestQueries(workload: Workload, queries: number): number[][] {
  if (workload.singles) {
    const stride = queries / workload.singles;
    return Array.from({ length: workload.singles }, (_, r) => [Math.floor(r * stride) % queries]);
  }
  const batches = Math.ceil(queries / workload.batchSize);
  return Array.from({ length: batches }, (_, b) =>
    Array.from({ length: workload.batchSize }, (_, i) => (b * workload.batchSize + i) % queries),
  );
}

/** Processor and allocator functions by name; any other function counts as the coordinator's side. */
function roleOf(functionName: string): Exclude<Role, 'host'> {
  if (/processor/i.test(functionName)) return 'processor';
  if (/allocator/i.test(functionName)) return 'allocator';
  return 'coordinator';
}

function coldOf(response: SearchResponse): number {
  return response.stats.partitionLoads + response.stats.containerStarts;
}

/** Environments the stack's host has started so far, over every function. */
export function environmentsStarted(stack: LocalStack): number {
  return stack.functions.reduce((sum, fn) => sum + stack.stats(fn.name).environmentsStarted, 0);
}

function cpuSnapshot(stack: LocalStack) {
  const perPid = new Map<number, { ms: number; role: Role }>();
  for (const fn of stack.functions) {
    const role = roleOf(fn.name);
    for (const pid of stack.environmentPids(fn.name)) {
      const ms = processCpuMs(pid);
      if (ms !== undefined) perPid.set(pid, { ms, role });
    }
  }
  return { perPid, ownMs: ownCpuMs() };
}

/**
 * The hop: the median round trip of an Invoke whose payload the processor refuses at once (an empty
 * object, then one padded to 1 MiB), so the time is the invoke path and the payload's bytes.
 */
export async function measureHop(
  stack: LocalStack,
): Promise<Pick<MeasuredInputs, 'invokeMs' | 'payloadMsPerMiB'>> {
  const processor = stack.functions.find((fn) => /processor/i.test(fn.name));
  if (!processor) throw new Error(`the stack has no processor among ${stack.functions.map((fn) => fn.name)}`);
  const lambda = new LambdaClient({
    endpoint: stack.lambdaEndpoint,
    region: stack.env.AWS_REGION,
    credentials: {
      accessKeyId: stack.env.AWS_ACCESS_KEY_ID,
      secretAccessKey: stack.env.AWS_SECRET_ACCESS_KEY,
    },
  });
  const time = async (payload: string, times: number) => {
    const ms: number[] = [];
    for (let i = 0; i < times + 3; i++) {
      const started = performance.now();
      await lambda.send(new InvokeCommand({ FunctionName: processor.name, Payload: payload }));
      if (i >= 3) ms.push(performance.now() - started);
    }
    return percentile(ms, 0.5);
  };
  try {
    const invokeMs = await time('{}', 40);
    const big = await time(JSON.stringify({ pad: 'x'.repeat(2 ** 20) }), 15);
    return { invokeMs, payloadMsPerMiB: Math.max(0, big - invokeMs) };
  } finally {
    lambda.destroy();
  }
}
