/**
 * Regenerates each WebAssembly module's `*-binary.ts` from its `.wat` (the binary is embedded as base64
 * so the bundled functions need no extra file): `npx tsx scripts/wasm/build-wasm.ts`.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { compileWat } from './compile-wat.ts';

const modules = [
  { name: 'fast-scan', constant: 'FAST_SCAN_WASM_BASE64' },
  { name: 'block-scan', constant: 'BLOCK_SCAN_WASM_BASE64' },
];

for (const { name, constant } of modules) {
  const folder = join(import.meta.dirname, '../../shared/search', name);
  const binary = await compileWat(`${name}.wat`, await readFile(join(folder, `${name}.wat`), 'utf8'));
  const base64 = Buffer.from(binary).toString('base64');
  await writeFile(
    join(folder, `${name}-binary.ts`),
    `/** ${name}.wat compiled (scripts/wasm/build-wasm.ts); do not edit. */\nexport const ${constant} =\n  '${base64}';\n`,
  );
  console.log(`${name}-binary.ts: ${binary.length} bytes`);
}
