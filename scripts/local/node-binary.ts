/**
 * Which Node binary runs a function's environments. Lambda runs `nodejs<major>.x` on that major;
 * when this machine's Node differs, a binary of the right major is looked for in `SQUASH_LOCAL_NODE`
 * and in the project's `node_modules` (the npm `node` package, e.g. `node@22`, installs one at
 * `node_modules/node/bin/node`). Without one, the machine's Node runs the function and one warning
 * line per runtime goes to stderr: the handlers usually still work, but version-specific behaviour
 * would not be caught locally.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InvalidInputError } from '../../shared/errors/index.ts';

export interface NodeBinary {
  readonly path: string;
  /** e.g. `v22.12.0` */
  readonly version: string;
}

const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const versions = new Map<string, string | undefined>();
const warned = new Set<string>();

export function runtimeMajor(runtime: string, functionName: string): number {
  const match = /^nodejs(\d+)\.x$/.exec(runtime);
  if (match === null) {
    throw new InvalidInputError(
      `function \`${functionName}\` has runtime \`${runtime}\`; the local Lambda host runs only Node.js runtimes (nodejs<major>.x)`,
    );
  }
  return Number(match[1]);
}

export function nodeBinaryFor(
  runtime: string,
  functionName: string,
  env: NodeJS.ProcessEnv = process.env,
  warn: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
): NodeBinary {
  const wanted = runtimeMajor(runtime, functionName);
  const machine = { path: process.execPath, version: process.version };
  if (majorOf(machine.version) === wanted) return machine;
  const candidates = [env.SQUASH_LOCAL_NODE, join(PROJECT_ROOT, 'node_modules', 'node', 'bin', 'node')];
  for (const path of candidates) {
    if (path === undefined || path === '' || !existsSync(path)) continue;
    const version = versionOf(path);
    if (version !== undefined && majorOf(version) === wanted) return { path, version };
  }
  if (!warned.has(runtime)) {
    warned.add(runtime);
    warn(
      `squash local: warning: runtime ${runtime} wants Node ${wanted} but no Node ${wanted} binary was found ` +
        `(set SQUASH_LOCAL_NODE or add the npm package node@${wanted}); running on this machine's Node ${process.version}`,
    );
  }
  return machine;
}

function majorOf(version: string): number {
  return Number(/^v?(\d+)/.exec(version)?.[1]);
}

function versionOf(path: string): string | undefined {
  if (!versions.has(path)) {
    try {
      versions.set(path, execFileSync(path, ['--version'], { encoding: 'utf8', timeout: 10_000 }).trim());
    } catch {
      versions.set(path, undefined);
    }
  }
  return versions.get(path);
}
