import { describe, expect, it } from 'vitest';
import { functionNames } from '../../infra/function-names.ts';
import { resolveSettings, STACK_DEFAULTS } from '../../infra/search-settings.ts';
import { InvalidInputError } from '../../shared/errors/index.ts';
import { synthStack } from './synth.ts';

describe('resolved settings', () => {
  it('fills every default and derives cache budgets from memory', () => {
    const settings = resolveSettings({});
    expect(settings.processorFunctions).toBe(STACK_DEFAULTS.processorFunctions);
    expect(settings.roles).toEqual({
      coordinator: {
        memoryMiB: 1024,
        timeoutSeconds: 90,
        reservedConcurrency: undefined,
        provisionedConcurrency: 0,
        cacheBudgetMiB: 512,
      },
      allocator: {
        memoryMiB: 1024,
        timeoutSeconds: 60,
        reservedConcurrency: undefined,
        provisionedConcurrency: 0,
        cacheBudgetMiB: 512,
      },
      processor: {
        memoryMiB: 1769,
        timeoutSeconds: 10,
        reservedConcurrency: undefined,
        provisionedConcurrency: 0,
        cacheBudgetMiB: 884,
      },
    });
    expect(settings.compactor).toEqual({ memoryMiB: 3008, timeoutSeconds: 900, reservedConcurrency: 1 });
    expect(settings.builder).toEqual({
      memoryMiB: 3008,
      timeoutSeconds: 900,
      reservedConcurrency: undefined,
    });
    expect(settings.buildInputBuckets).toEqual([]);
    expect([settings.compactAfterRows, settings.retentionSeconds]).toEqual([10_000, 900]);
  });

  it('takes the compactor sizing and the write settings as given, and `none` for no reserved concurrency', () => {
    const settings = resolveSettings({
      compactor: { memoryMiB: 10_240, timeoutSeconds: 60, reservedConcurrency: 'none' },
      compactAfterRows: 1,
      retentionSeconds: 90,
    });
    expect(settings.compactor).toEqual({
      memoryMiB: 10_240,
      timeoutSeconds: 60,
      reservedConcurrency: undefined,
    });
    expect([settings.compactAfterRows, settings.retentionSeconds]).toEqual([1, 90]);
  });

  it('takes the builder sizing and its input buckets as given (once each)', () => {
    const settings = resolveSettings({
      builder: { memoryMiB: 10_240, timeoutSeconds: 120, reservedConcurrency: 50 },
      buildInputBuckets: ['embeddings', 'lake.example', 'embeddings'],
    });
    expect(settings.builder).toEqual({ memoryMiB: 10_240, timeoutSeconds: 120, reservedConcurrency: 50 });
    expect(settings.buildInputBuckets).toEqual(['embeddings', 'lake.example']);
    expect(resolveSettings({ builder: { reservedConcurrency: 'none' } }).builder.reservedConcurrency).toBe(
      undefined,
    );
  });

  it('rejects out-of-range values with the setting, the value and the accepted range', () => {
    const cases: [Parameters<typeof resolveSettings>[0], string][] = [
      [{ processorFunctions: 0 }, 'processorFunctions is 0; expected an integer from 1 to 64'],
      [{ processorFunctions: 2.5 }, 'processorFunctions is 2.5; expected an integer from 1 to 64'],
      [{ processor: { memoryMiB: 64 } }, 'processor.memoryMiB is 64; expected an integer from 128 to 10240'],
      [
        { processor: { memoryMiB: 10_241 } },
        'processor.memoryMiB is 10241; expected an integer from 128 to 10240',
      ],
      [
        { processor: { provisionedConcurrency: -1 } },
        'processor.provisionedConcurrency is -1; expected an integer from 0 to 100000',
      ],
      [
        { allocator: { timeoutSeconds: 901 } },
        'allocator.timeoutSeconds is 901; expected an integer from 1 to 900',
      ],
      [
        { coordinator: { reservedConcurrency: 0 } },
        'coordinator.reservedConcurrency is 0; expected an integer from 1',
      ],
      [
        { processor: { cacheBudgetMiB: 1769 } },
        'processor.cacheBudgetMiB is 1769; expected an integer from 1 to 1768',
      ],
      [{ treeDepth: 9 }, 'treeDepth is 9; expected an integer from 1 to 8'],
      [
        { indexPrefix: 'indexes' },
        'indexPrefix is `indexes`; expected empty or a key prefix ending with `/`',
      ],
      [
        { indexPrefix: '/indexes/' },
        'indexPrefix is `/indexes/`; expected empty or a key prefix ending with `/`',
      ],
      [{ corsAllowedOrigins: [' '] }, 'corsAllowedOrigins holds an empty origin'],
      [
        { compactor: { memoryMiB: 127 } },
        'compactor.memoryMiB is 127; expected an integer from 128 to 10240',
      ],
      [
        { compactor: { timeoutSeconds: 901 } },
        'compactor.timeoutSeconds is 901; expected an integer from 1 to 900',
      ],
      [
        { compactor: { reservedConcurrency: 0 } },
        'compactor.reservedConcurrency is 0; expected an integer from 1 to 100000',
      ],
      [
        { builder: { memoryMiB: 10_241 } },
        'builder.memoryMiB is 10241; expected an integer from 128 to 10240',
      ],
      [{ builder: { timeoutSeconds: 0 } }, 'builder.timeoutSeconds is 0; expected an integer from 1 to 900'],
      [
        { builder: { reservedConcurrency: 0 } },
        'builder.reservedConcurrency is 0; expected an integer from 1 to 100000',
      ],
      [{ buildInputBuckets: ['s3://data'] }, 'buildInputBuckets holds `s3://data`; expected S3 bucket names'],
      [{ compactAfterRows: 0 }, 'compactAfterRows is 0; expected an integer from 1 to 100000000'],
      [{ retentionSeconds: 604_801 }, 'retentionSeconds is 604801; expected an integer from 1 to 604800'],
    ];
    for (const [props, message] of cases) {
      expect(() => resolveSettings(props)).toThrow(InvalidInputError);
      expect(() => resolveSettings(props)).toThrow(message);
    }
  });

  it('requires callers to outlive one invoke attempt and its retry', () => {
    expect(() => resolveSettings({ invokeTimeoutMs: 31_000 })).toThrow(
      'allocator.timeoutSeconds is 60 s, too short for one invoke attempt and its retry at invokeTimeoutMs 31000; expected at least 62 s',
    );
    expect(() =>
      resolveSettings({
        invokeTimeoutMs: 31_000,
        allocator: { timeoutSeconds: 62 },
        coordinator: { timeoutSeconds: 61 },
      }),
    ).toThrow('coordinator.timeoutSeconds is 61 s, too short for one invoke attempt and its retry');
    expect(() => resolveSettings({ allocator: { timeoutSeconds: 20 } })).toThrow(
      'allocator.timeoutSeconds is 20 s, too short',
    );
    expect(resolveSettings({ invokeTimeoutMs: 30_000 }).invokeTimeoutMs).toBe(30_000);
  });

  it('nests the timeouts so the tree fails from the bottom up: coordinator > allocator > processor', () => {
    const { roles, invokeTimeoutMs } = resolveSettings({});
    expect(roles.coordinator.timeoutSeconds).toBeGreaterThan(roles.allocator.timeoutSeconds);
    expect(roles.allocator.timeoutSeconds).toBeGreaterThan(roles.processor.timeoutSeconds);
    expect(roles.processor.timeoutSeconds * 1000).toBeLessThan(invokeTimeoutMs);
    expect(() => resolveSettings({ coordinator: { timeoutSeconds: 60 } })).toThrow(
      'coordinator.timeoutSeconds is 60 s, not above allocator.timeoutSeconds 60 s: the coordinator must outlive the allocators to report a failed subtree; expected at least 61 s',
    );
    expect(() => resolveSettings({ processor: { timeoutSeconds: 12 } })).toThrow(
      'processor.timeoutSeconds is 12 s, not below invokeTimeoutMs 12000: callers would give up on a processor before Lambda times it out; expected at most 11 s or a longer invokeTimeoutMs',
    );
    expect(resolveSettings({ processor: { timeoutSeconds: 11 } }).roles.processor.timeoutSeconds).toBe(11);
    // Lambda's 15 minutes bound the top of the tree.
    expect(() => resolveSettings({ coordinator: { timeoutSeconds: 901 } })).toThrow(
      'coordinator.timeoutSeconds is 901; expected an integer from 1 to 900',
    );
  });

  it('keeps old versions at least as long as a search can run (the coordinator’s timeout)', () => {
    expect(() => resolveSettings({ retentionSeconds: 89 })).toThrow(
      'retentionSeconds is 89, below coordinator.timeoutSeconds 90: a search still reading a version could find it removed; expected at least 90',
    );
    expect(() => resolveSettings({ retentionSeconds: 300, coordinator: { timeoutSeconds: 301 } })).toThrow(
      'retentionSeconds is 300, below coordinator.timeoutSeconds 301',
    );
    expect(resolveSettings({ retentionSeconds: 90 }).retentionSeconds).toBe(90);
  });

  it('keeps provisioned concurrency within reserved concurrency, and off by default', () => {
    expect(
      resolveSettings({ processor: { reservedConcurrency: 4, provisionedConcurrency: 4 } }).roles.processor,
    ).toMatchObject({ reservedConcurrency: 4, provisionedConcurrency: 4 });
    expect(() =>
      resolveSettings({ allocator: { reservedConcurrency: 2, provisionedConcurrency: 3 } }),
    ).toThrow(
      'allocator.provisionedConcurrency is 3, more than its reservedConcurrency 2; Lambda provisions environments out of the reserved ones: expected at most 2',
    );
    expect(STACK_DEFAULTS.provisionedConcurrency).toBe(0);
  });
});

describe('function names', () => {
  it('derives names from the stack name, processor p at index p', () => {
    expect(functionNames('S', 3)).toEqual({
      coordinator: 'S-coordinator',
      allocator: 'S-allocator',
      processors: ['S-processor-0', 'S-processor-1', 'S-processor-2'],
      compactor: 'S-compactor',
      builder: 'S-builder',
    });
  });

  it('rejects a stack name that makes a function name longer than 64 characters', () => {
    const longest = 'x'.repeat(64 - '-processor-99'.length);
    expect(functionNames(longest, 100).processors[99]).toHaveLength(64);
    expect(() => functionNames(`${longest}y`, 100)).toThrow(
      `function name \`${longest}y-processor-10\` is 65 characters; Lambda allows 64. Use a stack name of at most 51 characters`,
    );
  });

  it('fails the synth when the environment would pass Lambda’s 4 KB limit', () => {
    expect(() => synthStack({ processorFunctions: 64 }, 'S'.repeat(51))).toThrow(
      /^the environment of `S{51}-processor-0` would take \d+ bytes; Lambda allows 4096\./,
    );
    expect(synthStack({ processorFunctions: 64 }, 'S').stack.processors).toHaveLength(64);
  });
});
