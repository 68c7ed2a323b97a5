/**
 * Builds what `import … from 'squash-vector/client'` loads (package.json `exports`): one ESM bundle of
 * the client, its dependencies (zod, the AWS signing packages) left to the installing application, and
 * declarations for the types (`tsc -p tsconfig.client.json`). Run by `npm run build:client` and before
 * `npm pack`; the output goes to dist/client (not committed).
 */
import { execFileSync } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import { build } from 'esbuild';

const root = resolve(import.meta.dirname, '../..');
const out = resolve(root, 'dist/client');
await rm(out, { recursive: true, force: true });
await build({
  entryPoints: [resolve(root, 'scripts/client/index.ts')],
  outfile: resolve(out, 'index.js'),
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  sourcemap: true,
  logLevel: 'warning',
});
const tsc = resolve(root, 'node_modules/typescript/bin/tsc');
execFileSync(process.execPath, [tsc, '-p', resolve(root, 'tsconfig.client.json')], { stdio: 'inherit' });
console.log(`client built: ${out}`);
