/**
 * Builds raw columns from rows arriving one at a time (a JSONL file is read row by row): typed arrays
 * grown by doubling, dictionaries collected in first-seen order and sorted at the end, so that the codes
 * do not depend on row order. Values are checked with `checkValue` before any column of the row is
 * appended, so a rejected row leaves the columns aligned.
 */

import type { AttributeColumn, CategoryColumn, NumberColumn, TagsColumn } from './attribute-columns.ts';
import { describeValue } from './describe-value.ts';

export interface ColumnBuilder {
  /** Appends one row's value (null/undefined = missing), already accepted by `checkValue`. */
  push(value: unknown): void;
  finish(): AttributeColumn;
}

/** What is wrong with `value` for an attribute of `kind` ("expects …, received …"), or undefined. */
export function checkValue(kind: AttributeColumn['kind'], value: unknown): string | undefined {
  if (value === null || value === undefined) return undefined;
  switch (kind) {
    case 'number':
      return typeof value === 'number' && Number.isFinite(value)
        ? undefined
        : `expects a finite number, received ${describeValue(value)}`;
    case 'category':
      return typeof value === 'string' ? undefined : `expects a string, received ${describeValue(value)}`;
    case 'tags': {
      if (!Array.isArray(value)) return `expects an array of strings, received ${describeValue(value)}`;
      const bad = value.findIndex((tag) => typeof tag !== 'string');
      return bad < 0
        ? undefined
        : `expects an array of strings, received ${describeValue(value[bad])} at index ${bad}`;
    }
  }
}

const INITIAL_CAPACITY = 1024;

function grown<T extends Float64Array | Int32Array | Uint32Array>(array: T, needed: number): T {
  if (needed <= array.length) return array;
  const next = new (array.constructor as new (length: number) => T)(Math.max(needed, array.length * 2));
  next.set(array);
  return next;
}

export class NumberColumnBuilder implements ColumnBuilder {
  private values = new Float64Array(INITIAL_CAPACITY);
  private count = 0;

  push(value: unknown): void {
    this.values = grown(this.values, this.count + 1);
    this.values[this.count++] = typeof value === 'number' ? value : Number.NaN;
  }

  finish(): NumberColumn {
    return { kind: 'number', values: this.values.slice(0, this.count) };
  }
}

/** Provisional codes in first-seen order; `finish` sorts the dictionary and renumbers. */
class Dictionary {
  private readonly codes = new Map<string, number>();
  readonly entries: string[] = [];

  code(value: string): number {
    let code = this.codes.get(value);
    if (code === undefined) {
      code = this.entries.length;
      this.codes.set(value, code);
      this.entries.push(value);
    }
    return code;
  }

  /** The sorted dictionary and provisional code → final code. */
  sorted(): { dictionary: string[]; renumber: Int32Array } {
    const dictionary = [...this.entries].sort();
    const renumber = new Int32Array(dictionary.length);
    dictionary.forEach((value, code) => {
      renumber[this.codes.get(value)!] = code;
    });
    return { dictionary, renumber };
  }
}

export class CategoryColumnBuilder implements ColumnBuilder {
  private codes = new Int32Array(INITIAL_CAPACITY);
  private count = 0;
  private readonly dictionary = new Dictionary();

  push(value: unknown): void {
    this.codes = grown(this.codes, this.count + 1);
    this.codes[this.count++] = typeof value === 'string' ? this.dictionary.code(value) : -1;
  }

  finish(): CategoryColumn {
    const { dictionary, renumber } = this.dictionary.sorted();
    const codes = this.codes.slice(0, this.count);
    for (let i = 0; i < codes.length; i++) {
      const code = codes[i]!;
      if (code >= 0) codes[i] = renumber[code]!;
    }
    return { kind: 'category', codes, dictionary };
  }
}

export class TagsColumnBuilder implements ColumnBuilder {
  private offsets = new Uint32Array(INITIAL_CAPACITY + 1);
  private codes = new Int32Array(INITIAL_CAPACITY);
  private count = 0;
  private total = 0;
  private readonly dictionary = new Dictionary();

  push(value: unknown): void {
    if (Array.isArray(value)) {
      this.codes = grown(this.codes, this.total + value.length);
      const start = this.total;
      for (const tag of value as string[]) {
        const code = this.dictionary.code(tag);
        let duplicate = false;
        for (let j = start; j < this.total; j++) duplicate ||= this.codes[j] === code;
        if (!duplicate) this.codes[this.total++] = code;
      }
    }
    this.offsets = grown(this.offsets, this.count + 2);
    this.offsets[++this.count] = this.total;
  }

  finish(): TagsColumn {
    const { dictionary, renumber } = this.dictionary.sorted();
    const codes = this.codes.slice(0, this.total);
    const offsets = this.offsets.slice(0, this.count + 1);
    for (let row = 0; row < this.count; row++) {
      const start = offsets[row]!;
      const end = offsets[row + 1]!;
      // Renumber, then insertion-sort the row's few codes so that every tag set is ascending.
      for (let i = start; i < end; i++) {
        const code = renumber[codes[i]!]!;
        let j = i;
        while (j > start && codes[j - 1]! > code) {
          codes[j] = codes[j - 1]!;
          j--;
        }
        codes[j] = code;
      }
    }
    return { kind: 'tags', offsets, codes, dictionary };
  }
}

export function columnBuilder(kind: AttributeColumn['kind']): ColumnBuilder {
  switch (kind) {
    case 'number':
      return new NumberColumnBuilder();
    case 'category':
      return new CategoryColumnBuilder();
    case 'tags':
      return new TagsColumnBuilder();
  }
}
