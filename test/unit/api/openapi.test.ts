/**
 * The OpenAPI document: the checked-in docs/openapi.json (and docs/api.md's options table) are what
 * `npm run openapi` generates now, the document is valid OpenAPI 3.1, the coordinator serves it at
 * `GET /openapi.json`, and the answer schemas it is built from accept — strictly — the answers a
 * coordinator really gives, on every route, errors included.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Validator } from '@seriousme/openapi-schema-validator';
import { beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { API_VERSION, openApiDocument } from '../../../functions/api/openapi-document.ts';
import {
  compactAnswerSchema,
  errorBodySchema,
  healthSchema,
  incompleteSearchErrorSchema,
  indexSummarySchema,
  searchResponseSchema,
  writeAnswerSchema,
} from '../../../functions/api/responses.ts';
import { ENV } from '../../../functions/config.ts';
import { optionsTable, withOptionsTable } from '../../../scripts/openapi/options-table.ts';
import { queryOptionDefaults, queryOptionNames } from '../../../shared/api/query-options.ts';
import type { MemoryBlobStore } from '../../../shared/store/index.ts';
import { unpadded } from '../../support/unpadded-markdown.ts';
import { crash } from '../functions/in-process-invoker.ts';
import {
  buildTestStore,
  createTestStack,
  DIM,
  INDEX,
  queryVector,
  type TestStack,
} from '../functions/test-stack.ts';

const root = join(import.meta.dirname, '../../..');
const read = (path: string) => readFileSync(join(root, path), 'utf8');
// biome-ignore lint/suspicious/noExplicitAny: the tests read the generated document freely
type JsonObject = Record<string, any>;

describe('the OpenAPI document', () => {
  const document = openApiDocument() as JsonObject;

  it('is the checked-in docs/openapi.json (run `npm run openapi` after changing a schema)', () => {
    expect(JSON.parse(read('docs/openapi.json'))).toEqual(document);
  });

  it("docs/api.md's options table is the generated one, with every option and its default", () => {
    const page = read('docs/api.md');
    expect(unpadded(withOptionsTable(page))).toBe(unpadded(page));
    const table = optionsTable();
    for (const name of [...queryOptionNames, 'maxAllocators']) expect(table).toContain(`| \`${name}\` |`);
    expect(table).toContain('| `rerank` | `--rerank` | an integer in 1..100 or true | `5` |');
    expect(table).toContain(
      '| `hammingKeepPercent` | `--hamming-keep-percent` | a number in (0, 100] | `100` |',
    );
  });

  it("the README's options table states the schema's defaults", () => {
    const rows = read('README.md')
      .split('\n')
      .filter((line) => /^\| `[a-zA-Z]+`/.test(line));
    const defaults = new Map(rows.map((row) => [/`(\w+)`/.exec(row)![1]!, row.split('|')[2]!.trim()]));
    for (const name of queryOptionNames) {
      expect(defaults.get(name), name).toBe(String(queryOptionDefaults[name]));
    }
  });

  it('validates as OpenAPI 3.1', async () => {
    const validator = new Validator();
    const result = await validator.validate(structuredClone(document));
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
  });

  it('every $ref names a component, and every component is used', () => {
    const refs = new Set<string>();
    const walk = (node: unknown) => {
      if (Array.isArray(node)) node.forEach(walk);
      else if (node !== null && typeof node === 'object') {
        for (const [key, value] of Object.entries(node)) {
          if (key === '$ref') refs.add(value as string);
          else walk(value);
        }
      }
    };
    walk(document);
    const components = Object.keys(document.components.schemas).map((name) => `#/components/schemas/${name}`);
    expect([...refs].sort()).toEqual(components.sort());
  });

  it('has every route the coordinator serves, with its error answers', () => {
    expect(Object.keys(document.paths).sort()).toEqual([
      '/compact',
      '/delete',
      '/health',
      '/indexes/{name}',
      '/openapi.json',
      '/search',
      '/upsert',
    ]);
    const search = document.paths['/search'].post;
    expect(Object.keys(search.responses)).toEqual(['200', '400', '404', '405', '413', '500', '502', '504']);
    expect(search.responses['502'].content['application/json'].schema).toEqual({
      anyOf: [{ $ref: '#/components/schemas/IncompleteSearchError' }, { $ref: '#/components/schemas/Error' }],
    });
    expect(document.info.version).toBe(JSON.parse(read('package.json')).version);
    expect(API_VERSION).toBe(document.info.version);
  });

  it('documents the query options with their defaults and bounds', () => {
    const options = document.components.schemas.QueryOptions;
    expect(options.additionalProperties).toBe(false);
    expect(options.required).toBeUndefined();
    expect(options.properties.rerank).toMatchObject({
      default: 5,
      anyOf: [{ type: 'integer', minimum: 1, maximum: 100 }, { const: true }],
    });
    expect(options.properties.hammingKeepPercent).toMatchObject({
      default: 100,
      exclusiveMinimum: 0,
      maximum: 100,
    });
    for (const name of [...queryOptionNames, 'maxAllocators']) {
      expect(options.properties[name].description, name).toMatch(/^[A-Z].{30,}/);
    }
  });
});

describe('GET /openapi.json', () => {
  let store: MemoryBlobStore;
  let stack: TestStack;
  beforeAll(async () => {
    store = await buildTestStore();
    stack = createTestStack(store, { [ENV.compactorFunction]: 'squash-compactor' });
  });

  it('answers the document as JSON, without invoking anything', async () => {
    const answer = await stack.get('/openapi.json');
    expect(answer).toEqual({ status: 200, body: openApiDocument() });
    expect(stack.invoker.calls).toHaveLength(0);
  });

  it('answers 405 to another method', async () => {
    expect(await stack.post('/openapi.json', {})).toEqual({
      status: 405,
      body: { code: 'METHOD_NOT_ALLOWED', message: '/openapi.json accepts GET, received POST' },
    });
  });

  describe("the document's answer schemas accept the coordinator's real answers", () => {
    const strictly = (schema: z.ZodType, body: unknown) => {
      const parsed = schema.safeParse(body);
      expect(parsed.error?.issues).toBeUndefined();
    };
    const vector = () => Array.from(queryVector(0));

    it('POST /search, with attributes, and its partial and failed forms', async () => {
      const body = {
        index: INDEX,
        k: 5,
        queries: [{ vector: vector(), filter: { u: { $lt: 0.5 } } }, { vector: vector() }],
        options: { includeAttributes: true },
      };
      const answer = await stack.search(body);
      expect(answer.status).toBe(200);
      expect(answer.body.results[0].hits[0].attributes).toBeDefined();
      strictly(searchResponseSchema, answer.body);

      const failing = createTestStack(store);
      failing.invoker.fault = (call) =>
        call.functionName.startsWith('squash-processor') ? crash(call.functionName) : undefined;
      const exact = { ...body, options: { exact: true } };
      const failed = await failing.search(exact);
      expect(failed.status).toBe(502);
      strictly(incompleteSearchErrorSchema, failed.body);
      const partial = await failing.search({ ...exact, options: { exact: true, allowPartial: true } });
      expect([partial.status, partial.body.complete]).toEqual([200, false]);
      strictly(searchResponseSchema, partial.body);
    });

    it('the writes, the index summary and health', async () => {
      const row = { id: 90_001, vector: Array.from({ length: DIM }, (_, j) => j), attributes: { u: 0.5 } };
      const upsert = await stack.post('/upsert', { index: INDEX, vectors: [row], token: 't-1' });
      expect(upsert.status).toBe(200);
      strictly(writeAnswerSchema, upsert.body);
      const byFilter = await stack.post('/delete', { index: INDEX, filter: { u: { $lt: 0.01 } } });
      expect(byFilter.body.deletedByFilter).toBe(true);
      strictly(writeAnswerSchema, byFilter.body);
      const compact = await stack.post('/compact', { index: INDEX });
      expect(compact.status).toBe(202);
      strictly(compactAnswerSchema, compact.body);
      const summary = await stack.get(`/indexes/${INDEX}`);
      expect(summary.body.writeLog.sequence).toBe(2);
      strictly(indexSummarySchema, summary.body);
      const health = await stack.get('/health');
      expect(health.status).toBe(200);
      strictly(healthSchema, health.body);
    });

    it('the error bodies of every route', async () => {
      const errors = [
        await stack.search({ index: INDEX, k: 0, queries: [] }),
        await stack.search({ index: 'missing', k: 1, queries: [{ vector: vector() }] }),
        await stack.post('/upsert', { index: INDEX, vectors: [{ id: 1, vector: [1] }] }),
        await stack.get('/indexes/%zz'),
        await stack.get('/nowhere'),
        await stack.get('/search'),
      ];
      expect(errors.map((answer) => answer.status)).toEqual([400, 404, 400, 400, 404, 405]);
      for (const answer of errors) strictly(errorBodySchema, answer.body);
    });
  });
});
