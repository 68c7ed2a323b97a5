import { describe, expect, it } from 'vitest';
import { AttributeTable } from '../../../shared/attributes/attribute-table.ts';
import { InvalidInputError } from '../../../shared/errors/index.ts';
import {
  CATEGORY_VALUES,
  generateDataset,
  SYNTHETIC_SCHEMA,
  SYNTHETIC_TAGS,
  type SyntheticDataset,
  SyntheticDatasetStream,
} from '../../../shared/synthetic/index.ts';

const bytes = (array: ArrayBufferView) => Buffer.from(array.buffer, array.byteOffset, array.byteLength);

function concatenated(chunks: SyntheticDataset[]): {
  vectors: Buffer;
  labels: Buffer;
  u: Buffer;
  tags: Buffer;
} {
  return {
    vectors: Buffer.concat(chunks.map((c) => bytes(c.vectors))),
    labels: Buffer.concat(chunks.map((c) => bytes(c.labels))),
    u: Buffer.concat(chunks.map((c) => bytes(c.attributes!.u))),
    tags: Buffer.concat(chunks.map((c) => bytes(c.attributes!.tagBits))),
  };
}

/** Binomial tolerance: `sigmas` standard deviations of a fraction p over n draws. */
function tolerance(p: number, n: number, sigmas = 4): number {
  return sigmas * Math.sqrt((p * (1 - p)) / n);
}

describe('generateDataset', () => {
  it('has the requested shapes', () => {
    const dataset = generateDataset({ count: 500, dim: 12, seed: 1, clusters: 5 });
    expect(dataset.count).toBe(500);
    expect(dataset.dim).toBe(12);
    expect(dataset.vectors.length).toBe(500 * 12);
    expect(dataset.labels.length).toBe(500);
    expect(Math.max(...dataset.labels)).toBeLessThan(5);
    const attributes = dataset.attributes!;
    expect(attributes.count).toBe(500);
    for (const column of [attributes.u, attributes.category, attributes.tagBits, attributes.score]) {
      expect(column.length).toBe(500);
    }
    expect(dataset.vectors.every(Number.isFinite)).toBe(true);
  });

  it('is deterministic for a seed, depends on it, and keeps vectors independent of attributes', () => {
    const options = { count: 300, dim: 8, seed: 77 };
    const a = generateDataset(options);
    const b = generateDataset(options);
    expect(bytes(b.vectors)).toEqual(bytes(a.vectors));
    expect(bytes(b.labels)).toEqual(bytes(a.labels));
    expect(bytes(b.attributes!.u)).toEqual(bytes(a.attributes!.u));
    expect(bytes(b.attributes!.category)).toEqual(bytes(a.attributes!.category));
    expect(bytes(b.attributes!.tagBits)).toEqual(bytes(a.attributes!.tagBits));
    expect(bytes(b.attributes!.score)).toEqual(bytes(a.attributes!.score));
    expect(bytes(generateDataset({ ...options, seed: 78 }).vectors)).not.toEqual(bytes(a.vectors));
    const vectorsOnly = generateDataset({ ...options, attributes: false });
    expect(vectorsOnly.attributes).toBeNull();
    expect(bytes(vectorsOnly.vectors)).toEqual(bytes(a.vectors));
  });

  it('streams in chunks exactly what it generates at once', () => {
    const options = { count: 1000, dim: 5, seed: 3, clusters: 7 };
    const whole = concatenated([generateDataset(options)]);
    const stream = new SyntheticDatasetStream(options);
    const chunks: SyntheticDataset[] = [];
    for (let chunk = stream.next(333); chunk !== null; chunk = stream.next(333)) chunks.push(chunk);
    expect(chunks.map((c) => c.count)).toEqual([333, 333, 333, 1]);
    expect(stream.remaining).toBe(0);
    expect(concatenated(chunks)).toEqual(whole);
  });

  it('gives the attributes their documented selectivities', () => {
    const n = 20_000;
    const { attributes, labels } = generateDataset({ count: n, dim: 2, seed: 5 });
    const { u, category, tagBits, score } = attributes!;
    expect(u.every((x) => x >= 0 && x < 1)).toBe(true);
    for (const s of [0.01, 0.1, 0.5]) {
      expect(Math.abs(u.filter((x) => x < s).length / n - s)).toBeLessThan(tolerance(s, n));
    }
    const perCategory = new Array(CATEGORY_VALUES.length).fill(0);
    for (const code of category) perCategory[code]++;
    for (const count of perCategory) expect(Math.abs(count / n - 0.1)).toBeLessThan(tolerance(0.1, n));
    SYNTHETIC_TAGS.forEach(({ probability }, t) => {
      const carrying = tagBits.filter((bits) => (bits >>> t) & 1).length;
      expect(Math.abs(carrying / n - probability)).toBeLessThan(tolerance(probability, n));
    });
    expect(score.every((x) => x >= 0 && x < 1)).toBe(true);
    // score is a function of the cluster up to a 1/clusters-wide jitter: rows of one cluster share a bin.
    const bins = new Map<number, Set<number>>();
    score.forEach((x, i) => {
      const bin = bins.get(labels[i]!) ?? new Set<number>();
      bin.add(Math.floor(x * 32));
      bins.set(labels[i]!, bin);
    });
    expect([...bins.values()].every((set) => set.size === 1)).toBe(true);
    expect(bins.size).toBe(32);
  });

  it('yields row objects and attribute-table columns that agree with the columns', () => {
    const { attributes } = generateDataset({ count: 400, dim: 3, seed: 9 });
    const rows = [...attributes!.rows()];
    expect(rows.length).toBe(400);
    rows.forEach((row, i) => {
      expect(row.u).toBe(attributes!.u[i]);
      expect(row.category).toBe(CATEGORY_VALUES[attributes!.category[i]!]);
      expect(row.score).toBe(attributes!.score[i]);
      const expectedTags = SYNTHETIC_TAGS.filter((_, t) => (attributes!.tagBits[i]! >>> t) & 1).map(
        (t) => t.name,
      );
      expect(row.tags).toEqual(expectedTags);
    });
    const table = new AttributeTable(SYNTHETIC_SCHEMA, 400, attributes!.columns());
    const fromRows = AttributeTable.fromRows(SYNTHETIC_SCHEMA, rows);
    for (const i of [0, 1, 57, 399]) {
      for (let a = 0; a < 4; a++) expect(table.valueOf(i, a)).toEqual(fromRows.valueOf(i, a));
    }
  });

  it('draws clustered, anisotropic vectors rather than uniform noise', () => {
    const dim = 16;
    const { vectors, labels, count } = generateDataset({ count: 4000, dim, seed: 12, clusters: 4 });
    const means = new Float64Array(4 * dim);
    const sizes = new Float64Array(4);
    labels.forEach((c, i) => {
      sizes[c]!++;
      for (let d = 0; d < dim; d++) means[c * dim + d]! += vectors[i * dim + d]!;
    });
    means.forEach((_, k) => {
      means[k]! /= sizes[Math.floor(k / dim)]!;
    });
    const distance = (i: number, c: number) => {
      let s = 0;
      for (let d = 0; d < dim; d++) s += (vectors[i * dim + d]! - means[c * dim + d]!) ** 2;
      return s;
    };
    let nearestOwn = 0;
    for (let i = 0; i < count; i++) {
      const own = distance(i, labels[i]!);
      if ([0, 1, 2, 3].every((c) => c === labels[i] || distance(i, c) > own)) nearestOwn++;
    }
    expect(nearestOwn / count).toBeGreaterThan(0.95);
    // Within cluster 0, the top covariance eigenvalue (power iteration) dwarfs the average one.
    const rows = [...labels.keys()].filter((i) => labels[i] === 0);
    const covariance = new Float64Array(dim * dim);
    for (const i of rows) {
      for (let a = 0; a < dim; a++) {
        for (let b = 0; b < dim; b++) {
          covariance[a * dim + b]! +=
            ((vectors[i * dim + a]! - means[a]!) * (vectors[i * dim + b]! - means[b]!)) / rows.length;
        }
      }
    }
    let v = new Float64Array(dim).fill(1);
    let eigenvalue = 0;
    for (let iteration = 0; iteration < 100; iteration++) {
      const w = new Float64Array(dim);
      for (let a = 0; a < dim; a++) for (let b = 0; b < dim; b++) w[a]! += covariance[a * dim + b]! * v[b]!;
      eigenvalue = Math.hypot(...w);
      v = w.map((x) => x / eigenvalue);
    }
    let trace = 0;
    for (let a = 0; a < dim; a++) trace += covariance[a * dim + a]!;
    expect(eigenvalue / (trace / dim)).toBeGreaterThan(6);
  });

  it('rejects bad options with a typed error naming them', () => {
    expect(() => generateDataset({ count: 0, dim: 4, seed: 1 })).toThrow(
      new InvalidInputError('dataset count must be a positive integer, got 0'),
    );
    expect(() => generateDataset({ count: 10, dim: 2.5, seed: 1 })).toThrow(
      'dataset dim must be a positive integer, got 2.5',
    );
    expect(() => generateDataset({ count: 10, dim: 2, seed: -1 })).toThrow(
      'dataset seed must be a non-negative integer, got -1',
    );
    expect(() => generateDataset({ count: 10, dim: 2, seed: 1, clusters: 0 })).toThrow(
      'dataset clusters must be an integer in [1, 65536], got 0',
    );
    expect(() => new SyntheticDatasetStream({ count: 10, dim: 2, seed: 1 }).next(0)).toThrow(
      'maxRows must be a positive integer, got 0',
    );
  });
});
