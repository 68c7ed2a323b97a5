import { writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { AttributeTable, inferSchema } from '../../../shared/attributes/index.ts';
import { readCsvAttributes } from '../../../shared/data/index.ts';
import { InvalidInputError } from '../../../shared/errors/index.ts';
import { useTempDir } from './temp-dir.ts';

describe('readCsvAttributes', () => {
  const temp = useTempDir();

  it('types columns without a schema: all-numeric columns are numbers, empty cells missing', async () => {
    const path = temp.path('attrs.csv');
    await writeFile(path, 'price,color,size\n12.5,red,3\n7,"blue, dark",\n,green,1e2\n');
    const rows = await readCsvAttributes(path);
    expect(rows).toEqual([
      { price: 12.5, color: 'red', size: 3 },
      { price: 7, color: 'blue, dark' },
      { color: 'green', size: 100 },
    ]);
    expect(inferSchema(rows).attributes).toEqual([
      { name: 'price', kind: 'number' },
      { name: 'color', kind: 'category' },
      { name: 'size', kind: 'number' },
    ]);
  });

  it('types columns by the schema, splitting tags on |', async () => {
    const path = temp.path('schema.csv');
    await writeFile(path, 'zip,tags\n01234,new|sale\n99999,\n');
    const schema = {
      attributes: [
        { name: 'zip', kind: 'category' as const },
        { name: 'tags', kind: 'tags' as const },
      ],
    };
    const rows = await readCsvAttributes(path, schema);
    expect(rows).toEqual([{ zip: '01234', tags: ['new', 'sale'] }, { zip: '99999' }]);
    const table = AttributeTable.fromRows(schema, rows);
    expect(table.rowValues(0)).toEqual({ zip: '01234', tags: ['new', 'sale'] });
  });

  it('names the line and column of a cell that is not a number where the schema wants one', async () => {
    const path = temp.path('bad-number.csv');
    await writeFile(path, 'price\n1\ncheap\n');
    const read = readCsvAttributes(path, { attributes: [{ name: 'price', kind: 'number' }] });
    await expect(read).rejects.toThrow(InvalidInputError);
    await expect(read).rejects.toThrow(`${path} line 3: \`price\` is "cheap"; expected a finite number`);
  });

  it('rejects malformed CSV with the parser’s reason', async () => {
    const path = temp.path('ragged.csv');
    await writeFile(path, 'a,b\n1,2,3\n');
    await expect(readCsvAttributes(path)).rejects.toThrow(new RegExp(`${path} is not valid CSV: .*`));
  });
});
