/** The README's examples are checked here so that they cannot rot (STYLE §16). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { searchRequestSchema } from '../../functions/coordinator/search-request.ts';
import { parseFilter } from '../../shared/attributes/index.ts';

const root = join(import.meta.dirname, '../..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const scripts = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).scripts as Record<
  string,
  string
>;
const jsonBlocks = [...readme.matchAll(/```json\n([\s\S]*?)```/g)].map((match) => JSON.parse(match[1]!));

describe('README', () => {
  it('starts with the two commands: install + demo, then test', () => {
    const firstBlock = /```sh\n([\s\S]*?)```/.exec(readme)![1]!.trim().split('\n');
    expect(firstBlock[0]).toMatch(/^npm install && npm run demo\b/);
    expect(firstBlock[1]).toMatch(/^npm test\b/);
  });

  it('names only npm scripts that exist', () => {
    const named = new Set([...readme.matchAll(/npm run ([a-z:]+)/g)].map((match) => match[1]!));
    expect(named.size).toBeGreaterThan(4);
    for (const name of named) expect(Object.keys(scripts)).toContain(name);
  });

  it('its filter example is valid filter language', () => {
    const schema = {
      attributes: [
        { name: 'price', kind: 'number' as const },
        { name: 'color', kind: 'category' as const },
        { name: 'tags', kind: 'tags' as const },
        { name: 'brand', kind: 'category' as const },
      ],
    };
    expect(() => parseFilter(jsonBlocks[0], schema)).not.toThrow();
  });

  it('its HTTP request example is a valid search request, vectorBase64 included', () => {
    const request = searchRequestSchema.parse(jsonBlocks[1]);
    expect(request.queries).toHaveLength(2);
    const bytes = Buffer.from(jsonBlocks[1].queries[1].vectorBase64, 'base64');
    expect([...new Float32Array(bytes.buffer, bytes.byteOffset, 2)]).toEqual([
      Math.fround(0.1),
      Math.fround(0.2),
    ]);
  });
});
