/**
 * `squash search`: queries from a vector file, optional filters (one for all, or one per query from JSON
 * Lines), one JSON line per query on stdout in query order:
 * `{"query": i, "hits": [{"id": <row or input id>, "distance": <number>}, …]}`.
 * `--index DIR|s3://…` searches in process; `--url URL --index NAME` goes through a search Function URL.
 *
 * Complete or fail (DESIGN §5): a search that misses partitions prints the error to stderr and exits
 * non-zero. `--allow-partial` (with `--url`) prints partial answers instead — lines of affected queries
 * carry `"missingPartitions"` — with a warning naming the partitions on stderr, and exits 0. An
 * in-process search reads every partition itself and is complete or throws; it is checked all the same.
 */
import {
  acceptedValues,
  type QueryOptionName,
  queryOptionDefaults,
  queryOptionDescription,
  resolvedQueryOptionsSchema,
} from '../../shared/api/query-options.ts';
import { readJsonLinesArray, readVectors } from '../../shared/data/index.ts';
import { InvalidInputError, SquashError } from '../../shared/errors/index.ts';
import { LocalSearch, type SearchQuery } from '../../shared/index/local-search.ts';
import type { QueryOptions } from '../../shared/search/query-executor.ts';
import { openStore } from '../../shared/store/index.ts';
import { SearchIncompleteError } from '../client/index.ts';
import { numberOption, parseCommandArgs, positiveInteger, requiredString, UsageError } from './args.ts';
import { type BatchAnswer, searchThroughUrl } from './search-url.ts';

/**
 * The query options `squash search` takes as flags (`--kebab-case` of the option's name). Their bounds,
 * defaults and help text come from the query options schema (`shared/api/query-options.ts`);
 * `includeAttributes` and `maxAllocators` shape HTTP answers only, and `--allow-partial` is below.
 */
const NUMERIC_FLAGS = [
  'partitionFactor',
  'matchesFactor',
  'rerank',
  'hammingKeepPercent',
  'pruningDims',
] as const;
const flagOf = (option: QueryOptionName) => option.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** The query options `squash search` takes, by flag (`--allow-partial` only with `--url`). */
export const searchOptionFlags: Partial<Record<QueryOptionName, string>> = Object.fromEntries(
  [...NUMERIC_FLAGS, 'exact', 'allowPartial'].map((name) => [name, `--${flagOf(name as QueryOptionName)}`]),
);

export const searchUsage = `squash search --index DIR|s3://bucket/prefix --queries FILE [--filter JSON | --filters FILE.jsonl]
              [--k 10] [--exact]
              ${NUMERIC_FLAGS.map((name) => `[--${flagOf(name)} ${queryOptionDefaults[name]}]`)
                .join(' ')
                .replace(' [--hamming', '\n              [--hamming')}
squash search --url SEARCH_URL --index NAME --queries FILE [same options] [--sign] [--allow-partial]`;

/** `  --flag   text`, the text wrapped in a column (on the next line when the flag is too wide). */
function helpLine(flag: string, text: string): string {
  const column = 25;
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line !== '' && line.length + word.length + 1 > 110 - column) {
      lines.push(line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  lines.push(line);
  const head = `  ${flag}`;
  const indent = ' '.repeat(column);
  const body = lines.map((text) => indent + text);
  if (head.length < column - 1) body[0] = head.padEnd(column) + lines[0];
  else body.unshift(head);
  return body.join('\n');
}

function optionHelp(name: QueryOptionName, value: string): string {
  const schema = resolvedQueryOptionsSchema.shape[name];
  const accepted = schema.type === 'boolean' ? '' : `${acceptedValues(schema)}; `;
  const fallback = queryOptionDefaults[name];
  const shown = typeof fallback === 'boolean' ? (fallback ? 'on' : 'off') : String(fallback);
  return helpLine(
    `--${flagOf(name)}${value}`,
    `${queryOptionDescription(name)} (${accepted}default: ${shown})`,
  );
}

export const searchHelp = `usage:
${searchUsage.replace(/^/gm, '  ')}

Searches an index in process (--index DIR|s3://…) or through a search Function URL (--url, --index NAME),
printing one JSON line per query in query order.

  --queries FILE         query vectors: .fvecs, .bvecs or .npy; required
  --filter JSON          one filter for every query
  --filters FILE.jsonl   one filter per query (JSON Lines)
  --k K                  hits per query, an integer in 1..1000 (default: 10)
${optionHelp('exact', '')}
${NUMERIC_FLAGS.map((name) => optionHelp(name, ' X')).join('\n')}
  --sign                 sign requests with SigV4 (an AWS_IAM Function URL), with the usual AWS credentials
${helpLine('--allow-partial', `(--url only) ${queryOptionDescription('allowPartial')}`)}
  -h, --help             print this help`;

const batchSize = 500;

export interface SearchLine {
  readonly query: number;
  /** `id`: the id the build input carried, else the 0-based row of the build input. */
  readonly hits: readonly { readonly id: number | string; readonly distance: number }[];
  /** Partitions this query's answer misses (only with `--allow-partial`, only when not empty). */
  readonly missingPartitions?: readonly number[];
}

export async function runSearch(argv: string[]): Promise<void> {
  const args = parseCommandArgs(argv, {
    index: { type: 'string' },
    url: { type: 'string' },
    queries: { type: 'string' },
    filter: { type: 'string' },
    filters: { type: 'string' },
    k: { type: 'string' },
    exact: { type: 'boolean' },
    sign: { type: 'boolean' },
    'allow-partial': { type: 'boolean' },
    ...Object.fromEntries(NUMERIC_FLAGS.map((name) => [flagOf(name), { type: 'string' as const }])),
  });
  const index = requiredString(args.index, '--index');
  const allowPartial = args['allow-partial'] ?? false;
  if (allowPartial && args.url === undefined) {
    throw new UsageError(
      '--allow-partial applies to --url searches (an in-process search is always complete)',
    );
  }
  const queryFile = await readVectors(requiredString(args.queries, '--queries'));
  if (args.filter !== undefined && args.filters !== undefined)
    throw new UsageError('give --filter or --filters, not both');
  const filters = await readFilters(args.filter, args.filters, queryFile.n);
  const options: Partial<QueryOptions> & { k: number } = {
    k: numberOption(args.k, '--k', 10, (n) => positiveInteger(n) && n <= 1000, 'an integer in 1..1000'),
    exact: args.exact ?? queryOptionDefaults.exact,
    ...Object.fromEntries(
      NUMERIC_FLAGS.map((name) => {
        const schema = resolvedQueryOptionsSchema.shape[name];
        const flag = `--${flagOf(name)}`;
        const value = (args as Record<string, unknown>)[flagOf(name)];
        const check = (n: number) => schema.safeParse(n).success;
        return [name, numberOption(value, flag, queryOptionDefaults[name], check, acceptedValues(schema))];
      }),
    ),
  };
  const queries: SearchQuery[] = Array.from({ length: queryFile.n }, (_, q) => ({
    vector: queryFile.vectors.subarray(q * queryFile.dim, (q + 1) * queryFile.dim),
    filter: filters[q],
  }));

  const search = args.url
    ? (batch: SearchQuery[]) =>
        searchThroughUrl(args.url!, index, batch, options, { sign: args.sign ?? false, allowPartial })
    : await inProcess(index, options);
  for (let start = 0; start < queries.length; start += batchSize) {
    const answer = await withPartialHint(search(queries.slice(start, start + batchSize)));
    const lines = answer.results.map((result, i) =>
      JSON.stringify({ query: start + i, ...result } satisfies SearchLine),
    );
    process.stdout.write(`${lines.join('\n')}\n`);
    if (answer.warning !== undefined) {
      const last = start + answer.results.length - 1;
      process.stderr.write(`squash: warning: queries ${start}..${last}: ${answer.warning}\n`);
    }
  }
}

/** An incomplete search fails the command; its message says how to accept partial answers. */
async function withPartialHint(answer: Promise<BatchAnswer>): Promise<BatchAnswer> {
  try {
    return await answer;
  } catch (error) {
    if (!(error instanceof SearchIncompleteError)) throw error;
    throw new SquashError(
      error.code,
      `${error.message} (squash search --allow-partial prints partial answers with a warning)`,
    );
  }
}

async function inProcess(location: string, options: Partial<QueryOptions> & { k: number }) {
  const search = await LocalSearch.open(openStore(location));
  return async (batch: SearchQuery[]): Promise<BatchAnswer> => {
    const results = await search.search(batch, options);
    const missing = results.findIndex((result) => result.stats.missingPartitions.length > 0);
    if (missing >= 0) {
      throw new SquashError(
        'INTERNAL',
        `in-process search left partitions ${results[missing]!.stats.missingPartitions.join(', ')} unsearched for query ${missing}`,
      );
    }
    return {
      results: results.map((result) => ({
        hits: result.hits.map((hit) => ({ id: hit.externalId ?? hit.id, distance: hit.distance })),
      })),
    };
  };
}

async function readFilters(
  filter: string | undefined,
  file: string | undefined,
  count: number,
): Promise<unknown[]> {
  if (filter !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(filter);
    } catch (error) {
      throw new InvalidInputError(`--filter is not valid JSON: ${(error as Error).message}`);
    }
    return Array.from({ length: count }, () => parsed);
  }
  if (file === undefined) return Array.from({ length: count }, () => undefined);
  const filters = await readJsonLinesArray(file);
  if (filters.length !== count) {
    throw new InvalidInputError(`${file} has ${filters.length} filters; expected one per query (${count})`);
  }
  return filters;
}
