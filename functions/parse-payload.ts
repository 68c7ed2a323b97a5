import type { z } from 'zod';
import { InvalidQueryError, shortened } from '../shared/errors/index.ts';

export const MAX_PROBLEMS_SHOWN = 10;

/**
 * Validates a payload where it arrives (STYLE §5). Bad input becomes an `InvalidQueryError` that names
 * each offending path, what it held and what was expected, e.g.
 * "search request: `queries[0].vector[2]`: Invalid input: expected number, received null (received null)".
 * At most MAX_PROBLEMS_SHOWN problems are listed (then how many more), so a body with a million bad
 * values gets a short message, not one larger than the response limit.
 */
export function parsePayload<Schema extends z.ZodType>(
  schema: Schema,
  payload: unknown,
  what: string,
): z.infer<Schema> {
  const parsed = schema.safeParse(payload);
  if (parsed.success) return parsed.data;
  const { issues } = parsed.error;
  const problems = issues.slice(0, MAX_PROBLEMS_SHOWN).map((issue) => {
    const at = issue.path.length === 0 ? 'the payload' : `\`${pathText(issue.path)}\``;
    return `${at}: ${shortened(issue.message, 300)} (received ${describe(valueAt(payload, issue.path))})`;
  });
  const more = issues.length - problems.length;
  if (more > 0) problems.push(`and ${more} more problem${more === 1 ? '' : 's'}`);
  throw new InvalidQueryError(`${what}: ${problems.join('; ')}`);
}

/** `['queries', 3, 'vector']` → `queries[3].vector`. */
function pathText(path: readonly PropertyKey[]): string {
  return path
    .map((key, i) => (typeof key === 'number' ? `[${key}]` : `${i === 0 ? '' : '.'}${String(key)}`))
    .join('');
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let value = root;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === 'object') return 'an object';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
