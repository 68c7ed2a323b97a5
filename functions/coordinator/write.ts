/**
 * `POST /upsert`, `POST /delete` and `POST /compact` (docs/writes.md). A write is checked whole against
 * the published version (400/413 before anything is written), appended to the index's log by the
 * container's `IndexWriter` (answered only once the log object is stored), and, when it carries the
 * log past a multiple of `SQUASH_COMPACT_AFTER_ROWS` rows, starts the compactor asynchronously. A
 * failure to start it never fails the write, which is already durable; the next crossing (or
 * `POST /compact`) tries again.
 */
import { InvalidQueryError, PayloadTooLargeError } from '../../shared/errors/index.ts';
import type { WriteResult } from '../../shared/writes/index-writer.ts';
import { WRITE_LIMITS } from '../../shared/writes/write-limits.ts';
import { indexWriter } from '../index-log.ts';
import { recordWrite } from '../observability/records.ts';
import { parsePayload } from '../parse-payload.ts';
import { decodeVector } from '../wire/vector-base64.ts';
import type { Coordinator } from './search.ts';
import { compactRequestSchema, deleteRequestSchema, upsertRequestSchema } from './write-request.ts';

export interface WriteAnswer {
  readonly index: string;
  readonly sequence: number;
  readonly upserted: number;
  readonly deleted: number;
  readonly deletedByFilter?: true;
  readonly replayed: boolean;
}

export async function upsert(body: unknown, coordinator: Coordinator): Promise<WriteAnswer> {
  checkCount(body, 'vectors', WRITE_LIMITS.upsertVectors, 'vectors per upsert');
  const request = parsePayload(upsertRequestSchema, body, 'upsert request');
  const { reader } = await coordinator.catalog.resolve(request.index);
  const rows = request.vectors.map((row, i) => ({
    id: row.id,
    vector: row.vector ?? decodeVector(row.vectorBase64!, `vectors[${i}].vectorBase64`),
    attributes: row.attributes,
  }));
  const writer = indexWriter(coordinator.runtime, request.index, reader);
  const result = await writer.upsert(rows, request.token === undefined ? {} : { token: request.token });
  recordWrite(coordinator.runtime.telemetry, 'upsert', request.index, result);
  await compactIfDue(coordinator, request.index, result, rows.length);
  return answer(request.index, result);
}

export async function deleteRows(body: unknown, coordinator: Coordinator): Promise<WriteAnswer> {
  checkCount(body, 'ids', WRITE_LIMITS.deleteIds, 'ids per delete');
  const request = parsePayload(deleteRequestSchema, body, 'delete request');
  const { reader } = await coordinator.catalog.resolve(request.index);
  const writer = indexWriter(coordinator.runtime, request.index, reader);
  const options = request.token === undefined ? {} : { token: request.token };
  const result =
    request.ids !== undefined
      ? await writer.delete({ ids: request.ids }, options)
      : await writer.delete({ filter: request.filter }, options);
  recordWrite(coordinator.runtime.telemetry, 'delete', request.index, result);
  await compactIfDue(coordinator, request.index, result, request.ids?.length ?? 1);
  return answer(request.index, result);
}

/** Starts a compaction of the index now; answered once the compactor accepted the invocation. */
export async function compactNow(
  body: unknown,
  coordinator: Coordinator,
): Promise<{ index: string; compaction: 'started' }> {
  const request = parsePayload(compactRequestSchema, body, 'compact request');
  await coordinator.catalog.resolve(request.index);
  const compactor = coordinator.runtime.config.compactorFunction;
  if (compactor === undefined) {
    throw new InvalidQueryError(
      'this deployment has no compactor function (SQUASH_COMPACTOR_FUNCTION is unset); compact with `squash compact --index s3://…`',
    );
  }
  await startCompaction(coordinator, compactor, request.index);
  return { index: request.index, compaction: 'started' };
}

async function compactIfDue(
  coordinator: Coordinator,
  index: string,
  result: WriteResult,
  rows: number,
): Promise<void> {
  const { compactorFunction, compactAfterRows } = coordinator.runtime.config;
  if (compactorFunction === undefined || result.replayed) return;
  const before = Math.floor((result.logRows - rows) / compactAfterRows);
  if (Math.floor(result.logRows / compactAfterRows) <= before) return;
  try {
    await startCompaction(coordinator, compactorFunction, index);
  } catch (error) {
    coordinator.runtime.telemetry.logger.warn('starting a compaction failed', { index, error });
  }
}

async function startCompaction(coordinator: Coordinator, compactor: string, index: string): Promise<void> {
  const { invoker } = coordinator.runtime;
  const payload = JSON.stringify({ index });
  if (invoker.trigger) await invoker.trigger(compactor, payload);
  else void invoker.invoke(compactor, payload, coordinator.runtime.config.invokeTimeoutMs).catch(() => {});
}

function answer(index: string, result: WriteResult): WriteAnswer {
  return {
    index,
    sequence: result.sequence,
    upserted: result.upserted,
    deleted: result.deleted,
    ...(result.deletedByFilter ? { deletedByFilter: true as const } : {}),
    replayed: result.replayed,
  };
}

/** 413 before parsing when an array holds more entries than a request may carry. */
function checkCount(body: unknown, field: 'vectors' | 'ids', limit: number, what: string): void {
  const value =
    typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[field] : undefined;
  if (Array.isArray(value) && value.length > limit) {
    throw new PayloadTooLargeError(
      `${field} holds ${value.length} entries; at most ${limit} ${what} are accepted: send them in several requests`,
    );
  }
}
