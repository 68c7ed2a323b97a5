/**
 * One options schema (`shared/api/query-options.ts`): its defaults are the effective ones, and every
 * layer (public request, wire, executor, partition search, CLI) takes the same defaults and bounds.
 */
import { describe, expect, it } from 'vitest';
import { publicOptionsSchema, resolveOptions } from '../../../functions/coordinator/search-request.ts';
import { partitionOptionsSchema, resolvedOptionsSchema } from '../../../functions/wire/query-options.ts';
import { searchHelp, searchUsage } from '../../../scripts/cli/search-command.ts';
import {
  acceptedValues,
  queryOptionDefaults,
  queryOptionNames,
  queryOptionsSchema,
  resolvedQueryOptionsSchema,
} from '../../../shared/api/query-options.ts';
import { defaultPartitionSearchOptions } from '../../../shared/search/partition-search.ts';
import { defaultQueryOptions } from '../../../shared/search/query-executor.ts';

const effective = {
  partitionFactor: 1.2,
  matchesFactor: 10,
  rerank: 5,
  hammingKeepPercent: 100,
  pruningDims: 32,
  exact: false,
  includeAttributes: false,
  allowPartial: false,
};

/** Per numeric option: the lowest and highest accepted values and a value just outside each. */
const bounds = {
  partitionFactor: { low: 1, high: 1000, below: 0.999, above: 1000.5 },
  matchesFactor: { low: 1, high: 1000, below: 0.5, above: 1001 },
  rerank: { low: 1, high: 100, below: 0, above: 101 },
  hammingKeepPercent: { low: 1e-9, high: 100, below: 0, above: 100.01 },
  pruningDims: { low: 1, high: 65_536, below: 0, above: 65_537 },
} as const;

describe('the query options schema', () => {
  it('holds the effective defaults, and parsing {} gives them', () => {
    expect(queryOptionDefaults).toEqual(effective);
    expect(queryOptionsSchema.parse({})).toEqual(effective);
    expect(queryOptionNames).toEqual(Object.keys(effective));
  });

  it('documents every option', () => {
    for (const name of queryOptionNames) {
      expect(resolvedQueryOptionsSchema.shape[name].description, name).toMatch(/^[A-Z].{30,}\.$/);
    }
  });

  it('gives the executor and the partition search the same defaults', () => {
    const { includeAttributes: _, ...executor } = effective;
    expect(defaultQueryOptions).toEqual(executor);
    expect(defaultPartitionSearchOptions).toEqual({
      rerank: 5,
      hammingKeepPercent: 100,
      pruningDims: 32,
      hammingFloor: 4,
    });
  });

  it('resolves an absent options object and `rerank: true` to the defaults', () => {
    expect(resolveOptions()).toEqual(effective);
    expect(resolveOptions(publicOptionsSchema.parse({ rerank: true, maxAllocators: 3 }))).toEqual(effective);
    expect(resolveOptions(publicOptionsSchema.parse({ rerank: 7, exact: true }))).toEqual({
      ...effective,
      rerank: 7,
      exact: true,
    });
    expect(resolvedOptionsSchema.parse(resolveOptions())).toEqual(effective);
  });

  it('the public request and the wire accept the same bounds', () => {
    for (const [name, { low, high, below, above }] of Object.entries(bounds)) {
      const field = name as keyof typeof bounds;
      for (const value of [low, high]) {
        expect(publicOptionsSchema.safeParse({ [field]: value }).success, `${name} ${value}`).toBe(true);
        expect(resolvedOptionsSchema.safeParse({ ...effective, [field]: value }).success).toBe(true);
      }
      for (const value of [below, above]) {
        expect(publicOptionsSchema.safeParse({ [field]: value }).success, `${name} ${value}`).toBe(false);
        expect(resolvedOptionsSchema.safeParse({ ...effective, [field]: value }).success).toBe(false);
      }
    }
  });

  it('rejects a value with a message saying what is expected', () => {
    const message = (options: unknown) => publicOptionsSchema.safeParse(options).error?.issues[0]?.message;
    expect(message({ partitionFactor: 0.5 })).toBe('must be at least 1');
    expect(message({ pruningDims: 1e6 })).toBe('must be at most 65536');
    expect(message({ pruningDims: 2.5 })).toBe('must be an integer');
    expect(message({ hammingKeepPercent: 0 })).toBe('must be above 0');
    expect(message({ rerank: 0 })).toBe('must be at least 1');
    expect(message({ rerank: 'deep' })).toBe(
      'must be an integer in 1..100 (the re-rank depth R) or true for the default',
    );
  });

  it('the wire needs every option (no hop fills in a default)', () => {
    const { rerank: _, ...withoutRerank } = effective;
    expect(resolvedOptionsSchema.safeParse(withoutRerank).success).toBe(false);
    expect(
      partitionOptionsSchema.parse({
        rerank: 5,
        hammingKeepPercent: 100,
        pruningDims: 32,
        includeAttributes: false,
      }),
    ).toEqual({
      rerank: 5,
      hammingKeepPercent: 100,
      pruningDims: 32,
      includeAttributes: false,
    });
  });

  it('says what a numeric option accepts from its bounds', () => {
    const shape = resolvedQueryOptionsSchema.shape;
    expect(acceptedValues(shape.rerank)).toBe('an integer in 1..100');
    expect(acceptedValues(shape.hammingKeepPercent)).toBe('a number in (0, 100]');
    expect(acceptedValues(shape.partitionFactor)).toBe('a number in [1, 1000]');
    expect(acceptedValues(shape.pruningDims)).toBe('an integer in 1..65536');
  });

  it('gives the CLI its flags, defaults and help', () => {
    for (const [flag, value] of [
      ['partition-factor', 1.2],
      ['matches-factor', 10],
      ['rerank', 5],
      ['hamming-keep-percent', 100],
      ['pruning-dims', 32],
    ] as const) {
      expect(searchUsage).toContain(`[--${flag} ${value}]`);
      expect(searchHelp).toMatch(new RegExp(`--${flag} X[\\s\\S]*?default: ${value}\\)`));
    }
    expect(searchHelp).toContain('--exact                Scan every partition with matches');
  });
});
