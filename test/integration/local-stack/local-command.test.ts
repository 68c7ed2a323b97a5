import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { isRunning, waitUntil } from '../../support/processes.ts';

const FIXTURE = fileURLToPath(new URL('./fixtures/cloud-assembly/', import.meta.url));
const RUNNER = fileURLToPath(new URL('./fixtures/run-local.ts', import.meta.url));
// The command's temporary folders (its S3 data) go here: a command killed outright cannot remove its own.
const TEMP = mkdtempSync(join(tmpdir(), 'squash-local-command-'));
afterAll(() => rmSync(TEMP, { recursive: true, force: true }));

function startCommand(...args: string[]): { child: ChildProcess; ready: Promise<Record<string, unknown>> } {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', RUNNER, '--cdk-out', FIXTURE, '--synth', 'never', ...args],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, TMPDIR: TEMP } },
  );
  child.stderr?.resume();
  const ready = new Promise<Record<string, unknown>>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', (line) => resolve(JSON.parse(line)));
    child.once('exit', (code) => reject(new Error(`squash local exited with ${code} before it was ready`)));
  });
  return { child, ready };
}

const exited = (child: ChildProcess) =>
  new Promise<number | null>((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    else child.once('exit', (code) => resolve(code));
  });

async function searchPids(searchUrl: string): Promise<number[]> {
  const response = await fetch(searchUrl, {
    method: 'POST',
    body: JSON.stringify({ key: 'k', text: 'payload' }),
  });
  const body = (await response.json()) as { pid: number; worker: { pid: number } };
  return [body.pid, body.worker.pid];
}

describe('squash local', () => {
  it('prints one ready line, serves requests and stops everything on SIGTERM', async () => {
    const { child, ready } = startCommand();
    const line = await ready;
    expect(Object.keys(line)).toEqual(['searchUrl', 's3Endpoint', 'bucket', 'env']);
    expect(line.bucket).toBe('localfixture-databuckete3889a50');
    expect(Object.keys(line.env as object).sort()).toEqual([
      'AWS_ACCESS_KEY_ID',
      'AWS_ENDPOINT_URL_LAMBDA',
      'AWS_ENDPOINT_URL_S3',
      'AWS_REGION',
      'AWS_SECRET_ACCESS_KEY',
      'SQUASH_S3_FORCE_PATH_STYLE',
    ]);
    const pids = await searchPids(line.searchUrl as string);
    expect(pids.every(isRunning)).toBe(true);
    child.kill('SIGTERM');
    expect(await exited(child)).toBe(0);
    expect(pids.filter(isRunning)).toEqual([]);
    await expect(fetch(line.searchUrl as string)).rejects.toThrow();
  });

  it('leaves no function environment behind when it is killed outright', async () => {
    const { child, ready } = startCommand();
    const pids = await searchPids((await ready).searchUrl as string);
    child.kill('SIGKILL');
    await exited(child);
    expect(await waitUntil(() => !pids.some(isRunning), 10_000)).toBe(true);
  });

  it('rejects a bad port with a clear message', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', RUNNER, '--port', 'eighty'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    expect(await exited(child)).not.toBe(0);
    expect(stderr).toContain('--port is `eighty`; expected a port number 0–65535');
  });
});
