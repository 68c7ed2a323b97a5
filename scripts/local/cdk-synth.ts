/**
 * Runs `cdk synth` for the project's CDK app (cdk.json) so the local stack has templates and bundled
 * assets to run. Output goes to stderr: stdout of `squash local` is reserved for its JSON line.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { UpstreamError } from '../../shared/errors/index.ts';

/**
 * When to synthesize: `always`; only when `cdk.out/manifest.json` is missing; when it is missing or
 * older than any source the bundles are built from (`functions/`, `shared/`, `infra/`, `cdk.json` beside
 * `cdk.out`), so local runs never execute stale bundles; or `never`.
 */
export type SynthMode = 'always' | 'if-missing' | 'if-stale' | 'never';

export async function synthesizeIfNeeded(cdkOut: string, mode: SynthMode): Promise<void> {
  if (mode === 'never') return;
  const manifest = join(cdkOut, 'manifest.json');
  if (mode === 'if-missing' && existsSync(manifest)) return;
  if (
    mode === 'if-stale' &&
    existsSync(manifest) &&
    statSync(manifest).mtimeMs >= newestSource(dirname(resolve(cdkOut)))
  ) {
    return;
  }
  process.stderr.write(`squash local: synthesizing the CDK app into ${cdkOut} …\n`);
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn('npx', ['cdk', 'synth', '--quiet', '--no-notices', '--output', cdkOut], {
      stdio: ['ignore', process.stderr, process.stderr],
      env: { ...process.env, CDK_DISABLE_CLI_TELEMETRY: 'true' },
    });
    child.once('error', reject);
    child.once('exit', resolve);
  });
  if (code !== 0)
    throw new UpstreamError(`\`npx cdk synth --output ${cdkOut}\` failed with exit code ${code}`);
}

/** Newest modification time among the CDK app's inputs under `root`. */
function newestSource(root: string): number {
  let newest = 0;
  const visit = (path: string): void => {
    if (!existsSync(path)) return;
    const stat = statSync(path);
    if (stat.isDirectory()) {
      for (const entry of readdirSync(path)) if (entry !== 'node_modules') visit(join(path, entry));
    } else newest = Math.max(newest, stat.mtimeMs);
  };
  for (const source of ['functions', 'shared', 'infra', 'cdk.json']) visit(join(root, source));
  return newest;
}
