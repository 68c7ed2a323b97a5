/**
 * One write-log object (`log/<sequence>.json`): one acknowledged request — upserts, or deletes by id,
 * or one delete by filter — immutable once written. JSON on one line with a last member
 * `"checksum": "sha256:…"` over the serialisation of every other member (as the manifest's seal): a
 * reader refuses an entry whose bytes are not exactly what was written, so a damaged log fails a
 * search instead of changing its answer.
 *
 * Vectors are stored as given (input dimension, base64 of little-endian float32: bit-exact); readers
 * prepare them in the index's metric space. Attributes are stored as validated records.
 */
import { z } from 'zod';
import type { AttributeValue } from '../attributes/index.ts';
import { IndexFormatError } from '../errors/index.ts';
import type { ExternalId } from '../format/index.ts';
import { sha256Checksum } from '../format/manifest-seal.ts';

export const LOG_FORMAT = 'squash-write-log';
export const LOG_FORMAT_VERSION = 1;

export interface LogUpsert {
  readonly id: ExternalId;
  /** Input dimension, as the client sent it. */
  readonly vector: Float32Array;
  readonly attributes: Readonly<Record<string, AttributeValue>>;
}

/** What a request asks to write, before it has a place in the log. */
export interface LogWrite {
  /** The client's retry token (docs/writes.md): a request whose token is in the log is not applied again. */
  readonly token?: string;
  readonly upserts: readonly LogUpsert[];
  readonly deleteIds: readonly ExternalId[];
  /** A delete by filter: DESIGN §4 filter JSON, validated against the schema when written. */
  readonly deleteFilter?: unknown;
}

export interface LogEntry extends LogWrite {
  readonly sequence: number;
  readonly writtenAt: string;
}

/** Rows an entry adds to the log's size (the compaction trigger counts these). */
export function entryRows(entry: LogWrite): number {
  return entry.upserts.length + entry.deleteIds.length + (entry.deleteFilter === undefined ? 0 : 1);
}

const idSchema = z.union([z.string().min(1), z.number().int()]);
const attributeValueSchema = z.union([z.number(), z.string(), z.array(z.string())]);

const entrySchema = z.strictObject({
  format: z.literal(LOG_FORMAT),
  formatVersion: z.literal(LOG_FORMAT_VERSION),
  sequence: z.number().int().positive(),
  writtenAt: z.iso.datetime(),
  token: z.string().min(1).optional(),
  upserts: z.array(
    z.strictObject({
      id: idSchema,
      vector: z.string(),
      attributes: z.record(z.string(), attributeValueSchema),
    }),
  ),
  deleteIds: z.array(idSchema),
  deleteFilter: z.unknown().optional(),
  checksum: z.string(),
});

export function encodeLogEntry(entry: LogEntry): Uint8Array {
  const content = {
    format: LOG_FORMAT,
    formatVersion: LOG_FORMAT_VERSION,
    sequence: entry.sequence,
    writtenAt: entry.writtenAt,
    ...(entry.token === undefined ? {} : { token: entry.token }),
    upserts: entry.upserts.map((row) => ({
      id: row.id,
      vector: Buffer.from(littleEndian(row.vector)).toString('base64'),
      attributes: row.attributes,
    })),
    deleteIds: entry.deleteIds,
    ...(entry.deleteFilter === undefined ? {} : { deleteFilter: entry.deleteFilter }),
  };
  const checksum = sha256Checksum(JSON.stringify(content));
  return new TextEncoder().encode(`${JSON.stringify({ ...content, checksum })}\n`);
}

/** Decodes and checks one log object; `key` names it in messages and must carry `sequence`. */
export function decodeLogEntry(bytes: Uint8Array, key: string, sequence: number): LogEntry {
  let text: string;
  let json: unknown;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
    json = JSON.parse(text);
  } catch (error) {
    throw new IndexFormatError(`write-log object \`${key}\` is not UTF-8 JSON: ${(error as Error).message}`);
  }
  const parsed = entrySchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new IndexFormatError(
      `write-log object \`${key}\` is not a log entry: ${issue.path.join('.') || '(root)'} ${issue.message}`,
    );
  }
  const { checksum, ...content } = json as Record<string, unknown>;
  const computed = sha256Checksum(JSON.stringify(content));
  if (checksum !== computed || `${JSON.stringify(json)}\n` !== text) {
    throw new IndexFormatError(
      `write-log object \`${key}\` fails its checksum (stored ${JSON.stringify(checksum).slice(0, 80)}, ` +
        `computed ${computed}): it changed after it was written`,
    );
  }
  const entry = parsed.data;
  if (entry.sequence !== sequence) {
    throw new IndexFormatError(
      `write-log object \`${key}\` says sequence ${entry.sequence}; expected ${sequence}`,
    );
  }
  return {
    sequence: entry.sequence,
    writtenAt: entry.writtenAt,
    ...(entry.token === undefined ? {} : { token: entry.token }),
    upserts: entry.upserts.map((row, i) => lazyUpsert(row, `${key}: upserts[${i}].vector`)),
    deleteIds: entry.deleteIds,
    ...(entry.deleteFilter === undefined ? {} : { deleteFilter: entry.deleteFilter }),
  };
}

/**
 * An upsert whose vector is decoded from base64 on first use: a writer catching up on other writers'
 * entries needs only their tokens and sizes, readers decode each vector once.
 */
function lazyUpsert(
  row: { id: ExternalId; vector: string; attributes: Record<string, AttributeValue> },
  what: string,
): LogUpsert {
  let vector: Float32Array | undefined;
  return {
    id: row.id,
    attributes: row.attributes,
    get vector() {
      vector ??= float32Of(row.vector, what);
      return vector;
    },
  };
}

function littleEndian(vector: Float32Array): Uint8Array {
  const bytes = new Uint8Array(vector.length * 4);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < vector.length; i++) view.setFloat32(i * 4, vector[i]!, true);
  return bytes;
}

function float32Of(text: string, what: string): Float32Array {
  const bytes = Buffer.from(text, 'base64');
  if (bytes.byteLength % 4 !== 0) {
    throw new IndexFormatError(`${what} decodes to ${bytes.byteLength} bytes; expected a multiple of 4`);
  }
  const out = new Float32Array(bytes.byteLength / 4);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(i * 4, true);
  return out;
}
