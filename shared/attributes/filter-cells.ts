/**
 * Per-literal cell tables for the quantized filter: 256 entries, 1 where a row with that attribute code
 * MAY satisfy the (possibly negated) atom, 0 where no row with that code can. A literal is negated
 * before its table is built, so that "may satisfy ¬atom" is computed directly (a cell can hold rows on
 * both sides; complementing the atom's table would not be a superset). AND/OR of such tables per row is
 * then a superset of the exact result.
 */
import { CATEGORY_BUCKETS, MISSING_CODE, type QuantizedAttribute } from './attribute-quantizer.ts';
import { dictionaryCode } from './dictionaries.ts';
import type { FilterAtom, RangeOperator } from './filter-ast.ts';
import { type CellRange, cellCount, cellRange, type NumberCells } from './number-cells.ts';

export const CODES = 256;

/** Which codes the quantizer can produce for an attribute (constant folding looks at these only). */
export function validCodes(attribute: QuantizedAttribute): Uint8Array {
  const valid = new Uint8Array(CODES);
  if (attribute.kind === 'number') {
    valid.fill(1, 0, cellCount(attribute.cells));
    valid[MISSING_CODE] = 1;
  } else if (attribute.kind === 'category') {
    valid.fill(1, 0, attribute.buckets ? CATEGORY_BUCKETS : Math.min(attribute.size, CATEGORY_BUCKETS));
    valid[MISSING_CODE] = 1;
  } else {
    const bits = attribute.buckets ? 8 : attribute.size;
    for (let mask = 0; mask < CODES; mask++) valid[mask] = mask >>> bits === 0 ? 1 : 0;
  }
  return valid;
}

export function literalCells(
  atom: FilterAtom,
  negated: boolean,
  attribute: QuantizedAttribute,
  dictionary: readonly string[],
): Uint8Array {
  if (attribute.kind === 'number') return numberCells(atom, negated, attribute.cells);
  if (attribute.kind === 'category') return categoryCells(atom, negated, attribute, dictionary);
  return tagCells(atom, negated, attribute, dictionary);
}

function numberCells(atom: FilterAtom, negated: boolean, cells: NumberCells): Uint8Array {
  const table = new Uint8Array(CODES);
  const count = cellCount(cells);
  for (let code = 0; code < count; code++) {
    table[code] = possibleNumber(atom, negated, cellRange(cells, code)) ? 1 : 0;
  }
  table[MISSING_CODE] = negated ? 1 : 0;
  return table;
}

const NEGATED_RANGE: Record<RangeOperator, RangeOperator> = {
  $gt: '$lte',
  $gte: '$lt',
  $lt: '$gte',
  $lte: '$gt',
};

/** Does the cell hold some value satisfying the literal? */
function possibleNumber(atom: FilterAtom, negated: boolean, cell: CellRange): boolean {
  switch (atom.type) {
    case 'exists':
      return !negated;
    case 'range': {
      const x = atom.value;
      switch (negated ? NEGATED_RANGE[atom.operator] : atom.operator) {
        case '$gt':
          return cell.high > x;
        case '$gte':
          return cell.high > x || (cell.high === x && cell.highInclusive);
        case '$lt':
          return cell.low < x;
        case '$lte':
          return cell.low < x || (cell.low === x && cell.lowInclusive);
      }
      break;
    }
    case 'in': {
      if (negated) {
        // Only a single-value cell can be entirely inside the set.
        const point = cell.lowInclusive && cell.highInclusive && cell.low === cell.high;
        return !(point && atom.values.includes(cell.low));
      }
      return atom.values.some(
        (v) =>
          typeof v === 'number' &&
          (cell.low < v || (cell.low === v && cell.lowInclusive)) &&
          (cell.high > v || (cell.high === v && cell.highInclusive)),
      );
    }
  }
  return true;
}

/** Distinct dictionary codes of the atom's values that the dictionary holds. */
function knownCodes(atom: FilterAtom, dictionary: readonly string[]): number[] {
  if (atom.type !== 'in') return [];
  const codes = new Set<number>();
  for (const value of atom.values) {
    const code = typeof value === 'string' ? dictionaryCode(dictionary, value) : -1;
    if (code >= 0) codes.add(code);
  }
  return [...codes];
}

/** Per bucket: values of the dictionary in it, and values of the atom in it. */
function bucketCoverage(
  attribute: Extract<QuantizedAttribute, { kind: 'category' | 'tags' }>,
  codes: readonly number[],
  buckets: number,
): { sizes: Uint32Array; covered: Uint32Array } {
  const sizes = new Uint32Array(buckets);
  const covered = new Uint32Array(buckets);
  const map = attribute.buckets;
  if (map) for (let code = 0; code < map.length; code++) sizes[map[code]!] = sizes[map[code]!]! + 1;
  else sizes.fill(1, 0, Math.min(attribute.size, buckets));
  for (const code of codes) {
    const bucket = map ? map[code]! : code;
    covered[bucket] = covered[bucket]! + 1;
  }
  return { sizes, covered };
}

function categoryCells(
  atom: FilterAtom,
  negated: boolean,
  attribute: Extract<QuantizedAttribute, { kind: 'category' | 'tags' }>,
  dictionary: readonly string[],
): Uint8Array {
  const table = new Uint8Array(CODES);
  if (atom.type === 'in') {
    const { sizes, covered } = bucketCoverage(attribute, knownCodes(atom, dictionary), CATEGORY_BUCKETS);
    for (let bucket = 0; bucket < CATEGORY_BUCKETS; bucket++) {
      // Positive: some value of the bucket is in the set. Negated: some value of the bucket is not.
      table[bucket] = (negated ? sizes[bucket]! > covered[bucket]! : covered[bucket]! > 0) ? 1 : 0;
    }
  } else {
    table.fill(negated ? 0 : 1, 0, CATEGORY_BUCKETS);
  }
  table[MISSING_CODE] = negated ? 1 : 0;
  return table;
}

function tagCells(
  atom: FilterAtom,
  negated: boolean,
  attribute: Extract<QuantizedAttribute, { kind: 'category' | 'tags' }>,
  dictionary: readonly string[],
): Uint8Array {
  const table = new Uint8Array(CODES);
  if (atom.type !== 'in') {
    for (let mask = 0; mask < CODES; mask++) table[mask] = (mask !== 0) !== negated ? 1 : 0;
    return table;
  }
  const { sizes, covered } = bucketCoverage(attribute, knownCodes(atom, dictionary), 8);
  // Positive: a set bit whose bucket holds a wanted tag. Negated ("holds none"): no set bit whose bucket
  // holds wanted tags only (such a bit proves the row holds one).
  let wanted = 0;
  let proof = 0;
  for (let bucket = 0; bucket < 8; bucket++) {
    if (covered[bucket]! > 0) wanted |= 1 << bucket;
    if (covered[bucket]! > 0 && covered[bucket] === sizes[bucket]) proof |= 1 << bucket;
  }
  for (let mask = 0; mask < CODES; mask++) {
    table[mask] = negated ? ((mask & proof) === 0 ? 1 : 0) : (mask & wanted) !== 0 ? 1 : 0;
  }
  return table;
}
