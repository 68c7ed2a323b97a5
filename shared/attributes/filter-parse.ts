/**
 * Parses the filter language of DESIGN §4 (Mongo-style) into a `FilterAst` checked against the schema.
 *   {"price": 5}                         bare value = $eq
 *   {"price": {"$gt": 1, "$lt": 5}}      several operators on one attribute = all of them
 *   {"price": …, "color": …}             several attributes = all of them
 *   {"$and": [f, …]} {"$or": [f, …]}     non-empty arrays of filters
 *   {"$not": f}, {"price": {"$not": {"$gt": 5}}}   negation of a filter or of an operator object
 * Operators: $eq $ne $in $nin $exists on every kind, $gt $gte $lt $lte on numbers only. On `tags`,
 * $eq/$in mean "holds (any of) the tag(s)" and $ne/$nin "holds none". `{}` matches every row.
 * Every problem is an InvalidQueryError that names it: "filter: unknown attribute `colour`; known
 * attributes: price, color", with " (at $or[1])" when it is nested.
 *
 * Design decisions (the filter arrives over HTTP, so its cost must be bounded before anything walks it):
 * - Depth, nodes and operand values are limited (MAX_FILTER_DEPTH, MAX_FILTER_NODES,
 *   MAX_FILTER_VALUES), and every array's length is checked against the remaining budget BEFORE its
 *   elements are visited, so a hostile filter costs at most the limits, not its size. The limits are far
 *   above any hand-written or generated filter; `$in` is the way to match many values.
 * - Names taken from the input (attributes, operators) are shortened in messages, so an error never
 *   echoes megabytes back.
 */
import { InvalidQueryError, shortened } from '../errors/index.ts';
import { describeValue, isPlainObject } from './describe-value.ts';
import type { FilterAst } from './filter-ast.ts';
import { type AttributeSchema, attributeNames } from './schema.ts';

/** Nesting deeper than this is rejected (the filter arrives over HTTP; recursion must stay bounded). */
export const MAX_FILTER_DEPTH = 32;

/**
 * Most nodes in one filter: attribute conditions, operators and `$and`/`$or`/`$not` children. Each node
 * is evaluated per candidate row, so this bounds a filter's cost per row.
 */
export const MAX_FILTER_NODES = 1000;

/** Most operand values in one filter (`$in`/`$nin` elements and `$eq`/`$ne`/comparison operands). */
export const MAX_FILTER_VALUES = 10_000;

/** Characters of an attribute or operator name from the input quoted in messages. */
const MAX_NAME_SHOWN = 64;

const FIELD_OPERATORS = ['$eq', '$ne', '$gt', '$gte', '$lt', '$lte', '$in', '$nin', '$exists', '$not'];

export function parseFilter(json: unknown, schema: AttributeSchema): FilterAst {
  return new FilterParser(schema).document(json, '', 0);
}

class FilterParser {
  private readonly indexes: Map<string, number>;
  private nodes = 0;
  private values = 0;

  constructor(private readonly schema: AttributeSchema) {
    this.indexes = new Map(schema.attributes.map(({ name }, a) => [name, a]));
  }

  document(json: unknown, path: string, depth: number): FilterAst {
    if (depth > MAX_FILTER_DEPTH) fail(`nesting deeper than ${MAX_FILTER_DEPTH} levels`, path);
    if (!isPlainObject(json)) {
      fail(`expected an object such as {"price": {"$lt": 20}}, received ${describeValue(json)}`, path);
    }
    const keys = Object.keys(json);
    this.countNodes(keys.length, path);
    const children = keys.map((key) =>
      key.startsWith('$')
        ? this.logical(key, json[key], path, depth)
        : this.field(key, json[key], path, depth),
    );
    return children.length === 1 ? children[0]! : { type: 'and', children };
  }

  private logical(key: string, value: unknown, path: string, depth: number): FilterAst {
    const here = path ? `${path}.${key}` : key;
    switch (key) {
      case '$and':
      case '$or': {
        if (!Array.isArray(value) || value.length === 0) {
          fail(`\`${key}\` needs a non-empty array of filters, received ${describeValue(value)}`, path);
        }
        this.countNodes(value.length, here);
        const children = value.map((child, i) => this.document(child, `${here}[${i}]`, depth + 1));
        return children.length === 1 ? children[0]! : { type: key === '$and' ? 'and' : 'or', children };
      }
      case '$not':
        return { type: 'not', child: this.document(value, here, depth + 1) };
      default:
        if (FIELD_OPERATORS.includes(key)) {
          fail(`operator \`${key}\` must be applied to an attribute, as in {"price": {"${key}": …}}`, path);
        }
        fail(
          `unknown operator \`${shortened(key, MAX_NAME_SHOWN)}\`; expected an attribute name or one of $and, $or, $not`,
          path,
        );
    }
  }

  private field(name: string, value: unknown, path: string, depth: number): FilterAst {
    const attribute = this.indexes.get(name);
    if (attribute === undefined) {
      fail(
        `unknown attribute \`${shortened(name, MAX_NAME_SHOWN)}\`; known attributes: ${attributeNames(this.schema)}`,
        path,
      );
    }
    if (isPlainObject(value)) return this.operators(attribute, value, path, depth);
    return { type: 'in', attribute, values: [this.scalar(attribute, '$eq', value, path)] };
  }

  private operators(
    attribute: number,
    object: Record<string, unknown>,
    path: string,
    depth: number,
  ): FilterAst {
    const name = this.schema.attributes[attribute]!.name;
    const keys = Object.keys(object);
    if (keys.length === 0) fail(`\`${name}\` has an empty operator object; expected e.g. {"$eq": …}`, path);
    this.countNodes(keys.length, path);
    const children = keys.map((key) => {
      if (!key.startsWith('$')) {
        fail(
          `\`${name}\` expects a value or an operator object, received an object with key \`${shortened(key, MAX_NAME_SHOWN)}\` (nested attributes are not supported)`,
          path,
        );
      }
      return this.operator(attribute, key, object[key], path, depth);
    });
    return children.length === 1 ? children[0]! : { type: 'and', children };
  }

  private operator(
    attribute: number,
    operator: string,
    value: unknown,
    path: string,
    depth: number,
  ): FilterAst {
    const { name, kind } = this.schema.attributes[attribute]!;
    switch (operator) {
      case '$eq':
        return { type: 'in', attribute, values: [this.scalar(attribute, operator, value, path)] };
      case '$ne':
        return {
          type: 'not',
          child: { type: 'in', attribute, values: [this.scalar(attribute, operator, value, path)] },
        };
      case '$gt':
      case '$gte':
      case '$lt':
      case '$lte': {
        if (kind !== 'number') {
          fail(`\`${operator}\` needs a number attribute; \`${name}\` is a ${kind} attribute`, path);
        }
        return {
          type: 'range',
          attribute,
          operator,
          value: this.scalar(attribute, operator, value, path) as number,
        };
      }
      case '$in':
      case '$nin': {
        if (!Array.isArray(value) || value.length === 0) {
          fail(
            `\`${operator}\` on \`${name}\` needs a non-empty array, received ${describeValue(value)}`,
            path,
          );
        }
        this.checkRoomForValues(value.length, path);
        const values = value.map((element) => this.scalar(attribute, operator, element, path));
        const atom: FilterAst = { type: 'in', attribute, values };
        return operator === '$in' ? atom : { type: 'not', child: atom };
      }
      case '$exists': {
        if (typeof value !== 'boolean') {
          fail(`\`$exists\` on \`${name}\` needs true or false, received ${describeValue(value)}`, path);
        }
        return value ? { type: 'exists', attribute } : { type: 'not', child: { type: 'exists', attribute } };
      }
      case '$not': {
        if (depth + 1 > MAX_FILTER_DEPTH) fail(`nesting deeper than ${MAX_FILTER_DEPTH} levels`, path);
        if (!isPlainObject(value)) {
          fail(
            `\`$not\` on \`${name}\` needs an operator object such as {"$gt": 5}, received ${describeValue(value)}`,
            path,
          );
        }
        return { type: 'not', child: this.operators(attribute, value, path, depth + 1) };
      }
      default:
        fail(
          `unknown operator \`${shortened(operator, MAX_NAME_SHOWN)}\` on \`${name}\`; supported: ${FIELD_OPERATORS.join(', ')}`,
          path,
        );
    }
  }

  /** Adds `count` nodes to the filter's total; past MAX_FILTER_NODES the filter is rejected. */
  private countNodes(count: number, path: string): void {
    this.nodes += count;
    if (this.nodes > MAX_FILTER_NODES) {
      fail(
        `more than ${MAX_FILTER_NODES} conditions (attributes, operators and $and/$or/$not children); the limit is ${MAX_FILTER_NODES} (use $in to match many values)`,
        path,
      );
    }
  }

  /** Rejects the filter when `count` more operand values would pass MAX_FILTER_VALUES. */
  private checkRoomForValues(count: number, path: string): void {
    if (this.values + count > MAX_FILTER_VALUES) {
      fail(`more than ${MAX_FILTER_VALUES} operand values; the limit is ${MAX_FILTER_VALUES}`, path);
    }
  }

  /** One operand, of the attribute's type: a finite number, or a string (one category value or tag). */
  private scalar(attribute: number, operator: string, value: unknown, path: string): number | string {
    this.checkRoomForValues(1, path);
    this.values++;
    const { name, kind } = this.schema.attributes[attribute]!;
    if (kind === 'number') {
      if (typeof value === 'number' && Number.isFinite(value)) return value;
      fail(
        `\`${name}\` is a number attribute: ${operator} needs a finite number, received ${describeValue(value)}${hint(value)}`,
        path,
      );
    }
    if (typeof value === 'string') return value;
    fail(
      `\`${name}\` is a ${kind} attribute: ${operator} needs a string, received ${describeValue(value)}${hint(value)}`,
      path,
    );
  }
}

function hint(value: unknown): string {
  if (value === null) return ' (use {"$exists": false} to match a missing value)';
  if (Array.isArray(value)) return ' (use $in to match any of several values)';
  return '';
}

function fail(problem: string, path: string): never {
  throw new InvalidQueryError(`filter: ${problem}${path ? ` (at ${path})` : ''}`);
}
