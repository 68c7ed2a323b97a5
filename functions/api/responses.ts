/**
 * The coordinator's answers as zod schemas, for the OpenAPI document (`openapi-document.ts`): the search
 * answer, the write answers, the index summary, health, and the error bodies. The code builds these
 * answers as plain objects typed by their own modules; the type assertions at the bottom fail the
 * typecheck when a schema and the type the code returns stop describing the same object, and
 * test/unit/api parses real answers with these (strict) schemas.
 */
import { z } from 'zod';
import type { ErrorCode } from '../../shared/errors/index.ts';
import type { IncompleteSearchDetails } from '../coordinator/incomplete-search.ts';
import type { indexSummary } from '../coordinator/index-summary.ts';
import type { SearchResponse } from '../coordinator/search-response.ts';
import type { compactNow, WriteAnswer } from '../coordinator/write.ts';
import { indexNameSchema } from '../wire/fields.ts';
import { failureSchema, pathStatsSchema } from '../wire/path-stats.ts';
import { attributeValueSchema, hitSchema, queryStatsSchema } from '../wire/query-result.ts';

const count = z.number().int().nonnegative();

export const publicHitSchema = hitSchema
  .extend({
    id: z
      .union([count, z.string()])
      .describe(
        'The id the build input or a write gave the row, else its 0-based row number in the build input.',
      ),
    distance: z.number().describe("The distance in the index's metric (l2: squared Euclidean)."),
    attributes: z
      .record(z.string(), attributeValueSchema)
      .optional()
      .describe(
        'The attribute values of the row (with `options.includeAttributes`); missing values are left out.',
      ),
  })
  .describe('One hit, nearest first.');

export const queryResultSchema = z
  .strictObject({
    hits: z.array(publicHitSchema),
    stats: queryStatsSchema.describe('What the search did for this query.'),
  })
  .describe('The answer to one query, in the order of `queries`.');

export const snapshotSchema = z
  .strictObject({ version: count, sequence: count })
  .describe('What the search answered from: index version `version` plus the write log through `sequence`.');

export const searchTotalsSchema = pathStatsSchema
  .extend({
    index: z.string(),
    version: count,
    snapshot: snapshotSchema,
    queries: count,
    partitionsVisited: count.describe(
      'Partition searches over all queries (one partition for 3 queries counts 3).',
    ),
    vectorsScanned: count,
    rounds: count.describe(
      'The most rounds any query needed (2+ when quantized counts over-estimated matches).',
    ),
    missingPartitions: z.array(count).describe('Partitions that failed for at least one query, ascending.'),
    ms: z.number().nonnegative().describe('Wall time in the coordinator, in milliseconds.'),
  })
  .describe('Totals over the request: what the executor did and what the invocation tree cost.');

export const searchResponseSchema = z
  .strictObject({
    complete: z
      .boolean()
      .describe(
        'Every query visited every partition its plan needed. False only with `options.allowPartial` ' +
          'when partitions failed: the hits may then miss rows (see `stats.missingPartitions`).',
      ),
    results: z.array(queryResultSchema),
    stats: searchTotalsSchema,
  })
  .describe('The answer to `POST /search`.');

export const writeAnswerSchema = z
  .strictObject({
    index: z.string(),
    sequence: count.describe(
      'The write log entry of this write: a search answering from this sequence or later sees it.',
    ),
    upserted: count,
    deleted: count.describe('Ids the request named for deletion.'),
    deletedByFilter: z.literal(true).optional().describe('Present when the delete named a filter.'),
    replayed: z
      .boolean()
      .describe('The token was already in the log: this repeats the first answer and nothing was written.'),
  })
  .describe('The answer to `POST /upsert` and `POST /delete`, sent once the write is stored.');

export const compactAnswerSchema = z
  .strictObject({ index: z.string(), compaction: z.literal('started') })
  .describe('The answer to `POST /compact`: the compactor function accepted the invocation.');

export const indexSummarySchema = z
  .strictObject({
    name: indexNameSchema,
    version: count,
    writeLog: z
      .strictObject({
        sequence: count.describe('The last write log entry.'),
        foldedThrough: count.describe('The last entry this version folded in.'),
        pendingEntries: count.describe('Entries no compaction has folded in yet.'),
      })
      .describe('Where the write log stands.'),
    createdAt: z.string().describe('When this version was published (ISO 8601).'),
    count: count.describe('Rows in this version, without the write log.'),
    dim: count,
    metric: z.enum(['l2', 'cosine', 'dot']),
    partitions: count,
    partitionSizes: z.array(count),
    bitsPerVector: count,
    attributes: z.array(z.strictObject({ name: z.string(), kind: z.enum(['number', 'category', 'tags']) })),
  })
  .describe('The answer to `GET /indexes/{name}`: what a client may know about the published index.');

export const healthSchema = z
  .strictObject({
    status: z.literal('ok'),
    processorFunctions: count,
    treeBranching: count,
    treeDepth: count,
    maxBatch: count,
  })
  .describe("The answer to `GET /health`: the deployment's shape (no bucket or function names).");

/** Every `code` an error body can carry: the typed errors the edge maps to a status, and the edge's own. */
export const httpErrorCodes = [
  'INVALID_QUERY',
  'INVALID_INPUT',
  'INDEX_NOT_FOUND',
  'PAYLOAD_TOO_LARGE',
  'INDEX_FORMAT',
  'UPSTREAM',
  'UPSTREAM_TIMEOUT',
  'WRITE_CONFLICT',
  'INTERNAL',
  'ROUTE_NOT_FOUND',
  'METHOD_NOT_ALLOWED',
] as const;

export const errorBodySchema = z
  .strictObject({
    code: z.enum(httpErrorCodes).describe('A stable error code.'),
    message: z.string().describe('What was received and what was expected.'),
  })
  .describe('An error: 4xx for the request, 5xx for the service (500 answers carry a generic message).');

export const incompleteSearchErrorSchema = errorBodySchema
  .extend({
    code: z.enum(['UPSTREAM', 'UPSTREAM_TIMEOUT']),
    missingPartitions: z.array(count).describe('Partitions that failed for at least one query, ascending.'),
    queriesAffected: count.describe('Queries whose answer would have missed at least one partition.'),
    failures: z.array(failureSchema).describe('What failed after its retry, and why (at most 16).'),
    failuresOmitted: count.describe('Further failures not listed.'),
  })
  .describe(
    'A search that could not visit every partition it needed (502; 504 when a timeout caused it), ' +
      'without `options.allowPartial`.',
  );

/** True when A and B are assignable both ways (readonly aside): the schema and the code's type agree. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

/** `readonly T[]` members as `T[]`, as zod infers arrays. */
type MutableArrays<T> = { [K in keyof T]: T[K] extends readonly (infer E)[] ? E[] : T[K] };

const agree: {
  search: Same<z.output<typeof searchResponseSchema>, SearchResponse>;
  write: Same<z.output<typeof writeAnswerSchema>, WriteAnswer>;
  compact: Same<z.output<typeof compactAnswerSchema>, Awaited<ReturnType<typeof compactNow>>>;
  summary: Same<z.output<typeof indexSummarySchema>, ReturnType<typeof indexSummary>>;
  incomplete: Same<
    Omit<z.output<typeof incompleteSearchErrorSchema>, 'code' | 'message'>,
    MutableArrays<IncompleteSearchDetails>
  >;
  codes: Same<
    Exclude<(typeof httpErrorCodes)[number], 'ROUTE_NOT_FOUND' | 'METHOD_NOT_ALLOWED'>,
    Exclude<ErrorCode, 'BLOB_NOT_FOUND' | 'PRECONDITION_FAILED'>
  >;
} = { search: true, write: true, compact: true, summary: true, incomplete: true, codes: true };
void agree;
