/**
 * The HTTP API as an OpenAPI 3.1 document, generated from the zod schemas the coordinator validates
 * requests with (`functions/coordinator/search-request.ts`, `write-request.ts`, the query options of
 * `shared/api/query-options.ts`) and those describing its answers (`responses.ts`), with zod's own
 * `z.toJSONSchema` (JSON Schema 2020-12, the dialect of OpenAPI 3.1). The coordinator serves it at
 * `GET /openapi.json`; `npm run openapi` writes it to docs/openapi.json, and a unit test fails when the
 * checked-in file and this function disagree.
 *
 * Design decisions:
 * - Requests are rendered as the input the schemas accept (`io: 'input'`: an option with a default is
 *   optional and shows its `default`), answers as what the code outputs (`io: 'output'`).
 * - Components are named through registries local to this module (not zod's global registry), so
 *   nothing else that registers ids can leak into the document.
 * - The per-field documentation of the write bodies and of the wire's answer parts (query stats, path
 *   stats, failures) is added here, by path, because their schemas (`write-request.ts`,
 *   `functions/wire/`) document fields in TSDoc only; a field that no longer exists fails the build
 *   of the document instead of being documented silently.
 * - Limits enforced before a body is parsed (500 vectors per upsert, 1,000 ids per delete, 6 MiB
 *   bodies, `SQUASH_MAX_BATCH` queries) are stated in the operations' descriptions, since they answer
 *   413 rather than the 400 a schema violation gives.
 * - Built once per container, on the first request for it.
 */
import { z } from 'zod';
import { WRITE_LIMITS } from '../../shared/writes/write-limits.ts';
import {
  publicOptionsSchema,
  publicQuerySchema,
  searchRequestSchema,
} from '../coordinator/search-request.ts';
import {
  compactRequestSchema,
  deleteRequestSchema,
  upsertRequestSchema,
} from '../coordinator/write-request.ts';
import { failureSchema } from '../wire/path-stats.ts';
import { queryStatsSchema } from '../wire/query-result.ts';
import {
  compactAnswerSchema,
  errorBodySchema,
  healthSchema,
  incompleteSearchErrorSchema,
  indexSummarySchema,
  publicHitSchema,
  queryResultSchema,
  searchResponseSchema,
  searchTotalsSchema,
  snapshotSchema,
  writeAnswerSchema,
} from './responses.ts';

/** The version of the API this document describes (the package's version). */
export const API_VERSION = '0.1.0';

type JsonObject = Record<string, unknown>;

const requestComponents: Record<string, z.ZodType> = {
  SearchRequest: searchRequestSchema,
  Query: publicQuerySchema,
  QueryOptions: publicOptionsSchema,
  UpsertRequest: upsertRequestSchema,
  DeleteRequest: deleteRequestSchema,
  CompactRequest: compactRequestSchema,
};

const responseComponents: Record<string, z.ZodType> = {
  SearchResponse: searchResponseSchema,
  QueryResult: queryResultSchema,
  Hit: publicHitSchema,
  QueryStats: queryStatsSchema,
  SearchTotals: searchTotalsSchema,
  Snapshot: snapshotSchema,
  Failure: failureSchema,
  WriteAnswer: writeAnswerSchema,
  CompactAnswer: compactAnswerSchema,
  IndexSummary: indexSummarySchema,
  Health: healthSchema,
  Error: errorBodySchema,
  IncompleteSearchError: incompleteSearchErrorSchema,
};

/** Descriptions of the write bodies' fields, by component and property path. */
const writeFieldDocs: [component: string, path: string[], description: string][] = [
  ['UpsertRequest', ['index'], 'The index to write to.'],
  [
    'UpsertRequest',
    ['vectors'],
    `The rows to insert or replace (by id), at most ${WRITE_LIMITS.upsertVectors} (more answer 413).`,
  ],
  [
    'UpsertRequest',
    ['vectors', 'items', 'id'],
    `The row's id: a string (up to ${WRITE_LIMITS.idBytes} UTF-8 bytes) or an integer, as the index names its rows. An existing id is replaced.`,
  ],
  ['UpsertRequest', ['vectors', 'items', 'vector'], 'The vector as JSON numbers.'],
  [
    'UpsertRequest',
    ['vectors', 'items', 'vectorBase64'],
    'The vector as standard base64 of little-endian float32 values.',
  ],
  [
    'UpsertRequest',
    ['vectors', 'items', 'attributes'],
    "The row's attribute values by name (declared attributes only; a new category value is accepted).",
  ],
  ['DeleteRequest', ['index'], 'The index to delete from.'],
  ['DeleteRequest', ['ids'], `The ids to delete, at most ${WRITE_LIMITS.deleteIds} (more answer 413).`],
  [
    'DeleteRequest',
    ['filter'],
    'Delete every row this filter matches (the filter language of `POST /search`).',
  ],
  ['CompactRequest', ['index'], 'The index to compact.'],
];
/**
 * Descriptions of the answer fields whose schemas (`functions/wire/query-result.ts`, `path-stats.ts`)
 * document them in TSDoc only, by component and property.
 */
const answerFieldDocs: [component: string, property: string, description: string][] = [
  ['QueryStats', 'plan', 'The plan the query ran: the exact scan of its matches, or the approximate plan.'],
  ['QueryStats', 'partitionsVisited', 'Partitions searched for this query.'],
  ['QueryStats', 'rounds', 'Rounds of partition searches (2+ when quantized counts over-estimated matches).'],
  [
    'QueryStats',
    'matchesEstimated',
    "The filter's matches over the whole index, as the quantized counts estimate them.",
  ],
  ['QueryStats', 'vectorsScanned', 'Rows whose exact distance was computed.'],
  [
    'QueryStats',
    'missingPartitions',
    'Partitions that failed for this query after retries (only on a partial answer).',
  ],
  ['SearchTotals', 'allocatorInvocations', 'Allocator Invoke requests, retries included.'],
  ['SearchTotals', 'processorInvocations', 'Processor Invoke requests, retries included.'],
  ['SearchTotals', 'retries', 'Invoke requests that were retries of a failed one.'],
  ['SearchTotals', 'partitionLoads', 'Processor calls that had to load their partition (a cache miss).'],
  ['SearchTotals', 'partitionCacheHits', "Processor calls served from the warm container's cache."],
  ['SearchTotals', 'containerStarts', 'Invocations that were the first of a new execution environment.'],
  ['SearchTotals', 'bytesFetched', 'Bytes read from the store by every function along the way.'],
  ['SearchTotals', 'allocatorMs', 'Milliseconds spent inside allocator invocations.'],
  ['SearchTotals', 'processorMs', 'Milliseconds spent inside processor invocations.'],
  ['SearchTotals', 'failures', 'Invocations that failed after their retry (at most 16 listed).'],
  ['SearchTotals', 'failuresOmitted', 'Further failures not listed.'],
  ['Failure', 'target', 'The function that failed.'],
  ['Failure', 'partition', 'The partition it was asked to search (a processor).'],
  ['Failure', 'partitions', 'The partitions it was asked to search (a processor call carrying several).'],
  ['Failure', 'node', 'The tree node it was asked to serve (an allocator).'],
  ['Failure', 'code', 'The error code after the retry (`UPSTREAM`, `UPSTREAM_TIMEOUT`, …).'],
  ['Failure', 'message', 'What failed, and why.'],
];
const tokenDoc =
  `A retry token (up to ${WRITE_LIMITS.tokenLength} characters of letters, digits and \`._:-\`): ` +
  'a request whose token is already in the log answers `replayed: true` with the first sequence instead of writing twice.';

function components(
  registered: Record<string, z.ZodType>,
  io: 'input' | 'output',
): Record<string, JsonObject> {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(registered)) registry.add(schema, { id });
  const { schemas } = z.toJSONSchema(registry, {
    io,
    target: 'draft-2020-12',
    uri: (id) => `#/components/schemas/${id}`,
  }) as { schemas: Record<string, JsonObject> };
  for (const schema of Object.values(schemas)) {
    delete schema.$schema;
    delete schema.$id;
  }
  return schemas;
}

function describeAt(schemas: Record<string, JsonObject>, component: string, path: string[], text: string) {
  let node = schemas[component];
  for (const key of path) {
    const next: unknown =
      key === 'items' ? node?.items : (node?.properties as Record<string, unknown> | undefined)?.[key];
    if (next === undefined || next === null || typeof next !== 'object') {
      throw new Error(`OpenAPI: ${component} has no ${path.join('.')} to describe`);
    }
    node = next as JsonObject;
  }
  if (node) node.description = text;
}

const json = (schema: string) => ({
  'application/json': { schema: { $ref: `#/components/schemas/${schema}` } },
});
const answer = (description: string, schema: string) => ({ description, content: json(schema) });
const error = (description: string) => answer(description, 'Error');

/** A failed search names the partitions that failed (IncompleteSearchError) when it got that far. */
const incomplete = (description: string) => ({
  description: `${description} The body names the partitions and causes when the search got as far as invoking them.`,
  content: {
    'application/json': {
      schema: {
        anyOf: [
          { $ref: '#/components/schemas/IncompleteSearchError' },
          { $ref: '#/components/schemas/Error' },
        ],
      },
    },
  },
});

const methodNotAllowed = error(
  'METHOD_NOT_ALLOWED: the path exists with another method (the `Allow` header names it).',
);
const internal = error(
  'INTERNAL (a generic message; details are in the log) or INDEX_FORMAT (a damaged index object, named).',
);
const notFound = error('INDEX_NOT_FOUND: no published index of that name.');

function paths(): JsonObject {
  return {
    '/search': {
      post: {
        operationId: 'search',
        summary: 'Search a batch of queries (vector plus optional filter), k nearest each.',
        description:
          'One result per query, in order. Limits: a body up to 6 MiB, at most `SQUASH_MAX_BATCH` queries ' +
          '(1,000 by default), and an answer that fits 6 MiB (k × queries, attributes included); over them ' +
          'the answer is 413. A search is complete or fails (502/504) unless `options.allowPartial` is true.',
        requestBody: { required: true, content: json('SearchRequest') },
        responses: {
          '200': {
            description:
              'The answer. A partial one (only with `options.allowPartial`) says `complete: false`.',
            headers: {
              'X-Squash-Partial': {
                description: '`true` on a partial answer (`complete: false`); absent otherwise.',
                schema: { type: 'string', enum: ['true'] },
              },
            },
            content: json('SearchResponse'),
          },
          '400': error(
            'INVALID_QUERY: a malformed body, wrong dimensions, an unknown attribute, a malformed filter, NaN, an option out of range.',
          ),
          '404': notFound,
          '405': methodNotAllowed,
          '413': error('PAYLOAD_TOO_LARGE: the body, the batch or the possible answer is over its limit.'),
          '500': internal,
          '502': incomplete('UPSTREAM: partitions could not be searched after retries.'),
          '504': incomplete('UPSTREAM_TIMEOUT: as 502, and a timeout caused it.'),
        },
      },
    },
    '/upsert': {
      post: writeOperation('upsert', 'Insert vectors, or replace them by id.', 'UpsertRequest'),
    },
    '/delete': {
      post: writeOperation('delete', 'Delete rows by id, or every row a filter matches.', 'DeleteRequest'),
    },
    '/compact': {
      post: {
        operationId: 'compact',
        summary: 'Start a compaction: fold the write log into a new index version.',
        requestBody: { required: true, content: json('CompactRequest') },
        responses: {
          '202': answer('The compactor function accepted the invocation.', 'CompactAnswer'),
          '400': error('INVALID_QUERY: a malformed body, or a deployment without a compactor function.'),
          '404': notFound,
          '405': methodNotAllowed,
          '500': internal,
          '502': error('UPSTREAM: the compactor function could not be invoked.'),
        },
      },
    },
    '/indexes/{name}': {
      get: {
        operationId: 'describeIndex',
        summary: 'Describe a published index and where its write log stands.',
        parameters: [
          {
            name: 'name',
            in: 'path',
            required: true,
            description: 'The index name, URL-encoded.',
            schema: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$' },
          },
        ],
        responses: {
          '200': answer('The index summary.', 'IndexSummary'),
          '400': error('INVALID_QUERY: a name that is not an index name, or a malformed percent-encoding.'),
          '404': notFound,
          '405': methodNotAllowed,
          '500': internal,
        },
      },
    },
    '/health': {
      get: {
        operationId: 'health',
        summary: "The deployment's shape.",
        responses: { '200': answer('The coordinator answers.', 'Health'), '405': methodNotAllowed },
      },
    },
    '/openapi.json': {
      get: {
        operationId: 'openApiDocument',
        summary: 'This document.',
        responses: {
          '200': {
            description: 'The OpenAPI 3.1 document of this API.',
            content: { 'application/json': { schema: { type: 'object' } } },
          },
          '405': methodNotAllowed,
        },
      },
    },
  };
}

function writeOperation(operationId: string, summary: string, request: string): JsonObject {
  return {
    operationId,
    summary,
    description:
      'Answered once the write is stored in the index log (docs/writes.md); the next search sees it. ' +
      'A request over a limit, with a wrong dimension, an undeclared attribute or an id given twice writes nothing.',
    requestBody: { required: true, content: json(request) },
    responses: {
      '200': answer('The write is stored.', 'WriteAnswer'),
      '400': error('INVALID_QUERY: a malformed body or rows that do not fit the index.'),
      '404': notFound,
      '405': methodNotAllowed,
      '413': error('PAYLOAD_TOO_LARGE: more rows or ids than one request may carry, or a body over 6 MiB.'),
      '500': internal,
      '503': error('WRITE_CONFLICT: concurrent writers kept taking the next log sequence; retry.'),
    },
  };
}

function buildDocument(): JsonObject {
  const schemas = { ...components(requestComponents, 'input'), ...components(responseComponents, 'output') };
  for (const [component, path, text] of writeFieldDocs) describeAt(schemas, component, path, text);
  for (const [component, property, text] of answerFieldDocs) describeAt(schemas, component, [property], text);
  describeAt(schemas, 'UpsertRequest', ['token'], tokenDoc);
  describeAt(schemas, 'DeleteRequest', ['token'], tokenDoc);
  return {
    openapi: '3.1.0',
    info: {
      title: 'squash',
      version: API_VERSION,
      summary:
        'Serverless hybrid vector search (a query vector plus an attribute filter) on AWS Lambda and S3.',
      description:
        'The coordinator function behind a Lambda Function URL. With `AWS_IAM` auth (the default) every request ' +
        'is signed with SigV4 for the service `lambda`; an unsigned or unauthorised request gets 403 from the ' +
        'Function URL itself, with its own body. Errors of the API answer `{ code, message }`.',
      license: { name: 'MIT', identifier: 'MIT' },
    },
    servers: [
      {
        url: 'https://{urlId}.lambda-url.{region}.on.aws',
        description: 'The stack output `SearchUrl`.',
        variables: {
          urlId: { default: 'example', description: 'The Function URL id.' },
          region: { default: 'us-east-1', description: 'The AWS region of the stack.' },
        },
      },
    ],
    security: [{ sigv4: [] }, {}],
    paths: paths(),
    components: {
      schemas,
      securitySchemes: {
        sigv4: {
          type: 'apiKey',
          in: 'header',
          name: 'Authorization',
          description:
            'AWS Signature Version 4 (service `lambda`), for Function URLs with `AWS_IAM` auth; none with `NONE` auth.',
        },
      },
    },
  };
}

let document: JsonObject | undefined;

/** The OpenAPI 3.1 document of the coordinator's HTTP API (built once). */
export function openApiDocument(): JsonObject {
  document ??= buildDocument();
  return document;
}
