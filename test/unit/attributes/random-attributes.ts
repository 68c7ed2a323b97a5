/**
 * Seeded attribute rows, random filters in the JSON language, and an evaluator of those filters on the
 * raw rows written directly from the Mongo-like rules (independent of the parser, AST and columns).
 */
import type { AttributeSchema } from '../../../shared/attributes/index.ts';
import { createRng, type Rng } from '../../../shared/random.ts';

export type Row = Record<string, unknown>;

/**
 * price: continuous (quantile cells) · rating: 1..5 (point cells) · qty: 200 integers (one cell each) ·
 * color: 6 values (exact codes) · brand: 400 skewed values (buckets) · tags: 6 (exact bits) ·
 * labels: 40 (hashed bits). About 10 % of every attribute is missing, as an absent key or null.
 */
export const schema: AttributeSchema = {
  attributes: [
    { name: 'price', kind: 'number' },
    { name: 'rating', kind: 'number' },
    { name: 'qty', kind: 'number' },
    { name: 'color', kind: 'category' },
    { name: 'brand', kind: 'category' },
    { name: 'tags', kind: 'tags' },
    { name: 'labels', kind: 'tags' },
  ],
};

/** Attributes whose quantized filter is exact (point cells, small dictionaries). */
export const exactAttributes = ['rating', 'color', 'tags'];

const colors = ['red', 'green', 'blue', 'black', 'white', 'Ünïcode'];
const brands = Array.from({ length: 400 }, (_, i) => `brand-${String(i).padStart(3, '0')}`);
const tagPool = ['new', 'sale', 'eco', 'gift', 'rare', 'b'];
const labelPool = Array.from({ length: 40 }, (_, i) => `label${i}`);

const pick = <T>(rng: Rng, items: readonly T[]): T => items[rng.int(items.length)]!;

function sample(rng: Rng, pool: readonly string[], max: number): string[] {
  const count = rng.int(max + 1);
  return Array.from({ length: count }, () => pick(rng, pool));
}

export function generateRows(seed: number, n: number): Row[] {
  const rng = createRng(seed);
  const rows: Row[] = [];
  for (let i = 0; i < n; i++) {
    const row: Row = {};
    const put = (name: string, value: unknown): void => {
      const r = rng.next();
      if (r < 0.05) return; // absent
      row[name] = r < 0.1 ? null : value;
    };
    put('price', Math.round(rng.normal() * 2000 + 5000) / 100);
    put('rating', 1 + rng.int(5));
    put('qty', rng.int(200));
    put('color', pick(rng, colors));
    // Skewed: a few brands are frequent.
    put('brand', brands[Math.floor(400 * rng.next() ** 3)]);
    put('tags', sample(rng, tagPool, 3)); // may be [] (no tags = missing)
    put('labels', sample(rng, labelPool, 4));
    rows.push(row);
  }
  return rows;
}

/** Operand pools per attribute: values that occur plus values that do not. */
function operands(rows: Row[]): Map<string, unknown[]> {
  const pools = new Map<string, unknown[]>();
  for (const { name } of schema.attributes) {
    const seen: unknown[] = [];
    for (const row of rows.slice(0, 300)) {
      const value = row[name];
      if (Array.isArray(value)) seen.push(...value);
      else if (value !== null && value !== undefined) seen.push(value);
    }
    pools.set(name, seen);
  }
  pools.get('price')!.push(-1e9, 0, 49.995, 1e9);
  pools.get('rating')!.push(0, 2.5, 6, -0);
  pools.get('qty')!.push(-5, 17.5, 250);
  pools.get('color')!.push('purple', '');
  pools.get('brand')!.push('brand-999', 'zzz');
  pools.get('tags')!.push('missing-tag');
  pools.get('labels')!.push('label99');
  return pools;
}

export class FilterGenerator {
  private readonly rng: Rng;
  private readonly pools: Map<string, unknown[]>;

  constructor(
    seed: number,
    rows: Row[],
    private readonly attributes: readonly string[] = schema.attributes.map((a) => a.name),
  ) {
    this.rng = createRng(seed);
    this.pools = operands(rows);
  }

  filter(depth = 0): Row {
    const r = this.rng.next();
    if (depth < 3 && r < 0.3) {
      const children = Array.from({ length: 1 + this.rng.int(3) }, () => this.filter(depth + 1));
      return { [this.rng.next() < 0.5 ? '$and' : '$or']: children };
    }
    if (depth < 3 && r < 0.4) return { $not: this.filter(depth + 1) };
    const document: Row = {};
    const fields = this.rng.next() < 0.2 ? 2 : 1;
    for (let i = 0; i < fields; i++) {
      const name = pick(this.rng, this.attributes);
      document[name] = this.condition(name, depth);
    }
    return document;
  }

  private condition(name: string, depth: number): unknown {
    const kind = schema.attributes.find((a) => a.name === name)!.kind;
    if (this.rng.next() < 0.25) return this.operand(name);
    const operators =
      kind === 'number'
        ? ['$eq', '$ne', '$gt', '$gte', '$lt', '$lte', '$in', '$nin', '$exists', '$not']
        : ['$eq', '$ne', '$in', '$nin', '$exists', '$not'];
    const object: Row = {};
    const count = 1 + (this.rng.next() < 0.3 ? 1 : 0);
    for (let i = 0; i < count; i++) {
      const operator = pick(this.rng, operators);
      if (operator === '$not') {
        if (depth >= 3) continue;
        const inner = this.condition(name, depth + 1);
        object.$not = typeof inner === 'object' && inner !== null ? inner : { $eq: inner };
      } else if (operator === '$in' || operator === '$nin') {
        object[operator] = Array.from({ length: 1 + this.rng.int(4) }, () => this.operand(name));
      } else if (operator === '$exists') {
        object[operator] = this.rng.next() < 0.5;
      } else {
        object[operator] = this.operand(name);
      }
    }
    return Object.keys(object).length === 0 ? { $exists: true } : object;
  }

  private operand(name: string): unknown {
    return pick(this.rng, this.pools.get(name)!);
  }
}

// --- the independent evaluator -----------------------------------------------------------------------

function present(value: unknown): boolean {
  return value !== undefined && value !== null && !(Array.isArray(value) && value.length === 0);
}

function equals(value: unknown, operand: unknown): boolean {
  if (!present(value)) return false;
  return Array.isArray(value) ? value.includes(operand) : value === operand;
}

function operatorHolds(operator: string, operand: unknown, value: unknown, name: string, row: Row): boolean {
  switch (operator) {
    case '$eq':
      return equals(value, operand);
    case '$ne':
      return !equals(value, operand);
    case '$gt':
      return present(value) && (value as number) > (operand as number);
    case '$gte':
      return present(value) && (value as number) >= (operand as number);
    case '$lt':
      return present(value) && (value as number) < (operand as number);
    case '$lte':
      return present(value) && (value as number) <= (operand as number);
    case '$in':
      return (operand as unknown[]).some((x) => equals(value, x));
    case '$nin':
      return !(operand as unknown[]).some((x) => equals(value, x));
    case '$exists':
      return operand === present(value);
    case '$not':
      return !conditionHolds(name, operand, row);
    default:
      throw new Error(`evaluator: unexpected operator ${operator}`);
  }
}

function conditionHolds(name: string, condition: unknown, row: Row): boolean {
  const value = row[name];
  if (typeof condition === 'object' && condition !== null && !Array.isArray(condition)) {
    return Object.entries(condition).every(([operator, operand]) =>
      operatorHolds(operator, operand, value, name, row),
    );
  }
  return equals(value, condition);
}

export function evaluateFilter(filter: Row, row: Row): boolean {
  return Object.entries(filter).every(([key, value]) => {
    if (key === '$and') return (value as Row[]).every((child) => evaluateFilter(child, row));
    if (key === '$or') return (value as Row[]).some((child) => evaluateFilter(child, row));
    if (key === '$not') return !evaluateFilter(value as Row, row);
    return conditionHolds(key, value, row);
  });
}
