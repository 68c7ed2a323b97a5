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
        timeoutSeconds: 60,
        reservedConcurrency: undefined,
        cacheBudgetMiB: 512,
      },
      allocator: { memoryMiB: 1024, timeoutSeconds: 60, reservedConcurrency: undefined, cacheBudgetMiB: 512 },
      processor: { memoryMiB: 1769, timeoutSeconds: 10, reservedConcurrency: undefined, cacheBudgetMiB: 884 },
    });
  });

  it('rejects out-of-range values with the setting, the value and the accepted range', () => {
    const cases: [Parameters<typeof resolveSettings>[0], string][] = [
      [{ processorFunctions: 0 }, 'processorFunctions is 0; expected an integer from 1 to 128'],
      [{ processorFunctions: 2.5 }, 'processorFunctions is 2.5; expected an integer from 1 to 128'],
      [{ processor: { memoryMiB: 64 } }, 'processor.memoryMiB is 64; expected an integer from 128 to 10240'],
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
    ];
    for (const [props, message] of cases) {
      expect(() => resolveSettings(props)).toThrow(InvalidInputError);
      expect(() => resolveSettings(props)).toThrow(message);
    }
  });

  it('requires callers to outlive one invoke attempt and its retry', () => {
    expect(() => resolveSettings({ invokeTimeoutMs: 31_000 })).toThrow(
      'coordinator.timeoutSeconds is 60 s, too short for one invoke attempt and its retry at invokeTimeoutMs 31000; expected at least 62 s',
    );
    expect(() => resolveSettings({ allocator: { timeoutSeconds: 20 } })).toThrow(
      'allocator.timeoutSeconds is 20 s, too short',
    );
    expect(resolveSettings({ invokeTimeoutMs: 30_000 }).invokeTimeoutMs).toBe(30_000);
  });
});

describe('function names', () => {
  it('derives names from the stack name, processor p at index p', () => {
    expect(functionNames('S', 3)).toEqual({
      coordinator: 'S-coordinator',
      allocator: 'S-allocator',
      processors: ['S-processor-0', 'S-processor-1', 'S-processor-2'],
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
    expect(() => synthStack({ processorFunctions: 128 }, 'S'.repeat(40))).toThrow(
      /^the environment of `S{40}-processor-0` would take \d+ bytes; Lambda allows 4096\./,
    );
    expect(synthStack({ processorFunctions: 64 }, 'S').stack.processors).toHaveLength(64);
  });
});
