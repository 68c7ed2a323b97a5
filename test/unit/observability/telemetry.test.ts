/**
 * Telemetry as the handlers use it: JSON log lines carrying the invocation's request id, one EMF line
 * per invocation with the contract's namespace, dimension and units, levels and switches read from the
 * POWERTOOLS_* variables, and errors logged with their type. Output is captured, never printed.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createTelemetry, silentTelemetry } from '../../../functions/observability/telemetry.ts';

let lines: string[];

beforeEach(() => {
  lines = [];
  for (const stream of [process.stdout, process.stderr]) {
    vi.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      return true;
    });
  }
  for (const name of [
    'POWERTOOLS_SERVICE_NAME',
    'POWERTOOLS_METRICS_NAMESPACE',
    'POWERTOOLS_LOG_LEVEL',
    'POWERTOOLS_METRICS_DISABLED',
    'POWERTOOLS_TRACE_ENABLED',
    'POWERTOOLS_DEV',
    'AWS_LAMBDA_LOG_LEVEL',
  ]) {
    vi.stubEnv(name, undefined);
  }
});

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

// biome-ignore lint/suspicious/noExplicitAny: parsed JSON lines, checked by the assertions
const parsed = (): any[] => lines.map((line) => JSON.parse(line));
const emfLines = () => parsed().filter((line) => line._aws !== undefined);
const logLines = () => parsed().filter((line) => line._aws === undefined);

const context = (awsRequestId: string) => ({ awsRequestId, functionName: 'S-coordinator' });

describe('createTelemetry', () => {
  it('logs JSON lines with the request id and writes one EMF document per invocation', async () => {
    const telemetry = await createTelemetry('coordinator');
    const answer = await telemetry.invoke(context('req-1'), async () => {
      telemetry.logger.appendKeys({ index: 'sift' });
      telemetry.logger.info('search', { batchSize: 5 });
      telemetry.add('Queries', 3);
      telemetry.add('Queries', 2);
      telemetry.add('SearchLatency', 12.5);
      telemetry.add('BytesRead', 4096);
      return 'done';
    });
    expect(answer).toBe('done');
    expect(logLines()).toEqual([
      expect.objectContaining({
        level: 'INFO',
        message: 'search',
        service: 'squash-coordinator',
        function_request_id: 'req-1',
        index: 'sift',
        batchSize: 5,
      }),
    ]);
    const emf = emfLines();
    expect(emf).toHaveLength(1);
    expect(emf[0]._aws.CloudWatchMetrics).toEqual([
      {
        Namespace: 'Squash',
        Dimensions: [['service']],
        Metrics: [
          { Name: 'Queries', Unit: 'Count' },
          { Name: 'SearchLatency', Unit: 'Milliseconds' },
          { Name: 'BytesRead', Unit: 'Bytes' },
        ],
      },
    ]);
    expect(emf[0]).toMatchObject({
      service: 'squash-coordinator',
      Queries: 5,
      SearchLatency: 12.5,
      BytesRead: 4096,
    });
    expect(emf[0]._aws.Timestamp).toEqual(expect.any(Number));
  });

  it('starts every invocation with its own request id, no keys of the last one and no metrics', async () => {
    const telemetry = await createTelemetry('processor');
    await telemetry.invoke(context('req-1'), async () => {
      telemetry.logger.appendKeys({ index: 'a' });
      telemetry.add('ColdLoads', 2);
    });
    lines = [];
    await telemetry.invoke(context('req-2'), async () => {
      telemetry.logger.info('process');
      telemetry.add('PartitionsSearched', 1);
    });
    const [log] = logLines();
    expect(log).toMatchObject({ function_request_id: 'req-2', service: 'squash-processor' });
    expect(log).not.toHaveProperty('index');
    const [emf] = emfLines();
    expect(emf).toMatchObject({ PartitionsSearched: 1 });
    expect(emf).not.toHaveProperty('ColdLoads');
  });

  it('writes no EMF line for an invocation that added no metric', async () => {
    const telemetry = await createTelemetry('allocator');
    await telemetry.invoke(context('req-1'), async () => {});
    expect(lines).toEqual([]);
  });

  it('takes the service name and namespace from the environment when set', async () => {
    vi.stubEnv('POWERTOOLS_SERVICE_NAME', 'my-coordinator');
    vi.stubEnv('POWERTOOLS_METRICS_NAMESPACE', 'MySquash');
    const telemetry = await createTelemetry('coordinator');
    await telemetry.invoke(context('req-1'), async () => {
      telemetry.logger.info('x');
      telemetry.add('Writes', 7);
    });
    expect(logLines()[0]).toMatchObject({ service: 'my-coordinator' });
    expect(emfLines()[0]).toMatchObject({ service: 'my-coordinator', Writes: 7 });
    expect(emfLines()[0]._aws.CloudWatchMetrics[0].Namespace).toBe('MySquash');
  });

  it('POWERTOOLS_METRICS_DISABLED=true writes no metrics; POWERTOOLS_LOG_LEVEL filters lines', async () => {
    vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'true');
    vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'WARN');
    const telemetry = await createTelemetry('coordinator');
    await telemetry.invoke(context('req-1'), async () => {
      telemetry.logger.info('not shown');
      telemetry.logger.warn('shown');
      telemetry.add('Queries', 1);
    });
    expect(emfLines()).toEqual([]);
    expect(logLines().map((line) => line.message)).toEqual(['shown']);
  });

  it('logs an error that escapes with its type, still writes the metrics, and rethrows it', async () => {
    const telemetry = await createTelemetry('allocator');
    const failure = telemetry.invoke(context('req-9'), async () => {
      telemetry.add('AllocatorLatency', 3);
      throw new TypeError('boom');
    });
    await expect(failure).rejects.toThrow(TypeError);
    expect(logLines()).toEqual([
      expect.objectContaining({
        level: 'ERROR',
        message: 'invocation failed',
        function_request_id: 'req-9',
        error: expect.objectContaining({ name: 'TypeError', message: 'boom' }),
      }),
    ]);
    expect(emfLines()[0]).toMatchObject({ AllocatorLatency: 3, service: 'squash-allocator' });
  });

  it('with POWERTOOLS_TRACE_ENABLED=true outside Lambda, the tracer stays off and invocations run', async () => {
    vi.stubEnv('POWERTOOLS_TRACE_ENABLED', 'true');
    const telemetry = await createTelemetry('processor');
    expect(await telemetry.invoke(context('req-1'), async () => 42)).toBe(42);
  });
});

describe('silentTelemetry', () => {
  it('prints nothing and keeps the summed values for tests', async () => {
    const telemetry = silentTelemetry();
    telemetry.logger.error('hidden');
    telemetry.add('Retries', 1);
    telemetry.add('Retries', 2);
    expect(Object.fromEntries(telemetry.values())).toEqual({ Retries: 3 });
    telemetry.flush();
    expect(telemetry.values().size).toBe(0);
    expect(lines).toEqual([]);
  });
});
