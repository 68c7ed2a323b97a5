/**
 * The write commands' argument checks and batching, in process: what a command line is refused with
 * (a `UsageError`, exit code 2, naming the flag) and how input is split into requests and tokens.
 */
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../scripts/cli/args.ts';
import { parseCompactArgs } from '../../../scripts/cli/compact-command.ts';
import { idsOption, parseDeleteArgs } from '../../../scripts/cli/delete-command.ts';
import { parseUpsertArgs } from '../../../scripts/cli/upsert-command.ts';
import {
  type Batch,
  planBatches,
  sendBatches,
  tokenPrefixOption,
} from '../../../scripts/cli/write-batches.ts';
import { checkIds, idFromText } from '../../../scripts/cli/write-ids.ts';
import { InvalidInputError } from '../../../shared/errors/index.ts';

const url = ['--url', 'http://127.0.0.1:1/'];
const upsert = ['--index', 'docs', '--vectors', 'v.fvecs', '--attributes', 'a.jsonl'];

function usageError(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error('expected a UsageError, nothing was thrown');
}

describe('squash upsert arguments', () => {
  it('takes the URL form and the in-process form, with their defaults', () => {
    expect(parseUpsertArgs([...url, ...upsert])).toEqual({
      target: { url: 'http://127.0.0.1:1/', index: 'docs', sign: false },
      vectors: 'v.fvecs',
      attributes: 'a.jsonl',
      batchSize: 500,
      concurrency: 1,
    });
    expect(
      parseUpsertArgs([
        '--index',
        's3://bucket/docs',
        '--vectors',
        'v.npy',
        '--attributes',
        'a.csv',
        '--schema',
        's.json',
        '--batch',
        '100',
        '--concurrency',
        '4',
        '--token',
        'load:2024.1',
      ]),
    ).toEqual({
      target: { index: 's3://bucket/docs', sign: false },
      vectors: 'v.npy',
      attributes: 'a.csv',
      schema: 's.json',
      batchSize: 100,
      concurrency: 4,
      token: 'load:2024.1',
    });
  });

  it('refuses a line without --index, --vectors or --attributes, naming the flag', () => {
    expect(
      usageError(() => parseUpsertArgs([...url, '--vectors', 'v.fvecs', '--attributes', 'a.jsonl'])),
    ).toBe('--index is required');
    expect(usageError(() => parseUpsertArgs([...url, '--index', 'docs', '--attributes', 'a.jsonl']))).toBe(
      '--vectors is required',
    );
    expect(usageError(() => parseUpsertArgs([...url, '--index', 'docs', '--vectors', 'v.fvecs']))).toBe(
      '--attributes is required: the `id` field of its rows gives the ids to upsert (as squash build reads them)',
    );
  });

  it('refuses an empty --url, --sign without --url, and unknown flags', () => {
    expect(usageError(() => parseUpsertArgs(['--url', '', ...upsert]))).toBe(
      '--url is empty; expected the search Function URL',
    );
    expect(usageError(() => parseUpsertArgs([...upsert, '--sign']))).toBe(
      '--sign applies to --url (an in-process write reaches S3 with the usual AWS credentials)',
    );
    expect(usageError(() => parseUpsertArgs([...url, ...upsert, '--ids', '1,2']))).toMatch(
      /Unknown option '--ids'/,
    );
  });

  it('bounds --batch by the 500 vectors of one upsert and --concurrency by 16', () => {
    expect(usageError(() => parseUpsertArgs([...url, ...upsert, '--batch', '501']))).toBe(
      '--batch "501" is not valid; expected an integer in 1..500',
    );
    expect(usageError(() => parseUpsertArgs([...url, ...upsert, '--batch', '0']))).toBe(
      '--batch "0" is not valid; expected an integer in 1..500',
    );
    expect(usageError(() => parseUpsertArgs([...url, ...upsert, '--concurrency', '17']))).toBe(
      '--concurrency "17" is not valid; expected an integer in 1..16',
    );
  });

  it('refuses a --token whose batch tokens would not be valid write tokens', () => {
    expect(usageError(() => parseUpsertArgs([...url, ...upsert, '--token', 'my token']))).toMatch(
      /^--token "my token" is not valid; expected characters from A–Z a–z 0–9 - _ \. :/,
    );
    expect(tokenPrefixOption('x'.repeat(124), 999)).toBe('x'.repeat(124));
    expect(usageError(() => tokenPrefixOption('x'.repeat(124), 1000))).toMatch(
      /and at most 123 of them \(batch tokens are PREFIX-1 … PREFIX-1000, at most 128 characters\)$/,
    );
    expect(tokenPrefixOption(undefined, 3)).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });
});

describe('squash delete arguments', () => {
  const base = [...url, '--index', 'docs'];

  it('takes ids, an ids file or a filter', () => {
    expect(parseDeleteArgs([...base, '--ids', 'a, 7 ,b'])).toEqual({
      target: { url: 'http://127.0.0.1:1/', index: 'docs', sign: false },
      source: { ids: ['a', 7, 'b'] },
      batchSize: 1000,
      concurrency: 1,
    });
    expect(
      parseDeleteArgs([...base, '--ids-file', 'ids.txt', '--string-ids', '--batch', '10']).source,
    ).toEqual({
      idsFile: 'ids.txt',
      stringIds: true,
    });
    expect(
      parseDeleteArgs([...base, '--filter', '{"color":{"$eq":"red"}}', '--token', 'purge']).source,
    ).toEqual({
      filter: { color: { $eq: 'red' } },
    });
  });

  it('refuses both --ids and --filter, and neither', () => {
    expect(usageError(() => parseDeleteArgs([...base, '--ids', '1', '--filter', '{}']))).toBe(
      'give one of --ids, --ids-file or --filter, not several (received --ids and --filter)',
    );
    expect(usageError(() => parseDeleteArgs([...base, '--ids-file', 'f', '--filter', '{}']))).toBe(
      'give one of --ids, --ids-file or --filter, not several (received --ids-file and --filter)',
    );
    expect(usageError(() => parseDeleteArgs(base))).toBe(
      'give the rows to delete: --ids, --ids-file or --filter',
    );
    expect(usageError(() => parseDeleteArgs(['--ids', '1']))).toBe('--index is required');
  });

  it('refuses a --filter that is not JSON, or not an object, naming --filter', () => {
    expect(usageError(() => parseDeleteArgs([...base, '--filter', '{"color":']))).toMatch(
      /^--filter is not valid JSON: /,
    );
    expect(usageError(() => parseDeleteArgs([...base, '--filter', '["red"]']))).toBe(
      `--filter is ["red"]; expected a JSON object in the search filter language, e.g. '{"color":{"$eq":"red"}}'`,
    );
    expect(usageError(() => parseDeleteArgs([...base, '--filter', '{}', '--batch', '5']))).toBe(
      '--batch applies to --ids and --ids-file, not --filter (one request)',
    );
  });

  it('reads --ids as integers where they read as integers, strings otherwise; each once', () => {
    expect(idsOption('7,-3,007,x7,9007199254740993', false)).toEqual([
      7,
      -3,
      '007',
      'x7',
      '9007199254740993',
    ]);
    expect(idsOption('7,-3', true)).toEqual(['7', '-3']);
    expect(idFromText('0', false)).toBe(0);
    expect(usageError(() => idsOption('a,,b', false))).toBe(
      '--ids "a,,b" has an empty entry (number 2); expected ids separated by commas',
    );
    expect(usageError(() => idsOption('a,7,a', false))).toBe(
      '--ids entry 3 has id "a", as --ids entry 1; expected each id once',
    );
    expect(idsOption('7', true)).not.toEqual(idsOption('7', false));
    expect(usageError(() => parseDeleteArgs([...base, '--ids', '1,2', '--batch', '1001']))).toBe(
      '--batch "1001" is not valid; expected an integer in 1..1000',
    );
  });

  it('checkIds names the entry of a bad id: empty, too long, not a safe integer, not a string or number', () => {
    const label = (i: number) => `rows.jsonl row ${i + 1}`;
    expect(() => checkIds(['a', ''], label)).toThrow(
      new InvalidInputError('rows.jsonl row 2: id is empty; expected a non-empty string'),
    );
    expect(() => checkIds(['é'.repeat(257)], label)).toThrow(
      'rows.jsonl row 1: id is 514 bytes long; expected at most 512 bytes (UTF-8)',
    );
    expect(() => checkIds([1.5], label)).toThrow(
      'rows.jsonl row 1: id is 1.5; expected a string or a safe integer',
    );
    expect(() => checkIds([1, undefined], label)).toThrow(
      'rows.jsonl row 2: id is missing; expected a string or a safe integer',
    );
    expect(checkIds([1, '1', 'x'.repeat(512)], label)).toEqual([1, '1', 'x'.repeat(512)]);
  });
});

describe('squash compact arguments', () => {
  it('takes --url with an index name, or an index location alone', () => {
    expect(parseCompactArgs([...url, '--index', 'docs', '--sign'])).toEqual({
      url: 'http://127.0.0.1:1/',
      index: 'docs',
      sign: true,
    });
    expect(parseCompactArgs(['--index', './my-index'])).toEqual({ index: './my-index', sign: false });
    expect(usageError(() => parseCompactArgs(url))).toBe('--index is required');
    expect(usageError(() => parseCompactArgs(['--index', 'x', '--vectors', 'v']))).toMatch(
      /Unknown option '--vectors'/,
    );
  });
});

describe('batching', () => {
  it('splits 1,234 vectors into 500/500/234 with tokens prefix-1..3', () => {
    const batches = planBatches(1234, 500, 'prefix');
    expect(batches).toEqual([
      { number: 1, start: 0, end: 500, token: 'prefix-1' },
      { number: 2, start: 500, end: 1000, token: 'prefix-2' },
      { number: 3, start: 1000, end: 1234, token: 'prefix-3' },
    ]);
    expect(planBatches(1000, 500, 'p').map((batch) => batch.end - batch.start)).toEqual([500, 500]);
    expect(planBatches(0, 500, 'p')).toEqual([]);
    expect(planBatches(1, 1000, 'p')).toEqual([{ number: 1, start: 0, end: 1, token: 'p-1' }]);
  });

  it('sends in order; after a failure starts no further batch and reports the first failed one', async () => {
    const batches = planBatches(10, 2, 't');
    const started: number[] = [];
    const send = async (batch: Batch) => {
      started.push(batch.number);
      if (batch.number === 3) throw new Error('refused');
      return batch.token;
    };
    const sequential = await sendBatches(batches, 1, send);
    expect(started).toEqual([1, 2, 3]);
    expect(sequential.answers).toEqual(['t-1', 't-2', undefined, undefined, undefined]);
    expect(sequential.failure?.batch.number).toBe(3);
    expect((sequential.failure!.error as Error).message).toBe('refused');

    started.length = 0;
    const all = await sendBatches(batches, 4, async (batch) => {
      started.push(batch.number);
      return batch.number * 10;
    });
    expect(all).toEqual({ answers: [10, 20, 30, 40, 50] });
    expect(started.sort()).toEqual([1, 2, 3, 4, 5]);
  });

  it('with concurrency, in-flight batches finish and the lowest failed batch is reported', async () => {
    const batches = planBatches(8, 1, 't');
    const gates = batches.map(() => {
      let resolve = () => {};
      const promise = new Promise<void>((done) => {
        resolve = done;
      });
      return { promise, resolve };
    });
    const started: number[] = [];
    const run = sendBatches(batches, 3, async (batch) => {
      started.push(batch.number);
      await gates[batch.number - 1]!.promise;
      if (batch.number === 2 || batch.number === 3) throw new Error(`batch ${batch.number} refused`);
      return batch.number;
    });
    gates[2]!.resolve(); // batch 3 fails first
    await new Promise((resolve) => setTimeout(resolve, 10));
    gates[0]!.resolve();
    gates[1]!.resolve();
    const { answers, failure } = await run;
    expect(started).toEqual([1, 2, 3]);
    expect(answers).toEqual([1, undefined, undefined, undefined, undefined, undefined, undefined, undefined]);
    expect(failure?.batch.number).toBe(2);
  });
});
