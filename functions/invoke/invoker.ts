/**
 * The transport seam between functions: one RequestResponse invocation, nothing else (retries, timeouts
 * per attempt and error rebuilding live in `callFunction`). Lambda's implementation is `LambdaInvoker`;
 * unit tests pass an in-process one.
 */
export interface Invoker {
  /**
   * Invokes `functionName` with the JSON text `payload` and resolves with the response payload text.
   * Throws `UpstreamTimeoutError` when no answer came within `timeoutMs` (or the function itself timed
   * out) and `UpstreamError` for any other failed invocation (transport errors, throttling, FunctionError).
   */
  invoke(functionName: string, payload: string, timeoutMs: number): Promise<string>;
  /**
   * Starts `functionName` asynchronously (Lambda's `Event` invocation: queued, retried by Lambda, no
   * answer); resolves once the invocation is accepted.
   */
  trigger?(functionName: string, payload: string): Promise<void>;
}
