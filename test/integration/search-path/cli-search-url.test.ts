/**
 * `squash search --url <searchUrl> --index <name>` (the real CLI in a child process) prints the same JSON
 * lines as `squash search --index <local dir>` over the same index: the target's index is copied out
 * to a temporary directory, and both run siftsmall's 100 query vectors, unfiltered and filtered.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyIndex } from '../../../shared/format/index.ts';
import { LocalDirectoryStore } from '../../../shared/store/index.ts';
import { dataDir } from '../../datasets/data-dir.ts';
import { projectRoot, type SearchTarget, startSearchTarget } from '../support/search-target.ts';
import { loadSiftsmall, siftsmallIndex } from './siftsmall.ts';

const run = promisify(execFile);
const index = 'sift-cli';
const queryFile = join(dataDir, 'siftsmall', 'siftsmall_query.fvecs');

describe('squash search --url prints what squash search --index prints', () => {
  let target: SearchTarget;
  let localDir: string;

  beforeAll(async () => {
    target = await startSearchTarget();
    await copyIndex(await siftsmallIndex(await loadSiftsmall()), target.indexStore(index));
    localDir = await mkdtemp(join(tmpdir(), 'squash-cli-'));
    await copyIndex(target.indexStore(index), new LocalDirectoryStore(localDir));
  });

  afterAll(async () => {
    await target?.stop();
    if (localDir) await rm(localDir, { recursive: true, force: true });
  });

  async function squash(args: string[]): Promise<string[]> {
    const { stdout, stderr } = await run(process.execPath, [resolve(projectRoot, 'bin/squash.js'), ...args], {
      cwd: projectRoot,
      maxBuffer: 64 * 1024 * 1024,
    });
    expect(stderr).toBe('');
    return stdout.trimEnd().split('\n');
  }

  for (const [name, extra] of [
    ['unfiltered', []],
    ['filtered', ['--filter', '{"group": {"$in": ["amber", "cyan"]}, "u": {"$lt": 0.7}}']],
  ] as const) {
    it(`${name}: the same 100 JSON lines`, async () => {
      const common = ['--queries', queryFile, '--k', '10', ...extra];
      const [viaUrl, inProcess] = await Promise.all([
        squash([
          'search',
          '--url',
          target.searchUrl,
          '--index',
          index,
          ...common,
          ...(target.sign ? ['--sign'] : []),
        ]),
        squash(['search', '--index', localDir, ...common]),
      ]);
      expect(inProcess).toHaveLength(100);
      expect(JSON.parse(inProcess[0]!)).toMatchObject({ query: 0, hits: expect.any(Array) });
      expect(JSON.parse(inProcess[99]!).hits).toHaveLength(10);
      expect(viaUrl).toEqual(inProcess);
    });
  }
});
