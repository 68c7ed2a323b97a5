/**
 * A write log longer than one S3 LIST page (1,000 keys): the default compaction trigger is 10,000 rows,
 * so a log of small writes holds thousands of objects before it is folded, and every reader that lists
 * it must follow LIST's continuation tokens. 1,010 entries of one upsert each are appended (as
 * `IndexWriter` appends them, by sequence with `If-None-Match`), then:
 * - `snapshotContent` from a fresh process view reads all of them (content equal, row by row);
 * - the coordinator, cold for this index, takes the next sequence for a write with a token, and answers a
 *   retry of an early entry's token `replayed: true` with that entry's sequence;
 * - the compactor (invoked synchronously on emulated targets, else through `POST /compact`) folds all
 *   of them into version 2, whose content is the same.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compactUrl, upsertUrl } from '../../../scripts/client/index.ts';
import type { LocalStack } from '../../../scripts/local/index.ts';
import { readCurrentPointer } from '../../../shared/format/index.ts';
import type { BlobStore } from '../../../shared/store/index.ts';
import { snapshotContent } from '../../../shared/writes/snapshot-content.ts';
import { WriteLog } from '../../../shared/writes/write-log.ts';
import { type SearchTarget, startSearchTarget } from '../support/search-target.ts';
import { baseContent, buildWriteIndex, contentDifferences, numbers, writeVector } from './write-fixture.ts';

const index = 'writes-long-log';
const ENTRIES = 1010;
const idOf = (sequence: number) => 8_000_000 + sequence;

/** Runs the stack's compactor on `name` and returns its summary; throws its error message if it failed. */
async function invokeCompactor(emulator: LocalStack, name: string): Promise<unknown> {
  const compactor = emulator.functions.find((fn) => /compactor/i.test(fn.name));
  if (!compactor)
    throw new Error(`the stack has no compactor function among ${emulator.functions.map((fn) => fn.name)}`);
  const lambda = new LambdaClient({
    endpoint: emulator.lambdaEndpoint,
    region: emulator.env.AWS_REGION,
    credentials: {
      accessKeyId: emulator.env.AWS_ACCESS_KEY_ID,
      secretAccessKey: emulator.env.AWS_SECRET_ACCESS_KEY,
    },
  });
  try {
    const output = await lambda.send(
      new InvokeCommand({ FunctionName: compactor.name, Payload: JSON.stringify({ index: name }) }),
    );
    const payload = JSON.parse(Buffer.from(output.Payload ?? new Uint8Array()).toString() || 'null');
    if (output.FunctionError) {
      throw new Error(`${compactor.name} failed (${output.FunctionError}): ${JSON.stringify(payload)}`);
    }
    return payload;
  } finally {
    lambda.destroy();
  }
}

describe('a write log longer than one LIST page', () => {
  let target: SearchTarget;
  let store: BlobStore;
  const expected = baseContent();

  beforeAll(async () => {
    target = await startSearchTarget();
    store = await buildWriteIndex(target, index);
    const log = new WriteLog(store);
    for (let first = 1; first <= ENTRIES; first += 20) {
      const appends: Promise<unknown>[] = [];
      for (let sequence = first; sequence < first + 20 && sequence <= ENTRIES; sequence++) {
        const row = { id: idOf(sequence), vector: writeVector(idOf(sequence)), attributes: { u: 0.5 } };
        appends.push(log.append({ token: `long-${sequence}`, upserts: [row], deleteIds: [] }, sequence));
        expected.set(row.id, { vector: row.vector, attributes: row.attributes });
      }
      await Promise.all(appends);
    }
  });

  afterAll(async () => {
    await target?.stop();
  });

  it(`snapshotContent reads all ${ENTRIES} entries`, async () => {
    const content = await snapshotContent(store);
    expect(content.sequence).toBe(ENTRIES);
    expect(contentDifferences(content, expected)).toEqual([]);
  });

  it('a cold coordinator appends after the last entry and recognises an early token', async () => {
    const vector = writeVector(idOf(ENTRIES + 1));
    const answer = await upsertUrl(
      target.searchUrl,
      { index, vectors: [{ id: idOf(ENTRIES + 1), vector: numbers(vector) }], token: 'long-next' },
      { sign: target.sign, retry: { attempts: 1 } },
    );
    expect(answer).toEqual({ index, sequence: ENTRIES + 1, upserted: 1, deleted: 0, replayed: false });
    expected.set(idOf(ENTRIES + 1), { vector, attributes: {} });
    const replay = await upsertUrl(
      target.searchUrl,
      { index, vectors: [{ id: idOf(5), vector: numbers(writeVector(idOf(5))) }], token: 'long-5' },
      { sign: target.sign, retry: { attempts: 1 } },
    );
    expect(replay).toEqual({ index, sequence: 5, upserted: 1, deleted: 0, replayed: true });
  });

  it('the compactor folds them all, and the content stays the same', async () => {
    if (target.emulator) {
      // Synchronously through the Lambda Invoke API, so a failure is seen with its message.
      expect(await invokeCompactor(target.emulator, index)).toMatchObject({
        version: 2,
        logThrough: ENTRIES + 1,
        entriesFolded: ENTRIES + 1,
      });
    } else {
      await compactUrl(target.searchUrl, { index }, { sign: target.sign });
      let pointer = await readCurrentPointer(store);
      for (const deadline = Date.now() + 120_000; pointer?.version === 1 && Date.now() < deadline; ) {
        await sleep(200);
        pointer = await readCurrentPointer(store);
      }
    }
    expect((await readCurrentPointer(store))?.version, 'CURRENT should have moved to version 2').toBe(2);
    const content = await snapshotContent(store);
    expect(content).toMatchObject({ version: 2, sequence: ENTRIES + 1 });
    expect(contentDifferences(content, expected)).toEqual([]);
  });
});
