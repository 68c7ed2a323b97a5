/**
 * `squash upsert`: vectors (.fvecs/.bvecs/.npy) and their attribute rows (JSON Lines or CSV, each with
 * the row's `id` — the files `squash build` takes) inserted into an index, or replacing its rows of the
 * same ids, in batches of at most 500 (docs/writes.md). Through a search Function URL (`--url URL
 * --index NAME`) or in process (`--index DIR|s3://…`). Batch n carries the token `<prefix>-<n>`, so a
 * rerun with the same `--token` applies only what is missing. Progress goes to stderr; the last stdout
 * line is a JSON summary.
 *
 * The whole input is checked before the first batch is sent (an id on every row, each id once, finite
 * values), so a mistake in the file does not stop a run halfway.
 */
import { readVectors } from '../../shared/data/index.ts';
import { InvalidInputError } from '../../shared/errors/index.ts';
import { WRITE_LIMITS } from '../../shared/writes/write-limits.ts';
import type { WriteId } from '../client/index.ts';
import { parseCommandArgs, requiredString, UsageError } from './args.ts';
import { readAttributeRows, readSchemaFile } from './attribute-rows.ts';
import { createProgressReporter } from './progress.ts';
import {
  batchOption,
  concurrencyOption,
  planBatches,
  sendBatches,
  tokenPrefixOption,
} from './write-batches.ts';
import { checkIds } from './write-ids.ts';
import {
  batchFailure,
  openWriteTarget,
  summaryOf,
  type TargetArgs,
  targetArgs,
  type WriteOutcome,
  type WriteRow,
} from './write-target.ts';

export const upsertUsage = `squash upsert --url SEARCH_URL --index NAME --vectors FILE --attributes FILE.jsonl|FILE.csv [--schema FILE.json]
              [--batch 500] [--concurrency 1] [--token PREFIX] [--sign]
squash upsert --index DIR|s3://bucket/prefix --vectors FILE --attributes FILE [same options]`;

/** `squash upsert --help`: the usage and what every option means. */
export const upsertHelp = `usage:
${upsertUsage.replace(/^/gm, '  ')}

Inserts vectors into an index, or replaces the rows that have their ids (vector and attributes
together), in batches; each batch is one write in the index's log, visible to searches once answered.
Progress goes to stderr; the last stdout line is a JSON summary
({"index", "vectors", "batches", "sequence", "replayedBatches", "token", "seconds", "vectorsPerSecond"}).

  --url SEARCH_URL       the search Function URL (as for squash search); --index is then the index name
  --index NAME|DIR|s3://bucket/prefix
                         the index: its name with --url, else its location, written in process
  --vectors FILE         .fvecs, .bvecs (uint8) or .npy (float32 or uint8, 2-D); required
  --attributes FILE      one row per vector, as squash build reads them: JSON Lines (.jsonl) or CSV with a
                         header (.csv); every row's \`id\` field is the id to insert or replace (a string for
                         an index built with string ids, else an integer); required
  --schema FILE.json     attribute kinds, to type CSV cells (e.g. tags); default: inferred from the cells
  --batch N              vectors per request, 1..${WRITE_LIMITS.upsertVectors} (default: ${WRITE_LIMITS.upsertVectors})
  --concurrency C        requests in flight at once, 1..16 (default: 1)
  --token PREFIX         batch n carries the retry token PREFIX-n (default: a fresh UUID, printed in the
                         summary); after a failure, the same command with the same --token and --batch
                         sends only the batches not yet applied
  --sign                 SigV4-sign requests (Function URLs with AWS_IAM auth), with --url
  -h, --help             print this help

An in-process upsert does not compact; run squash compact --index DIR|s3://… when the log has grown.`;

/** The flags `squash upsert` accepts (`--help` is answered before parsing, in main.ts). */
export const UPSERT_FLAGS = {
  url: { type: 'string' },
  index: { type: 'string' },
  vectors: { type: 'string' },
  attributes: { type: 'string' },
  schema: { type: 'string' },
  batch: { type: 'string' },
  concurrency: { type: 'string' },
  token: { type: 'string' },
  sign: { type: 'boolean' },
} as const;

export interface UpsertPlan {
  readonly target: TargetArgs;
  readonly vectors: string;
  readonly attributes: string;
  readonly schema?: string;
  readonly batchSize: number;
  readonly concurrency: number;
  /** `--token` as given (checked again once the number of batches is known). */
  readonly token?: string;
}

/** The command line checked, before any file is read: a `UsageError` names what is wrong. */
export function parseUpsertArgs(argv: string[]): UpsertPlan {
  const args = parseCommandArgs(argv, UPSERT_FLAGS);
  const target = targetArgs(args);
  const vectors = requiredString(args.vectors, '--vectors');
  if (args.attributes === undefined || args.attributes === '') {
    throw new UsageError(
      '--attributes is required: the `id` field of its rows gives the ids to upsert (as squash build reads them)',
    );
  }
  if (args.token !== undefined) tokenPrefixOption(args.token, 1);
  return {
    target,
    vectors,
    attributes: args.attributes,
    ...(args.schema === undefined ? {} : { schema: args.schema }),
    batchSize: batchOption(args.batch, WRITE_LIMITS.upsertVectors),
    concurrency: concurrencyOption(args.concurrency),
    ...(args.token === undefined ? {} : { token: args.token }),
  };
}

export async function runUpsert(argv: string[]): Promise<void> {
  const plan = parseUpsertArgs(argv);
  const rows = await readUpsertRows(plan);
  const tokenPrefix = tokenPrefixOption(plan.token, Math.ceil(rows.length / plan.batchSize));
  const batches = planBatches(rows.length, plan.batchSize, tokenPrefix);
  const target = await openWriteTarget(plan.target);
  const progress = createProgressReporter();
  const started = performance.now();
  let sent = 0;
  progress.report('upserting vectors', 0, rows.length);
  const { answers, failure } = await sendBatches(
    batches,
    plan.concurrency,
    (batch) => target.upsert(rows.slice(batch.start, batch.end), batch.token),
    (batch) => {
      sent += batch.end - batch.start;
      progress.report('upserting vectors', sent, rows.length);
    },
  ).finally(() => progress.stop());
  if (failure) throw batchFailure('upsert', failure, batches.length, answers, tokenPrefix);
  const seconds = (performance.now() - started) / 1000;
  process.stdout.write(
    `${JSON.stringify({
      index: plan.target.index,
      vectors: rows.length,
      batches: batches.length,
      ...summaryOf(answers as WriteOutcome[]),
      token: tokenPrefix,
      seconds: Math.round(seconds * 1000) / 1000,
      vectorsPerSecond: Math.round(rows.length / Math.max(seconds, 1e-3)),
    })}\n`,
  );
}

/** Vectors with their ids and attributes, checked whole before anything is sent. */
export async function readUpsertRows(plan: UpsertPlan): Promise<WriteRow[]> {
  const vectors = await readVectors(plan.vectors);
  const schema = plan.schema === undefined ? undefined : await readSchemaFile(plan.schema);
  const { rows, ids } = await readAttributeRows(plan.attributes, schema);
  if (rows.length !== vectors.n) {
    throw new InvalidInputError(
      `${plan.attributes} has ${rows.length} rows; expected one per vector (${vectors.n} in ${plan.vectors})`,
    );
  }
  const checked = rowIds(ids, plan.attributes, rows.length);
  const { dim } = vectors;
  for (let i = 0; i < vectors.vectors.length; i++) {
    if (!Number.isFinite(vectors.vectors[i]!)) {
      throw new InvalidInputError(
        `${plan.vectors} vector ${Math.floor(i / dim)} has ${vectors.vectors[i]} at dimension ${i % dim}; expected finite values`,
      );
    }
  }
  return rows.map((attributes, i) => ({
    id: checked[i]!,
    vector: vectors.vectors.subarray(i * dim, (i + 1) * dim),
    ...(Object.keys(attributes).length === 0 ? {} : { attributes }),
  }));
}

/** Every row's id (each once); the file must carry them. */
function rowIds(ids: readonly unknown[] | undefined, path: string, count: number): WriteId[] {
  if (ids === undefined && count > 0) {
    throw new InvalidInputError(
      `${path} has no \`id\` field; squash upsert needs the id of every vector (an \`id\` field in each row, as squash build reads them)`,
    );
  }
  return checkIds(ids ?? [], (i) => `${path} row ${i + 1}`);
}
