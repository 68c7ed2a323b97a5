/**
 * Damaged data (docs/robustness.md "Damaged data"): a small seeded index with every kind of attribute
 * and external ids is built into a store; then every stored object — CURRENT, manifest.json,
 * centroids.bin, attributes.bin, ids.bin and each partition — is damaged in many ways, one edit at a
 * time: a bit flipped at every byte (a spread of offsets for larger objects), truncations at a spread of
 * lengths, bytes appended, and for the manifest every JSON value edited keeping valid JSON. After each
 * edit every reader path runs (through CURRENT with searches; by version as allocators and processors
 * open it) and must either fail with a SquashError or give byte-identical results. Counts are printed
 * at the end; the suite fails on any silently changed answer, any other error, and any edit that is not
 * detected: every stored byte is checked, so none may go unnoticed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AttributeTable } from '../../../shared/attributes/index.ts';
import { buildIndex } from '../../../shared/build/build-index.ts';
import { SquashError } from '../../../shared/errors/index.ts';
import { CURRENT_KEY, manifestKey, versionKeys } from '../../../shared/format/index.ts';
import { MemoryBlobStore } from '../../../shared/store/index.ts';
import { generateDataset, generateQueries, SYNTHETIC_SCHEMA } from '../../../shared/synthetic/index.ts';
import { byteEdits, type Edit, type Spread } from './damage/byte-edits.ts';
import { publishedAnswers, versionView, type Workload } from './damage/index-views.ts';
import { jsonFieldEdits } from './damage/json-edits.ts';

const count = 150;
const dim = 8;
const partitions = 3;
const VERSION = 1;
const keys = versionKeys(VERSION);
/** Every object the build stores, in the order they are damaged. */
const OBJECTS = [
  CURRENT_KEY,
  keys.manifest,
  keys.centroids,
  keys.attributes,
  keys.externalIds,
  ...Array.from({ length: partitions }, (_, p) => keys.partition(p)),
];
/** Every byte of the manifest; every byte of the first 512 and 1,024 spread offsets of larger binaries. */
const spreadOf = (key: string): Spread =>
  key === keys.manifest
    ? { everyByteUpTo: Number.POSITIVE_INFINITY, headBytes: 0, samples: 0 }
    : { everyByteUpTo: 4096, headBytes: 512, samples: 1024 };

const queries = generateQueries({ count: 3, dim, seed: 10, fromDataset: { seed: 9, clusters: 3 } });
const workload: Workload = {
  queries: Array.from({ length: queries.count }, (_, q) => queries.vectors.subarray(q * dim, (q + 1) * dim)),
  filters: [
    undefined,
    { category: { $in: ['red', 'green'] } },
    { category: { $nin: ['blue', 'white', 'black'] } },
    { tags: 'popular', u: { $lt: 0.7 } },
    { $or: [{ score: { $gte: 0.5 } }, { category: 'violet' }] },
  ],
  k: 5,
};

type Outcome = 'detected' | 'unchanged' | 'silently changed' | 'unclear error';

interface Tally {
  readonly object: string;
  readonly bytes: number;
  readonly tried: Record<Edit['kind'], number>;
  readonly detected: Record<Edit['kind'], number>;
}

const store = new MemoryBlobStore('memory://damaged');
const originals = new Map<string, Uint8Array>();
const baseline = { published: '', version: '' };
const tallies: Tally[] = [];
const examples = new Map<string, string>();

async function buildSeededIndex(): Promise<void> {
  const data = generateDataset({ count, dim, seed: 9, clusters: 3 });
  await buildIndex(
    {
      vectors: data.vectors,
      count,
      dim,
      attributes: new AttributeTable(SYNTHETIC_SCHEMA, count, data.attributes!.columns()),
      ids: Array.from({ length: count }, (_, i) => `item-${i}`),
    },
    store,
    { partitions, bitsPerDim: 4, metric: 'l2', seed: 1, kmeansIterations: 5 },
  );
  for (const key of await store.list('')) originals.set(key, await store.get(key));
}

/** Runs `view`: a SquashError is detection; otherwise the result must be what the undamaged index gave. */
async function outcomeOf(view: () => Promise<string>, expected: string): Promise<[Outcome, unknown]> {
  try {
    return [(await view()) === expected ? 'unchanged' : 'silently changed', undefined];
  } catch (error) {
    return [error instanceof SquashError ? 'detected' : 'unclear error', error];
  }
}

/** Applies each edit in turn (restoring the object after it) and runs every reader path that reads `key`. */
async function damage(key: string, edits: readonly Edit[]): Promise<{ tally: Tally; undetected: string[] }> {
  const zero = { flip: 0, truncate: 0, append: 0, field: 0 };
  const original = originals.get(key)!;
  const tally: Tally = { object: key, bytes: original.byteLength, tried: { ...zero }, detected: { ...zero } };
  const undetected: string[] = [];
  const paths: [string, () => Promise<string>, string][] = [
    ['through CURRENT', () => publishedAnswers(store, workload), baseline.published],
  ];
  // Opening a version by number (allocators, processors) never reads CURRENT.
  if (key !== CURRENT_KEY)
    paths.push(['by version', () => versionView(store, VERSION, workload), baseline.version]);
  for (const edit of edits) {
    await store.put(key, edit.apply(original));
    tally.tried[edit.kind]++;
    const outcomes: string[] = [];
    for (const [path, view, expected] of paths) {
      const [outcome, error] = await outcomeOf(view, expected);
      if (outcome !== 'detected') outcomes.push(`${path}: ${outcome}${error ? ` (${String(error)})` : ''}`);
      const example = `${key.replace(/^v\d+\//, '')}, ${edit.kind}, ${path}`;
      if (outcome === 'detected' && !examples.has(example)) examples.set(example, (error as Error).message);
    }
    if (outcomes.length === 0) tally.detected[edit.kind]++;
    else undetected.push(`${edit.description}: ${outcomes.join('; ')}`);
  }
  await store.put(key, original);
  tallies.push(tally);
  return { tally, undetected };
}

describe('a damaged index', () => {
  beforeAll(async () => {
    await buildSeededIndex();
    baseline.published = await publishedAnswers(store, workload);
    baseline.version = await versionView(store, VERSION, workload);
  }, 120_000);

  afterAll(() => {
    const sum = (record: Record<string, number>) => Object.values(record).reduce((a, b) => a + b, 0);
    const cell = (tally: Tally, kind: Edit['kind']) =>
      tally.tried[kind] === 0 ? '' : `${tally.detected[kind]}/${tally.tried[kind]}`;
    const tried = tallies.reduce((total, tally) => total + sum(tally.tried), 0);
    const detected = tallies.reduce((total, tally) => total + sum(tally.detected), 0);
    console.log('damaged index: edits detected / tried, per object (each edit runs every reader path)');
    console.table(
      tallies.map((tally) => ({
        object: tally.object,
        bytes: tally.bytes,
        'bit flips': cell(tally, 'flip'),
        truncations: cell(tally, 'truncate'),
        appends: cell(tally, 'append'),
        'JSON edits': cell(tally, 'field'),
        detected: `${((100 * sum(tally.detected)) / sum(tally.tried)).toFixed(1)} %`,
      })),
    );
    console.log(`total: ${detected} of ${tried} edits detected (${((100 * detected) / tried).toFixed(2)} %)`);
    console.log('first message per object, kind of edit and reader path:');
    for (const [what, message] of examples) console.log(`  ${what}: ${message}`);
  });

  it('gives answers to damage (the workload returns hits, filtered and not)', () => {
    const answers = JSON.parse(baseline.published) as unknown[][][];
    expect(answers.every((perFilter) => perFilter.every((hits) => hits.length === workload.k))).toBe(true);
    expect([...originals.keys()].sort()).toEqual([...OBJECTS].sort());
  });

  for (const key of OBJECTS) {
    it(`detects every edit of ${key}`, { timeout: 15 * 60_000 }, async () => {
      const original = originals.get(key)!;
      const edits = byteEdits(key, original.byteLength, spreadOf(key));
      if (key === manifestKey(VERSION)) edits.push(...jsonFieldEdits(key, original));
      const { tally, undetected } = await damage(key, edits);
      expect(undetected).toEqual([]);
      expect(Object.values(tally.tried).reduce((a, b) => a + b, 0)).toBe(edits.length);
    });
  }
});
