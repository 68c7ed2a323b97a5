/**
 * One local Lambda execution environment: a forked child process running lambda-runtime.mjs, which
 * imports the handler module once and then serves one invocation at a time, keeping module state
 * between them. The process is forked when the host's launch gate grants a slot (launch-gate.ts);
 * until then the environment is pending and `kill()` cancels it without ever starting a process.
 * Init gets its own limit, counted from the fork (10 s, as on Lambda, unless the caller gives
 * another: a retried "suppressed" init runs under the function timeout); an invocation that outlives
 * the function timeout kills the process (`Sandbox.Timedout`); a process that dies mid-invocation
 * yields `Runtime.ExitError`. A failed environment is never reused.
 *
 * Node starts with the V8 flags Lambda's own Node.js bootstrap (`/var/runtime/bootstrap`) derives from
 * the function's memory M (AWS_LAMBDA_FUNCTION_MEMORY_SIZE, MiB): new space = M / 10, semi-space =
 * new space / 2, old space = M − new space, plus `--expose-gc` and `--max-http-header-size 81920`
 * (`lambdaNodeArgs`). Without them V8 sizes its heap from this machine's RAM (a 4.2 GB limit on a
 * 24 GB box instead of 1.1 GB for a 1,024 MiB function) and, with that headroom, lets the old
 * generation of a busy environment grow to two or three times its live data between full GCs: under
 * sustained load a coordinator environment reached 280 MiB instead of about 220 MiB, and kept growing
 * for a minute (docs/performance.md, "Local stack under load"). With the flags a handler that needs
 * more than its memory fails here as it would on Lambda (heap out of memory), instead of passing
 * locally. The memory itself is still not enforced: RSS beyond M is not killed.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import type { FunctionErrorBody } from './lambda-function.ts';
import type { LaunchGate } from './launch-gate.ts';

const RUNTIME = new URL('./lambda-runtime.mjs', import.meta.url);

/** Lambda's limit on the Init phase of an on-demand environment, in ms. */
export const INIT_LIMIT_MS = 10_000;

/** Lambda's `--max-http-header-size` for Node.js functions, in bytes. */
const LAMBDA_MAX_HTTP_HEADER_SIZE = 81_920;

export interface EnvironmentLaunch {
  readonly functionName: string;
  /** The function's memory (AWS_LAMBDA_FUNCTION_MEMORY_SIZE), which sizes the V8 heap as on Lambda. @default 128 */
  readonly memoryMiB?: number;
  readonly codeDirectory: string;
  readonly handler: string;
  readonly nodeBinary: string;
  readonly environment: Readonly<Record<string, string>>;
  readonly onLog: (line: string) => void;
}

export interface InvocationRequest {
  readonly requestId: string;
  /** The event as JSON text. */
  readonly payload: string;
  readonly timeoutMs: number;
  readonly invokedFunctionArn: string;
}

export type InvocationOutcome =
  | { readonly kind: 'result'; readonly payload: string }
  | { readonly kind: 'error'; readonly error: FunctionErrorBody; readonly timedOut: boolean };

type ChildMessage =
  | { type: 'ready' }
  | { type: 'init-error'; error: FunctionErrorBody }
  | { type: 'result'; id: number; payload: string }
  | { type: 'error'; id: number; error: FunctionErrorBody };

export class LambdaEnvironment {
  #child: ChildProcess | undefined;
  readonly #ready: Promise<FunctionErrorBody | undefined>;
  #settleReady: (error: FunctionErrorBody | undefined) => void = () => {};
  readonly #cancelLaunch: () => boolean;
  /** False from the moment the environment is killed, disconnects or exits: it must not be reused. */
  #alive = true;
  #exitReason = '';
  #nextId = 0;
  #initMs: number | undefined;
  #pending: { id: number; requestId: string; settle: (outcome: InvocationOutcome) => void } | undefined;
  readonly #exitListeners: (() => void)[] = [];
  readonly #forkListeners: (() => void)[] = [];

  /**
   * @param rank the gate's priority for this launch (lower first), see LaunchGate
   * @param initLimitMs how long init may take once the process is forked. @default INIT_LIMIT_MS
   */
  constructor(launch: EnvironmentLaunch, gate: LaunchGate, rank: () => number, initLimitMs = INIT_LIMIT_MS) {
    this.#ready = new Promise((resolve) => {
      this.#settleReady = resolve;
    });
    this.#cancelLaunch = gate.enqueue((release) => {
      this.#ready.then(release);
      this.#fork(launch, initLimitMs);
      for (const listener of this.#forkListeners.splice(0)) listener();
    }, rank);
  }

  #fork(launch: EnvironmentLaunch, initLimitMs: number): void {
    const forkedAt = performance.now();
    const child = fork(RUNTIME, [launch.codeDirectory, launch.handler], {
      cwd: launch.codeDirectory,
      env: launch.environment,
      execPath: launch.nodeBinary,
      execArgv: lambdaNodeArgs(launch.memoryMiB ?? 128),
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      serialization: 'json',
    });
    this.#child = child;
    forwardLines(child.stdout, launch.onLog);
    forwardLines(child.stderr, launch.onLog);
    const timer = setTimeout(() => {
      this.kill();
      settle({
        errorType: 'Sandbox.Timedout',
        errorMessage: `Init phase timed out after ${(initLimitMs / 1000).toFixed(2)} seconds`,
      });
    }, initLimitMs);
    let settled = false;
    const settle = (error: FunctionErrorBody | undefined) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error === undefined) this.#initMs = performance.now() - forkedAt;
      // A failed init leaves the lines Lambda writes to the function's log, so the reason is not silent.
      else {
        launch.onLog(JSON.stringify({ errorType: error.errorType, errorMessage: error.errorMessage }));
        launch.onLog(
          `INIT_REPORT Init Duration: ${(performance.now() - forkedAt).toFixed(2)} ms Phase: init Status: error Error Type: ${error.errorType}`,
        );
      }
      this.#settleReady(error);
    };
    child.on('message', (message: ChildMessage) => {
      if (message.type === 'ready') settle(undefined);
      else if (message.type === 'init-error') settle(message.error);
      else this.#onReply(message);
    });
    child.once('disconnect', () => {
      this.#alive = false;
    });
    child.once('exit', (code, signal) => {
      this.#alive = false;
      this.#exitReason = signal === null ? `exit status ${code}` : `signal: ${signalName(signal)}`;
      settle({
        errorType: 'Runtime.ExitError',
        errorMessage: `Runtime exited with error: ${this.#exitReason}`,
      });
      this.#onExit();
    });
    // A failed send or spawn surfaces here; the exit handler settles whatever was pending.
    child.on('error', () => this.kill());
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  get alive(): boolean {
    return this.#alive;
  }

  /** True once the process exists (the launch gate granted its slot). */
  get forked(): boolean {
    return this.#child !== undefined;
  }

  /** How long init took, from the fork to `ready`, in ms; undefined until it succeeded. */
  get initMs(): number | undefined {
    return this.#initMs;
  }

  onExit(listener: () => void): void {
    this.#exitListeners.push(listener);
  }

  /** Runs `listener` when the process is forked (never, if the environment is cancelled first). */
  onFork(listener: () => void): void {
    if (this.forked) listener();
    else this.#forkListeners.push(listener);
  }

  /** Resolves when the handler module is loaded; `false` when init failed (the environment is then dead). */
  async initialised(): Promise<boolean> {
    return (await this.#ready) === undefined;
  }

  /** Resolves when init has ended: undefined when the handler is loaded, else Lambda's error. */
  initError(): Promise<FunctionErrorBody | undefined> {
    return this.#ready;
  }

  async invoke(request: InvocationRequest): Promise<InvocationOutcome> {
    const initError = await this.#ready;
    if (initError !== undefined) {
      this.kill();
      return { kind: 'error', error: withRequestId(initError, request.requestId), timedOut: false };
    }
    if (!this.#alive) return this.#exitOutcome(request.requestId);
    const id = this.#nextId++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#pending = undefined;
        this.kill();
        resolve(taskTimedOut(request.requestId, request.timeoutMs));
      }, request.timeoutMs);
      this.#pending = {
        id,
        requestId: request.requestId,
        settle: (outcome) => {
          clearTimeout(timer);
          this.#pending = undefined;
          resolve(outcome);
        },
      };
      this.#child!.send({
        type: 'invoke',
        id,
        payload: request.payload,
        requestId: request.requestId,
        deadlineMs: Date.now() + request.timeoutMs,
        invokedFunctionArn: request.invokedFunctionArn,
      });
    });
  }

  /** Kills the process, or cancels the launch when it has not been forked yet. */
  kill(): void {
    const child = this.#child;
    if (child === undefined) {
      if (!this.#alive || !this.#cancelLaunch()) return;
      this.#alive = false;
      this.#exitReason = 'cancelled before start';
      this.#settleReady({
        errorType: 'Runtime.ExitError',
        errorMessage: 'Runtime exited with error: cancelled',
      });
      this.#onExit();
      return;
    }
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    this.#alive = false;
  }

  #onReply(message: Extract<ChildMessage, { id: number }>): void {
    const pending = this.#pending;
    if (pending === undefined || pending.id !== message.id) return;
    if (message.type === 'result') pending.settle({ kind: 'result', payload: message.payload });
    else pending.settle({ kind: 'error', error: message.error, timedOut: false });
  }

  #onExit(): void {
    const pending = this.#pending;
    if (pending !== undefined) {
      pending.settle(this.#exitOutcome(pending.requestId));
    }
    for (const listener of this.#exitListeners) listener();
  }

  #exitOutcome(requestId: string): InvocationOutcome {
    const errorMessage = `RequestId: ${requestId} Error: Runtime exited with error: ${this.#exitReason}`;
    return { kind: 'error', error: { errorType: 'Runtime.ExitError', errorMessage }, timedOut: false };
  }
}

/**
 * The Node flags Lambda's Node.js bootstrap passes for a function of `memoryMiB`: the V8 heap is sized
 * from the function's memory, not from the machine's (integer division, as the bootstrap's `expr`).
 */
export function lambdaNodeArgs(memoryMiB: number): string[] {
  const newSpace = Math.floor(memoryMiB / 10);
  return [
    '--expose-gc',
    `--max-http-header-size=${LAMBDA_MAX_HTTP_HEADER_SIZE}`,
    `--max-semi-space-size=${Math.floor(newSpace / 2)}`,
    `--max-old-space-size=${memoryMiB - newSpace}`,
  ];
}

/** Lambda's answer to an invocation that outlasted its function timeout. */
export function taskTimedOut(requestId: string, timeoutMs: number): InvocationOutcome {
  return {
    kind: 'error',
    timedOut: true,
    error: {
      errorType: 'Sandbox.Timedout',
      errorMessage: `RequestId: ${requestId} Error: Task timed out after ${(timeoutMs / 1000).toFixed(2)} seconds`,
    },
  };
}

function withRequestId(error: FunctionErrorBody, requestId: string): FunctionErrorBody {
  return error.errorType === 'Runtime.ExitError' || error.errorType === 'Sandbox.Timedout'
    ? { ...error, errorMessage: `RequestId: ${requestId} Error: ${error.errorMessage}` }
    : error;
}

function signalName(signal: NodeJS.Signals): string {
  return signal === 'SIGKILL' ? 'killed' : signal.toLowerCase();
}

function forwardLines(stream: Readable | null, onLog: (line: string) => void): void {
  if (stream === null) return;
  createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY }).on('line', onLog);
}
