/**
 * Raw attribute columns, one per schema attribute, for n rows.
 * - number: Float64Array, NaN = missing.
 * - category: Int32Array of dictionary codes, -1 = missing.
 * - tags: CSR — Uint32Array offsets (n+1) into an Int32Array of dictionary codes; row i holds
 *   codes[offsets[i] .. offsets[i+1]), ascending and unique (a tag set). A row with no tags is missing:
 *   `[]`, `null` and an absent value are the same thing for a tags attribute.
 */
export interface NumberColumn {
  readonly kind: 'number';
  readonly values: Float64Array;
}

export interface CategoryColumn {
  readonly kind: 'category';
  readonly codes: Int32Array;
  readonly dictionary: readonly string[];
}

export interface TagsColumn {
  readonly kind: 'tags';
  readonly offsets: Uint32Array;
  readonly codes: Int32Array;
  readonly dictionary: readonly string[];
}

export type AttributeColumn = NumberColumn | CategoryColumn | TagsColumn;

/** The column restricted to `rows`, in that order (rows must be < the column's length). */
export function gatherColumn(column: AttributeColumn, rows: Uint32Array): AttributeColumn {
  const n = rows.length;
  switch (column.kind) {
    case 'number': {
      const values = new Float64Array(n);
      for (let i = 0; i < n; i++) values[i] = column.values[rows[i]!]!;
      return { kind: 'number', values };
    }
    case 'category': {
      const codes = new Int32Array(n);
      for (let i = 0; i < n; i++) codes[i] = column.codes[rows[i]!]!;
      return { kind: 'category', codes, dictionary: column.dictionary };
    }
    case 'tags': {
      const offsets = new Uint32Array(n + 1);
      let total = 0;
      for (let i = 0; i < n; i++) {
        const row = rows[i]!;
        total += column.offsets[row + 1]! - column.offsets[row]!;
        offsets[i + 1] = total;
      }
      const codes = new Int32Array(total);
      for (let i = 0; i < n; i++) {
        const row = rows[i]!;
        codes.set(column.codes.subarray(column.offsets[row]!, column.offsets[row + 1]!), offsets[i]!);
      }
      return { kind: 'tags', offsets, codes, dictionary: column.dictionary };
    }
  }
}

/** Number of rows a column holds. */
export function columnLength(column: AttributeColumn): number {
  return column.kind === 'tags'
    ? column.offsets.length - 1
    : column.kind === 'number'
      ? column.values.length
      : column.codes.length;
}
