/**
 * `squash build --threads N`: the build's tasks on N worker threads of this process, each with its share
 * of the memory budget. A thread that dies (out of memory, say) fails its task, which the build retries
 * on a new thread.
 */
import { Worker } from 'node:worker_threads';
import type { BuildTask, BuildTaskResult } from '../../shared/build/build-task.ts';
import { BASELINE_BYTES, type BuildTaskRunner } from '../../shared/build/staged-build.ts';
import { InvalidInputError } from '../../shared/errors/index.ts';

/** A worker thread's own heap and code. */
const THREAD_BYTES = 96 << 20;

interface Reply {
  readonly id: number;
  readonly result?: BuildTaskResult;
  readonly error?: { readonly message: string; readonly invalidInput: boolean };
}

export interface ThreadRunner extends BuildTaskRunner {
  close(): Promise<void>;
}

export function threadRunner(memoryBudget: number, threads: number): ThreadRunner {
  const idle: Worker[] = [];
  const all = new Set<Worker>();
  let nextId = 0;
  const spawn = () => {
    const worker = new Worker(new URL('./build-worker.mjs', import.meta.url));
    all.add(worker);
    return worker;
  };
  return {
    concurrency: threads,
    memoryBytes:
      BASELINE_BYTES + Math.floor((memoryBudget - BASELINE_BYTES - threads * THREAD_BYTES) / threads),
    run: (task: BuildTask) =>
      new Promise<BuildTaskResult>((resolve, reject) => {
        const worker = idle.pop() ?? spawn();
        const id = nextId++;
        const settle = (done: () => void, keep: boolean) => {
          worker.off('message', onMessage);
          worker.off('error', onExit);
          worker.off('exit', onExit);
          if (keep) idle.push(worker);
          else {
            all.delete(worker);
            void worker.terminate();
          }
          done();
        };
        const onMessage = (reply: Reply) => {
          if (reply.id !== id) return;
          if (reply.result) settle(() => resolve(reply.result!), true);
          else {
            const { message, invalidInput } = reply.error!;
            settle(() => reject(invalidInput ? new InvalidInputError(message) : new Error(message)), true);
          }
        };
        const onExit = (cause: unknown) =>
          settle(
            () => reject(new Error(`the build thread stopped while running ${task.kind}: ${String(cause)}`)),
            false,
          );
        worker.on('message', onMessage);
        worker.once('error', onExit);
        worker.once('exit', onExit);
        worker.postMessage({ id, task });
      }),
    close: async () => {
      await Promise.all([...all].map((worker) => worker.terminate()));
    },
  };
}
