/** Small helpers over node:util parseArgs: typed numeric options with clear usage errors. */
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { SquashError } from '../../shared/errors/index.ts';

/** A command-line mistake: printed with the command's usage, exit code 2. */
export class UsageError extends SquashError {
  constructor(message: string) {
    super('INVALID_INPUT', message);
  }
}

export function parseCommandArgs<T extends NonNullable<ParseArgsConfig['options']>>(
  argv: string[],
  options: T,
) {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

export function requiredString(value: unknown, flag: string): string {
  if (typeof value !== 'string' || value === '') throw new UsageError(`${flag} is required`);
  return value;
}

export function numberOption(
  value: unknown,
  flag: string,
  fallback: number,
  check: (n: number) => boolean = Number.isFinite,
  expected = 'a number',
): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (typeof value !== 'string' || value.trim() === '' || !check(n)) {
    throw new UsageError(`${flag} ${JSON.stringify(value)} is not valid; expected ${expected}`);
  }
  return n;
}

export const positiveInteger = (n: number) => Number.isInteger(n) && n > 0;

const SIZE_UNITS: Record<string, number> = { '': 1, k: 1 << 10, m: 1 << 20, g: 1 << 30 };

/** A byte size such as `2GiB`, `1500MiB`, `2G` or `1073741824` (binary units; `B`/`iB` optional). */
export function byteSizeOption(value: unknown, flag: string, fallback: number): number {
  if (value === undefined) return fallback;
  const match = typeof value === 'string' ? /^\s*(\d+(?:\.\d+)?)\s*([kmg]?)(?:i?b)?\s*$/i.exec(value) : null;
  const bytes = match ? Math.floor(Number(match[1]) * SIZE_UNITS[match[2]!.toLowerCase()]!) : Number.NaN;
  if (!(bytes > 0)) {
    throw new UsageError(
      `${flag} ${JSON.stringify(value)} is not valid; expected a size such as 2GiB, 1500MiB or a number of bytes`,
    );
  }
  return bytes;
}
