/**
 * The client as an application gets it: `npm run build:client`, then an app in its own directory with
 * the package under node_modules/squash-vector (as `npm install` of a file dependency links it) imports
 * `SquashClient` from 'squash-vector/client' with plain Node (no TypeScript loader), signs its requests
 * with SigV4 and searches the stack; its answer must equal the in-repo client's. A wrong secret must be
 * refused (the local Function URL checks signatures it is given), and the package's types must accept a
 * well-formed request and reject a malformed one under `tsc`. The README's client example
 * (examples/search.mjs) runs too, over the index it names, built as the README builds it.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { searchUrl } from '../../../scripts/client/index.ts';
import { writeSyntheticDataset } from '../../../scripts/generate-dataset.ts';
import { copyIndex } from '../../../shared/format/index.ts';
import { wireQuery } from '../search-path/requests.ts';
import { loadSiftsmall, siftQuery, siftsmallIndex } from '../search-path/siftsmall.ts';
import { projectRoot, type SearchTarget, startSearchTarget } from '../support/search-target.ts';

const run = promisify(execFile);
const index = 'sift-client-package';

const app = `
import { SquashClient } from 'squash-vector/client';
const client = new SquashClient({ url: process.env.SQUASH_URL, sign: true, retry: { attempts: 2 } });
try {
  const answer = await client.search(JSON.parse(process.env.SQUASH_REQUEST));
  process.stdout.write(JSON.stringify(answer));
} catch (error) {
  process.stderr.write(\`\${error.constructor.name} \${error.status ?? ''}: \${error.message}\\n\`);
  process.exitCode = 1;
}
`;

const typedApp = `
import { SquashClient, type SearchResponse } from 'squash-vector/client';
const client = new SquashClient({ url: 'http://127.0.0.1:9/', sign: true });
const answer: SearchResponse = await client.search({ index: 'x', k: 3, queries: [{ vector: [1, 2] }] });
const id: number | string | undefined = answer.results[0]?.hits[0]?.id;
console.log(id);
`;

describe('the client package, imported by an application', () => {
  let target: SearchTarget;
  let appDir: string;
  let request: unknown;

  beforeAll(async () => {
    await run('npm', ['run', 'build:client'], { cwd: projectRoot });
    const data = await loadSiftsmall();
    target = await startSearchTarget();
    await copyIndex(await siftsmallIndex(data), target.indexStore(index));
    request = {
      index,
      k: 10,
      queries: [0, 1, 2].map((q) =>
        wireQuery({ vector: siftQuery(data, q), filter: q === 1 ? { u: { $lt: 0.3 } } : undefined }),
      ),
    };
    appDir = await mkdtemp(join(tmpdir(), 'squash-client-app-'));
    await mkdir(join(appDir, 'node_modules'));
    await symlink(projectRoot, join(appDir, 'node_modules', 'squash-vector'), 'dir');
    await writeFile(join(appDir, 'package.json'), JSON.stringify({ type: 'module', private: true }));
    await writeFile(join(appDir, 'app.mjs'), app);
  });

  afterAll(async () => {
    await target?.stop();
    if (appDir) await rm(appDir, { recursive: true, force: true });
  });

  /** Runs the app with the stack's credentials, `secret` replacing the secret key when given. */
  async function runApp(secret?: string): Promise<{ code: number; stdout: string; stderr: string }> {
    const credentials = target.emulator?.env ?? {};
    const env = {
      ...process.env,
      ...credentials,
      ...(secret === undefined ? {} : { AWS_SECRET_ACCESS_KEY: secret }),
      SQUASH_URL: target.searchUrl,
      SQUASH_REQUEST: JSON.stringify(request),
    };
    try {
      const { stdout, stderr } = await run(process.execPath, ['app.mjs'], { cwd: appDir, env });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const failed = error as { code: number; stdout: string; stderr: string };
      return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
    }
  }

  it('imports SquashClient from the package name, signs, and answers as the in-repo client does', async () => {
    const { code, stdout, stderr } = await runApp();
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const expected = await searchUrl(target.searchUrl, request as never, { sign: false });
    const answer = JSON.parse(stdout);
    expect(answer.results.map((r: { hits: unknown }) => r.hits)).toEqual(expected.results.map((r) => r.hits));
    expect(answer.results.every((r: { hits: unknown[] }) => r.hits.length === 10)).toBe(true);
  });

  it('is refused with 403 when it signs with the wrong secret', async () => {
    const { code, stdout, stderr } = await runApp('not-the-secret');
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/^SearchHttpError 403: POST .*\/search answered 403/);
  });

  it('gives applications types that accept a request and refuse a malformed one', async () => {
    const tsconfig = {
      compilerOptions: {
        target: 'ES2022',
        module: 'nodenext',
        moduleResolution: 'nodenext',
        strict: true,
        noEmit: true,
        types: ['node'],
        typeRoots: [resolve(projectRoot, 'node_modules/@types')],
      },
      files: ['typed.ts'],
    };
    await writeFile(join(appDir, 'tsconfig.json'), JSON.stringify(tsconfig));
    const tsc = resolve(projectRoot, 'node_modules/typescript/bin/tsc');
    await writeFile(join(appDir, 'typed.ts'), typedApp);
    await run(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: appDir });
    await writeFile(join(appDir, 'typed.ts'), typedApp.replace('k: 3', "k: '3'"));
    const refused = await run(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: appDir }).catch(
      (error: { stdout: string }) => error,
    );
    expect((refused as { stdout: string }).stdout).toMatch(/typed\.ts\(4,\d+\): error TS2322/);
  });

  it("runs the README's example: k hits that pass its filter, nearest first", async () => {
    const data = join(appDir, 'shop');
    await writeSyntheticDataset(data, { count: 2000, dim: 8, seed: 7, queries: 0 });
    const env = { ...process.env, ...(target.emulator?.env ?? {}) };
    await run(
      process.execPath,
      [
        resolve(projectRoot, 'bin/squash.js'),
        'build',
        ...['--vectors', join(data, 'base.fvecs'), '--attributes', join(data, 'attributes.jsonl')],
        ...['--schema', join(data, 'schema.json'), '--partitions', '4'],
        ...['--out', `s3://${target.bucket}/indexes/shop`],
      ],
      { cwd: projectRoot, env },
    );
    const { stdout } = await run(process.execPath, ['examples/search.mjs'], {
      cwd: projectRoot,
      env: { ...env, SQUASH_URL: target.searchUrl, SQUASH_SIGN: String(target.sign) },
    });
    const lines = stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(4);
    const hits = lines.slice(0, 3).map((line) => {
      const [id, distance, attributes] = line.split(' ');
      return { id: Number(id), distance: Number(distance), attributes: JSON.parse(attributes!) };
    });
    for (const hit of hits) {
      expect(hit.attributes.category).toBe('red');
      expect(hit.attributes.u).toBeLessThan(0.5);
    }
    expect(hits.map((hit) => hit.distance)).toEqual(
      [...hits.map((hit) => hit.distance)].sort((a, b) => a - b),
    );
    expect(lines[3]).toMatch(/^snapshot \{"version":1,"sequence":0\}, \d+ partitions visited, [\d.]+ ms$/);
  });

  it('serves the checked-in OpenAPI document at GET /openapi.json', async () => {
    const response = await fetch(new URL('openapi.json', target.searchUrl));
    expect(response.status).toBe(200);
    const served = (await response.json()) as { openapi: string };
    const checkedIn = JSON.parse(await readFile(resolve(projectRoot, 'docs/openapi.json'), 'utf8'));
    expect(served).toEqual(checkedIn);
    expect(served.openapi).toMatch(/^3\.1\./);
  });
});
