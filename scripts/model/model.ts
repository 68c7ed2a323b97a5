/**
 * `npm run model`: predicts what squash costs and how fast it answers on AWS Lambda for 1 M – 1 B
 * vectors, from measured inputs and list prices, recommends a configuration per size and flags every
 * Lambda limit a configuration breaks. Prints tables and writes bench-results/model.json.
 *
 *   npm run model -- [--inputs bench-results/model-inputs.json] [--vectors 1e6,1e7,1e8,1e9] [--dim 768]
 *     [--batch 1,100] [--selectivity 0.1] [--concurrent-requests 10] [--out bench-results] [--write-doc]
 *   npm run model -- --validate [--cores 2]
 *
 * --inputs: measured inputs (as `--validate` writes them; default: the calibration in
 *   measured-inputs.ts). --write-doc: rewrites the generated tables of docs/cost-model.md (only with
 *   the default scenario and inputs, which the unit test checks the doc against).
 * --validate: runs validate.ts on the local stack (a few minutes) and prints predicted against measured.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DOC_SCENARIO, type Scenario, scenarioRows } from './aws-scenarios.ts';
import { renderDocTables, replaceGenerated } from './doc-tables.ts';
import { DEFAULT_INPUTS, type MeasuredInputs } from './measured-inputs.ts';
import { defaultsTable, flaggedTable, recommendedTable } from './render-tables.ts';
import { validate } from './validate.ts';

const { values: args } = parseArgs({
  options: {
    validate: { type: 'boolean', default: false },
    cores: { type: 'string', default: '2' },
    inputs: { type: 'string' },
    vectors: { type: 'string' },
    dim: { type: 'string' },
    batch: { type: 'string' },
    selectivity: { type: 'string' },
    'concurrent-requests': { type: 'string' },
    out: { type: 'string', default: 'bench-results' },
    'write-doc': { type: 'boolean', default: false },
  },
});

if (args.validate) {
  await validate({ out: args.out!, cores: positive('--cores', args.cores!) });
} else {
  const inputs: MeasuredInputs = args.inputs
    ? { ...DEFAULT_INPUTS, ...(JSON.parse(await readFile(args.inputs, 'utf8')) as Partial<MeasuredInputs>) }
    : DEFAULT_INPUTS;
  const scenario: Scenario = {
    ...DOC_SCENARIO,
    ...(args.vectors ? { vectors: list('--vectors', args.vectors) } : {}),
    ...(args.dim ? { dim: positive('--dim', args.dim) } : {}),
    ...(args.batch ? { batchSizes: list('--batch', args.batch) } : {}),
    ...(args.selectivity ? { selectivity: positive('--selectivity', args.selectivity) } : {}),
    ...(args['concurrent-requests']
      ? {
          concurrentRequests: (() => {
            const inFlight = positive('--concurrent-requests', args['concurrent-requests']);
            return () => inFlight;
          })(),
        }
      : {}),
  };
  const rows = scenarioRows(scenario, inputs);
  console.log(
    `AWS Lambda (arm64, us-east-1 list prices), ${scenario.dim} dims, filter passing ${scenario.selectivity * 100} %, ` +
      `${scenario.batchSizes.map((b) => `${scenario.concurrentRequests(b)} requests of ${b} in flight`).join(', ')}, warm processors.\n\nRecommended (cheapest meeting the latency target, no Lambda limit broken):`,
  );
  console.log(recommendedTable(rows));
  console.log('\nThe stack as deployed by default (G 8, tree (4, 2), 1,024 / 1,769 MiB) with P = 64:');
  console.log(defaultsTable(rows));
  console.log('\nCandidates dropped by the recommendation, per Lambda limit:');
  console.log(flaggedTable(rows));
  await mkdir(args.out!, { recursive: true });
  const file = join(args.out!, 'model.json');
  await writeFile(
    file,
    `${JSON.stringify(
      {
        scenario: {
          ...scenario,
          latencyTargetMs: scenario.batchSizes.map(scenario.latencyTargetMs),
          concurrentRequests: scenario.batchSizes.map(scenario.concurrentRequests),
        },
        inputs,
        rows,
      },
      null,
      2,
    )}\n`,
  );
  console.log(`\nwrote ${file}`);
  if (args['write-doc']) {
    if (args.vectors || args.dim || args.batch || args.selectivity || args['concurrent-requests']) {
      throw new Error('--write-doc takes the default scenario only; drop --vectors, --dim, --batch, … ');
    }
    if (args.inputs)
      throw new Error('--write-doc takes the default inputs only (measured-inputs.ts); drop --inputs');
    const doc = resolve(import.meta.dirname, '../../docs/cost-model.md');
    await writeFile(doc, replaceGenerated(await readFile(doc, 'utf8'), renderDocTables()));
    // Formatted as every checked-in file is (the doc test compares the tables without Biome's padding).
    execFileSync(resolve(import.meta.dirname, '../../node_modules/.bin/biome'), ['format', '--write', doc], {
      stdio: 'inherit',
    });
    console.log(`updated ${doc}`);
  }
}

function positive(name: string, value: string): number {
  const n = Number(value);
  if (!(n > 0)) throw new Error(`${name} must be a positive number; received ${JSON.stringify(value)}`);
  return n;
}

function list(name: string, value: string): number[] {
  return value.split(',').map((entry) => positive(name, entry.trim()));
}
