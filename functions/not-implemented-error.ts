import { SquashError } from '../shared/errors/index.ts';

/**
 * A step of the query path that is not built yet (the serverless query issue fills it in). It carries
 * the `INTERNAL` code because `ErrorCode` has no `NOT_IMPLEMENTED`; the coordinator's edge recognises the
 * class and answers 501 so a caller can tell "not built" from "broken".
 */
export class NotImplementedError extends SquashError {
  constructor(readonly feature: string) {
    super('INTERNAL', `${feature} is not implemented yet`);
  }
}
