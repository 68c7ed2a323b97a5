/**
 * The EXACT filter on one row given as a plain record `{ name: value }` — a row of the write log, which
 * no AttributeTable holds (docs/writes.md). The rules are those of `filter-exact.ts` on a table row (an
 * atom on a missing value is false; `$ne`/`$nin`/`$not` match it; tags `in` = holds at least one), but
 * the values themselves are compared, not dictionary codes: a category or tag that the index's
 * dictionaries lack matches `$eq` on it. The AST is resolved once per compiled filter (`resolveRecord`):
 * attribute indexes become names and kinds, operands become Sets, so a record costs no allocation.
 */
import { InvalidInputError } from '../errors/index.ts';
import { ownValue } from './attribute-row.ts';
import type { AttributeValue } from './attribute-table.ts';
import { checkValue } from './column-builders.ts';
import type { FilterAst, RangeOperator } from './filter-ast.ts';
import { compare } from './filter-exact.ts';
import type { AttributeKind, AttributeSchema } from './schema.ts';

type RecordAtom =
  | { readonly type: 'exists'; readonly name: string; readonly kind: AttributeKind }
  | {
      readonly type: 'range';
      readonly name: string;
      readonly kind: AttributeKind;
      readonly operator: RangeOperator;
      readonly value: number;
    }
  /** Numbers for a number attribute (a Set compares -0 and 0 equal, as `===` does), strings otherwise. */
  | {
      readonly type: 'in';
      readonly name: string;
      readonly kind: AttributeKind;
      readonly values: ReadonlySet<number | string>;
    };

export type RecordNode =
  | RecordAtom
  | { readonly type: 'and' | 'or'; readonly children: readonly RecordNode[] }
  | { readonly type: 'not'; readonly child: RecordNode };

export function resolveRecord(ast: FilterAst, schema: AttributeSchema): RecordNode {
  switch (ast.type) {
    case 'and':
    case 'or':
      return { type: ast.type, children: ast.children.map((child) => resolveRecord(child, schema)) };
    case 'not':
      return { type: 'not', child: resolveRecord(ast.child, schema) };
  }
  const attribute = schema.attributes[ast.attribute];
  if (!attribute) {
    throw new InvalidInputError(
      `filter atom on attribute index ${ast.attribute}; the schema has ${schema.attributes.length} attributes`,
    );
  }
  const { name, kind } = attribute;
  switch (ast.type) {
    case 'exists':
      return { type: 'exists', name, kind };
    case 'range':
      return { type: 'range', name, kind, operator: ast.operator, value: ast.value };
    case 'in':
      return { type: 'in', name, kind, values: new Set(ast.values) };
  }
}

export function matchesRecord(node: RecordNode, values: Readonly<Record<string, AttributeValue>>): boolean {
  switch (node.type) {
    case 'and':
      for (const child of node.children) if (!matchesRecord(child, values)) return false;
      return true;
    case 'or':
      for (const child of node.children) if (matchesRecord(child, values)) return true;
      return false;
    case 'not':
      return !matchesRecord(node.child, values);
    default:
      return atomMatches(node, values);
  }
}

function atomMatches(atom: RecordAtom, values: Readonly<Record<string, AttributeValue>>): boolean {
  const value = ownValue(values, atom.name);
  if (value === undefined || value === null) return false;
  switch (atom.kind) {
    case 'number':
      if (typeof value !== 'number') throw wrongKind(atom, value);
      if (Number.isNaN(value)) return false;
      if (atom.type === 'exists') return true;
      return atom.type === 'range' ? compare(atom.operator, value, atom.value) : atom.values.has(value);
    case 'category':
      if (typeof value !== 'string') throw wrongKind(atom, value);
      return atom.type === 'in' ? atom.values.has(value) : atom.type === 'exists';
    case 'tags': {
      if (!Array.isArray(value)) throw wrongKind(atom, value);
      if (value.length === 0) return false;
      if (atom.type !== 'in') return atom.type === 'exists';
      for (let i = 0; i < value.length; i++) if (atom.values.has(value[i]!)) return true;
      return false;
    }
  }
}

/** A record value of another kind than its attribute's: the record skipped `checkAttributeRow`. */
function wrongKind(atom: RecordAtom, value: unknown): InvalidInputError {
  return new InvalidInputError(
    `filter on a record: attribute \`${atom.name}\` (${atom.kind}) ${checkValue(atom.kind, value)}`,
  );
}
