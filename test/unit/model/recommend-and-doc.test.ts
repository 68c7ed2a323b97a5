import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { baseConfiguration, DOC_SCENARIO } from '../../../scripts/model/aws-scenarios.ts';
import { generatedPart, renderDocTables } from '../../../scripts/model/doc-tables.ts';
import { awsEnvironment } from '../../../scripts/model/environment.ts';
import { DEFAULT_INPUTS } from '../../../scripts/model/measured-inputs.ts';
import { CANDIDATES, evaluate, recommend } from '../../../scripts/model/recommend.ts';
import { unpadded } from '../../support/unpadded-markdown.ts';

describe('recommend', () => {
  it('picks the cheapest unflagged candidate meeting the latency target', () => {
    const base = baseConfiguration(DOC_SCENARIO, 1e8, 1);
    const target = 100;
    const r = recommend(base, DEFAULT_INPUTS, awsEnvironment(), target);
    expect(r.meetsTarget).toBe(true);
    const best = r.best!;
    expect(best.flags).toEqual([]);
    expect(best.prediction.latencyMs).toBeLessThanOrEqual(target);
    // No candidate of the grid is cheaper by more than the 1 % tie band and also fits.
    let cheaper = 0;
    for (const partitions of CANDIDATES.partitions) {
      for (const processor of CANDIDATES.processorMemoryMiB) {
        for (const allocator of CANDIDATES.allocatorMemoryMiB) {
          const e = evaluate(
            { ...base, partitions, memoryMiB: { coordinator: allocator, allocator, processor } },
            DEFAULT_INPUTS,
            awsEnvironment(),
          );
          if (
            e.flags.length === 0 &&
            e.prediction.latencyMs <= target &&
            e.prediction.costPerMillionQueries < best.prediction.costPerMillionQueries * 0.99
          )
            cheaper++;
        }
      }
    }
    expect(cheaper).toBe(0);
    expect(r.evaluated).toBe(
      CANDIDATES.partitions.length *
        CANDIDATES.processorFunctions.length *
        CANDIDATES.trees.length *
        CANDIDATES.processorMemoryMiB.length *
        CANDIDATES.allocatorMemoryMiB.length,
    );
  });
});

describe('docs/cost-model.md', () => {
  it('holds the tables the model generates (npm run model -- --write-doc)', () => {
    const doc = readFileSync(resolve(import.meta.dirname, '../../../docs/cost-model.md'), 'utf8');
    expect(unpadded(generatedPart(doc) ?? '')).toBe(unpadded(renderDocTables()));
  });
});
