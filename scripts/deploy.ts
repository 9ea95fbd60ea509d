import { parseArgs } from 'util';
import { DeployDependencies, DeployError, DeployOptions, ENV_VARIABLE, KEY_VARIABLE, deploy } from './deploy/deploy';

const USAGE = `Usage: npm run deploy -- [--dry-run] [--env ENV_ID] [--key path/to/private.key] [--only name,...]
  --dry-run  build, check and print the plan; upload nothing (no credentials needed)
  --env      cloud environment id (default: $${ENV_VARIABLE})
  --key      code upload key from the WeChat admin console (default: $${KEY_VARIABLE})
  --only     deploy only these functions (comma-separated)`;

/** Reads deploy's command-line arguments; throws {@link DeployError} with the usage on a mistake. */
export function parseDeployArgs(argv: string[]): DeployOptions & { help: boolean } {
  try {
    const { values } = parseArgs({
      args: argv,
      options: {
        'dry-run': { type: 'boolean' },
        env: { type: 'string' },
        key: { type: 'string' },
        only: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    return {
      dryRun: values['dry-run'] === true,
      env: values.env,
      keyPath: values.key,
      only: values.only?.split(',').map((name) => name.trim()).filter(Boolean),
      help: values.help === true,
    };
  } catch (error) {
    throw new DeployError(`${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
  }
}

/** Runs a deploy from command-line arguments and returns the exit code; errors are printed, not thrown. */
export async function runDeployCommand(argv: string[], dependencies: DeployDependencies = {}): Promise<number> {
  const print = dependencies.print ?? console.log;
  try {
    const options = parseDeployArgs(argv);
    if (options.help) {
      print(USAGE);
      return 0;
    }
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
