import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { InvalidInputError } from '../errors/index.ts';
import { checkReadable } from './input-file.ts';

/**
 * JSON Lines: one JSON object per line (one attribute row per vector, in vector order), streamed.
 * Blank lines are allowed only at the end, since one in the middle would shift every later row
 * onto the wrong vector. Errors name the file and the 1-based line.
 */
export async function* readJsonLines(path: string): AsyncGenerator<Record<string, unknown>> {
  await checkReadable(path);
  const lines = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
  let lineNumber = 0;
  let firstBlank = 0;
  for await (const raw of lines) {
    lineNumber++;
    const line = lineNumber === 1 ? raw.replace(/^\uFEFF/, '') : raw;
    if (line.trim() === '') {
      firstBlank ||= lineNumber;
      continue;
    }
    if (firstBlank) {
      throw new InvalidInputError(
        `${path} line ${firstBlank} is empty; expected one JSON object per line (blank lines only at the end)`,
      );
    }
    yield parseLine(line, path, lineNumber);
  }
}

/** All rows of a JSON Lines file. */
export async function readJsonLinesArray(path: string): Promise<Record<string, unknown>[]> {
  const rows: Record<string, unknown>[] = [];
  for await (const row of readJsonLines(path)) rows.push(row);
  return rows;
}

function parseLine(line: string, path: string, lineNumber: number): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    throw new InvalidInputError(`${path} line ${lineNumber}: ${(error as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    const received = value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`;
    throw new InvalidInputError(`${path} line ${lineNumber}: expected a JSON object, received ${received}`);
  }
  return value as Record<string, unknown>;
}
