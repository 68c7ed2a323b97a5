/**
 * Hostile input, in process and at volume: thousands of fast-check requests (see
 * test/support/hostile-requests.ts) through the coordinator's URL entry (`serveCoordinator`), each built
 * into a payload 2.0 event by the local Function URL's own `functionUrlEvent`, with the real allocator
 * and processors behind an in-process invoker. Every answer must be below 500, JSON, with a short error
 * message for a 4xx; the stack must still answer a correct search afterwards. The HTTP suite
 * (test/integration/fuzz) runs fewer of the same requests through real sockets.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveCoordinator } from '../../../functions/coordinator/serve-coordinator.ts';
import { functionUrlEvent } from '../../../scripts/local/function-url-event.ts';
import { SYNTHETIC_SCHEMA } from '../../../shared/synthetic/index.ts';
import { expectWellFormed, FuzzTally } from '../../support/fuzz-oracle.ts';
import { fuzzRuns, fuzzSeed, replayPath, shortReport } from '../../support/fuzz-settings.ts';
import {
  describeRequest,
  type FuzzIndex,
  type HostileRequest,
  hostileRequests,
} from '../../support/hostile-requests.ts';
import { buildTestStore, createTestStack, DIM, INDEX, queryVector, type TestStack } from './test-stack.ts';

const MAX_BATCH = 200;
const index: FuzzIndex = {
  name: INDEX,
  dim: DIM,
  schema: SYNTHETIC_SCHEMA,
  strings: ['red', 'blue', 'grey', 'common', 'rare', 'popular'],
  maxBatch: MAX_BATCH,
};
const seed = fuzzSeed('coordinator fuzz (in process)');
const tally = new FuzzTally('fuzz-coordinator-in-process', seed);

let stack: TestStack;
beforeAll(async () => {
  stack = createTestStack(await buildTestStore(), { SQUASH_MAX_BATCH: String(MAX_BATCH) });
});
afterAll(() => tally.report());

async function serve(request: HostileRequest): Promise<{ status: number; body: string }> {
  const body =
    request.body === undefined
      ? Buffer.alloc(0)
      : typeof request.body === 'string'
        ? Buffer.from(request.body)
        : Buffer.from(request.body);
  const event = functionUrlEvent({
    method: request.method,
    url: request.path,
    headers: { host: 'fuzz.local', ...request.headers },
    body,
    sourceIp: '127.0.0.1',
    urlId: 'fuzz',
    requestId: `fuzz-${tally.requests}`,
  });
  const result = await serveCoordinator(event, stack.coordinator, Date.now() + 60_000);
  return { status: result.statusCode ?? 0, body: String(result.body ?? '') };
}

describe('the coordinator under hostile requests (in process)', () => {
  it(
    'answers every request below 500 with JSON and a short message',
    async () => {
      await fc.assert(
        fc.asyncProperty(
          hostileRequests(index, { oversized: true, wideBytes: 3_000_000 }),
          async (request) => {
            let answer: { status: number; body: string };
            try {
              answer = await serve(request);
            } catch (error) {
              tally.crashes++;
              throw error;
            }
            tally.record(request, answer.status);
            expectWellFormed(request, answer);
          },
        ),
        { seed, numRuns: fuzzRuns(3000), reporter: shortReport(describeRequest), ...replayPath() },
      );
    },
    fuzzRuns(120_000),
  );

  it('still answers a correct search afterwards', async () => {
    const response = await stack.search({
      index: INDEX,
      k: 5,
      queries: [{ vector: Array.from(queryVector(0)) }],
    });
    expect(response.status).toBe(200);
    expect(response.body.results[0].hits).toHaveLength(5);
    expect(tally.crashes).toBe(0);
  });
});
