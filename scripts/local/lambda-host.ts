/**
 * The local Lambda host: serves the Lambda Invoke API (`POST /2015-03-31/functions/{name}/invocations`)
 * on loopback for the unchanged @aws-sdk/client-lambda, plus one Function URL listener per URL, and
 * runs every function in its own pool of child-process environments (lambda-function-pool.ts).
 *
 * Invoke API, as on Lambda: names, partial and full ARNs, qualifiers (ignored); InvocationType
 * RequestResponse (200), Event (202, run in the background, retried while throttled, as Lambda's
 * async queue does), DryRun (204); unknown function → 404 ResourceNotFoundException; payload that is
 * not JSON → 400 InvalidRequestContentException; payload over 6 MB (1 MB for Event) → 413
 * RequestTooLargeException; throttled → 429 TooManyRequestsException. A failed invocation is 200 with
 * `X-Amz-Function-Error: Unhandled` and `{errorType, errorMessage, trace}`; errorType is the thrown
 * error's `name`, as Lambda's Node runtime reports it. Signatures are not checked.
 *
 * Each environment's variables are, in increasing precedence: PATH/LANG/TZ, the function's own
 * Environment, the host-wide `environment` option (endpoints, dummy credentials, region), and the
 * variables Lambda itself sets (AWS_LAMBDA_FUNCTION_NAME, AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
 * AWS_ENDPOINT_URL_LAMBDA pointing back at this host, …). Node runs with the heap flags Lambda derives
 * from the function's memory (lambda-environment.ts), so V8 sizes its heap as it would on Lambda.
 *
 * Environments start through one host-wide launch gate (`maxConcurrentInits` at once), each function
 * keeps at most `maxEnvironmentsPerFunction` and idle ones are reaped after `idleTimeoutMs`; where and
 * why that differs from Lambda is written at the top of lambda-function-pool.ts.
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { InvalidInputError } from '../../shared/errors/index.ts';
import { functionNameOf } from './function-name.ts';
import { startFunctionUrlServer } from './function-url-server.ts';
import { readBody } from './http-body.ts';
import { closeServer, listenOnLoopback } from './http-listen.ts';
import type { InvocationOutcome } from './lambda-environment.ts';
import { type FunctionStats, functionArn, LOCAL_REGION, type LocalFunction } from './lambda-function.ts';
import {
  type ConcurrencyBudget,
  DEFAULT_CAPACITY,
  FunctionPool,
  type PoolOutcome,
} from './lambda-function-pool.ts';
import { sendServiceError } from './lambda-service-error.ts';
import { LaunchGate } from './launch-gate.ts';
import { nodeBinaryFor } from './node-binary.ts';

export interface LambdaHostOptions {
  /** TCP port of the Invoke API on 127.0.0.1. @default 0 (ephemeral) */
  readonly port?: number;
  readonly functions?: readonly LocalFunction[];
  /** Variables every function gets, over its own (endpoints, credentials, region). @default {} */
  readonly environment?: Readonly<Record<string, string>>;
  /** In-flight invocations across all functions before throttling, like the account limit. @default 1000 */
  readonly accountConcurrency?: number;
  /** Where environments' stdout/stderr lines go. @default `[name] line` on this process's stderr */
  readonly onLog?: (functionName: string, line: string) => void;
  /** Environments initialising at once, host-wide (bounded parallel cold starts). @default 2 */
  readonly maxConcurrentInits?: number;
  /** Environments one function keeps; past it invocations queue for a free one. @default max(2, CPU cores) */
  readonly maxEnvironmentsPerFunction?: number;
  /** An environment idle this long is killed, in ms. @default 300_000 (5 minutes) */
  readonly idleTimeoutMs?: number;
  /** How long a queued invocation waits with no environment coming free before it gets an extra one, in ms. @default 2_000 */
  readonly queueTimeoutMs?: number;
}

/** Default of `maxConcurrentInits`: measured best on 2 busy cores (docs/performance.md). */
export const DEFAULT_CONCURRENT_INITS = 2;

export interface LambdaHost {
  /** `http://127.0.0.1:<port>`, for `AWS_ENDPOINT_URL_LAMBDA`. */
  readonly endpoint: string;
  register(fn: LocalFunction): void;
  /** Starts a Function URL listener for the function; resolves to its URL (`http://127.0.0.1:<port>/`). */
  addFunctionUrl(functionName: string, options?: { readonly port?: number }): Promise<string>;
  functionNames(): string[];
  stats(functionName: string): FunctionStats;
  /** Kills every environment of the function (in-flight invocations fail with Runtime.ExitError). */
  killEnvironments(functionName: string): number;
  /** Starts environments until `count` initialised ones are idle. */
  warm(functionName: string, count: number): Promise<void>;
  /** Process ids of the live environments of one function, or of every function. */
  environmentPids(functionName?: string): number[];
  stop(): Promise<void>;
}

const SYNC_PAYLOAD_LIMIT = 6 * 1024 * 1024;
const EVENT_PAYLOAD_LIMIT = 1024 * 1024;
const RESPONSE_LIMIT = 6 * 1024 * 1024;
const INVOKE_PATH = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/;
const CONFIGURATION_PATH = /^\/2015-03-31\/functions\/([^/]+)\/configuration$/;

export async function startLambdaHost(options: LambdaHostOptions = {}): Promise<LambdaHost> {
  const pools = new Map<string, FunctionPool>();
  const registered = new Map<string, LocalFunction>();
  const account: ConcurrencyBudget = { inFlight: 0, limit: options.accountConcurrency ?? 1000 };
  const gate = new LaunchGate(options.maxConcurrentInits ?? DEFAULT_CONCURRENT_INITS);
  const capacity = {
    maxEnvironments: options.maxEnvironmentsPerFunction ?? DEFAULT_CAPACITY.maxEnvironments,
    idleTimeoutMs: options.idleTimeoutMs ?? DEFAULT_CAPACITY.idleTimeoutMs,
    queueTimeoutMs: options.queueTimeoutMs ?? DEFAULT_CAPACITY.queueTimeoutMs,
  };
  validateCapacity(capacity);
  const urlServers: Server[] = [];
  const onLog = options.onLog ?? ((name, line) => process.stderr.write(`[${name}] ${line}\n`));
  let stopped = false;
  let endpoint = '';

  const poolOf = (functionName: string): FunctionPool => {
    const pool = pools.get(functionName);
    if (pool === undefined) {
      throw new InvalidInputError(
        `no local function named \`${functionName}\`; known: ${[...pools.keys()].join(', ') || 'none'}`,
      );
    }
    return pool;
  };

  /** GetFunctionConfiguration: what a client reads to size its work (memory) and its waits (timeout). */
  const sendConfiguration = (res: ServerResponse, identifier: string): void => {
    const name = functionNameOf(identifier);
    const fn = name === undefined ? undefined : registered.get(name);
    if (!fn) {
      const arn = identifier.startsWith('arn:') ? identifier : functionArn(name ?? identifier);
      sendServiceError(res, 404, 'ResourceNotFoundException', `Function not found: ${arn}`);
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        FunctionName: fn.name,
        MemorySize: fn.memoryMiB ?? 128,
        Timeout: fn.timeoutSeconds ?? 3,
        Runtime: fn.runtime ?? 'nodejs22.x',
        Handler: fn.handler,
      }),
    );
  };

  const register = (fn: LocalFunction): void => {
    validate(fn);
    if (pools.has(fn.name)) throw new InvalidInputError(`function \`${fn.name}\` is registered twice`);
    const runtime = fn.runtime ?? 'nodejs22.x';
    const memoryMiB = fn.memoryMiB ?? 128;
    const node = nodeBinaryFor(runtime, fn.name);
    const environment = {
      PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
      LANG: 'en_US.UTF-8',
      TZ: 'UTC',
      AWS_REGION: LOCAL_REGION,
      AWS_DEFAULT_REGION: LOCAL_REGION,
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      ...fn.environment,
      ...options.environment,
      AWS_ENDPOINT_URL_LAMBDA: endpoint,
      AWS_LAMBDA_FUNCTION_NAME: fn.name,
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(memoryMiB),
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${fn.name}`,
      AWS_EXECUTION_ENV: `AWS_Lambda_${runtime}`,
      LAMBDA_TASK_ROOT: fn.codeDirectory,
    };
    const pool = new FunctionPool(
      {
        timeoutMs: (fn.timeoutSeconds ?? 3) * 1000,
        memoryMiB,
        reservedConcurrency: fn.reservedConcurrency,
        nodeVersion: node.version,
        capacity,
        launch: {
          functionName: fn.name,
          memoryMiB,
          codeDirectory: fn.codeDirectory,
          handler: fn.handler,
          nodeBinary: node.path,
          environment,
          onLog: (line) => onLog(fn.name, line),
        },
      },
      { account, gate },
    );
    pools.set(fn.name, pool);
    registered.set(fn.name, fn);
  };

  const invoke = (functionName: string, payload: string, requestId: string) =>
    poolOf(functionName).invoke({ requestId, payload, invokedFunctionArn: functionArn(functionName) });

  const invokeInBackground = async (
    functionName: string,
    payload: string,
    requestId: string,
  ): Promise<void> => {
    for (let delayMs = 50; !stopped; delayMs = Math.min(delayMs * 2, 1000)) {
      const outcome = await invoke(functionName, payload, requestId);
      if (outcome.kind !== 'throttled') return;
      await sleep(delayMs);
    }
  };

  const handleInvoke = async (
    req: IncomingMessage,
    res: ServerResponse,
    identifier: string,
  ): Promise<void> => {
    const name = functionNameOf(identifier);
    if (name === undefined || !pools.has(name)) {
      req.resume();
      const arn = identifier.startsWith('arn:') ? identifier : functionArn(name ?? identifier);
      sendServiceError(res, 404, 'ResourceNotFoundException', `Function not found: ${arn}`);
      return;
    }
    const type = String(req.headers['x-amz-invocation-type'] ?? 'RequestResponse');
    if (type === 'DryRun') {
      req.resume();
      res.writeHead(204, { 'x-amzn-RequestId': randomUUID() }).end();
      return;
    }
    if (type !== 'RequestResponse' && type !== 'Event') {
      req.resume();
      sendServiceError(
        res,
        400,
        'InvalidParameterValueException',
        `InvocationType \`${type}\` is not one of RequestResponse, Event, DryRun`,
      );
      return;
    }
    const limit = type === 'Event' ? EVENT_PAYLOAD_LIMIT : SYNC_PAYLOAD_LIMIT;
    const body = await readBody(req, limit);
    if (body === undefined) {
      sendServiceError(
        res,
        413,
        'RequestTooLargeException',
        `Request must be smaller than ${limit} bytes for the InvokeFunction operation`,
      );
      return;
    }
    const payload = body.length === 0 ? '{}' : body.toString('utf8');
    try {
      JSON.parse(payload);
    } catch (error) {
      sendServiceError(
        res,
        400,
        'InvalidRequestContentException',
        `Could not parse request body into json: ${(error as Error).message}`,
      );
      return;
    }
    const requestId = randomUUID();
    if (type === 'Event') {
      res.writeHead(202, { 'x-amzn-RequestId': requestId }).end();
      invokeInBackground(name, payload, requestId).catch((error: unknown) =>
        onLog(name, `event ${requestId} failed: ${String(error)}`),
      );
      return;
    }
    sendInvokeOutcome(res, requestId, await invoke(name, payload, requestId));
  };

  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://local').pathname;
    const configuration = CONFIGURATION_PATH.exec(path);
    if (req.method === 'GET' && configuration !== null) {
      req.resume();
      sendConfiguration(res, decodeURIComponent(configuration[1]!));
      return;
    }
    const match = INVOKE_PATH.exec(path);
    if (req.method !== 'POST' || match === null) {
      req.resume();
      sendServiceError(
        res,
        404,
        'UnknownOperationException',
        `the local Lambda host serves only Invoke and GetFunctionConfiguration, not ${req.method} ${path}`,
      );
      return;
    }
    handleInvoke(req, res, decodeURIComponent(match[1]!)).catch((error: unknown) => {
      if (res.headersSent) res.destroy();
      else sendServiceError(res, 500, 'ServiceException', String(error));
    });
  });
  endpoint = `http://127.0.0.1:${await listenOnLoopback(server, options.port ?? 0)}`;
  for (const fn of options.functions ?? []) register(fn);

  return {
    endpoint,
    register,
    async addFunctionUrl(functionName, urlOptions = {}) {
      const url = await startFunctionUrlServer({
        port: urlOptions.port ?? 0,
        ...signingCredentials(options.environment),
        invoke: (payload, requestId) =>
          pools.has(functionName) ? invoke(functionName, payload, requestId) : Promise.resolve(undefined),
      });
      urlServers.push(url.server);
      return url.url;
    },
    functionNames: () => [...pools.keys()],
    stats: (functionName) => poolOf(functionName).stats(),
    killEnvironments: (functionName) => poolOf(functionName).kill(),
    warm: (functionName, count) => poolOf(functionName).warm(count),
    environmentPids: (functionName) =>
      functionName === undefined
        ? [...pools.values()].flatMap((pool) => pool.pids())
        : poolOf(functionName).pids(),
    async stop() {
      stopped = true;
      await Promise.all([server, ...urlServers].map(closeServer));
      await Promise.all([...pools.values()].map((pool) => pool.stop()));
    },
  };
}

function sendInvokeOutcome(res: ServerResponse, requestId: string, outcome: PoolOutcome): void {
  if (outcome.kind === 'throttled') {
    sendServiceError(res, 429, 'TooManyRequestsException', 'Rate Exceeded.', { Reason: outcome.reason });
    return;
  }
  const settled = limitResponse(outcome);
  const body = settled.kind === 'result' ? settled.payload : JSON.stringify(settled.error);
  res.writeHead(200, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(body),
    'X-Amz-Executed-Version': '$LATEST',
    'x-amzn-RequestId': requestId,
    ...(settled.kind === 'error' ? { 'X-Amz-Function-Error': 'Unhandled' } : {}),
  });
  res.end(body);
}

function limitResponse(outcome: InvocationOutcome): InvocationOutcome {
  if (outcome.kind !== 'result' || Buffer.byteLength(outcome.payload) <= RESPONSE_LIMIT) return outcome;
  return {
    kind: 'error',
    timedOut: false,
    error: {
      errorType: 'Function.ResponseSizeTooLarge',
      errorMessage: `Response payload size exceeded maximum allowed payload size (${RESPONSE_LIMIT} bytes).`,
    },
  };
}

function validateCapacity(capacity: {
  maxEnvironments: number;
  idleTimeoutMs: number;
  queueTimeoutMs: number;
}): void {
  if (!(Number.isInteger(capacity.maxEnvironments) && capacity.maxEnvironments >= 1)) {
    throw new InvalidInputError(
      `maxEnvironmentsPerFunction is ${capacity.maxEnvironments}, expected an integer ≥ 1`,
    );
  }
  for (const [name, value] of [
    ['idleTimeoutMs', capacity.idleTimeoutMs],
    ['queueTimeoutMs', capacity.queueTimeoutMs],
  ] as const) {
    if (!(Number.isFinite(value) && value > 0))
      throw new InvalidInputError(`${name} is ${value}, expected > 0`);
  }
}

function validate(fn: LocalFunction): void {
  const problem = (what: string) => new InvalidInputError(`local function \`${fn.name}\`: ${what}`);
  if (functionNameOf(fn.name) !== fn.name)
    throw problem('the name must be 1–64 characters of A-Z, a-z, 0-9, - and _');
  if (!existsSync(fn.codeDirectory)) throw problem(`code directory ${fn.codeDirectory} does not exist`);
  const timeout = fn.timeoutSeconds ?? 3;
  if (!(timeout > 0 && timeout <= 900)) throw problem(`timeoutSeconds is ${timeout}, expected (0, 900]`);
  const reserved = fn.reservedConcurrency;
  if (reserved !== undefined && !(Number.isInteger(reserved) && reserved >= 0)) {
    throw problem(`reservedConcurrency is ${reserved}, expected an integer ≥ 0`);
  }
}

/** The credentials signed requests to the host's Function URLs must be signed with: its functions' own. */
function signingCredentials(environment: Readonly<Record<string, string>> | undefined) {
  const accessKeyId = environment?.AWS_ACCESS_KEY_ID;
  const secretAccessKey = environment?.AWS_SECRET_ACCESS_KEY;
  return accessKeyId && secretAccessKey ? { credentials: { accessKeyId, secretAccessKey } } : {};
}
