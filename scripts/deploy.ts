import { UsageError, USAGE_EXIT_CODE, parseCommandLine, usageErrorLine } from './command-line';
import { CREDENTIAL_VARIABLES } from './deploy/cloud-api';
import { DeployDependencies, DeployError, DeployOptions, ENV_VARIABLE, deploy } from './deploy/deploy';

const USAGE = `Usage: npm run deploy -- [--dry-run] [--env ENV_ID] [--only name,...] [--recreate name,...]
  --dry-run   read each function's current state and print what would change; change nothing
              (without API keys: print the declared plan only)
  --env       cloud environment id (default: $${ENV_VARIABLE})
  --only      deploy only these functions (comma-separated)
  --recreate  delete these functions and create them again on the declared runtime, keeping their
              environment variables (for a function on a runtime below the supported floor)
Credentials: $${CREDENTIAL_VARIABLES.secretId} and $${CREDENTIAL_VARIABLES.secretKey} (and $${CREDENTIAL_VARIABLES.token} for temporary keys).`;

function names(values: string[] | undefined): string[] | undefined {
  return values?.flatMap((value) => value.split(',')).map((name) => name.trim()).filter(Boolean);
}

/** Reads deploy's command-line arguments; throws {@link UsageError} on a mistake. */
export function parseDeployArgs(argv: string[]): DeployOptions & { help: boolean } {
  const { values } = parseCommandLine(argv, {
    'dry-run': { type: 'boolean' },
    env: { type: 'string' },
    only: { type: 'string', multiple: true },
    recreate: { type: 'string', multiple: true },
  });
  const only = names(values.only);
  const recreate = names(values.recreate);
  return {
    dryRun: values['dry-run'] === true,
    ...(values.env === undefined ? {} : { env: values.env }),
    ...(only === undefined ? {} : { only }),
    ...(recreate === undefined ? {} : { recreate }),
    help: values.help === true,
  };
}

/** Runs a deploy from command-line arguments and returns the exit code; errors are printed, not thrown (exit code 2 for a usage error). */
export async function runDeployCommand(argv: string[], dependencies: DeployDependencies = {}): Promise<number> {
  const print = dependencies.print ?? console.log;
  let options: DeployOptions & { help: boolean };
  try {
    options = parseDeployArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    print(usageErrorLine('deploy', error.message));
    return USAGE_EXIT_CODE;
  }
  if (options.help) {
    print(USAGE);
    return 0;
  }
  try {
    return (await deploy(options, dependencies)).exitCode;
  } catch (error) {
    if (!(error instanceof DeployError)) throw error;
    print(error.message);
    return 1;
  }
}

if (require.main === module) {
  runDeployCommand(process.argv.slice(2)).then(
    (exitCode) => {
      process.exitCode = exitCode;
    },
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exitCode = 1;
    },
  );
}
