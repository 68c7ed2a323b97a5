/**
 * Keys of the write log, relative to an index location (docs/writes.md): `log/<sequence>.json`, the
 * sequence zero-padded to 16 digits so that key order is sequence order (a LIST with `startAfter` then
 * returns exactly the entries after a known one).
 */
export const LOG_PREFIX = 'log/';

const DIGITS = 16;
const LOG_KEY = /^log\/([0-9]{16})\.json$/;

export function logKey(sequence: number): string {
  if (!isSequence(sequence)) throw new TypeError(`log sequence ${sequence} is not a positive integer`);
  return `${LOG_PREFIX}${String(sequence).padStart(DIGITS, '0')}.json`;
}

/** `log/0000000000000012.json` → 12; any other key → undefined. */
export function sequenceOfLogKey(key: string): number | undefined {
  const match = LOG_KEY.exec(key);
  const sequence = match ? Number(match[1]) : Number.NaN;
  return isSequence(sequence) ? sequence : undefined;
}

export function isSequence(value: number): boolean {
  return Number.isSafeInteger(value) && value > 0;
}
