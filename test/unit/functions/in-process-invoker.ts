/**
 * An `Invoker` that runs the functions in this process, for unit tests: payloads and replies go through
 * JSON text exactly as over the Invoke API, a thrown (non-typed) error becomes the UpstreamError a
 * FunctionError would, and `fault` injects timeouts or crashes per call.
 */

import type { Invoker } from '../../../functions/invoke/invoker.ts';
import { UpstreamError, UpstreamTimeoutError } from '../../../shared/errors/index.ts';

export type Serve = (functionName: string, event: unknown, deadline: number) => Promise<unknown>;

export interface InvokeCall {
  readonly functionName: string;
  readonly payload: Record<string, unknown>;
  /** 0 for the first time this exact payload was sent, 1 for its retry, … */
  readonly attempt: number;
}

/** Returns an error to fail the call with, or undefined to run it. */
export type Fault = (call: InvokeCall) => Error | undefined;

export class InProcessInvoker implements Invoker {
  readonly calls: InvokeCall[] = [];
  fault: Fault | undefined;
  readonly #attempts = new Map<string, number>();

  constructor(private readonly serve: Serve) {}

  async invoke(functionName: string, payload: string, timeoutMs: number): Promise<string> {
    const key = `${functionName}\n${payload}`;
    const attempt = this.#attempts.get(key) ?? 0;
    this.#attempts.set(key, attempt + 1);
    const call = { functionName, payload: JSON.parse(payload) as Record<string, unknown>, attempt };
    this.calls.push(call);
    const injected = this.fault?.(call);
    if (injected) throw injected;
    let reply: unknown;
    try {
      reply = await this.serve(functionName, call.payload, Date.now() + timeoutMs);
    } catch (error) {
      const { name, message } = error as Error;
      throw new UpstreamError(`\`${functionName}\` failed: ${name}: ${message}`);
    }
    return JSON.stringify(reply);
  }

  callsTo(prefix: string): InvokeCall[] {
    return this.calls.filter((call) => call.functionName.startsWith(prefix));
  }
}

export const timeout = (functionName: string) =>
  new UpstreamTimeoutError(`\`${functionName}\` did not answer within 12000 ms`);
export const crash = (functionName: string) =>
  new UpstreamError(`\`${functionName}\` failed: Runtime.ExitError: exited with signal SIGKILL`);
