import { describe, expect, it } from 'vitest';
import { CONFIG_DEFAULTS, ENV, loadConfig, processorFunctionFor } from '../../../functions/config.ts';
import { InvalidInputError } from '../../../shared/errors/index.ts';

const required = {
  [ENV.bucket]: 'squash-indexes',
  [ENV.allocatorFunction]: 'Squash-allocator',
  [ENV.processorFunctions]: 'Squash-processor-0,Squash-processor-1,Squash-processor-2',
};

describe('loadConfig', () => {
  it('reads the required variables and applies the defaults', () => {
    expect(loadConfig(required)).toEqual({
      bucket: 'squash-indexes',
      indexPrefix: 'indexes/',
      allocatorFunction: 'Squash-allocator',
      processorFunctions: ['Squash-processor-0', 'Squash-processor-1', 'Squash-processor-2'],
      treeBranching: CONFIG_DEFAULTS.treeBranching,
      treeDepth: CONFIG_DEFAULTS.treeDepth,
      cacheBudgetMiB: CONFIG_DEFAULTS.cacheBudgetMiB,
      invokeTimeoutMs: CONFIG_DEFAULTS.invokeTimeoutMs,
      maxBatch: CONFIG_DEFAULTS.maxBatch,
      compactorFunction: undefined,
      compactAfterRows: 10_000,
      retentionSeconds: 900,
      matchingRowsMaxKiB: 4096,
    });
    expect([CONFIG_DEFAULTS.compactAfterRows, CONFIG_DEFAULTS.retentionSeconds]).toEqual([10_000, 900]);
  });

  it('parses every variable as the stack writes it', () => {
    const config = loadConfig({
      ...required,
      [ENV.indexPrefix]: 'tenant/indexes/',
      [ENV.processorFunctions]: ' a , b ',
      [ENV.treeBranching]: '6',
      [ENV.treeDepth]: '3',
      [ENV.cacheBudgetMiB]: '884',
      [ENV.invokeTimeoutMs]: '30000',
      [ENV.maxBatch]: '250',
      [ENV.compactorFunction]: ' Squash-compactor ',
      [ENV.compactAfterRows]: '500',
      [ENV.retentionSeconds]: '120',
      [ENV.matchingRowsMaxKiB]: '0',
    });
    expect(config).toMatchObject({
      indexPrefix: 'tenant/indexes/',
      processorFunctions: ['a', 'b'],
      treeBranching: 6,
      treeDepth: 3,
      cacheBudgetMiB: 884,
      invokeTimeoutMs: 30000,
      maxBatch: 250,
      compactorFunction: 'Squash-compactor',
      compactAfterRows: 500,
      retentionSeconds: 120,
      matchingRowsMaxKiB: 0,
    });
  });

  it('reads an empty or blank compactor as no automatic compaction trigger', () => {
    for (const value of ['', '  ']) {
      expect(loadConfig({ ...required, [ENV.compactorFunction]: value }).compactorFunction).toBeUndefined();
    }
  });

  it('bounds the compaction threshold and the retention period', () => {
    expect(
      loadConfig({ ...required, [ENV.compactAfterRows]: '100000000', [ENV.retentionSeconds]: '604800' }),
    ).toMatchObject({ compactAfterRows: 100_000_000, retentionSeconds: 604_800 });
    expect(() =>
      loadConfig({
        ...required,
        [ENV.compactAfterRows]: '0',
        [ENV.retentionSeconds]: '604801',
      }),
    ).toThrow(
      'invalid function configuration: SQUASH_COMPACT_AFTER_ROWS is `0`: must be at least 1; ' +
        'SQUASH_RETENTION_SECONDS is `604801`: must be at most 604800',
    );
    expect(() => loadConfig({ ...required, [ENV.retentionSeconds]: '15m' })).toThrow(
      'SQUASH_RETENTION_SECONDS is `15m`: must be a positive integer',
    );
  });

  it('names every bad variable, what it held and what was expected', () => {
    const load = () =>
      loadConfig({
        [ENV.bucket]: '',
        [ENV.processorFunctions]: 'a,,b',
        [ENV.treeDepth]: 'two',
        [ENV.maxBatch]: '0',
        [ENV.indexPrefix]: 'indexes',
      });
    expect(load).toThrow(InvalidInputError);
    expect(load).toThrow(
      'invalid function configuration: SQUASH_BUCKET is ``: must not be empty; ' +
        'SQUASH_INDEX_PREFIX is `indexes`: must be empty or end with `/` and not start with `/`; ' +
        'SQUASH_ALLOCATOR_FUNCTION is unset: required; ' +
        'SQUASH_PROCESSOR_FUNCTIONS is `a,,b` (entry 1): must not be empty; ' +
        'SQUASH_TREE_DEPTH is `two`: must be a positive integer; ' +
        'SQUASH_MAX_BATCH is `0`: must be at least 1',
    );
  });
});

describe('processorFunctionFor', () => {
  it('routes partition p to function p mod G', () => {
    const config = loadConfig(required);
    const routed = Array.from({ length: 7 }, (_, p) => processorFunctionFor(config, p));
    expect(routed).toEqual([0, 1, 2, 0, 1, 2, 0].map((g) => `Squash-processor-${g}`));
  });

  it('rejects a partition that is not a non-negative integer', () => {
    const config = loadConfig(required);
    expect(() => processorFunctionFor(config, -1)).toThrow(
      'partition must be a non-negative integer, received -1',
    );
    expect(() => processorFunctionFor(config, 1.5)).toThrow(InvalidInputError);
  });
});
