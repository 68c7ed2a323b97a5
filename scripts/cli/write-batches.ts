/**
 * How the write commands split their input into requests: consecutive batches of at most `size` items,
 * batch n (1-based) carrying the retry token `<prefix>-<n>`. The same input, `--batch` and `--token`
 * therefore send the same requests with the same tokens, so a rerun after a failure applies only what
 * the first run did not (the server answers an applied batch `replayed: true`).
 */
import { randomUUID } from 'node:crypto';
import { TOKEN_PATTERN, WRITE_LIMITS } from '../../shared/writes/write-limits.ts';
import { numberOption, positiveInteger, UsageError } from './args.ts';

export interface Batch {
  /** 1-based. */
  readonly number: number;
  /** Items [start, end) of the input. */
  readonly start: number;
  readonly end: number;
  readonly token: string;
}

export function planBatches(count: number, size: number, tokenPrefix: string): Batch[] {
  if (!Number.isSafeInteger(size) || size < 1) {
    throw new RangeError(`batch size ${size} is not valid; expected a positive integer`);
  }
  const batches: Batch[] = [];
  for (let start = 0; start < count; start += size) {
    const number = batches.length + 1;
    batches.push({ number, start, end: Math.min(count, start + size), token: `${tokenPrefix}-${number}` });
  }
  return batches;
}

/**
 * `--token PREFIX` checked so that every batch token `PREFIX-<n>` is a valid write token (1–128
 * characters from `A–Z a–z 0–9 - _ . :`); without it, a fresh UUID.
 */
export function tokenPrefixOption(value: string | undefined, batches: number): string {
  if (value === undefined) return randomUUID();
  const longest = `${value}-${Math.max(1, batches)}`;
  if (value === '' || !TOKEN_PATTERN.test(value) || longest.length > WRITE_LIMITS.tokenLength) {
    throw new UsageError(
      `--token ${JSON.stringify(value)} is not valid; expected characters from A–Z a–z 0–9 - _ . : ` +
        `and at most ${WRITE_LIMITS.tokenLength - (longest.length - value.length)} of them ` +
        `(batch tokens are PREFIX-1 … PREFIX-${Math.max(1, batches)}, at most ${WRITE_LIMITS.tokenLength} characters)`,
    );
  }
  return value;
}

export interface BatchFailure {
  readonly batch: Batch;
  readonly error: unknown;
}

/**
 * Sends the batches, `concurrency` at a time, in order of their numbers. After the first failure no
 * further batch is started (those in flight finish); `failure` is the failed batch with the lowest
 * number, `answers[i]` the answer of `batches[i]` when it was applied.
 */
export async function sendBatches<T>(
  batches: readonly Batch[],
  concurrency: number,
  send: (batch: Batch) => Promise<T>,
  onAnswer: (batch: Batch, answer: T) => void = () => {},
): Promise<{ answers: (T | undefined)[]; failure?: BatchFailure }> {
  const answers: (T | undefined)[] = batches.map(() => undefined);
  const failures: BatchFailure[] = [];
  let next = 0;
  const worker = async () => {
    while (failures.length === 0 && next < batches.length) {
      const at = next++;
      const batch = batches[at]!;
      try {
        const answer = await send(batch);
        answers[at] = answer;
        onAnswer(batch, answer);
      } catch (error) {
        failures.push({ batch, error });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, batches.length) }, worker));
  const failure = failures.sort((a, b) => a.batch.number - b.batch.number)[0];
  return failure === undefined ? { answers } : { answers, failure };
}

/** `--batch N`: items per request, 1..limit (default: the limit). */
export function batchOption(value: string | undefined, limit: number): number {
  return numberOption(
    value,
    '--batch',
    limit,
    (n) => positiveInteger(n) && n <= limit,
    `an integer in 1..${limit}`,
  );
}

export function concurrencyOption(value: string | undefined): number {
  return numberOption(value, '--concurrency', 1, (n) => positiveInteger(n) && n <= 16, 'an integer in 1..16');
}
