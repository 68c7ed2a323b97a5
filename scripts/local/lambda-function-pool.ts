/**
 * The environments of one function. An invocation takes the most recently used idle environment
 * (warm: module state persists) or starts a new one when all are busy (cold). Concurrency is counted
 * in in-flight invocations, as Lambda does: reserved concurrency caps the function, and a host-wide
 * budget plays the account's unreserved limit; past either, the invocation is throttled (429).
 * Environments that time out or die are discarded; those whose handler threw stay warm, as on Lambda.
 *
 * Where this deliberately differs from Lambda, because here every environment shares one machine
 * (measurements in docs/performance.md, "Local stack under load"):
 * - **Bounded parallel cold starts.** New environments are forked through the host's launch gate
 *   (launch-gate.ts), a few at a time. An invocation whose environment is still waiting for its slot
 *   takes any environment of the function that becomes free first, and its launch is cancelled; once
 *   forked, an environment serves the invocation it was started for, as on Lambda.
 * - **Suppressed init.** An init that times out (10 s, counted from the fork) is retried once within
 *   the invocation, under the function timeout, as Lambda does; the invocation fails only if that
 *   retry does not finish in time.
 * - **A ceiling on environments** (`maxEnvironments`). Lambda would start as many as the concurrency
 *   limit allows; here each costs ~90 MB and a share of 2 cores, so memory followed peak concurrency.
 *   Past the ceiling an invocation waits (FIFO) for the next environment to come free instead of being
 *   throttled: callers see latency, not errors. If none comes free for `queueTimeoutMs` while it waits —
 *   a function that invokes itself (the allocator tree) could otherwise wait on its own callers — it
 *   gets an environment over the ceiling, which is killed as soon as it has served instead of kept warm.
 *   A long queue that is being served gets none: each would start cold to serve once.
 * - **Idle reaping** (`idleTimeoutMs`). Lambda reclaims an environment after it has been idle for a
 *   while; AWS does not document how long (observed: roughly 5–15 minutes, sooner under pressure).
 *   Here an environment idle for `idleTimeoutMs` is killed.
 */

import { availableParallelism } from 'node:os';
import {
  type EnvironmentLaunch,
  type InvocationOutcome,
  type InvocationRequest,
  LambdaEnvironment,
  taskTimedOut,
} from './lambda-environment.ts';
import type { FunctionStats } from './lambda-function.ts';
import type { LaunchGate } from './launch-gate.ts';

export interface ConcurrencyBudget {
  inFlight: number;
  readonly limit: number;
}

export type ThrottleReason =
  | 'ReservedFunctionConcurrentInvocationLimitExceeded'
  | 'ConcurrentInvocationLimitExceeded';

export type PoolOutcome = InvocationOutcome | { readonly kind: 'throttled'; readonly reason: ThrottleReason };

/** How many environments a function keeps, and for how long. */
export interface EnvironmentCapacity {
  /** Environments of the function kept at once; past it invocations queue. @default max(2, CPU cores) */
  readonly maxEnvironments: number;
  /** An environment idle this long is killed, in ms. @default 300_000 (5 minutes) */
  readonly idleTimeoutMs: number;
  /**
   * How long a queued invocation waits with no environment of the function coming free before it gets
   * an extra one, in ms. @default 2_000
   */
  readonly queueTimeoutMs: number;
}

/**
 * Measured with `npm run load:stack` on 2 busy cores (docs/performance.md): a ceiling of 2 kept 19
 * environments, 2.6 GB flat and p99 3.6× p50 at 58 requests/s; a ceiling of 4 grew to 37
 * environments and 4.2 GB in 30 s at a quarter of the throughput (more processes, same cores).
 */
export const DEFAULT_CAPACITY: EnvironmentCapacity = {
  maxEnvironments: Math.max(2, availableParallelism()),
  idleTimeoutMs: 300_000,
  queueTimeoutMs: 2_000,
};

export interface PoolSettings {
  readonly timeoutMs: number;
  readonly memoryMiB: number;
  readonly reservedConcurrency: number | undefined;
  readonly nodeVersion: string;
  readonly launch: EnvironmentLaunch;
  readonly capacity?: EnvironmentCapacity;
  /** Limit of a first init, from the fork, in ms (tests shorten it). @default INIT_LIMIT_MS (10 s, Lambda's) */
  readonly initLimitMs?: number;
}

/** What the pools of one host share. */
export interface PoolHost {
  readonly account: ConcurrencyBudget;
  readonly gate: LaunchGate;
}

type Counter =
  | 'invocations'
  | 'coldStarts'
  | 'warmStarts'
  | 'throttles'
  | 'errors'
  | 'timeouts'
  | 'environmentsStarted'
  | 'peakConcurrency'
  | 'queued'
  | 'initRetries'
  | 'reaped';

/** An environment for one invocation; cold when it was started for that invocation. */
interface Acquired {
  readonly environment: LambdaEnvironment;
  readonly cold: boolean;
}

/** An invocation waiting for an environment; `launch` is the pending one started for it, if any. */
interface Waiter {
  /** Called once: with the environment to run on, or undefined when the pool stopped. */
  serve(acquired: Acquired | undefined): void;
  launch?: LambdaEnvironment;
}

type Request = Omit<InvocationRequest, 'timeoutMs'>;

export class FunctionPool {
  readonly #settings: PoolSettings;
  readonly #capacity: EnvironmentCapacity;
  readonly #host: PoolHost;
  readonly #all = new Set<LambdaEnvironment>();
  #idle: LambdaEnvironment[] = [];
  readonly #idleTimers = new Map<LambdaEnvironment, NodeJS.Timeout>();
  #waiters: Waiter[] = [];
  #busy = 0;
  /** When an environment last came free (finished an invocation or a warm-up), in ms since the epoch. */
  #lastFreedAt = 0;
  #stopped = false;
  readonly #counters: Record<Counter, number> = {
    invocations: 0,
    coldStarts: 0,
    warmStarts: 0,
    throttles: 0,
    errors: 0,
    timeouts: 0,
    environmentsStarted: 0,
    peakConcurrency: 0,
    queued: 0,
    initRetries: 0,
    reaped: 0,
  };

  constructor(settings: PoolSettings, host: PoolHost) {
    this.#settings = settings;
    this.#capacity = settings.capacity ?? DEFAULT_CAPACITY;
    this.#host = host;
  }

  async invoke(request: Request): Promise<PoolOutcome> {
    const throttle = this.#throttleReason();
    if (throttle !== undefined) {
      this.#counters.throttles += 1;
      return { kind: 'throttled', reason: throttle };
    }
    this.#busy += 1;
    this.#host.account.inFlight += 1;
    this.#counters.peakConcurrency = Math.max(this.#counters.peakConcurrency, this.#busy);
    this.#counters.invocations += 1;
    let ran: { environment?: LambdaEnvironment; outcome: InvocationOutcome };
    try {
      const acquired = await this.#acquire();
      ran =
        acquired === undefined
          ? { outcome: stoppedOutcome(request.requestId) }
          : await this.#run(acquired, request);
    } finally {
      this.#busy -= 1;
      this.#host.account.inFlight -= 1;
    }
    const { environment, outcome } = ran;
    if (outcome.kind === 'error') {
      this.#counters.errors += 1;
      if (outcome.timedOut) this.#counters.timeouts += 1;
    }
    if (environment !== undefined) this.#release(environment);
    return outcome;
  }

  /** Starts environments until `count` idle ones are initialised (never past reserved concurrency or the ceiling). */
  async warm(count: number): Promise<void> {
    const cap = Math.min(count, this.#settings.reservedConcurrency ?? count, this.#capacity.maxEnvironments);
    const started: LambdaEnvironment[] = [];
    this.#idle = this.#idle.filter((environment) => environment.alive);
    while (this.#idle.length + started.length < cap) started.push(this.#launch());
    await Promise.all(started.map((environment) => environment.initialised()));
    for (const environment of started) this.#release(environment);
  }

  /**
   * Kills every running environment, busy ones included (their invocations fail with
   * Runtime.ExitError). Launches still waiting for a slot are left to start afterwards.
   */
  kill(): number {
    let killed = 0;
    for (const environment of [...this.#all]) {
      if (!environment.alive || !environment.forked) continue;
      environment.kill();
      killed += 1;
    }
    return killed;
  }

  /** Kills every environment, cancels pending launches and fails queued invocations. */
  async stop(): Promise<void> {
    this.#stopped = true;
    const exits = [...this.#all].map(
      (environment) => new Promise<void>((resolve) => environment.onExit(resolve)),
    );
    for (const timer of this.#idleTimers.values()) clearTimeout(timer);
    this.#idleTimers.clear();
    for (const waiter of this.#waiters.splice(0)) waiter.serve(undefined);
    for (const environment of [...this.#all]) environment.kill();
    await Promise.all(exits);
  }

  stats(): FunctionStats {
    return {
      ...this.#counters,
      environments: this.#live(),
      idle: this.#idle.filter((environment) => environment.alive).length,
      busy: this.#busy,
      memoryMiB: this.#settings.memoryMiB,
      nodeVersion: this.#settings.nodeVersion,
    };
  }

  /** Process ids of the live environments (for measuring their memory). */
  pids(): number[] {
    return [...this.#all].flatMap((environment) =>
      environment.alive && environment.pid !== undefined ? [environment.pid] : [],
    );
  }

  /** An environment for one invocation: idle, started for it, or the next to come free. */
  #acquire(): Promise<Acquired | undefined> {
    if (this.#stopped) return Promise.resolve(undefined);
    const idle = this.#takeIdle();
    if (idle !== undefined) return Promise.resolve({ environment: idle, cold: false });
    return new Promise((resolve) => {
      const waiter: Waiter = { serve: resolve };
      this.#waiters.push(waiter);
      if (this.#live() < this.#capacity.maxEnvironments) {
        this.#launchFor(waiter);
        return;
      }
      this.#counters.queued += 1;
      const queuedAt = Date.now();
      const { queueTimeoutMs } = this.#capacity;
      // An extra environment only when none came free for queueTimeoutMs (the queue is stuck, as when
      // the allocator tree waits on itself), not when a long queue is merely being served: each extra
      // one starts cold and serves once, so under steady overload they would slow everything further.
      const check = (): void => {
        if (!this.#waiters.includes(waiter)) return;
        const quietMs = Date.now() - Math.max(queuedAt, this.#lastFreedAt);
        if (quietMs >= queueTimeoutMs) this.#launchFor(waiter);
        else timer = setTimeout(check, queueTimeoutMs - quietMs);
      };
      let timer = setTimeout(check, queueTimeoutMs);
      waiter.serve = (acquired) => {
        clearTimeout(timer);
        resolve(acquired);
      };
    });
  }

  /** Starts an environment for a waiter: forked, it is the waiter's; still pending, anyone free may serve first. */
  #launchFor(waiter: Waiter): void {
    const environment = this.#launch();
    waiter.launch = environment;
    environment.onFork(() => {
      if (!this.#dequeue(waiter)) return;
      waiter.serve({ environment, cold: true });
    });
  }

  /** Runs the invocation, retrying an init that timed out once within the function timeout. */
  async #run(
    { environment: first, cold }: Acquired,
    request: Request,
  ): Promise<{ environment: LambdaEnvironment; outcome: InvocationOutcome }> {
    let environment = first;
    let timeoutMs = this.#settings.timeoutMs;
    let initError = await environment.initError();
    if (initError?.errorType === 'Sandbox.Timedout') {
      this.#counters.initRetries += 1;
      environment = this.#launch(timeoutMs);
      initError = await environment.initError();
      if (initError?.errorType === 'Sandbox.Timedout') {
        return { environment, outcome: taskTimedOut(request.requestId, timeoutMs) };
      }
      timeoutMs = Math.max(1, timeoutMs - (environment.initMs ?? 0));
    }
    this.#counters[cold ? 'coldStarts' : 'warmStarts'] += 1;
    // A failed init is answered by the environment itself (killed, Lambda's error with the request id).
    return { environment, outcome: await environment.invoke({ ...request, timeoutMs }) };
  }

  /** After an invocation (or a warm-up): killed if over the ceiling, else to the next waiter, else idle. */
  #release(environment: LambdaEnvironment): void {
    if (!environment.alive || this.#stopped) return;
    this.#lastFreedAt = Date.now();
    const waiter = this.#waiters[0];
    // A waiter whose own launch has not started takes this one instead (the launch is cancelled).
    if (waiter?.launch !== undefined) {
      this.#waiters.shift();
      waiter.launch.kill();
      waiter.serve({ environment, cold: false });
      return;
    }
    // Over the ceiling (an extra environment for a queue that timed out): never kept, even while
    // others queue, or a queue that never empties under sustained load would keep it for good.
    if (this.#live() > this.#capacity.maxEnvironments) {
      environment.kill();
      return;
    }
    if (waiter !== undefined) {
      this.#waiters.shift();
      waiter.serve({ environment, cold: false });
      return;
    }
    this.#idle.push(environment);
    this.#idleTimers.set(
      environment,
      setTimeout(() => this.#reap(environment), this.#capacity.idleTimeoutMs).unref(),
    );
  }

  #reap(environment: LambdaEnvironment): void {
    this.#idleTimers.delete(environment);
    const at = this.#idle.indexOf(environment);
    if (at < 0) return;
    this.#idle.splice(at, 1);
    if (!environment.alive) return;
    this.#counters.reaped += 1;
    environment.kill();
  }

  #dequeue(waiter: Waiter): boolean {
    const at = this.#waiters.indexOf(waiter);
    if (at < 0) return false;
    this.#waiters.splice(at, 1);
    return true;
  }

  /** Environments of this function whose process exists (initialising, idle or busy). */
  #forkedCount(): number {
    let forked = 0;
    for (const environment of this.#all) if (environment.alive && environment.forked) forked += 1;
    return forked;
  }

  #live(): number {
    let live = 0;
    for (const environment of this.#all) if (environment.alive) live += 1;
    return live;
  }

  #throttleReason(): ThrottleReason | undefined {
    const reserved = this.#settings.reservedConcurrency;
    if (reserved !== undefined && this.#busy >= reserved)
      return 'ReservedFunctionConcurrentInvocationLimitExceeded';
    if (this.#host.account.inFlight >= this.#host.account.limit) return 'ConcurrentInvocationLimitExceeded';
    return undefined;
  }

  /** The most recently used idle environment that is still alive (a killed one may not have exited yet). */
  #takeIdle(): LambdaEnvironment | undefined {
    let environment = this.#idle.pop();
    while (environment !== undefined && !environment.alive) environment = this.#idle.pop();
    if (environment !== undefined) {
      clearTimeout(this.#idleTimers.get(environment));
      this.#idleTimers.delete(environment);
    }
    return environment;
  }

  #launch(initLimitMs = this.#settings.initLimitMs): LambdaEnvironment {
    const environment = new LambdaEnvironment(
      this.#settings.launch,
      this.#host.gate,
      () => this.#forkedCount(),
      initLimitMs,
    );
    this.#all.add(environment);
    environment.onFork(() => {
      this.#counters.environmentsStarted += 1;
    });
    environment.onExit(() => {
      this.#all.delete(environment);
      this.#idle = this.#idle.filter((idle) => idle !== environment);
      clearTimeout(this.#idleTimers.get(environment));
      this.#idleTimers.delete(environment);
      this.#admitQueued();
    });
    return environment;
  }

  /** An environment went away: a queued invocation may now start one under the ceiling. */
  #admitQueued(): void {
    if (this.#stopped) return;
    const waiter = this.#waiters.find((candidate) => candidate.launch === undefined);
    if (waiter !== undefined && this.#live() < this.#capacity.maxEnvironments) this.#launchFor(waiter);
  }
}

function stoppedOutcome(requestId: string): InvocationOutcome {
  const errorMessage = `RequestId: ${requestId} Error: Runtime exited with error: the local Lambda host stopped`;
  return { kind: 'error', error: { errorType: 'Runtime.ExitError', errorMessage }, timedOut: false };
}
