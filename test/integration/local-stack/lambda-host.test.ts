import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  GetFunctionConfigurationCommand,
  InvokeCommand,
  LambdaClient,
  LambdaServiceException,
} from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LambdaHost, startLambdaHost } from '../../../scripts/local/lambda-host.ts';
import { nodeBinaryFor } from '../../../scripts/local/node-binary.ts';

const CODE = fileURLToPath(new URL('./fixtures/functions/', import.meta.url));
const RUNTIME = `nodejs${process.versions.node.split('.')[0]}.x`;
const fn = (name: string, handler: string, extra: object = {}) => ({
  name,
  handler,
  codeDirectory: CODE,
  runtime: RUNTIME,
  ...extra,
});

describe('local Lambda host', () => {
  let host: LambdaHost;
  let lambda: LambdaClient;
  let scratch: string;
  const logs: string[] = [];

  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'squash-lambda-test-'));
    host = await startLambdaHost({
      functions: [
        fn('counter', 'counter.handler', {
          memoryMiB: 1769,
          environment: { FUNCTION_ONLY: 'from-function', OVERRIDDEN: 'from-function' },
        }),
        fn('parallel', 'counter.handler'),
        fn('events', 'counter.handler'),
        fn('errors', 'errors.handler'),
        fn('slow', 'counter.handler', { timeoutSeconds: 1 }),
        fn('reserved', 'counter.handler', { reservedConcurrency: 2, timeoutSeconds: 10 }),
        fn('killable', 'counter.handler', { timeoutSeconds: 10 }),
        fn('callback', 'callback.handler'),
        fn('missing-module', 'nowhere.handler'),
        fn('missing-export', 'counter.nope'),
        fn('url-structured', 'lib/url-echo.structured'),
        fn('url-plain', 'lib/url-echo.plain'),
      ],
      environment: { OVERRIDDEN: 'from-host' },
      // Room for the concurrency tests below (the default ceiling is the machine's core count).
      maxEnvironmentsPerFunction: 8,
      onLog: (name, line) => logs.push(`${name}: ${line}`),
    });
    lambda = new LambdaClient({
      endpoint: host.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      maxAttempts: 1,
    });
  });

  afterAll(async () => {
    lambda?.destroy();
    await host?.stop();
    await rm(scratch, { recursive: true, force: true });
  });

  const invoke = async (name: string, event: unknown = {}) => {
    const response = await lambda.send(
      new InvokeCommand({ FunctionName: name, Payload: Buffer.from(JSON.stringify(event)) }),
    );
    const text = Buffer.from(response.Payload ?? []).toString('utf8');
    return { status: response.StatusCode, functionError: response.FunctionError, body: JSON.parse(text) };
  };

  const serviceError = async (promise: Promise<unknown>) => {
    try {
      await promise;
    } catch (error) {
      if (error instanceof LambdaServiceException) {
        return { name: error.name, status: error.$metadata.httpStatusCode, message: error.message };
      }
      throw error;
    }
    throw new Error('expected the invocation to be refused');
  };

  it('reuses a warm environment: module state persists in the same process', async () => {
    const results = [];
    for (let i = 0; i < 3; i++) results.push((await invoke('counter', { i })).body);
    expect(results.map((r) => r.count)).toEqual([1, 2, 3]);
    expect(new Set(results.map((r) => r.pid)).size).toBe(1);
    expect(results[2].event).toEqual({ i: 2 });
    expect(host.stats('counter')).toMatchObject({
      invocations: 3,
      coldStarts: 1,
      warmStarts: 2,
      environments: 1,
    });
  });

  it('gives each function its environment: own variables, host variables on top, Lambda variables', async () => {
    const { body } = await invoke('counter');
    expect(body.env).toEqual({
      FUNCTION_ONLY: 'from-function',
      OVERRIDDEN: 'from-host',
      AWS_ENDPOINT_URL_LAMBDA: host.endpoint,
      AWS_LAMBDA_FUNCTION_NAME: 'counter',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '1769',
      AWS_REGION: 'us-east-1',
    });
    expect(body.functionName).toBe('counter');
    expect(body.memoryLimitInMB).toBe('1769');
    expect(body.invokedFunctionArn).toBe('arn:aws:lambda:us-east-1:000000000000:function:counter');
    expect(body.remainingMs).toBeGreaterThan(0);
    expect(body.remainingMs).toBeLessThanOrEqual(3000);
    expect(host.stats('counter').nodeVersion).toBe(process.version);
  });

  it('starts a new environment for each concurrent invocation when all are busy', async () => {
    const results = await Promise.all([0, 1, 2].map(() => invoke('parallel', { sleepMs: 600 })));
    expect(new Set(results.map((r) => r.body.pid)).size).toBe(3);
    expect(results.map((r) => r.body.count)).toEqual([1, 1, 1]);
    expect(host.stats('parallel')).toMatchObject({ coldStarts: 3, environments: 3, peakConcurrency: 3 });
    const next = await invoke('parallel');
    expect(next.body.count).toBe(2);
    expect(host.stats('parallel')).toMatchObject({ coldStarts: 3, warmStarts: 1 });
  });

  it('accepts full ARNs, partial ARNs and qualified names', async () => {
    for (const name of [
      'arn:aws:lambda:us-east-1:000000000000:function:errors',
      '000000000000:function:errors:$LATEST',
      'errors:$LATEST',
    ]) {
      const { status, functionError, body } = await invoke(name);
      expect({ status, functionError, pid: typeof body.pid }).toEqual({
        status: 200,
        functionError: undefined,
        pid: 'number',
      });
    }
  });

  it('answers Event with 202 and runs it in the background, DryRun with 204', async () => {
    const marker = join(scratch, 'event.json');
    const event = await lambda.send(
      new InvokeCommand({
        FunctionName: 'events',
        InvocationType: 'Event',
        Payload: JSON.stringify({ touch: marker }),
      }),
    );
    expect(event.StatusCode).toBe(202);
    for (let waited = 0; !existsSync(marker) && waited < 5000; waited += 20)
      await new Promise((r) => setTimeout(r, 20));
    expect(JSON.parse(readFileSync(marker, 'utf8')).count).toBe(1);
    const dryRun = await lambda.send(new InvokeCommand({ FunctionName: 'events', InvocationType: 'DryRun' }));
    expect(dryRun.StatusCode).toBe(204);
    expect(host.stats('events').invocations).toBe(1);
  });

  it('answers GetFunctionConfiguration with the memory and timeout a client sizes its work by', async () => {
    const counter = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'counter' }));
    expect([counter.FunctionName, counter.MemorySize, counter.Timeout]).toEqual(['counter', 1769, 3]);
    const slow = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'slow' }));
    expect([slow.MemorySize, slow.Timeout]).toEqual([128, 1]);
    await expect(
      lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'nobody' })),
    ).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });

  it('answers 404 ResourceNotFoundException for an unknown function', async () => {
    expect(await serviceError(invoke('nope'))).toEqual({
      name: 'ResourceNotFoundException',
      status: 404,
      message: 'Function not found: arn:aws:lambda:us-east-1:000000000000:function:nope',
    });
  });

  it('answers 400 InvalidRequestContentException for a payload that is not JSON', async () => {
    const refused = lambda.send(
      new InvokeCommand({ FunctionName: 'errors', Payload: Buffer.from('{"a": nope') }),
    );
    const error = await serviceError(refused);
    expect(error.name).toBe('InvalidRequestContentException');
    expect(error.status).toBe(400);
    expect(error.message).toMatch(/^Could not parse request body into json: /);
  });

  it('reports the real error type of a thrown error and keeps the environment warm', async () => {
    const custom = await invoke('errors', { kind: 'custom', partition: 7 });
    expect(custom.status).toBe(200);
    expect(custom.functionError).toBe('Unhandled');
    expect(custom.body.errorType).toBe('SegmentCorrupt');
    expect(custom.body.errorMessage).toBe('partition 7 is truncated');
    expect(custom.body.trace[0]).toBe('SegmentCorrupt: partition 7 is truncated');
    const typeError = await invoke('errors', { kind: 'type' });
    expect(typeError.body.errorType).toBe('TypeError');
    const thrownString = await invoke('errors', { kind: 'string' });
    expect(thrownString.body).toEqual({
      errorType: 'string',
      errorMessage: 'plain string failure',
      trace: [],
    });
    const after = await invoke('errors');
    const before = await invoke('errors');
    expect(after.body.pid).toBe(before.body.pid);
  });

  it('reports import and handler-name failures as Lambda does', async () => {
    const module = await invoke('missing-module');
    expect(module.functionError).toBe('Unhandled');
    expect(module.body.errorType).toBe('Runtime.ImportModuleError');
    expect(module.body.errorMessage).toContain("Cannot find module 'nowhere'");
    // …and says so in the function's log, as Lambda does.
    expect(logs).toContain(
      `missing-module: ${JSON.stringify({ errorType: 'Runtime.ImportModuleError', errorMessage: module.body.errorMessage })}`,
    );
    expect(
      logs.some((line) =>
        /^missing-module: INIT_REPORT .* Status: error Error Type: Runtime\.ImportModuleError$/.test(line),
      ),
    ).toBe(true);
    const exported = await invoke('missing-export');
    expect(exported.body).toMatchObject({
      errorType: 'Runtime.HandlerNotFound',
      errorMessage: 'counter.nope is undefined or not exported',
    });
  });

  it('runs CommonJS callback-style handlers', async () => {
    expect((await invoke('callback', { value: 21 })).body).toEqual({ doubled: 42 });
  });

  it('stops an invocation at the timeout and kills its environment', async () => {
    const timedOut = await invoke('slow', { sleepMs: 5000 });
    expect(timedOut.functionError).toBe('Unhandled');
    expect(timedOut.body.errorType).toBe('Sandbox.Timedout');
    expect(timedOut.body.errorMessage).toMatch(
      /^RequestId: [0-9a-f-]{36} Error: Task timed out after 1\.00 seconds$/,
    );
    expect(host.stats('slow')).toMatchObject({ timeouts: 1, errors: 1 });
    const next = await invoke('slow');
    expect(next.body.count).toBe(1);
    expect(host.stats('slow').coldStarts).toBe(2);
  });

  it('throttles past reserved concurrency with 429 TooManyRequestsException', async () => {
    const outcomes = await Promise.allSettled([0, 1, 2, 3].map(() => invoke('reserved', { sleepMs: 1500 })));
    const statuses = await Promise.all(
      outcomes.map(async (outcome) =>
        outcome.status === 'fulfilled'
          ? outcome.value.status
          : (await serviceError(Promise.reject(outcome.reason))).status,
      ),
    );
    expect(statuses.sort()).toEqual([200, 200, 429, 429]);
    const refusal = outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult;
    expect(refusal.reason.name).toBe('TooManyRequestsException');
    expect(refusal.reason.Reason).toBe('ReservedFunctionConcurrentInvocationLimitExceeded');
    expect(host.stats('reserved')).toMatchObject({ throttles: 2, invocations: 2, peakConcurrency: 2 });
  });

  it('fails in-flight invocations with Runtime.ExitError when their environments are killed', async () => {
    await host.warm('killable', 2);
    expect(host.stats('killable')).toMatchObject({ environments: 2, environmentsStarted: 2 });
    const inFlight = invoke('killable', { sleepMs: 3000 });
    await new Promise((r) => setTimeout(r, 200));
    expect(host.killEnvironments('killable')).toBe(2);
    const killed = await inFlight;
    expect(killed.functionError).toBe('Unhandled');
    expect(killed.body.errorType).toBe('Runtime.ExitError');
    expect(killed.body.errorMessage).toMatch(/Runtime exited with error: signal: killed$/);
    const after = await invoke('killable');
    expect(after.body.count).toBe(1);
    expect(host.stats('killable')).toMatchObject({
      environments: 1,
      environmentsStarted: 3,
      warmStarts: 1,
      coldStarts: 1,
    });
  });

  it('serves a Function URL with payload format 2.0', async () => {
    const url = await host.addFunctionUrl('url-structured');
    const response = await fetch(new URL('/search/v1?a=1&a=2&b=x%20y', url), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"queries":[1,2]}',
    });
    expect(response.status).toBe(201);
    expect(response.headers.get('x-echo')).toBe('yes');
    expect(await response.json()).toEqual({
      version: '2.0',
      method: 'POST',
      path: '/search/v1',
      rawPath: '/search/v1',
      rawQueryString: 'a=1&a=2&b=x%20y',
      queryStringParameters: { a: '1,2', b: 'x y' },
      contentType: 'application/json',
      body: '{"queries":[1,2]}',
      isBase64Encoded: false,
    });
    const binary = await fetch(url, {
      method: 'PUT',
      headers: { 'content-type': 'application/octet-stream' },
      body: new Uint8Array([0, 255, 1]),
    });
    expect(await binary.json()).toMatchObject({ body: 'AP8B', isBase64Encoded: true, rawPath: '/' });
  });

  it('maps a plain result to 200 JSON and a function error to 502 on a Function URL', async () => {
    const url = await host.addFunctionUrl('url-plain');
    const ok = await fetch(new URL('/hello', url));
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toBe('application/json');
    expect(await ok.json()).toEqual({ ok: true, path: '/hello' });
    const failed = await fetch(new URL('/fail', url));
    expect(failed.status).toBe(502);
    expect(await failed.json()).toEqual({ Message: 'Internal Server Error' });
  });

  it('forwards environment output to the log sink, tagged with the function name', async () => {
    await invoke('counter', { log: 'hello from the handler' });
    for (let waited = 0; !logs.includes('counter: hello from the handler') && waited < 2000; waited += 20) {
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(logs).toContain('counter: hello from the handler');
  });
});

describe('local Lambda host capacity', () => {
  it('reaps idle environments after idleTimeoutMs and queues past maxEnvironmentsPerFunction', async () => {
    const host = await startLambdaHost({
      functions: [fn('counter', 'counter.handler', { timeoutSeconds: 10 })],
      idleTimeoutMs: 500,
      maxEnvironmentsPerFunction: 2,
      queueTimeoutMs: 60_000,
      onLog: () => {},
    });
    const lambda = new LambdaClient({
      endpoint: host.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      maxAttempts: 1,
    });
    try {
      const invoke = async (event: object) => {
        const response = await lambda.send(
          new InvokeCommand({ FunctionName: 'counter', Payload: Buffer.from(JSON.stringify(event)) }),
        );
        return JSON.parse(Buffer.from(response.Payload ?? []).toString('utf8'));
      };
      const answers = await Promise.all([0, 1, 2, 3].map(() => invoke({ sleepMs: 300 })));
      expect(new Set(answers.map((answer) => answer.pid)).size).toBe(2);
      expect(host.stats('counter')).toMatchObject({ environments: 2, queued: 2, errors: 0 });
      expect(host.environmentPids().sort()).toEqual([...new Set(answers.map((a) => a.pid))].sort());
      for (let waited = 0; host.stats('counter').environments > 0 && waited < 15_000; waited += 50) {
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(host.stats('counter')).toMatchObject({ environments: 0, reaped: 2 });
      expect(host.environmentPids()).toEqual([]);
      expect((await invoke({})).count).toBe(1);
    } finally {
      lambda.destroy();
      await host.stop();
    }
  });
});

describe('node binary selection', () => {
  it('uses this machine’s Node when the runtime major matches', () => {
    expect(nodeBinaryFor(RUNTIME, 'f', {})).toEqual({ path: process.execPath, version: process.version });
  });

  it('uses SQUASH_LOCAL_NODE when it has the runtime’s major, otherwise warns once and falls back', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'squash-node-'));
    const fake = join(dir, 'node');
    await writeFile(fake, '#!/bin/sh\necho v97.1.2\n');
    await chmod(fake, 0o755);
    const warnings: string[] = [];
    const warn = (line: string) => warnings.push(line);
    expect(nodeBinaryFor('nodejs97.x', 'f', { SQUASH_LOCAL_NODE: fake }, warn)).toEqual({
      path: fake,
      version: 'v97.1.2',
    });
    expect(nodeBinaryFor('nodejs98.x', 'f', { SQUASH_LOCAL_NODE: fake }, warn).path).toBe(process.execPath);
    expect(nodeBinaryFor('nodejs98.x', 'g', {}, warn).path).toBe(process.execPath);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/runtime nodejs98\.x wants Node 98 .*node@98/);
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses runtimes that are not Node.js', () => {
    expect(() => nodeBinaryFor('python3.12', 'indexer', {})).toThrow(
      'function `indexer` has runtime `python3.12`; the local Lambda host runs only Node.js runtimes (nodejs<major>.x)',
    );
  });
});
