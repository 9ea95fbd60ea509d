import { parseArgs, type ParseArgsConfig } from 'util';
import { UsageError, parseArgsMistake } from '../packages/cloudbase-emulator/src/cli';

/** A mistake on the command line: reported in one line that points at `--help`, exit code 2 (the emulator's, whose --fault specs invoke reads). */
export { UsageError };

/** The exit code of a usage error. */
export const USAGE_EXIT_CODE = 2;

/**
 * `util.parseArgs`, strict, with `--help` (`-h`) added: its mistakes become {@link UsageError}s in a sentence.
 *
 * @param args - the arguments after `npm run <command> --`
 * @param options - the command's options, without help
 * @param allowPositionals - whether the command takes arguments that are not options
 */
export function parseCommandLine<O extends NonNullable<ParseArgsConfig['options']>>(
  args: readonly string[],
  options: O,
  allowPositionals = false,
): ReturnType<typeof parseArgs<{ args: string[]; options: O & { help: { type: 'boolean'; short: 'h' } }; strict: true; allowPositionals: boolean }>> {
  try {
    return parseArgs({ args: [...args], options: { ...options, help: { type: 'boolean', short: 'h' } as const }, strict: true, allowPositionals });
  } catch (error) {
    throw new UsageError(parseArgsMistake(error));
  }
}

/** The one line a usage error prints: what is wrong and where the usage is. */
export function usageErrorLine(command: string, message: string): string {
  return `${command}: ${message} (see npm run ${command} -- --help)`;
}

/**
 * Reads a command's arguments as `npm run <command>` does before any work: prints the usage for `--help`
 * (exit code 0) or one line for a {@link UsageError} (exit code 2), and then returns undefined.
 *
 * @param command - the npm script's name (`bench:authorizers`)
 * @param usage - what `--help` prints
 * @param parse - reads the arguments; returns 'help' for `--help`, throws UsageError on a mistake
 */
export function commandArguments<T>(command: string, usage: string, parse: () => T | 'help'): T | undefined {
  let parsed: T | 'help';
  try {
    parsed = parse();
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`${usageErrorLine(command, error.message)}\n`);
    process.exitCode = USAGE_EXIT_CODE;
    return undefined;
  }
  if (parsed === 'help') {
    process.stdout.write(`${usage}\n`);
    process.exitCode = 0;
    return undefined;
  }
  return parsed;
}
