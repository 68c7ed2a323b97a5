/**
 * Checks what a write asks for against the index before anything is written (docs/writes.md): ids of
 * the index's kind, none twice; vectors of its dimension (prepared in its metric space, so a `dot`
 * index refuses a norm it cannot represent); attributes of its schema; a delete filter in the search
 * language. Every problem names the field (`vectors[3].id`) and what was expected; a request with any
 * problem is refused whole.
 */

import { describeValue } from '../attributes/describe-value.ts';
import { checkAttributeRow } from '../attributes/index.ts';
import { InvalidQueryError, PayloadTooLargeError } from '../errors/index.ts';
import type { ExternalId } from '../format/index.ts';
import type { IndexReader } from '../index/index-reader.ts';
import { prepareRow } from '../metric.ts';
import type { LogUpsert } from './log-entry.ts';
import { idKey } from './log-view.ts';
import { TOKEN_PATTERN, WRITE_LIMITS } from './write-limits.ts';

export interface UpsertRow {
  readonly id: unknown;
  readonly vector: ArrayLike<number>;
  readonly attributes?: unknown;
}

export type DeleteTarget = { readonly ids: readonly unknown[] } | { readonly filter: unknown };

/** How the index names its rows: strings, or integers (also when it was built without ids). */
export function idKindOf(reader: IndexReader): 'string' | 'integer' {
  return reader.manifest.externalIdKind ?? 'integer';
}

export function checkUpserts(reader: IndexReader, rows: readonly UpsertRow[]): LogUpsert[] {
  if (rows.length === 0) throw new InvalidQueryError('vectors is empty; expected 1 to 500 vectors to upsert');
  if (rows.length > WRITE_LIMITS.upsertVectors) {
    throw new PayloadTooLargeError(
      `vectors holds ${rows.length} vectors; at most ${WRITE_LIMITS.upsertVectors} are accepted per upsert: send them in several requests`,
    );
  }
  const seen = new Map<string, number>();
  return rows.map((row, i) => {
    const where = `vectors[${i}]`;
    const id = checkId(reader, row.id, `${where}.id`, seen, i);
    try {
      prepareRow(reader.space, row.vector);
    } catch (error) {
      throw new InvalidQueryError(`${where}.${(error as Error).message}`);
    }
    const attributes = checkAttributes(reader, row.attributes ?? {}, `${where}.attributes`);
    return { id, vector: Float32Array.from(row.vector), attributes };
  });
}

export function checkDeleteIds(reader: IndexReader, ids: readonly unknown[]): ExternalId[] {
  if (ids.length === 0) throw new InvalidQueryError('ids is empty; expected 1 to 1000 ids to delete');
  if (ids.length > WRITE_LIMITS.deleteIds) {
    throw new PayloadTooLargeError(
      `ids holds ${ids.length} ids; at most ${WRITE_LIMITS.deleteIds} are accepted per delete: send them in several requests`,
    );
  }
  const seen = new Map<string, number>();
  return ids.map((id, i) => checkId(reader, id, `ids[${i}]`, seen, i));
}

/** Parses the filter against the schema (InvalidQueryError naming the problem); returns it unchanged. */
export function checkDeleteFilter(reader: IndexReader, filter: unknown): unknown {
  if (filter === null || typeof filter !== 'object' || Array.isArray(filter)) {
    throw new InvalidQueryError(`filter is ${describeValue(filter)}; expected a filter object`);
  }
  reader.compileFilter(filter);
  return filter;
}

export function checkToken(token: unknown): string | undefined {
  if (token === undefined) return undefined;
  if (
    typeof token !== 'string' ||
    token.length === 0 ||
    token.length > WRITE_LIMITS.tokenLength ||
    !TOKEN_PATTERN.test(token)
  ) {
    throw new InvalidQueryError(
      `token is ${describeValue(token)}; expected 1 to ${WRITE_LIMITS.tokenLength} characters from A-Z a-z 0-9 . _ : -`,
    );
  }
  return token;
}

function checkId(
  reader: IndexReader,
  id: unknown,
  where: string,
  seen: Map<string, number>,
  position: number,
): ExternalId {
  const kind = idKindOf(reader);
  if (kind === 'integer' && !Number.isSafeInteger(id)) {
    throw new InvalidQueryError(
      `${where} is ${describeValue(id)}; this index names its rows by integers, so expected a safe integer`,
    );
  }
  if (kind === 'string') {
    if (typeof id !== 'string' || id.length === 0) {
      throw new InvalidQueryError(
        `${where} is ${describeValue(id)}; this index names its rows by strings, so expected a non-empty string`,
      );
    }
    const bytes = Buffer.byteLength(id);
    if (bytes > WRITE_LIMITS.idBytes) {
      throw new InvalidQueryError(
        `${where} is ${bytes} bytes long; ids are at most ${WRITE_LIMITS.idBytes} bytes (UTF-8)`,
      );
    }
  }
  const key = idKey(id as ExternalId);
  const first = seen.get(key);
  if (first !== undefined) {
    throw new InvalidQueryError(
      `${where} is ${JSON.stringify(id)}, which position ${first} already names; an id may appear once per request`,
    );
  }
  seen.set(key, position);
  return id as ExternalId;
}

function checkAttributes(reader: IndexReader, attributes: unknown, where: string) {
  try {
    return checkAttributeRow(reader.schema, attributes, where);
  } catch (error) {
    throw new InvalidQueryError((error as Error).message);
  }
}
