/**
 * `squash delete`: rows of an index removed by id (in batches of at most 1,000) or by a search filter
 * (one request), through a search Function URL (`--url URL --index NAME`) or in process
 * (`--index DIR|s3://…`). Batch n carries the token `<prefix>-<n>` (a delete by filter is batch 1), so a
 * rerun with the same `--token` applies only what is missing. Progress goes to stderr; the last stdout
 * line is a JSON summary.
 */
import { WRITE_LIMITS } from '../../shared/writes/write-limits.ts';
import type { WriteId } from '../client/index.ts';
import { parseCommandArgs, UsageError } from './args.ts';
import { createProgressReporter } from './progress.ts';
import {
  batchOption,
  concurrencyOption,
  planBatches,
  sendBatches,
  tokenPrefixOption,
} from './write-batches.ts';
import { checkIds, idFromText, readIdsFile } from './write-ids.ts';
import {
  batchFailure,
  openWriteTarget,
  summaryOf,
  type TargetArgs,
  targetArgs,
  type WriteOutcome,
} from './write-target.ts';

export const deleteUsage = `squash delete --url SEARCH_URL --index NAME (--ids ID,ID,… | --ids-file FILE | --filter JSON)
              [--string-ids] [--batch 1000] [--concurrency 1] [--token PREFIX] [--sign]
squash delete --index DIR|s3://bucket/prefix (--ids … | --ids-file FILE | --filter JSON) [same options]`;

/** `squash delete --help`: the usage and what every option means. */
export const deleteHelp = `usage:
${deleteUsage.replace(/^/gm, '  ')}

Deletes rows of an index by id, or every row that matches a filter at the delete's place in the log
(rows upserted later are kept). Deleting an id the index does not hold is a no-op. Progress goes to
stderr; the last stdout line is a JSON summary
({"index", "ids" or "filter", "batches", "deleted", "deletedByFilter", "sequence", "replayedBatches", "token", "seconds"}).

  --url SEARCH_URL       the search Function URL (as for squash search); --index is then the index name
  --index NAME|DIR|s3://bucket/prefix
                         the index: its name with --url, else its location, written in process
  --ids ID,ID,…          ids separated by commas; one that reads as an integer (42, not 042) is sent as
                         an integer
  --ids-file FILE        .jsonl or .csv: the \`id\` field of each row (as squash build and squash upsert
                         read them); any other file: one id per line, read as --ids reads them
  --filter JSON          a filter in the search language, e.g. '{"color":{"$eq":"red"}}'
  --string-ids           send every id of --ids or a one-per-line file as a string (an index built with
                         string ids that look like integers)
  --batch N              ids per request, 1..${WRITE_LIMITS.deleteIds} (default: ${WRITE_LIMITS.deleteIds})
  --concurrency C        requests in flight at once, 1..16 (default: 1)
  --token PREFIX         batch n carries the retry token PREFIX-n (default: a fresh UUID, printed in the
                         summary); after a failure, the same command with the same --token and --batch
                         sends only the batches not yet applied
  --sign                 SigV4-sign requests (Function URLs with AWS_IAM auth), with --url
  -h, --help             print this help`;

/** The flags `squash delete` accepts (`--help` is answered before parsing, in main.ts). */
export const DELETE_FLAGS = {
  url: { type: 'string' },
  index: { type: 'string' },
  ids: { type: 'string' },
  'ids-file': { type: 'string' },
  filter: { type: 'string' },
  'string-ids': { type: 'boolean' },
  batch: { type: 'string' },
  concurrency: { type: 'string' },
  token: { type: 'string' },
  sign: { type: 'boolean' },
} as const;

/** What to delete: ids given on the line, ids in a file, or a filter. */
export type DeleteSource =
  | { readonly ids: readonly WriteId[] }
  | { readonly idsFile: string; readonly stringIds: boolean }
  | { readonly filter: unknown };

export interface DeletePlan {
  readonly target: TargetArgs;
  readonly source: DeleteSource;
  readonly batchSize: number;
  readonly concurrency: number;
  /** `--token` as given (checked again once the number of batches is known). */
  readonly token?: string;
}

/** The command line checked, before any file is read: a `UsageError` names what is wrong. */
export function parseDeleteArgs(argv: string[]): DeletePlan {
  const args = parseCommandArgs(argv, DELETE_FLAGS);
  const target = targetArgs(args);
  const given = (['ids', 'ids-file', 'filter'] as const).filter((flag) => args[flag] !== undefined);
  if (given.length === 0) throw new UsageError('give the rows to delete: --ids, --ids-file or --filter');
  if (given.length > 1) {
    throw new UsageError(
      `give one of --ids, --ids-file or --filter, not several (received ${given.map((flag) => `--${flag}`).join(' and ')})`,
    );
  }
  const stringIds = args['string-ids'] ?? false;
  if (args.filter !== undefined) {
    const misplaced = (['string-ids', 'batch', 'concurrency'] as const).filter(
      (flag) => args[flag] !== undefined,
    );
    if (misplaced.length > 0) {
      throw new UsageError(
        `${misplaced.map((flag) => `--${flag}`).join(' and ')} applies to --ids and --ids-file, not --filter (one request)`,
      );
    }
  }
  if (args.token !== undefined) tokenPrefixOption(args.token, 1);
  const source: DeleteSource =
    args.filter !== undefined
      ? { filter: filterOption(args.filter) }
      : args.ids !== undefined
        ? { ids: idsOption(args.ids, stringIds) }
        : { idsFile: args['ids-file']!, stringIds };
  if ('idsFile' in source && source.idsFile === '')
    throw new UsageError('--ids-file is empty; expected a file');
  return {
    target,
    source,
    batchSize: batchOption(args.batch, WRITE_LIMITS.deleteIds),
    concurrency: concurrencyOption(args.concurrency),
    ...(args.token === undefined ? {} : { token: args.token }),
  };
}

/** `--filter JSON`: a JSON object (the server checks it against the index's schema). */
export function filterOption(text: string): Record<string, unknown> {
  let filter: unknown;
  try {
    filter = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`--filter is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof filter !== 'object' || filter === null || Array.isArray(filter)) {
    throw new UsageError(
      `--filter is ${JSON.stringify(filter)}; expected a JSON object in the search filter language, e.g. '{"color":{"$eq":"red"}}'`,
    );
  }
  return filter as Record<string, unknown>;
}

/** `--ids a,b,c`: each checked, none empty, each once. */
export function idsOption(text: string, stringIds: boolean): WriteId[] {
  const entries = text.split(',').map((entry) => entry.trim());
  const empty = entries.indexOf('');
  if (empty >= 0) {
    throw new UsageError(
      `--ids ${JSON.stringify(text)} has an empty entry (number ${empty + 1}); expected ids separated by commas`,
    );
  }
  try {
    return checkIds(
      entries.map((entry) => idFromText(entry, stringIds)),
      (i) => `--ids entry ${i + 1}`,
    );
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

export async function runDelete(argv: string[]): Promise<void> {
  const plan = parseDeleteArgs(argv);
  const { source } = plan;
  const ids =
    'filter' in source
      ? undefined
      : 'ids' in source
        ? source.ids
        : await readIdsFile(source.idsFile, source.stringIds);
  const count = ids === undefined ? 1 : ids.length;
  const tokenPrefix = tokenPrefixOption(plan.token, Math.ceil(count / plan.batchSize));
  const batches = planBatches(count, plan.batchSize, tokenPrefix);
  const target = await openWriteTarget(plan.target);
  const progress = createProgressReporter();
  const started = performance.now();
  let sent = 0;
  if (ids !== undefined) progress.report('deleting ids', 0, ids.length);
  const { answers, failure } = await sendBatches(
    batches,
    plan.concurrency,
    (batch) =>
      'filter' in source
        ? target.delete({ filter: source.filter }, batch.token)
        : target.delete({ ids: ids!.slice(batch.start, batch.end) }, batch.token),
    (batch) => {
      sent += batch.end - batch.start;
      if (ids !== undefined) progress.report('deleting ids', sent, ids.length);
    },
  ).finally(() => progress.stop());
  if (failure) throw batchFailure('delete', failure, batches.length, answers, tokenPrefix);
  const applied = answers as WriteOutcome[];
  process.stdout.write(
    `${JSON.stringify({
      index: plan.target.index,
      ...('filter' in source ? { filter: source.filter } : { ids: count }),
      batches: batches.length,
      deleted: applied.reduce((sum, answer) => sum + answer.deleted, 0),
      ...(applied.some((answer) => answer.deletedByFilter) ? { deletedByFilter: true } : {}),
      ...summaryOf(applied),
      token: tokenPrefix,
      seconds: Math.round(performance.now() - started) / 1000,
    })}\n`,
  );
}
