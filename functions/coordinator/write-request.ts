/**
 * The public write bodies (docs/writes.md): `POST /upsert` `{ index, vectors: [{ id, vector |
 * vectorBase64, attributes? }], token? }`, `POST /delete` `{ index, ids | filter, token? }` and
 * `POST /compact` `{ index }`. Shape only: ids, vectors and attributes are checked against the index by
 * `shared/writes/write-request.ts`. Unknown fields are rejected.
 */
import { z } from 'zod';
import { indexNameSchema } from '../wire/fields.ts';
import { numberArraySchema } from './search-request.ts';

const tokenSchema = z.string().optional();

export const upsertRequestSchema = z.strictObject({
  index: indexNameSchema,
  vectors: z.array(
    z
      .strictObject({
        /** A string or an integer, as the index names its rows (checked against the index). */
        id: z.unknown(),
        vector: numberArraySchema.optional(),
        vectorBase64: z.string().min(1, 'must not be empty').optional(),
        attributes: z.unknown().optional(),
      })
      .refine((row) => (row.vector === undefined) !== (row.vectorBase64 === undefined), {
        error: 'give exactly one of `vector` (JSON numbers) or `vectorBase64` (little-endian float32)',
      }),
  ),
  token: tokenSchema,
});

export const deleteRequestSchema = z
  .strictObject({
    index: indexNameSchema,
    ids: z.array(z.unknown()).optional(),
    filter: z.unknown().optional(),
    token: tokenSchema,
  })
  .refine((request) => (request.ids === undefined) !== (request.filter === undefined), {
    error: 'give exactly one of `ids` (the ids to delete) or `filter` (delete every row it matches)',
  });

export const compactRequestSchema = z.strictObject({ index: indexNameSchema });

export type UpsertRequest = z.infer<typeof upsertRequestSchema>;
export type DeleteRequest = z.infer<typeof deleteRequestSchema>;
