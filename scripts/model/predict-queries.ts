/**
 * The query-side prediction for one configuration: latency along the critical path of the invocation
 * tree, invocations, peak concurrency, payload bytes per hop and dollars per million queries.
 *
 * Critical path (every term in ms; CPU terms divided by the function's vCPU share):
 *   request      = requestMs + q·coordinatorQueryMs
 *   step(n)      = n·ops·allocatorNsPerOp + n·visits·resultPairMs      ops = P·D (+ P·256, or N per filter attribute)
 *   hop(req,res) = invokeMs + (req + res)/MiB · payloadMsPerMiB
 *   call         = hop + processorCallMs + pairs·pairMs + (1 − warm^calls)·load
 *   node(x)      = allocatorCallMs + subtree(x)·coordinatorQueryMs
 *                  + max(step(own) + max call(own), max over c: hop + node(c))
 *   latency      = request + (no tree: step(q) + max call(q)) | (tree: max over level-1 c: hop + node(c))
 * With `cores` (the local stack) the request also cannot beat its total CPU work W over the cores:
 * latency = max(critical path, W / cores), W = request + Σ nodes' own CPU + Σ steps
 * + invocations·invokeCpuMs + Σ call handlers.
 */
import { TREE_ROOT, type TreeNode } from '../../shared/plan/invocation-tree.ts';
import type { ModelConfiguration } from './configuration.ts';
import type { Environment } from './environment.ts';
import { partitionBytes } from './index-size.ts';
import type { MeasuredInputs } from './measured-inputs.ts';
import { queriesRequestBytes, queriesResponseBytes } from './payload-sizes.ts';
import { type AwsPrices, DEFAULT_PRICES, lambdaCost } from './prices.ts';
import { type CallGroup, processorCalls } from './processor-calls.ts';
import { type QueryWork, queryWork } from './query-work.ts';
import { stepOpsPerQuery, treeFor } from './tree-sizing.ts';

/** HEADs of CURRENT and of the next log object per request (functions/index-log.ts). */
const HEADS_PER_REQUEST = 2;
/** Range GETs per partition load: the search sections, then the vectors. */
const GETS_PER_LOAD = 2;

export interface QueryPrediction {
  readonly work: QueryWork;
  /** Allocators in the tree (0: the coordinator runs the step). */
  readonly allocators: number;
  readonly treeShape: { readonly branching: number; readonly depth: number } | undefined;
  readonly latencyMs: number;
  readonly criticalPathMs: number;
  /** Total work of the request over every function, ms. */
  readonly workMs: number;
  readonly processorInvocations: number;
  /** 1 (coordinator) + allocators + processor calls. */
  readonly invocations: number;
  readonly peakConcurrency: number;
  readonly bytes: {
    readonly request: number;
    readonly response: number;
    readonly allocatorRequest: number;
    readonly allocatorResponse: number;
    readonly processorRequest: number;
    readonly processorResponse: number;
  };
  /** Billed durations of one request, ms. */
  readonly billedMs: {
    readonly coordinator: number;
    readonly allocators: number;
    readonly processors: number;
  };
  /** Longest single invocation per role, ms (against the timeouts). */
  readonly longestMs: {
    readonly coordinator: number;
    readonly allocator: number;
    readonly processor: number;
  };
  readonly costPerRequest: number;
  readonly costPerMillionQueries: number;
}

export function predictQueries(
  config: ModelConfiguration,
  inputs: MeasuredInputs,
  environment: Environment,
  prices: AwsPrices = DEFAULT_PRICES,
): QueryPrediction {
  const work = queryWork(config, inputs);
  const q = config.batchSize;
  const cpu = (role: keyof ModelConfiguration['memoryMiB']) => environment.cpuShare(config.memoryMiB[role]);
  const hop = (request: number, response: number) =>
    environment.invokeMs + ((request + response) / 2 ** 20) * environment.payloadMsPerMiB;
  const loadMs =
    inputs.s3FirstByteMs * GETS_PER_LOAD + (partitionBytes(config, inputs) / 2 ** 20 / inputs.s3MiBps) * 1000;
  const opsPerQuery = stepOpsPerQuery(config);

  let totalWork = 0;
  let processorInvocations = 0;
  let processorBilled = 0;
  let longestCall = 0;
  let largestCall: CallGroup | undefined;
  /** An allocator step over `n` queries run by `role`: its own time until its last call answers. */
  const step = (n: number, role: 'coordinator' | 'allocator') => {
    const group = processorCalls(config, inputs, work, n);
    const stepMs =
      ((n * opsPerQuery * inputs.allocatorNsPerOp) / 1e6 + group.calls * group.pairs * inputs.resultPairMs) /
      cpu(role);
    const callHandler = group.handlerMs / cpu('processor');
    const coldShare = 1 - config.warmShare;
    const callMs = group.calls > 0 ? hop(group.requestBytes, group.responseBytes) + callHandler : 0;
    const slowest = group.calls > 0 ? callMs + (1 - config.warmShare ** group.calls) * loadMs : 0;
    totalWork += stepMs + group.calls * (inputs.invokeCpuMs + callHandler);
    processorInvocations += group.calls;
    processorBilled += group.calls * (callHandler + coldShare * loadMs);
    longestCall = Math.max(longestCall, callHandler + (coldShare > 0 ? loadMs : 0));
    if (!largestCall || group.requestBytes > largestCall.requestBytes) largestCall = group;
    return stepMs + slowest;
  };

  const requestMs = (inputs.requestMs + q * inputs.coordinatorQueryMs) / cpu('coordinator');
  totalWork += requestMs;
  const tree = treeFor(config);
  let below: number;
  let allocatorBilled = 0;
  let longestAllocator = 0;
  let allocatorRequest = 0;
  let allocatorResponse = 0;
  if (tree === undefined) {
    below = step(q, 'coordinator');
  } else {
    const node = (at: TreeNode): number => {
      const own = tree.ownSlice(at.id, q);
      const subtree = tree.subtreeSlice(at, q);
      // It parses, forwards and merges its whole subtree's queries, as the coordinator does a request's.
      const handling =
        (inputs.allocatorCallMs + (subtree.end - subtree.start) * inputs.coordinatorQueryMs) /
        cpu('allocator');
      totalWork += handling;
      const mine = step(own.end - own.start, 'allocator');
      let children = 0;
      for (const child of tree.children(at)) children = Math.max(children, edge(child));
      const ms = handling + Math.max(mine, children);
      allocatorBilled += ms;
      longestAllocator = Math.max(longestAllocator, ms);
      return ms;
    };
    const edge = (child: TreeNode): number => {
      const range = tree.subtreeSlice(child, q);
      const request = queriesRequestBytes(config, range.end - range.start);
      const response = queriesResponseBytes(config, range.end - range.start);
      allocatorRequest = Math.max(allocatorRequest, request);
      allocatorResponse = Math.max(allocatorResponse, response);
      const hopMs = hop(request, response);
      totalWork += inputs.invokeCpuMs;
      return hopMs + node(child);
    };
    below = 0;
    for (const child of tree.children(TREE_ROOT)) below = Math.max(below, edge(child));
  }
  const criticalPathMs = requestMs + below;
  const latencyMs =
    environment.cores === undefined
      ? criticalPathMs
      : Math.max(criticalPathMs, totalWork / environment.cores);
  const allocators = tree?.allocators ?? 0;
  const memory = config.memoryMiB;
  const costPerRequest =
    lambdaCost(prices, memory.coordinator, latencyMs, 1) +
    lambdaCost(prices, memory.allocator, allocatorBilled, allocators) +
    lambdaCost(prices, memory.processor, processorBilled, processorInvocations) +
    HEADS_PER_REQUEST * prices.s3Get +
    processorInvocations * (1 - config.warmShare) * GETS_PER_LOAD * prices.s3Get;
  return {
    work,
    allocators,
    treeShape: tree ? { branching: tree.branching, depth: tree.depth } : undefined,
    latencyMs,
    criticalPathMs,
    workMs: totalWork,
    processorInvocations,
    invocations: 1 + allocators + processorInvocations,
    peakConcurrency: config.concurrentRequests * (1 + allocators + processorInvocations),
    bytes: {
      request: queriesRequestBytes(config, q),
      response: queriesResponseBytes(config, q),
      allocatorRequest,
      allocatorResponse,
      processorRequest: largestCall?.requestBytes ?? 0,
      processorResponse: largestCall?.responseBytes ?? 0,
    },
    billedMs: { coordinator: latencyMs, allocators: allocatorBilled, processors: processorBilled },
    longestMs: { coordinator: latencyMs, allocator: longestAllocator, processor: longestCall },
    costPerRequest,
    costPerMillionQueries: (costPerRequest / q) * 1e6,
  };
}
