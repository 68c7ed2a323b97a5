import type { z } from 'zod';
import { InvalidQueryError } from '../shared/errors/index.ts';

/**
 * Validates a payload where it arrives (STYLE §5). Bad input becomes an `InvalidQueryError` that names
 * each offending path, what it held and what was expected, e.g.
 * "allocator payload: `queries.0.k` must be a positive integer (received -1)".
 */
export function parsePayload<Schema extends z.ZodType>(
  schema: Schema,
  payload: unknown,
  what: string,
): z.infer<Schema> {
  const parsed = schema.safeParse(payload);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => {
    const at = issue.path.length === 0 ? 'the payload' : `\`${issue.path.map(String).join('.')}\``;
    return `${at}: ${issue.message} (received ${describe(valueAt(payload, issue.path))})`;
  });
  throw new InvalidQueryError(`${what}: ${problems.join('; ')}`);
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
