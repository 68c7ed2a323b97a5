import { writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { readJsonLines, readJsonLinesArray } from '../../../shared/data/index.ts';
import { InvalidInputError } from '../../../shared/errors/index.ts';
import { useTempDir } from './temp-dir.ts';

describe('JSON Lines', () => {
  const temp = useTempDir();

  it('streams one object per line, with CRLF, a BOM and trailing blank lines', async () => {
    const path = temp.path('attributes.jsonl');
    await writeFile(
      path,
      '\uFEFF{"price": 3, "color": "red"}\r\n{"price": 7.5, "tags": ["a", "b"]}\r\n{}\n\n  \n',
    );
    const rows: unknown[] = [];
    for await (const row of readJsonLines(path)) rows.push(row);
    expect(rows).toEqual([{ price: 3, color: 'red' }, { price: 7.5, tags: ['a', 'b'] }, {}]);
    expect(await readJsonLinesArray(path)).toEqual(rows);
  });

  it('names the file and line of a line that is not JSON', async () => {
    const path = temp.path('bad.jsonl');
    await writeFile(path, '{"a": 1}\n{"a": 2}\n{"a": }\n{"a": 4}\n');
    const attempt = readJsonLinesArray(path);
    await expect(attempt).rejects.toThrow(InvalidInputError);
    await expect(readJsonLinesArray(path)).rejects.toThrow(
      new RegExp(`^${escapeRegExp(path)} line 3: Unexpected token`),
    );
  });

  it('rejects lines that are not objects, and blank lines before the end', async () => {
    await writeFile(temp.path('array.jsonl'), '{"a": 1}\n[1, 2]\n');
    await expect(readJsonLinesArray(temp.path('array.jsonl'))).rejects.toThrow(
      `${temp.path('array.jsonl')} line 2: expected a JSON object, received an array`,
    );
    await writeFile(temp.path('null.jsonl'), 'null\n');
    await expect(readJsonLinesArray(temp.path('null.jsonl'))).rejects.toThrow(
      'line 1: expected a JSON object, received null',
    );
    await writeFile(temp.path('gap.jsonl'), '{"a": 1}\n\n{"a": 3}\n');
    await expect(readJsonLinesArray(temp.path('gap.jsonl'))).rejects.toThrow(
      `${temp.path('gap.jsonl')} line 2 is empty; expected one JSON object per line (blank lines only at the end)`,
    );
  });

  it('reports a missing file as invalid input', async () => {
    await expect(readJsonLinesArray(temp.path('missing.jsonl'))).rejects.toThrow(
      new InvalidInputError(`cannot read \`${temp.path('missing.jsonl')}\`: no such file`),
    );
  });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
