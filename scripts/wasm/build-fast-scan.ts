/**
 * Regenerates shared/search/fast-scan/fast-scan-binary.ts from fast-scan.wat (the binary is embedded as
 * base64 so the bundled functions need no extra file): `npx tsx scripts/wasm/build-fast-scan.ts`.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { compileWat } from './compile-wat.ts';

const folder = join(import.meta.dirname, '../../shared/search/fast-scan');
const binary = await compileWat('fast-scan.wat', await readFile(join(folder, 'fast-scan.wat'), 'utf8'));
const base64 = Buffer.from(binary).toString('base64');
await writeFile(
  join(folder, 'fast-scan-binary.ts'),
  `/** fast-scan.wat compiled (scripts/wasm/build-fast-scan.ts); do not edit. */\nexport const FAST_SCAN_WASM_BASE64 =\n  '${base64}';\n`,
);
console.log(`fast-scan-binary.ts: ${binary.length} bytes`);
