/**
 * The parsed filter. Atoms are positive predicates on one attribute (by schema index); `$ne`, `$nin`
 * and `$exists: false` are negated atoms, so the logic is two-valued: an atom on a missing value is
 * false and its negation true — which gives the Mongo-like rules ($ne/$nin/$not match missing).
 *   in     — $eq (one value) / $in: equals one of the values; on tags: holds at least one of them
 *   range  — $gt $gte $lt $lte on numbers
 *   exists — the value is present (for tags: at least one tag)
 * Plain JSON, so it can be logged or sent as is.
 */
export type RangeOperator = '$gt' | '$gte' | '$lt' | '$lte';

export type FilterAtom =
  | { readonly type: 'in'; readonly attribute: number; readonly values: readonly (number | string)[] }
  | {
      readonly type: 'range';
      readonly attribute: number;
      readonly operator: RangeOperator;
      readonly value: number;
    }
  | { readonly type: 'exists'; readonly attribute: number };

export type FilterAst =
  | FilterAtom
  | { readonly type: 'and'; readonly children: readonly FilterAst[] }
  | { readonly type: 'or'; readonly children: readonly FilterAst[] }
  | { readonly type: 'not'; readonly child: FilterAst };

/** Negation normal form: AND/OR over possibly negated atoms. */
export type NnfNode =
  | { readonly type: 'literal'; readonly atom: FilterAtom; readonly negated: boolean }
  | { readonly type: 'and' | 'or'; readonly children: readonly NnfNode[] };

/** Pushes every negation down to the atoms (De Morgan; ¬¬x = x). */
export function negationNormalForm(ast: FilterAst, negated = false): NnfNode {
  switch (ast.type) {
    case 'not':
      return negationNormalForm(ast.child, !negated);
    case 'and':
    case 'or': {
      const type = (ast.type === 'and') !== negated ? 'and' : 'or';
      return { type, children: ast.children.map((child) => negationNormalForm(child, negated)) };
    }
    default:
      return { type: 'literal', atom: ast, negated };
  }
}

/** The filter that matches every row (`{}`). */
export function isMatchAll(ast: FilterAst | null): boolean {
  return ast === null || (ast.type === 'and' && ast.children.length === 0);
}
