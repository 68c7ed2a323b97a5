import { PreconditionFailedError } from '../errors/index.ts';
import type { PutOptions } from './blob-store.ts';

/** Throws `PreconditionFailedError` when `options` do not hold for a key whose ETag is `current`. */
export function checkPutConditions(
  description: string,
  key: string,
  current: string | undefined,
  options: PutOptions,
): void {
  if (options.ifNoneMatch === '*' && current !== undefined) {
    throw new PreconditionFailedError(
      `\`${key}\` already exists in ${description} (write required it absent)`,
    );
  }
  if (options.ifMatch !== undefined && current !== options.ifMatch) {
    const found = current === undefined ? 'it does not exist' : `its ETag is ${current}`;
    throw new PreconditionFailedError(
      `\`${key}\` in ${description} changed: write required ETag ${options.ifMatch}, but ${found}`,
    );
  }
}
