/**
 * The rows of a table that match a filter EXACTLY, ascending: what the exact plan scans (issue 11 —
 * "a selective filter costs time proportional to its matches"). Cached per compiled filter and table,
 * so the queries of a batch that share a filter find its rows once.
 */
import type { AttributeTable } from './attribute-table.ts';
import type { CompiledFilter } from './filter-compile.ts';

const cache = new WeakMap<CompiledFilter, WeakMap<AttributeTable, Uint32Array>>();

/** Local rows of `table` whose raw values satisfy `filter`, ascending (every row for match-all). */
export function matchingRows(filter: CompiledFilter, table: AttributeTable): Uint32Array {
  let byTable = cache.get(filter);
  if (!byTable) {
    byTable = new WeakMap();
    cache.set(filter, byTable);
  }
  let rows = byTable.get(table);
  if (!rows) {
    rows = rowsOfMask(filter.exactMask(table));
    byTable.set(table, rows);
  }
  return rows;
}

function rowsOfMask(mask: Uint8Array): Uint32Array {
  let count = 0;
  for (let i = 0; i < mask.length; i++) count += mask[i]!;
  const rows = new Uint32Array(count);
  let next = 0;
  for (let i = 0; i < mask.length; i++) if (mask[i]) rows[next++] = i;
  return rows;
}
