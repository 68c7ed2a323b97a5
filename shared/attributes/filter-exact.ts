/**
 * The EXACT filter on raw attribute values: per row (`matchesRow`, the processor's re-check) and over a
 * whole table (`exactMask`, one typed-array pass per node; ground truth). String operands are resolved to
 * codes of the table's dictionaries once (`resolveExact`); a value the dictionary lacks matches nothing.
 */
import type { AttributeColumn } from './attribute-columns.ts';
import type { AttributeTable } from './attribute-table.ts';
import { type AttributeDictionaries, dictionaryCode } from './dictionaries.ts';
import type { FilterAst, RangeOperator } from './filter-ast.ts';

type ExactAtom =
  | { readonly type: 'exists'; readonly attribute: number }
  | {
      readonly type: 'range';
      readonly attribute: number;
      readonly operator: RangeOperator;
      readonly value: number;
    }
  /** Sorted operands: numbers for a number attribute, dictionary codes otherwise (tags: holds any). */
  | { readonly type: 'in'; readonly attribute: number; readonly sorted: Float64Array | Int32Array };

export type ExactNode =
  | ExactAtom
  | { readonly type: 'and' | 'or'; readonly children: readonly ExactNode[] }
  | { readonly type: 'not'; readonly child: ExactNode };

export function resolveExact(ast: FilterAst, dictionaries: AttributeDictionaries): ExactNode {
  switch (ast.type) {
    case 'and':
    case 'or':
      return { type: ast.type, children: ast.children.map((child) => resolveExact(child, dictionaries)) };
    case 'not':
      return { type: 'not', child: resolveExact(ast.child, dictionaries) };
    case 'in': {
      const dictionary = dictionaries[ast.attribute]!;
      if (typeof ast.values[0] === 'number') {
        return {
          type: 'in',
          attribute: ast.attribute,
          sorted: Float64Array.from(ast.values as number[]).sort(),
        };
      }
      const codes = (ast.values as string[])
        .map((value) => dictionaryCode(dictionary, value))
        .filter((c) => c >= 0);
      return { type: 'in', attribute: ast.attribute, sorted: Int32Array.from(codes).sort() };
    }
    default:
      return ast;
  }
}

function includes(sorted: Float64Array | Int32Array, x: number): boolean {
  let low = 0;
  let high = sorted.length - 1;
  while (low <= high) {
    const middle = (low + high) >>> 1;
    const value = sorted[middle]!;
    if (value === x) return true;
    if (value < x) low = middle + 1;
    else high = middle - 1;
  }
  return false;
}

/** `x <operator> value` for a range atom (both exact evaluators use it). */
export function compare(operator: RangeOperator, x: number, value: number): boolean {
  switch (operator) {
    case '$gt':
      return x > value;
    case '$gte':
      return x >= value;
    case '$lt':
      return x < value;
    case '$lte':
      return x <= value;
  }
}

function atomMatches(atom: ExactAtom, column: AttributeColumn, row: number): boolean {
  switch (column.kind) {
    case 'number': {
      const x = column.values[row]!;
      if (Number.isNaN(x)) return false;
      if (atom.type === 'exists') return true;
      return atom.type === 'range' ? compare(atom.operator, x, atom.value) : includes(atom.sorted, x);
    }
    case 'category': {
      const code = column.codes[row]!;
      if (code < 0) return false;
      return atom.type === 'in' ? includes(atom.sorted, code) : atom.type === 'exists';
    }
    case 'tags': {
      const start = column.offsets[row]!;
      const end = column.offsets[row + 1]!;
      if (start === end) return false;
      if (atom.type !== 'in') return atom.type === 'exists';
      for (let i = start; i < end; i++) if (includes(atom.sorted, column.codes[i]!)) return true;
      return false;
    }
  }
}

export function matchesRow(node: ExactNode, table: AttributeTable, row: number): boolean {
  switch (node.type) {
    case 'and':
      for (const child of node.children) if (!matchesRow(child, table, row)) return false;
      return true;
    case 'or':
      for (const child of node.children) if (matchesRow(child, table, row)) return true;
      return false;
    case 'not':
      return !matchesRow(node.child, table, row);
    default:
      return atomMatches(node, table.columns[node.attribute]!, row);
  }
}

/** 1 for every row of `table` that satisfies the node, else 0. */
export function exactMask(node: ExactNode, table: AttributeTable): Uint8Array {
  const n = table.count;
  switch (node.type) {
    case 'and':
    case 'or': {
      const mask = new Uint8Array(n).fill(node.type === 'and' ? 1 : 0);
      for (const child of node.children) {
        const childMask = exactMask(child, table);
        if (node.type === 'and') for (let i = 0; i < n; i++) mask[i]! &= childMask[i]!;
        else for (let i = 0; i < n; i++) mask[i]! |= childMask[i]!;
      }
      return mask;
    }
    case 'not': {
      const mask = exactMask(node.child, table);
      for (let i = 0; i < n; i++) mask[i]! ^= 1;
      return mask;
    }
    default: {
      const mask = new Uint8Array(n);
      const column = table.columns[node.attribute]!;
      for (let i = 0; i < n; i++) mask[i] = atomMatches(node, column, i) ? 1 : 0;
      return mask;
    }
  }
}
