/**
 * fast-check arbitraries of hostile requests to the search Function URL, shared by the in-process fuzz
 * (test/unit/functions) and the HTTP fuzz (test/integration/fuzz). Each request is one of:
 * - `search-mutated`: a valid `POST /search` for the target index with fields swapped for wrong types,
 *   out-of-range numbers, hostile keys (`__proto__`, `constructor`), bad vectors and filters;
 * - `search-deep`: a search whose filter, or whole body, nests up to 20,000 levels (built as text, since
 *   JSON.stringify itself overflows on such values);
 * - `search-wide`: many queries, long vectors, wide `$or`/`$in`, megabyte strings and keys;
 * - `body-text` / `body-bytes`: arbitrary text (NaN, Infinity, BOMs, lone surrogates) and random bytes
 *   under random content types;
 * - `route`: random methods, paths (malformed and double percent-encoding, unicode, long) and headers;
 * - `oversized`: bodies past the 6 MB limit (only when `oversized` is asked for).
 * A request is plain data; `describeRequest` gives a short line for failure messages.
 */
import fc from 'fast-check';
import type { AttributeSchema } from '../../shared/attributes/index.ts';

export interface FuzzIndex {
  readonly name: string;
  readonly dim: number;
  readonly schema: AttributeSchema;
  /** Category values and tags that occur, so some filters match. */
  readonly strings: readonly string[];
  /** Queries accepted per request (SQUASH_MAX_BATCH of the target). */
  readonly maxBatch: number;
}

export interface HostileRequest {
  readonly kind: string;
  readonly method: string;
  /** Path and query as sent in the request line (raw, percent-encoded as the client chose). */
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string | Uint8Array;
}

export interface HostileOptions {
  /** Include bodies over the 6 MB limit (slow over HTTP: keep the run count low). */
  readonly oversized?: boolean;
  /** Upper bound on generated body sizes in the `search-wide` kind, in bytes (about). */
  readonly wideBytes?: number;
}

const SIX_MB = 6 * 1024 * 1024;
const HOSTILE_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf'];
const ODD_STRINGS = ['', ' ', '\ud800', '\u0000', 'Ünïcode', '🙂', '../x', 'a/b', '%E0%A4', 'x'.repeat(300)];

const JSON_TYPE = { 'content-type': 'application/json' };

/** An object whose keys may be `__proto__`: built with own data properties, as JSON.parse builds them. */
function ownObject(entries: readonly (readonly [string, unknown])[]): Record<string, unknown> {
  return Object.fromEntries(entries);
}

export function hostileRequests(
  index: FuzzIndex,
  options: HostileOptions = {},
): fc.Arbitrary<HostileRequest> {
  const arbitraries: fc.WeightedArbitrary<HostileRequest>[] = [
    { weight: 80, arbitrary: mutatedSearch(index) },
    { weight: 20, arbitrary: deepSearch(index) },
    { weight: 10, arbitrary: wideSearch(index, options.wideBytes ?? 2_000_000) },
    { weight: 20, arbitrary: textBody() },
    { weight: 20, arbitrary: bytesBody() },
    { weight: 30, arbitrary: route(index) },
  ];
  if (options.oversized) arbitraries.push({ weight: 2, arbitrary: oversized() });
  return fc.oneof(...arbitraries);
}

export function describeRequest(request: HostileRequest): string {
  const body = request.body;
  const shown =
    body === undefined
      ? 'no body'
      : typeof body === 'string'
        ? `${body.length} chars: ${JSON.stringify(body.slice(0, 160))}`
        : `${body.length} bytes`;
  return `${request.kind}: ${request.method} ${request.path.slice(0, 200)} ${JSON.stringify(request.headers)} (${shown})`;
}

// --- structured but wrong ----------------------------------------------------------------------------

function validVector(dim: number): fc.Arbitrary<number[]> {
  return fc.array(fc.float({ noNaN: true, noDefaultInfinity: true, min: -10, max: 10 }), {
    minLength: dim,
    maxLength: dim,
  });
}

function base64Of(values: readonly number[]): string {
  const bytes = Buffer.alloc(values.length * 4);
  for (let i = 0; i < values.length; i++) bytes.writeFloatLE(values[i]!, i * 4);
  return bytes.toString('base64');
}

const wrongScalar = fc.oneof(
  fc.constantFrom(null, true, false, 0, -1, 1.5, 1e308, -1e308, 5e-324, '', '10', [], {}),
  fc.constantFrom(...ODD_STRINGS),
  fc.double(),
  fc.string(),
);

/** Mostly valid filters (so searches get past validation), some hostile ones. */
function filterFor(index: FuzzIndex): fc.Arbitrary<unknown> {
  return fc.oneof({ weight: 8, arbitrary: validFilter(index) }, hostileFilter(index));
}

function validFilter(index: FuzzIndex): fc.Arbitrary<unknown> {
  const field = fc.constantFrom(...index.schema.attributes).chain(({ name, kind }) => {
    const operand: fc.Arbitrary<unknown> =
      kind === 'number'
        ? fc.oneof(
            fc.double({ min: 0, max: 1, noNaN: true }),
            fc.double({ noNaN: true, noDefaultInfinity: true }),
          )
        : fc.oneof(fc.constantFrom(...index.strings), fc.string({ maxLength: 4 }));
    const operators = kind === 'number' ? ['$eq', '$ne', '$gt', '$gte', '$lt', '$lte'] : ['$eq', '$ne'];
    const condition = fc.oneof(
      operand,
      fc.tuple(fc.constantFrom(...operators), operand).map(([operator, value]) => ({ [operator]: value })),
      fc
        .tuple(fc.constantFrom('$in', '$nin'), fc.array(operand, { minLength: 1, maxLength: 4 }))
        .map(([operator, values]) => ({ [operator]: values })),
      fc.boolean().map((flag) => ({ $exists: flag })),
    );
    return condition.map((value): [string, unknown] => [name, value]);
  });
  const { filter } = fc.letrec((tie) => ({
    filter: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc.array(field, { minLength: 1, maxLength: 2 }).map(ownObject),
      fc.array(tie('filter'), { minLength: 1, maxLength: 3 }).map((children) => ({ $and: children })),
      fc.array(tie('filter'), { minLength: 1, maxLength: 3 }).map((children) => ({ $or: children })),
      tie('filter').map((child) => ({ $not: child })),
      fc.constant({}),
    ),
  }));
  return filter;
}

function hostileFilter(index: FuzzIndex): fc.Arbitrary<unknown> {
  const names = index.schema.attributes.map((a) => a.name);
  const operand = fc.oneof(
    fc.constantFrom(...index.strings),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.double({ min: 0, max: 1, noNaN: true }),
    wrongScalar,
  );
  const operator = fc.constantFrom(
    '$eq',
    '$ne',
    '$gt',
    '$gte',
    '$lt',
    '$lte',
    '$in',
    '$nin',
    '$exists',
    '$not',
    '$regex',
  );
  const key = fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...names) },
    fc.constantFrom('$and', '$or', '$not', '$where', ...HOSTILE_KEYS, ...ODD_STRINGS),
    fc.string(),
  );
  const { filter } = fc.letrec((tie) => ({
    filter: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc.array(fc.tuple(key, tie('condition')), { maxLength: 3 }).map(ownObject),
      fc.array(tie('filter'), { maxLength: 3 }).map((children) => ({ $and: children })),
      fc.array(tie('filter'), { maxLength: 3 }).map((children) => ({ $or: children })),
      tie('filter').map((child) => ({ $not: child })),
      wrongScalar,
    ),
    condition: fc.oneof(
      operand,
      fc
        .array(fc.tuple(operator, fc.oneof(operand, fc.array(operand, { maxLength: 4 }), tie('filter'))), {
          maxLength: 3,
        })
        .map(ownObject),
    ),
  }));
  return filter;
}

function query(index: FuzzIndex): fc.Arbitrary<unknown> {
  const vector = validVector(index.dim);
  const filter = filterFor(index);
  return fc.oneof(
    {
      weight: 30,
      arbitrary: fc.record(
        { vector, filter: fc.option(filter, { nil: undefined }) },
        { requiredKeys: ['vector'] },
      ),
    },
    { weight: 5, arbitrary: vector.map((v) => ({ vectorBase64: base64Of(v) })) },
    fc.array(fc.float(), { maxLength: index.dim + 2 }).map((v) => ({ vectorBase64: base64Of(v) })),
    fc
      .oneof(fc.string(), fc.base64String(), fc.constantFrom('====', 'AAAA=', 'AA==AA==', '🙂'))
      .map((text) => ({ vectorBase64: text })),
    fc.array(fc.oneof(fc.double(), wrongScalar), { maxLength: index.dim + 2 }).map((v) => ({ vector: v })),
    vector.map((v) => ({ vector: v, vectorBase64: base64Of(v) })),
    fc.tuple(vector, fc.constantFrom(...HOSTILE_KEYS, 'extra'), wrongScalar).map(([v, k, x]) =>
      ownObject([
        ['vector', v],
        [k, x],
      ]),
    ),
    wrongScalar,
  );
}

function options(): fc.Arbitrary<unknown> {
  return fc.oneof({ weight: 8, arbitrary: validOptions }, hostileOptions());
}

const validOptions = fc.record(
  {
    partitionFactor: fc.double({ min: 1, max: 3, noNaN: true }),
    matchesFactor: fc.integer({ min: 1, max: 20 }),
    rerank: fc.integer({ min: 1, max: 10 }),
    hammingKeepPercent: fc.integer({ min: 10, max: 100 }),
    pruningDims: fc.integer({ min: 1, max: 16 }),
    includeAttributes: fc.boolean(),
    exact: fc.boolean(),
    maxAllocators: fc.integer({ min: 0, max: 3 }),
  },
  { requiredKeys: [] },
);

function hostileOptions(): fc.Arbitrary<unknown> {
  const value = fc.oneof(fc.integer({ min: -2, max: 200 }), fc.double(), fc.boolean(), wrongScalar);
  const name = fc.constantFrom(
    'rerank',
    'partitionFactor',
    'matchesFactor',
    'hammingKeepPercent',
    'pruningDims',
    'includeAttributes',
    'exact',
    'maxAllocators',
    'strict',
    'allowPartial',
    ...HOSTILE_KEYS,
  );
  return fc.oneof(fc.array(fc.tuple(name, value), { maxLength: 4 }).map(ownObject), wrongScalar);
}

function mutatedSearch(index: FuzzIndex): fc.Arbitrary<HostileRequest> {
  const body = fc
    .record({
      index: fc.oneof(
        { weight: 20, arbitrary: fc.constant(index.name) },
        fc.constantFrom('missing-index', ...HOSTILE_KEYS),
        wrongScalar,
      ),
      k: fc.oneof(
        { weight: 20, arbitrary: fc.integer({ min: 1, max: 20 }) },
        fc.constantFrom(1000, 1001),
        wrongScalar,
      ),
      queries: fc.oneof(
        { weight: 20, arbitrary: fc.array(query(index), { minLength: 1, maxLength: 4 }) },
        fc.constantFrom([], {}, null, 'queries'),
      ),
      options: fc.option(options(), { nil: undefined }),
      extra: fc.oneof(
        { weight: 8, arbitrary: fc.constant(undefined) },
        fc.tuple(fc.constantFrom(...HOSTILE_KEYS, 'unknown'), wrongScalar),
      ),
    })
    .map(({ extra, ...fields }) =>
      JSON.stringify(ownObject([...Object.entries(fields), ...(extra ? [extra] : [])])),
    );
  // Numbers JSON.stringify cannot write but JSON.parse reads as Infinity, 0 or -0, put in place of one
  // number of the body (k, a vector element, an option, a filter operand).
  const withOddNumber = fc
    .tuple(body, fc.nat(), fc.constantFrom('1e999', '-1e999', '1e-999', '-0', '1E+308', '0.0000'))
    .map(([text, which, odd]) => {
      const numbers = [...text.matchAll(/-?\d+(\.\d+)?([eE][-+]?\d+)?/g)];
      const target = numbers[which % Math.max(1, numbers.length)];
      if (!target || target.index === undefined) return text;
      return text.slice(0, target.index) + odd + text.slice(target.index + target[0].length);
    });
  return fc.oneof({ weight: 8, arbitrary: body }, withOddNumber).map((text) => ({
    kind: 'search-mutated',
    method: 'POST',
    path: '/search',
    headers: JSON_TYPE,
    body: text,
  }));
}

// --- deep, wide, text, bytes -------------------------------------------------------------------------

/** `open` repeated `depth` times around `leaf`, then the matching `close`s: nesting without recursion. */
function nestedText(open: string, leaf: string, close: string, depth: number): string {
  return open.repeat(depth) + leaf + close.repeat(depth);
}

function deepSearch(index: FuzzIndex): fc.Arbitrary<HostileRequest> {
  const name = index.schema.attributes[0]!.name;
  const vector = JSON.stringify(new Array(index.dim).fill(0.5));
  const wrap = (filter: string) =>
    `{"index":${JSON.stringify(index.name)},"k":3,"queries":[{"vector":${vector},"filter":${filter}}]}`;
  const shapes: Record<string, (depth: number) => string> = {
    $not: (d) => wrap(nestedText('{"$not":', `{"${name}":1}`, '}', d)),
    $and: (d) => wrap(nestedText('{"$and":[', `{"${name}":1}`, ']}', d)),
    $or: (d) => wrap(nestedText('{"$or":[', `{"${name}":1}`, ']}', d)),
    '$in arrays': (d) => wrap(`{"${name}":{"$in":${nestedText('[', '1', ']', d)}}}`),
    'field $not': (d) => wrap(`{"${name}":${nestedText('{"$not":', '{"$gt":1}', '}', d)}}`),
    'whole body arrays': (d) => nestedText('[', '1', ']', d),
    'whole body objects': (d) => nestedText('{"a":', '1', '}', d),
    'options objects': (d) =>
      `{"index":${JSON.stringify(index.name)},"k":3,"queries":[{"vector":${vector}}],"options":${nestedText('{"x":', '1', '}', d)}}`,
  };
  return fc
    .tuple(
      fc.constantFrom(...Object.keys(shapes)),
      fc.oneof(fc.integer({ min: 1, max: 200 }), fc.integer({ min: 200, max: 20_000 })),
    )
    .map(([shape, depth]) => ({
      kind: 'search-deep',
      method: 'POST',
      path: '/search',
      headers: JSON_TYPE,
      body: shapes[shape]!(depth),
    }));
}

function wideSearch(index: FuzzIndex, maxBytes: number): fc.Arbitrary<HostileRequest> {
  const name = index.schema.attributes[0]!.name;
  const vector = JSON.stringify(new Array(index.dim).fill(0.25));
  const search = (queries: string, k = 3) =>
    `{"index":${JSON.stringify(index.name)},"k":${k},"queries":[${queries}]}`;
  const repeat = (item: string, count: number) => new Array(count).fill(item).join(',');
  const capped = (itemBytes: number, wanted: number) =>
    Math.max(1, Math.min(wanted, Math.floor(maxBytes / itemBytes)));
  const shapes: Record<string, (n: number) => string> = {
    'many queries': (n) =>
      search(repeat(`{"vector":${vector}}`, capped(vector.length + 12, Math.min(n, index.maxBatch + 50)))),
    'many filtered queries': (n) =>
      search(
        repeat(
          `{"vector":${vector},"filter":{"${name}":{"$lt":0.5}}}`,
          capped(vector.length + 40, Math.min(n, index.maxBatch)),
        ),
      ),
    'long vector': (n) => search(`{"vector":[${repeat('0.5', capped(4, n * 100))}]}`),
    'long vector of strings': (n) => search(`{"vector":[${repeat('"a"', capped(4, n * 300))}]}`),
    'many vectors of strings': (n) =>
      search(repeat(`{"vector":[${repeat('null', 1000)}]}`, capped(5015, Math.min(n, index.maxBatch)))),
    'long base64': (n) => search(`{"vectorBase64":"${'AAAA'.repeat(capped(4, n * 100))}"}`),
    'wide $or': (n) =>
      search(`{"vector":${vector},"filter":{"$or":[${repeat(`{"${name}":1}`, capped(10, n))}]}}`),
    'wide $in': (n) =>
      search(`{"vector":${vector},"filter":{"${name}":{"$in":[${repeat('1', capped(2, n * 10))}]}}}`),
    'long string': (n) =>
      search(`{"vector":${vector},"filter":{"${name}":"${'x'.repeat(capped(1, n * 1000))}"}}`),
    'long key': (n) => search(`{"vector":${vector},"filter":{"${'k'.repeat(capped(1, n * 1000))}":1}}`),
    'long index name': (n) =>
      `{"index":"${'i'.repeat(capped(1, n * 1000))}","k":1,"queries":[{"vector":${vector}}]}`,
    'many keys': (n) => `{${Array.from({ length: capped(12, n * 10) }, (_, i) => `"key${i}":1`).join(',')}}`,
  };
  return fc
    .tuple(fc.constantFrom(...Object.keys(shapes)), fc.integer({ min: 1, max: 5000 }))
    .map(([shape, n]) => ({
      kind: 'search-wide',
      method: 'POST',
      path: '/search',
      headers: JSON_TYPE,
      body: shapes[shape]!(n),
    }));
}

const contentType = fc.oneof(
  fc.constantFrom(
    'application/json',
    'application/json; charset=utf-16',
    'text/plain',
    'application/octet-stream',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=x',
    'image/png',
    'application/vnd.api+json',
    '',
  ),
  fc.string({ maxLength: 30 }).filter((text) => /^[\x20-\x7e]*$/.test(text)),
);

function textBody(): fc.Arbitrary<HostileRequest> {
  const text = fc.oneof(
    fc.constantFrom(
      '',
      'null',
      '[]',
      '{}',
      '0',
      '"search"',
      'NaN',
      'Infinity',
      '-Infinity',
      '1e999',
      '{"k":NaN}',
    ),
    fc.constantFrom(
      '\ufeff{}',
      '{"index":"x"',
      '{"index":"x",}',
      '{"__proto__":{"polluted":1}}',
      '{"constructor":{"prototype":{"x":1}}}',
    ),
    fc.string({ unit: 'binary', maxLength: 200 }),
    fc.json({ maxDepth: 4 }),
  );
  return fc.tuple(text, contentType).map(
    ([body, type]): HostileRequest => ({
      kind: 'body-text',
      method: 'POST',
      path: '/search',
      headers: type === '' ? {} : { 'content-type': type },
      body,
    }),
  );
}

function bytesBody(): fc.Arbitrary<HostileRequest> {
  const bytes = fc.oneof(
    fc.uint8Array({ maxLength: 512 }),
    fc.constantFrom(
      Uint8Array.from([0xff, 0xfe, 0x7b, 0x7d]),
      Uint8Array.from([0xc3, 0x28]),
      Uint8Array.from([0x7b, 0x22, 0xed, 0xa0, 0x80, 0x22, 0x3a, 0x31, 0x7d]),
      Uint8Array.from([0x1f, 0x8b, 0x08, 0x00]),
    ),
  );
  return fc.tuple(bytes, contentType).map(
    ([body, type]): HostileRequest => ({
      kind: 'body-bytes',
      method: 'POST',
      path: '/search',
      headers: type === '' ? {} : { 'content-type': type },
      body,
    }),
  );
}

function route(index: FuzzIndex): fc.Arbitrary<HostileRequest> {
  const method = fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD') },
    fc.stringMatching(/^[A-Z]{1,12}$/),
  );
  const segment = fc.oneof(
    fc.constantFrom(
      index.name,
      'search',
      'health',
      'indexes',
      '%25E0%25A4',
      '%E0%A4',
      '%ZZ',
      '%',
      '%2F',
      '%00',
      '..',
      '.',
      '__proto__',
      'constructor',
      '%C3%9Cn%C3%AFcode',
      'x'.repeat(2000),
    ),
    fc.webSegment(),
    fc.string({ maxLength: 12 }).map((text) => encodeURIComponent(text)),
  );
  const path = fc.oneof(
    fc.constantFrom(
      '/health',
      '/search',
      `/indexes/${index.name}`,
      '/indexes/',
      '/indexes',
      '/',
      '//',
      '/search/',
      '/health?x=1',
    ),
    fc.array(segment, { minLength: 1, maxLength: 4 }).map((segments) => `/${segments.join('/')}`),
    segment.map((s) => `/indexes/${s}`),
    fc.tuple(segment, fc.string({ maxLength: 20 })).map(([s, q]) => `/indexes/${s}?${encodeURIComponent(q)}`),
  );
  const header = fc.tuple(
    fc.constantFrom(
      'content-type',
      'content-encoding',
      'accept',
      'x-forwarded-for',
      'x-amz-date',
      'authorization',
      'cookie',
    ),
    fc.string({ maxLength: 40 }).filter((text) => /^[\x20-\x7e]*$/.test(text)),
  );
  return fc
    .record({
      method,
      path,
      headers: fc.array(header, { maxLength: 3 }).map(ownObject),
      body: fc.option(fc.json({ maxDepth: 2 }), { nil: undefined }),
    })
    .map(({ method, path, headers, body }) => ({
      kind: 'route',
      method,
      path,
      headers: headers as Record<string, string>,
      ...(body === undefined || method === 'GET' || method === 'HEAD' ? {} : { body }),
    }));
}

function oversized(): fc.Arbitrary<HostileRequest> {
  return fc
    .tuple(
      fc.integer({ min: 1, max: 512 * 1024 }),
      fc.constantFrom('application/json', 'application/octet-stream'),
    )
    .map(([extra, type]) => ({
      kind: 'oversized',
      method: 'POST',
      path: '/search',
      headers: { 'content-type': type },
      body: `{"index":"x","k":1,"queries":[],"pad":"${'p'.repeat(SIX_MB + extra)}"}`,
    }));
}
