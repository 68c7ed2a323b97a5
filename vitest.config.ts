import { defineConfig } from 'vitest/config';

/**
 * Test projects mirror the source (STYLE §13):
 * - unit: pure library code, no network, seeded generated data;
 * - infra: CDK assertions (bundling skipped);
 * - datasets: real benchmark data from SQUASH_DATA_DIR (default ../shared/data); fails loudly when missing;
 * - integration: the local stack over real HTTP.
 */
export default defineConfig({
  test: {
    projects: [
      { test: { name: 'unit', include: ['test/unit/**/*.test.ts'], testTimeout: 60_000 } },
      { test: { name: 'infra', include: ['test/infra/**/*.test.ts'], testTimeout: 120_000 } },
      {
        test: {
          name: 'datasets',
          include: ['test/datasets/**/*.test.ts'],
          testTimeout: 900_000,
          hookTimeout: 900_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          testTimeout: 300_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
