/**
 * Builds compared byte for byte: `squash build` run in-process with the clock frozen (the manifest
 * records `createdAt`, and CURRENT pins the manifest's hash), and a built index read back as files.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { vi } from 'vitest';
import { runBuild } from '../../scripts/cli/build-command.ts';

/** Runs `run` with `Date` frozen at the instant every frozen build records as `createdAt`. */
export async function withFrozenClock<T>(run: () => Promise<T>): Promise<T> {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(new Date('2026-01-02T03:04:05.000Z'));
  try {
    return await run();
  } finally {
    vi.useRealTimers();
  }
}

/** Runs `squash build` in-process with the clock frozen; returns its JSON summary (the last stdout line). */
export async function buildFrozen(args: string[]): Promise<Record<string, unknown>> {
  let stdout = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    stdout += String(chunk);
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    await withFrozenClock(() => runBuild(args));
  } finally {
    vi.restoreAllMocks();
  }
  return JSON.parse(stdout.trim().split('\n').at(-1)!);
}

/** Every file under `root`, as relative path → bytes, in path order. */
export async function filesUnder(root: string): Promise<Map<string, Buffer>> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  const out = new Map<string, Buffer>();
  for (const entry of entries.filter((e) => e.isFile())) {
    const path = join(entry.parentPath, entry.name);
    out.set(relative(root, path), await readFile(path));
  }
  return new Map([...out].sort(([a], [b]) => a.localeCompare(b)));
}
