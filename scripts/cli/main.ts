/** The `squash` command line: build, search, local. */
import { SquashError } from '../../shared/errors/index.ts';
import { UsageError } from './args.ts';
import { buildUsage, runBuild } from './build-command.ts';
import { runSearch, searchUsage } from './search-command.ts';

const localUsage = 'squash local [--port P]';
const usage = `usage:\n  ${buildUsage}\n  ${searchUsage}\n  ${localUsage}\n`;

const commands: Record<string, (argv: string[]) => Promise<void>> = {
  build: runBuild,
  search: runSearch,
  local: async (argv) => {
    process.exitCode = await (await import('../local/main.ts')).runLocalCommand(argv);
  },
};

async function main(argv: string[]): Promise<void> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === 'help') {
    process.stdout.write(usage);
    return;
  }
  const command = commands[name];
  if (!command) throw new UsageError(`unknown command \`${name}\``);
  await command(rest);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof UsageError) {
    process.stderr.write(`squash: ${error.message}\n${usage}`);
    process.exitCode = 2;
  } else if (error instanceof SquashError) {
    process.stderr.write(`squash: ${error.message}\n`);
    process.exitCode = 1;
  } else {
    process.stderr.write(`squash: unexpected error: ${(error as Error)?.stack ?? String(error)}\n`);
    process.exitCode = 1;
  }
});
