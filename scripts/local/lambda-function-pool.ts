/**
 * The environments of one function. An invocation takes the most recently used idle environment
 * (warm: module state persists) or starts a new one when all are busy (cold). Concurrency is counted
 * in in-flight invocations, as Lambda does: reserved concurrency caps the function, and a host-wide
 * budget plays the account's unreserved limit; past either, the invocation is throttled. Environments
 * that time out or die are discarded; those whose handler threw stay warm, as on Lambda.
 */
import { type EnvironmentLaunch, type InvocationOutcome, LambdaEnvironment } from './lambda-environment.ts';
import type { FunctionStats } from './lambda-function.ts';

export interface ConcurrencyBudget {
  inFlight: number;
  readonly limit: number;
}

export type ThrottleReason =
  | 'ReservedFunctionConcurrentInvocationLimitExceeded'
  | 'ConcurrentInvocationLimitExceeded';

export type PoolOutcome = InvocationOutcome | { readonly kind: 'throttled'; readonly reason: ThrottleReason };

export interface PoolSettings {
  readonly timeoutMs: number;
  readonly memoryMiB: number;
  readonly reservedConcurrency: number | undefined;
  readonly nodeVersion: string;
  readonly launch: EnvironmentLaunch;
}

type Counter =
  | 'invocations'
  | 'coldStarts'
  | 'warmStarts'
  | 'throttles'
  | 'errors'
  | 'timeouts'
  | 'environmentsStarted'
  | 'peakConcurrency';

export class FunctionPool {
  readonly #settings: PoolSettings;
  readonly #account: ConcurrencyBudget;
  readonly #all = new Set<LambdaEnvironment>();
  #idle: LambdaEnvironment[] = [];
  #busy = 0;
  readonly #counters: Record<Counter, number> = {
    invocations: 0,
    coldStarts: 0,
    warmStarts: 0,
    throttles: 0,
    errors: 0,
    timeouts: 0,
    environmentsStarted: 0,
    peakConcurrency: 0,
  };

  constructor(settings: PoolSettings, account: ConcurrencyBudget) {
    this.#settings = settings;
    this.#account = account;
  }

  async invoke(request: {
    requestId: string;
    payload: string;
    invokedFunctionArn: string;
  }): Promise<PoolOutcome> {
    const throttle = this.#throttleReason();
    if (throttle !== undefined) {
      this.#counters.throttles += 1;
      return { kind: 'throttled', reason: throttle };
    }
    this.#busy += 1;
    this.#account.inFlight += 1;
    this.#counters.peakConcurrency = Math.max(this.#counters.peakConcurrency, this.#busy);
    this.#counters.invocations += 1;
    let environment = this.#takeIdle();
    if (environment === undefined) {
      environment = this.#start();
      this.#counters.coldStarts += 1;
    } else {
      this.#counters.warmStarts += 1;
    }
    let outcome: InvocationOutcome;
    try {
      outcome = await environment.invoke({ ...request, timeoutMs: this.#settings.timeoutMs });
    } finally {
      this.#busy -= 1;
      this.#account.inFlight -= 1;
    }
    if (outcome.kind === 'error') {
      this.#counters.errors += 1;
      if (outcome.timedOut) this.#counters.timeouts += 1;
    }
    if (environment.alive) this.#idle.push(environment);
    return outcome;
  }

  /** Starts environments until `count` idle ones are initialised (never past reserved concurrency). */
  async warm(count: number): Promise<void> {
    const cap = Math.min(count, this.#settings.reservedConcurrency ?? count);
    const started: LambdaEnvironment[] = [];
    this.#idle = this.#idle.filter((environment) => environment.alive);
    while (this.#idle.length + started.length < cap) started.push(this.#start());
    await Promise.all(started.map((environment) => environment.initialised()));
    this.#idle.push(...started.filter((environment) => environment.alive));
  }

  /** Kills every environment, busy ones included (their invocations fail with Runtime.ExitError). */
  kill(): number {
    let killed = 0;
    for (const environment of this.#all) {
      if (!environment.alive) continue;
      environment.kill();
      killed += 1;
    }
    return killed;
  }

  async stop(): Promise<void> {
    const exits = [...this.#all].map(
      (environment) => new Promise<void>((resolve) => environment.onExit(resolve)),
    );
    this.kill();
    await Promise.all(exits);
  }

  stats(): FunctionStats {
    return {
      ...this.#counters,
      environments: [...this.#all].filter((environment) => environment.alive).length,
      busy: this.#busy,
      memoryMiB: this.#settings.memoryMiB,
      nodeVersion: this.#settings.nodeVersion,
    };
  }

  #throttleReason(): ThrottleReason | undefined {
    const reserved = this.#settings.reservedConcurrency;
    if (reserved !== undefined && this.#busy >= reserved)
      return 'ReservedFunctionConcurrentInvocationLimitExceeded';
    if (this.#account.inFlight >= this.#account.limit) return 'ConcurrentInvocationLimitExceeded';
    return undefined;
  }

  /** The most recently used idle environment that is still alive (a killed one may not have exited yet). */
  #takeIdle(): LambdaEnvironment | undefined {
    let environment = this.#idle.pop();
    while (environment !== undefined && !environment.alive) environment = this.#idle.pop();
    return environment;
  }

  #start(): LambdaEnvironment {
    const environment = new LambdaEnvironment(this.#settings.launch);
    this.#counters.environmentsStarted += 1;
    this.#all.add(environment);
    environment.onExit(() => {
      this.#all.delete(environment);
      this.#idle = this.#idle.filter((idle) => idle !== environment);
    });
    return environment;
  }
}
