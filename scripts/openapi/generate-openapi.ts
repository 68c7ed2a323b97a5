/**
 * `npm run openapi`: writes the OpenAPI 3.1 document of the HTTP API (`functions/api/openapi-document.ts`)
 * to docs/openapi.json and regenerates the options table of docs/api.md, both formatted by Biome like
 * every checked-in file (it pads table cells; the test compares tables without the padding). test/unit/api/openapi.test.ts fails when either differs from what this would write.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openApiDocument } from '../../functions/api/openapi-document.ts';
import { withOptionsTable } from './options-table.ts';

const root = join(import.meta.dirname, '../..');
const documentPath = join(root, 'docs/openapi.json');
const apiPath = join(root, 'docs/api.md');

writeFileSync(documentPath, `${JSON.stringify(openApiDocument(), null, 2)}\n`);
writeFileSync(apiPath, withOptionsTable(readFileSync(apiPath, 'utf8')));
execFileSync(join(root, 'node_modules/.bin/biome'), ['format', '--write', documentPath, apiPath], {
  stdio: 'inherit',
});
process.stdout.write(`wrote ${documentPath} and the options table of ${apiPath}\n`);
