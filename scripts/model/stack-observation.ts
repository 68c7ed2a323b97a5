/**
 * Measuring one request kind on the local stack for the model (`validate.ts`): warm it up until a pass
 * has no cold partition load or container start, then time it — the median latency of its requests,
 * what their responses report, and the CPU the stack's processes used over them (Linux /proc, this
 * process included: the Lambda host, the S3 server and the client). And the hop: the round trip of an
 * Invoke the processor refuses at once.
 */
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { percentile } from '../bench/latency.ts';
import { type SearchResponse, searchUrl } from '../client/index.ts';
import type { LocalStack } from '../local/index.ts';
import type { Observation } from './calibrate.ts';
import type { ModelConfiguration } from './configuration.ts';
import type { MeasuredInputs } from './measured-inputs.ts';
import { ownCpuMs, processesCpuMs } from './process-cpu.ts';

/** Warm-up passes before timing anyway. */
const MAX_WARMUP = 12;
const log = (line: string) => process.stderr.write(`${line}\n`);

export interface Workload {
  readonly label: string;
  readonly batchSize: number;
  /** Single-query requests: this many, one after another (batchSize 1). */
  readonly singles?: number;
  readonly filter: unknown;
  readonly selectivity: number;
  readonly maxAllocators: number | undefined;
  readonly passes?: number;
}

export interface Target {
  readonly stack: LocalStack;
  readonly index: string;
  readonly k: number;
  /** Every query vector as base64 float32, in order. */
  readonly wire: readonly string[];
}

/** Warm up, then time one request kind; per-request means of what the responses report. */
export async function observe(
  target: Target,
  base: ModelConfiguration,
  workload: Workload,
): Promise<Observation> {
  const { stack, wire } = target;
  const requests: { queries: { vectorBase64: string; filter?: unknown }[] }[] = [];
  const count = workload.singles ?? 1;
  for (let r = 0; r < count; r++) {
    const positions = workload.singles ? [r] : Array.from({ length: workload.batchSize }, (_, q) => q);
    requests.push({
      queries: positions.map((q) => ({
        vectorBase64: wire[q]!,
        ...(workload.filter === undefined ? {} : { filter: workload.filter }),
      })),
    });
  }
  const send = (request: (typeof requests)[number]) =>
    searchUrl(stack.searchUrl, {
      index: target.index,
      k: target.k,
      queries: request.queries,
      ...(workload.maxAllocators === undefined ? {} : { options: { maxAllocators: workload.maxAllocators } }),
    });
  for (let pass = 0; pass < MAX_WARMUP; pass++) {
    let cold = 0;
    for (const request of requests) {
      const response = await send(request);
      cold += response.stats.partitionLoads + response.stats.containerStarts;
    }
    if (cold === 0) break;
  }
  const passes = workload.singles ? 1 : (workload.passes ?? 12);
  const latencies: number[] = [];
  const responses: SearchResponse[] = [];
  const processors = stack.functions.filter((fn) => /processor/i.test(fn.name)).map((fn) => fn.name);
  const cpu = () => {
    const processorPids = processors.flatMap((name) => stack.environmentPids(name));
    const all = processesCpuMs(stack.environmentPids()) + ownCpuMs();
    const processor = processesCpuMs(processorPids);
    return { processor, other: all - processor };
  };
  const before = cpu();
  for (let pass = 0; pass < passes; pass++) {
    for (const request of requests) {
      const started = performance.now();
      responses.push(await send(request));
      latencies.push(performance.now() - started);
    }
  }
  const after = cpu();
  const mean = (f: (r: SearchResponse) => number) =>
    responses.reduce((s, r) => s + f(r), 0) / responses.length;
  const pairs = (plan: string) =>
    mean((r) => r.results.reduce((s, x) => s + (x.stats.plan === plan ? x.stats.partitionsVisited : 0), 0));
  const latencyMs = percentile(latencies, 0.5);
  log(`${workload.label}: ${latencyMs.toFixed(1)} ms`);
  return {
    label: workload.label,
    config: {
      ...base,
      batchSize: workload.batchSize,
      selectivity: workload.selectivity,
      maxAllocators: workload.maxAllocators,
    },
    latencyMs,
    processorMs: mean((r) => r.stats.processorMs),
    cpuMs: {
      processor: (after.processor - before.processor) / responses.length,
      other: (after.other - before.other) / responses.length,
    },
    processorInvocations: mean((r) => r.stats.processorInvocations),
    allocatorInvocations: mean((r) => r.stats.allocatorInvocations),
    approximatePairs: pairs('approximate'),
    exactPairs: pairs('exact'),
    exactQueries: mean((r) => r.results.filter((x) => x.stats.plan === 'exact').length),
  };
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
