import path from 'path';
import { FUNCTIONS_ROOT, buildFunctions } from './build';
import { UsageError, USAGE_EXIT_CODE, parseCommandLine, usageErrorLine } from './command-line';
import { REPOSITORY_ROOT, checkFunctions, checkProject, formatCheckReport } from './deploy/checks';
import { formatCollectionSecurityReminder } from './deploy/plan';

const USAGE = `Usage: npm run check -- [--root FUNCTIONS_DIR] [--project PROJECT_DIR] [--install] [--no-build]
  --root      folder holding the function folders (default: cloudfunctions/)
  --project   folder holding project.config.json (default: the repository root)
  --install   npm install each function's dependencies in its temp copy instead of linking the installed ones
  --no-build  check the index.js files as they are, without npm run build first
  --help      this text`;

/**
 * Runs the pre-deploy check from command-line arguments: builds the TypeScript functions (unless
 * `--no-build`), checks project.config.json and every function folder, prints the report and then the
 * archive collection's security reminder (a reminder, never a failure; the collection named by
 * `environment.ANALYTICS_COLLECTION`, else the default) through `print`, and returns the exit code: 0 when
 * everything passes, 1 otherwise, 2 on a usage error.
 */
export async function runCheckCommand(
  argv: string[],
  print: (text: string) => void = console.log,
  environment: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  let flags: { root?: string; project?: string; install?: boolean; 'no-build'?: boolean; help?: boolean };
  try {
    flags = parseCommandLine(argv, {
      root: { type: 'string' },
      project: { type: 'string' },
      install: { type: 'boolean' },
      'no-build': { type: 'boolean' },
    }).values;
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    print(usageErrorLine('check', error.message));
    return USAGE_EXIT_CODE;
  }
  if (flags.help) {
    print(USAGE);
    return 0;
  }
  const functionsRoot = flags.root === undefined ? FUNCTIONS_ROOT : path.resolve(flags.root);
  const projectRoot = flags.project === undefined ? REPOSITORY_ROOT : path.resolve(flags.project);
  if (!flags['no-build']) await buildFunctions(functionsRoot);
  const projectProblems = checkProject(projectRoot);
  const results = await checkFunctions(functionsRoot, { install: flags.install });
  print(formatCheckReport(projectProblems, results));
  print(formatCollectionSecurityReminder(environment.ANALYTICS_COLLECTION));
  return projectProblems.length === 0 && results.every((result) => result.problems.length === 0) ? 0 : 1;
}

if (require.main === module) {
  runCheckCommand(process.argv.slice(2)).then(
    (exitCode) => {
      process.exitCode = exitCode;
    },
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exitCode = 1;
    },
  );
}
