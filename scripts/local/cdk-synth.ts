/**
 * Runs `cdk synth` for the project's CDK app (cdk.json) so the local stack has templates and bundled
 * assets to run. Output goes to stderr: stdout of `squash local` is reserved for its JSON line.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { UpstreamError } from '../../shared/errors/index.ts';

/** When to synthesize: `always`, only when `cdk.out/manifest.json` is missing, or `never`. */
export type SynthMode = 'always' | 'if-missing' | 'never';

export async function synthesizeIfNeeded(cdkOut: string, mode: SynthMode): Promise<void> {
  if (mode === 'never' || (mode === 'if-missing' && existsSync(join(cdkOut, 'manifest.json')))) return;
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
