/**
 * Ids as the write commands take them (docs/writes.md "Ids"): a non-empty string of at most 512 UTF-8
 * bytes, or a safe integer (an index built with integer ids or without ids, whose rows are numbered).
 * On the command line and in plain-text id files an id is text: one that reads as an integer (`42`,
 * `-7`, not `007`) is taken as that integer unless `--string-ids` says otherwise.
 */

import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { InvalidInputError } from '../../shared/errors/index.ts';
import { WRITE_LIMITS } from '../../shared/writes/write-limits.ts';
import type { WriteId } from '../client/index.ts';
import { readAttributeRows } from './attribute-rows.ts';

/** Why a value is not an id, or undefined. */
export function idProblem(id: unknown): string | undefined {
  if (typeof id === 'number') {
    return Number.isSafeInteger(id) ? undefined : `is ${id}; expected a string or a safe integer`;
  }
  if (typeof id !== 'string') {
    return `${id === undefined ? 'is missing' : `is ${JSON.stringify(id)}`}; expected a string or a safe integer`;
  }
  if (id === '') return 'is empty; expected a non-empty string';
  const bytes = Buffer.byteLength(id, 'utf8');
  return bytes > WRITE_LIMITS.idBytes
    ? `is ${bytes} bytes long; expected at most ${WRITE_LIMITS.idBytes} bytes (UTF-8)`
    : undefined;
}

/**
 * Every value checked as an id, each once (`7` and `"7"` are different ids); `label(i)` names value i
 * in errors ("rows.jsonl row 3").
 */
export function checkIds(values: readonly unknown[], label: (i: number) => string): WriteId[] {
  const first = new Map<string, number>();
  return values.map((id, i) => {
    const problem = idProblem(id);
    if (problem !== undefined) throw new InvalidInputError(`${label(i)}: id ${problem}`);
    const key = `${typeof id}:${id}`;
    const earlier = first.get(key);
    if (earlier !== undefined) {
      throw new InvalidInputError(
        `${label(i)} has id ${JSON.stringify(id)}, as ${label(earlier)}; expected each id once`,
      );
    }
    first.set(key, i);
    return id as WriteId;
  });
}

const INTEGER = /^-?(0|[1-9][0-9]*)$/;

/** An id written as text: an integer when it reads as one (and `stringIds` is off), else the string. */
export function idFromText(text: string, stringIds: boolean): WriteId {
  if (!stringIds && INTEGER.test(text)) {
    const n = Number(text);
    if (Number.isSafeInteger(n)) return n;
  }
  return text;
}

/**
 * Ids from a file: `.jsonl` and `.csv` files give their rows' `id` field (read as `squash build` reads
 * them, so the attribute file of an upsert names the rows it wrote); any other file has one id per
 * line (blank lines skipped).
 */
export async function readIdsFile(path: string, stringIds: boolean): Promise<WriteId[]> {
  const extension = extname(path).toLowerCase();
  if (extension === '.jsonl' || extension === '.csv') {
    const { rows, ids } = await readAttributeRows(path);
    if (ids === undefined && rows.length > 0) {
      throw new InvalidInputError(`${path} has no \`id\` field; expected the id to delete in each row`);
    }
    return checkIds(ids ?? [], (i) => `${path} row ${i + 1}`);
  }
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new InvalidInputError(`cannot read ids from ${path}: ${(error as Error).message}`);
  }
  const lines = text
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .map((line, i) => ({ text: line.trim(), line: i + 1 }))
    .filter((line) => line.text !== '');
  return checkIds(
    lines.map((line) => idFromText(line.text, stringIds)),
    (i) => `${path} line ${lines[i]!.line}`,
  );
}
