/**
 * The query options: ONE zod schema holds each option's bounds (with the messages a caller sees), its
 * default and its documentation (`.describe`, so it reaches the JSON Schema of the OpenAPI document).
 * Every layer derives from it: the public `POST /search` options (`functions/coordinator/search-request.ts`,
 * every option optional), the resolved options between functions (`functions/wire/query-options.ts`,
 * every option present), the executor's and the partition search's defaults (`shared/search/`), the
 * CLI's flags, defaults and help (`scripts/cli/search-command.ts`) and the options table of docs/api.md.
 *
 * Why these values, measured on Fashion-MNIST and SIFT (docs/performance.md): sign codes prune poorly on
 * real data (keeping 30 % cost 20 recall points on Fashion-MNIST), so Hamming pruning is off unless asked
 * for; 32 leading KLT dimensions with R = 5 keep recall@10 near 0.97 (R = 4 is 3 % faster at ≈ 0.96).
 *
 * Design decisions:
 * - The defaults are the ones a search actually ran with before this module existed (the coordinator
 *   resolved every option, the processors never used their own): rerank 5, hammingKeepPercent 100,
 *   partitionFactor 1.2, matchesFactor 10, pruningDims 32, exact/allowPartial/includeAttributes false.
 *   Two declarations had drifted from them and now agree: the public schema documented `rerank` as 4,
 *   and `defaultPartitionSearchOptions` had `hammingKeepPercent: 10` and no `pruningDims` cap; nothing
 *   reached either with its own value (processors always receive resolved options).
 * - One set of bounds everywhere. The CLI accepted any positive `--rerank`, `--pruning-dims` and any
 *   `--partition-factor` ≥ 1 in process while the HTTP API refused rerank > 100, pruningDims > 65,536
 *   and partitionFactor > 1000; it now refuses them too, so a command line behaves the same in process
 *   and through a URL. The wire schema gained `partitionFactor` ≤ 1000, which the coordinator always met.
 * - `maxAllocators` is a request option only (it shapes the coordinator's invocation tree and has no
 *   value to resolve: absent means "sized by the work"), so it is documented here but kept out of
 *   `queryOptionsSchema`, the options every search resolves.
 * - Defaults sit on the fields (`.default`), and `queryOptionDefaults` is the schema parsing `{}`, so a
 *   default cannot be written in two places.
 */
import { z } from 'zod';

const atLeast = (min: number) => `must be at least ${min}`;
const atMost = (max: number) => `must be at most ${max}`;

/** Option fields before their defaults are attached (`resolvedQueryOptionsSchema` uses them bare). */
const fields = {
  partitionFactor: z
    .number()
    .min(1, atLeast(1))
    .max(1000, atMost(1000))
    .describe(
      'Visit every partition whose centroid is within this factor of the nearest centroid distance. ' +
        'Higher: better recall, more partitions visited.',
    ),
  matchesFactor: z
    .number()
    .min(1, atLeast(1))
    .max(1000, atMost(1000))
    .describe(
      'Keep adding partitions (in centroid order) until they hold this many times k quantized filter ' +
        'matches. Matters for selective filters that are independent of the vectors.',
    ),
  rerank: z
    .number()
    .int('must be an integer')
    .min(1, atLeast(1))
    .max(100, atMost(100))
    .describe('Exact re-rank depth R: each partition re-ranks its best R·k candidates by exact distance.'),
  hammingKeepPercent: z
    .number()
    .gt(0, 'must be above 0')
    .max(100, atMost(100))
    .describe(
      'Share of the candidates kept by Hamming pruning before the lower bounds, in percent. ' +
        '100 turns pruning off (sign codes cost recall on real data).',
    ),
  pruningDims: z
    .number()
    .int('must be an integer')
    .min(1, atLeast(1))
    .max(65_536, atMost(65_536))
    .describe(
      'Leading KLT dimensions used for the lower bounds (and Hamming codes). Fewer: faster, looser ' +
        'bounds; the exact re-rank restores the order.',
    ),
  exact: z.boolean().describe('Scan every partition with matches and return the true top k.'),
  includeAttributes: z.boolean().describe("Return each hit's attribute values."),
  allowPartial: z
    .boolean()
    .describe(
      'Answer even when partitions could not be searched after retries, saying so: `complete: false`, ' +
        'the partitions in `stats.missingPartitions` (and per query) and the header `X-Squash-Partial: true`. ' +
        'Off: such a search fails with 502, or 504 when a timeout caused it, naming the partitions.',
    ),
} as const;

/** Every option a search resolves, each with its default: parsing `{}` gives the defaults. */
export const queryOptionsSchema = z.strictObject({
  partitionFactor: fields.partitionFactor.default(1.2),
  matchesFactor: fields.matchesFactor.default(10),
  rerank: fields.rerank.default(5),
  hammingKeepPercent: fields.hammingKeepPercent.default(100),
  pruningDims: fields.pruningDims.default(32),
  exact: fields.exact.default(false),
  includeAttributes: fields.includeAttributes.default(false),
  allowPartial: fields.allowPartial.default(false),
});

export type QueryOptionName = keyof typeof queryOptionsSchema.shape;

/** The options of one search, every default applied. */
export type ResolvedQueryOptions = z.output<typeof queryOptionsSchema>;

/** The defaults, derived from the schema (never written a second time). */
export const queryOptionDefaults: Readonly<ResolvedQueryOptions> = Object.freeze(
  queryOptionsSchema.parse({}),
);

/**
 * The same options with every field required and no default: what travels between functions, where
 * nothing may fill in a value of its own.
 */
export const resolvedQueryOptionsSchema = z.strictObject(fields);

/** `maxAllocators`: a request option without a resolved value (see the design decisions above). */
export const maxAllocatorsSchema = z
  .number()
  .int('must be an integer')
  .min(0, atLeast(0))
  .max(100_000, atMost(100_000))
  .describe(
    'Cap on allocator invocations for this request; 0 runs the allocator step in the coordinator. ' +
      "The deployment's tree (branching b, depth l) shrunk to fit. Absent: sized by the allocator work, " +
      'in the coordinator below two allocators’ worth.',
  );

/** The option names in the order documents list them. */
export const queryOptionNames = Object.keys(queryOptionsSchema.shape) as QueryOptionName[];

/** The description of an option, as the schema holds it. */
export function queryOptionDescription(name: QueryOptionName | 'maxAllocators'): string {
  const schema = name === 'maxAllocators' ? maxAllocatorsSchema : resolvedQueryOptionsSchema.shape[name];
  return schema.description ?? '';
}

/**
 * What an option accepts, in words, from its schema's bounds: "an integer in 1..100", "a number in
 * (0, 100]", "an integer in 1..100 or true". For messages and documents, so bounds are never restated
 * by hand.
 */
export function acceptedValues(schema: z.ZodType): string {
  return inWords(z.toJSONSchema(schema, { io: 'input' }) as JsonSchema);
}

interface JsonSchema {
  readonly type?: string;
  readonly const?: unknown;
  readonly anyOf?: readonly JsonSchema[];
  readonly minimum?: number;
  readonly maximum?: number;
  readonly exclusiveMinimum?: number;
  readonly exclusiveMaximum?: number;
}

function inWords(json: JsonSchema): string {
  if (json.anyOf) return json.anyOf.map(inWords).join(' or ');
  if (json.const !== undefined) return JSON.stringify(json.const);
  if (json.type === 'boolean') return 'true or false';
  const integer = json.type === 'integer';
  const low = json.exclusiveMinimum ?? json.minimum;
  const high = json.exclusiveMaximum ?? json.maximum;
  const lowOpen = json.exclusiveMinimum !== undefined;
  const highOpen = json.exclusiveMaximum !== undefined;
  const noun = integer ? 'an integer' : 'a number';
  if (low === undefined || high === undefined) return noun;
  if (integer && !lowOpen && !highOpen) return `${noun} in ${low}..${high}`;
  return `${noun} in ${lowOpen ? '(' : '['}${low}, ${high}${highOpen ? ')' : ']'}`;
}
