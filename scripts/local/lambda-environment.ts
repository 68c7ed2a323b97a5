/**
 * One local Lambda execution environment: a forked child process running lambda-runtime.mjs, which
 * imports the handler module once and then serves one invocation at a time, keeping module state
 * between them. Init gets its own limit (10 s, as on Lambda); an invocation that outlives the
 * function timeout kills the process (`Sandbox.Timedout`); a process that dies mid-invocation yields
 * `Runtime.ExitError`. A failed environment is never reused.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import type { FunctionErrorBody } from './lambda-function.ts';

const RUNTIME = new URL('./lambda-runtime.mjs', import.meta.url);
const INIT_LIMIT_MS = 10_000;

export interface EnvironmentLaunch {
  readonly functionName: string;
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
  readonly #child: ChildProcess;
  readonly #ready: Promise<FunctionErrorBody | undefined>;
  /** False from the moment the environment is killed, disconnects or exits: it must not be reused. */
  #alive = true;
  #exitReason = '';
  #nextId = 0;
  #pending: { id: number; requestId: string; settle: (outcome: InvocationOutcome) => void } | undefined;
  readonly #exitListeners: (() => void)[] = [];

  constructor(launch: EnvironmentLaunch) {
    this.#child = fork(RUNTIME, [launch.codeDirectory, launch.handler], {
      cwd: launch.codeDirectory,
      env: launch.environment,
      execPath: launch.nodeBinary,
      execArgv: [],
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      serialization: 'json',
    });
    forwardLines(this.#child.stdout, launch.onLog);
    forwardLines(this.#child.stderr, launch.onLog);
    this.#ready = new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.kill();
        resolve({
          errorType: 'Sandbox.Timedout',
          errorMessage: `Init phase timed out after ${INIT_LIMIT_MS / 1000} seconds`,
        });
      }, INIT_LIMIT_MS);
      const settle = (error: FunctionErrorBody | undefined) => {
        clearTimeout(timer);
        resolve(error);
      };
      this.#child.on('message', (message: ChildMessage) => {
        if (message.type === 'ready') settle(undefined);
        else if (message.type === 'init-error') settle(message.error);
        else this.#onReply(message);
      });
      this.#child.once('disconnect', () => {
        this.#alive = false;
      });
      this.#child.once('exit', (code, signal) => {
        this.#alive = false;
        this.#exitReason = signal === null ? `exit status ${code}` : `signal: ${signalName(signal)}`;
        settle({
          errorType: 'Runtime.ExitError',
          errorMessage: `Runtime exited with error: ${this.#exitReason}`,
        });
        this.#onExit();
      });
      // A failed send or spawn surfaces here; the exit handler settles whatever was pending.
      this.#child.on('error', () => this.kill());
    });
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  get alive(): boolean {
    return this.#alive;
  }

  onExit(listener: () => void): void {
    this.#exitListeners.push(listener);
  }

  /** Resolves when the handler module is loaded; `false` when init failed (the environment is then dead). */
  async initialised(): Promise<boolean> {
    return (await this.#ready) === undefined;
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
        resolve({
          kind: 'error',
          timedOut: true,
          error: {
            errorType: 'Sandbox.Timedout',
            errorMessage: `RequestId: ${request.requestId} Error: Task timed out after ${(request.timeoutMs / 1000).toFixed(2)} seconds`,
          },
        });
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
      this.#child.send({
        type: 'invoke',
        id,
        payload: request.payload,
        requestId: request.requestId,
        deadlineMs: Date.now() + request.timeoutMs,
        invokedFunctionArn: request.invokedFunctionArn,
      });
    });
  }

  kill(): void {
    if (this.#child.exitCode === null && this.#child.signalCode === null) this.#child.kill('SIGKILL');
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
