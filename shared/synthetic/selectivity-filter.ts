import { InvalidInputError } from '../errors/errors.ts';

/** A DESIGN §4 filter selecting a fraction `selectivity` of a synthetic dataset (on its uniform `u`). */
export function selectivityFilter(selectivity: number): { u: { $lt: number } } {
  if (!(selectivity >= 0 && selectivity <= 1)) {
    throw new InvalidInputError(`selectivity must be a number in [0, 1], got ${selectivity}`);
  }
  return { u: { $lt: selectivity } };
}
