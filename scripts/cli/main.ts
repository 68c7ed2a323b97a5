/**
 * The `squash` command line: build, search, upsert, delete, compact, local. `squash --help` prints every
 * command's usage; `squash <command> --help` (or `-h`, or `squash help <command>`) prints that command's
 * help on stdout and exits 0, whatever else is on the line. `local` prints its own, longer help.
 */
import { SquashError } from '../../shared/errors/index.ts';
import { UsageError } from './args.ts';
import { buildHelp, buildUsage, runBuild } from './build-command.ts';
import { compactHelp, compactUsage, runCompact } from './compact-command.ts';
import { deleteHelp, deleteUsage, runDelete } from './delete-command.ts';
import { runSearch, searchHelp, searchUsage } from './search-command.ts';
import { runUpsert, upsertHelp, upsertUsage } from './upsert-command.ts';

const localUsage = 'squash local [--port P] [options]   (squash local --help lists them)';
const indent = (text: string) => text.replace(/^/gm, '  ');
const usage = `usage:\n${[buildUsage, searchUsage, upsertUsage, deleteUsage, compactUsage, localUsage].map(indent).join('\n')}\n`;

interface Command {
  run(argv: string[]): Promise<void>;
  /** Printed for `--help`; undefined when the command handles `--help` itself. */
  readonly help?: string;
}

const commands: Record<string, Command> = {
  build: { run: runBuild, help: buildHelp },
  search: { run: runSearch, help: searchHelp },
  upsert: { run: runUpsert, help: upsertHelp },
  delete: { run: runDelete, help: deleteHelp },
  compact: { run: runCompact, help: compactHelp },
  local: {
    run: async (argv) => {
      process.exitCode = await (await import('../local/main.ts')).runLocalCommand(argv);
    },
  },
};

const isHelpFlag = (arg: string) => arg === '--help' || arg === '-h';

async function main(argv: string[]): Promise<void> {
  const [first, ...others] = argv;
  const [name, rest] =
    first === 'help' && others[0] !== undefined ? [others[0], ['--help']] : [first, others];
  if (name === undefined || isHelpFlag(name) || name === 'help') {
    process.stdout.write(usage);
    return;
  }
  const command = Object.hasOwn(commands, name) ? commands[name] : undefined;
  if (!command) throw new UsageError(`unknown command \`${name}\``);
  if (command.help !== undefined && rest.some(isHelpFlag)) {
    process.stdout.write(`${command.help}\n`);
    return;
  }
  await command.run(rest);
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
