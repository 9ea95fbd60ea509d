import { parseArgs, type ParseArgsConfig } from 'util';

/** A mistake on the command line: reported in one line that points at `--help`, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/**
 * The sentence for an error of `util.parseArgs`: the option or argument it names, without Node's advice on
 * positionals. (The emulator's CLI words its own the same way: the tooling packages import nothing of
 * scripts/, and importing its CLI here would load the whole emulator into build, check and deploy.)
 */
export function parseArgsMistake(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const named = /'([^' ]+)[^']*'/.exec(message)?.[1] ?? '';
  switch ((error as NodeJS.ErrnoException | undefined)?.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown option ${named}`;
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `unexpected argument ${named}`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      if (/does not take an argument/.test(message)) return `${named} takes no value`;
      return / is ambiguous/.test(message) ? `${named} needs a value (one that starts with a dash goes as ${named}=-VALUE)` : `${named} needs a value`;
    default:
      return message.split('\n')[0] ?? message;
  }
}

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
