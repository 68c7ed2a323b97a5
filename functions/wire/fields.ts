/** Scalar fields shared by the public request and the internal payloads. */
import { z } from 'zod';

/** Index names: one key segment under the index prefix. */
export const indexNameSchema = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/,
    'must be 1 to 128 letters, digits, `.`, `_` or `-`, starting with a letter or digit',
  );

export const versionSchema = z.number().int().positive();

/** A snapshot's write-log sequence (docs/writes.md): the last log entry it applies (0: none). */
export const sequenceSchema = z.number().int().nonnegative();
export const positionSchema = z.number().int().nonnegative();
export const kSchema = z.number().int().min(1, 'must be at least 1').max(1000, 'must be at most 1000');
