/** Reading Markdown tables of the docs in tests that keep them in step with the code. */
import { expect } from 'vitest';

/** The rows of the table in `doc` whose first header cell is `firstHeader`, as trimmed cells. */
export function tableRows(doc: string, firstHeader: string): string[][] {
  const cells = (line: string) =>
    line
      .trim()
      .replace(/^\||\|$/g, '')
      .split('|')
      .map((cell) => cell.trim());
  const lines = doc.split('\n');
  const start = lines.findIndex((line) => line.startsWith('|') && cells(line)[0] === firstHeader);
  expect(start, `table starting with ${firstHeader}`).toBeGreaterThanOrEqual(0);
  const rows: string[][] = [];
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith('|')) break;
    rows.push(cells(line));
  }
  return rows;
}
