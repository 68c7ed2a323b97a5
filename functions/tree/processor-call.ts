/**
 * One processor invocation from an allocator step, search or rows alike: sent with the step's deadline
 * and the configured attempt timeout, every attempt counted in the step's stats, and the reply's cost
 * (its wall time, container start, bytes read, cold and warm partitions) added to them.
 */
import { callFunction } from '../invoke/call-function.ts';
import type { FunctionRuntime } from '../runtime.ts';
import type { PathStats } from '../wire/path-stats.ts';

export interface ProcessorCallContext {
  readonly runtime: FunctionRuntime;
  /** Epoch ms by which the step needs the answer. */
  readonly deadline: number;
  readonly stats: PathStats;
}

/** What every processor reply says about its cost. */
interface ReplyCost {
  readonly ms: number;
  readonly containerStart: boolean;
  readonly parts: readonly { readonly bytesFetched: number; readonly cold: boolean }[];
}

/** Sends `payload` to `functionName` (`what` names the call in messages); the parsed JSON reply. */
export function invokeProcessor(
  { runtime, deadline, stats }: ProcessorCallContext,
  functionName: string,
  payload: unknown,
  what: string,
): Promise<unknown> {
  return callFunction(runtime.invoker, functionName, JSON.stringify(payload), {
    what,
    deadline,
    attemptTimeoutMs: runtime.config.invokeTimeoutMs,
    onAttempt: (attempt) => {
      stats.processorInvocations++;
      if (attempt > 0) stats.retries++;
    },
  });
}

/** Adds a checked reply's cost to the step's stats. */
export function countReply(stats: PathStats, reply: ReplyCost): void {
  stats.processorMs += reply.ms;
  if (reply.containerStart) stats.containerStarts++;
  for (const part of reply.parts) {
    stats.bytesFetched += part.bytesFetched;
    if (part.cold) stats.partitionLoads++;
    else stats.partitionCacheHits++;
  }
}
