/**
 * The design document lives in the repository: every "DESIGN §N" (and `§N "Title"`) that code or docs
 * cite exists in docs/design.md, and the README and docs link only to files inside the repository.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../infra/project-root.ts';

const design = readFileSync(join(PROJECT_ROOT, 'docs/design.md'), 'utf8');

/** Files below `dir` whose names end with one of `extensions`, skipping generated and vendored folders. */
function filesUnder(dir: string, extensions: readonly string[]): string[] {
  const skip = new Set(['node_modules', 'dist', 'cdk.out', '.git', 'scratch', 'images', 'fixtures']);
  const found: string[] = [];
  for (const entry of readdirSync(dir)) {
    if (skip.has(entry) || entry.startsWith('.')) continue;
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) found.push(...filesUnder(path, extensions));
    else if (extensions.some((extension) => entry.endsWith(extension))) found.push(path);
  }
  return found;
}

/** The design's sections: `N` for `## N. …`, and `N "Title"` for each `### Title` below it. */
function designSections(): Set<string> {
  const sections = new Set<string>();
  let current = '';
  for (const line of design.split('\n')) {
    const top = /^## (\d+)\. /.exec(line);
    if (top) {
      current = top[1]!;
      sections.add(current);
      continue;
    }
    const sub = /^### (.+)$/.exec(line);
    if (sub && current !== '') sections.add(`${current} "${sub[1]}"`);
  }
  return sections;
}

describe('docs/design.md', () => {
  it('has sections 1 to 7, in order', () => {
    const numbers = [...design.matchAll(/^## (\d+)\. /gm)].map((m) => Number(m[1]));
    expect(numbers.slice(0, 7)).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it('has every section the code and the docs cite as DESIGN §N', () => {
    const sections = designSections();
    const sources = [
      ...['shared', 'functions', 'infra', 'scripts', 'test'].flatMap((dir) =>
        filesUnder(join(PROJECT_ROOT, dir), ['.ts']),
      ),
      ...filesUnder(join(PROJECT_ROOT, 'docs'), ['.md']),
    ];
    const cited = new Map<string, string>();
    for (const file of sources) {
      for (const match of readFileSync(file, 'utf8').matchAll(/DESIGN §(\d+)(?: "([^"]+)")?/g)) {
        const section = match[2] === undefined ? match[1]! : `${match[1]} "${match[2]}"`;
        cited.set(section, relative(PROJECT_ROOT, file));
      }
    }
    expect(cited.size).toBeGreaterThan(5);
    for (const [section, file] of cited) expect(sections, `§${section}, cited in ${file}`).toContain(section);
  });
});

describe('links of the README and docs', () => {
  it('point only at files inside the repository', () => {
    const pages = [join(PROJECT_ROOT, 'README.md'), ...filesUnder(join(PROJECT_ROOT, 'docs'), ['.md'])];
    let checked = 0;
    for (const page of pages) {
      // Code blocks and spans hold no links (and may hold `](…)`).
      const text = readFileSync(page, 'utf8')
        .replace(/```[\s\S]*?```/g, '')
        .replace(/`[^`\n]*`/g, '');
      for (const match of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        const target = match[1]!;
        if (/^[a-z]+:/.test(target) || target.startsWith('#')) continue;
        const path = resolve(dirname(page), target.split('#')[0]!);
        const where = `${relative(PROJECT_ROOT, page)} → ${target}`;
        expect(relative(PROJECT_ROOT, path).startsWith('..'), where).toBe(false);
        expect(existsSync(path), where).toBe(true);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(20);
  });
});
