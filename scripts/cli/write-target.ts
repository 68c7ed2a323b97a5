/**
 * Where `squash upsert` and `squash delete` send their batches: a search Function URL
 * (`--url URL --index NAME`, through the write client, which retries with the batch's token), or an index
 * location written in process (`--index DIR|s3://…` without `--url`, through `IndexWriter`, whose answers
 * are the same).
 */
import { SquashError } from '../../shared/errors/index.ts';
import { openStore } from '../../shared/store/index.ts';
import { IndexWriter } from '../../shared/writes/index-writer.ts';
import { type RetryNotice, SquashClient, vectorToBase64, type WriteId } from '../client/index.ts';
import { requiredString, UsageError } from './args.ts';

export interface WriteRow {
  readonly id: WriteId;
  readonly vector: Float32Array;
  readonly attributes?: Readonly<Record<string, unknown>>;
}

export type DeleteSelector = { readonly ids: readonly WriteId[] } | { readonly filter: unknown };

/** What one request applied and where it sits in the log (the `POST /upsert` answer without `index`). */
export interface WriteOutcome {
  readonly sequence: number;
  readonly upserted: number;
  readonly deleted: number;
  readonly deletedByFilter?: boolean;
  readonly replayed: boolean;
}

export interface WriteTarget {
  upsert(rows: readonly WriteRow[], token: string): Promise<WriteOutcome>;
  delete(selector: DeleteSelector, token: string): Promise<WriteOutcome>;
}

/** `--url`, `--index` and `--sign` as the write commands take them. */
export interface TargetArgs {
  /** The search Function URL; absent: `index` is a location written in process. */
  readonly url?: string;
  /** An index name (with `url`), else a folder or s3://bucket/prefix. */
  readonly index: string;
  readonly sign: boolean;
}

export function targetArgs(args: { url?: string; index?: string; sign?: boolean }): TargetArgs {
  const index = requiredString(args.index, '--index');
  if (args.url === '') throw new UsageError('--url is empty; expected the search Function URL');
  if (args.sign && args.url === undefined) {
    throw new UsageError(
      '--sign applies to --url (an in-process write reaches S3 with the usual AWS credentials)',
    );
  }
  return { ...(args.url === undefined ? {} : { url: args.url }), index, sign: args.sign ?? false };
}

export async function openWriteTarget(target: TargetArgs): Promise<WriteTarget> {
  const { url, index } = target;
  if (url === undefined) {
    const writer = await IndexWriter.open(openStore(index));
    return {
      upsert: (rows, token) => writer.upsert(rows, { token }).then(outcome),
      delete: (selector, token) => writer.delete(selector, { token }).then(outcome),
    };
  }
  const client = new SquashClient({ url, sign: target.sign });
  // Each request's retries are announced with its token (batches may be in flight together).
  const call = (token: string) => ({
    onRetry: (notice: RetryNotice) =>
      process.stderr.write(
        `squash: warning: request with token ${token} failed (${notice.error.message}); ` +
          `retrying in ${notice.delayMs} ms with the same token\n`,
      ),
  });
  return {
    upsert: (rows, token) =>
      client
        .upsert(
          {
            index,
            vectors: rows.map((row) => ({
              id: row.id,
              vectorBase64: vectorToBase64(row.vector),
              ...(row.attributes === undefined ? {} : { attributes: row.attributes }),
            })),
            token,
          },
          call(token),
        )
        .then(outcome),
    delete: (selector, token) => client.delete({ index, ...selector, token }, call(token)).then(outcome),
  };
}

function outcome(answer: WriteOutcome): WriteOutcome {
  return {
    sequence: answer.sequence,
    upserted: answer.upserted,
    deleted: answer.deleted,
    ...(answer.deletedByFilter ? { deletedByFilter: true } : {}),
    replayed: answer.replayed,
  };
}

/**
 * The error of a run that stopped at a failed batch: the failure's message, what had been applied, and
 * how to finish (the same command with the same `--token` sends only what is missing).
 */
export function batchFailure(
  what: string,
  failure: { readonly batch: { readonly number: number }; readonly error: unknown },
  batches: number,
  applied: readonly (WriteOutcome | undefined)[],
  tokenPrefix: string,
): SquashError {
  const done = applied.filter((answer) => answer !== undefined);
  const through = done.reduce((last, answer) => Math.max(last, answer.sequence), 0);
  const cause = failure.error;
  const message = cause instanceof Error ? cause.message : String(cause);
  return new SquashError(
    cause instanceof SquashError ? cause.code : 'INTERNAL',
    `${what} failed at batch ${failure.batch.number} of ${batches}: ${message}\n` +
      `${done.length} of ${batches} batches were applied${done.length > 0 ? ` (the last at log sequence ${through})` : ''}; ` +
      `once the cause is fixed, the same command with --token ${tokenPrefix} sends the rest ` +
      '(batches already applied answer replayed and are not written again)',
  );
}

/** The last log sequence the run reached and how many batches had been applied before. */
export function summaryOf(answers: readonly WriteOutcome[]): { sequence: number; replayedBatches: number } {
  return {
    sequence: answers.reduce((last, answer) => Math.max(last, answer.sequence), 0),
    replayedBatches: answers.filter((answer) => answer.replayed).length,
  };
}
