import { existsSync, readdirSync } from 'fs';
import path from 'path';
import { DEFAULT_ACCESS_TOKEN, DEFAULT_SEED, functionEnvironment, startEmulator, type Emulator } from './emulator/index';

// `import … from './scripts/emulator'` resolves to this file before the folder: give importers the API.
export * from './emulator/index';

const USAGE = `Usage: npm run emulator -- [--port N] [--seed TEXT] [--data-file FILE] [--functions-root DIR] [--access-token TOKEN]

Runs the local CloudBase gateway + WeChat analytics emulator on 127.0.0.1 until Ctrl-C,
then saves the database to --data-file (loaded at start when it exists).`;

interface CliOptions {
  port: number;
  seed: string;
  functionsRoot: string;
  accessToken: string;
  dataFile?: string;
}

class UsageError extends Error {}

function parseArguments(args: readonly string[]): CliOptions | 'help' {
  const options: CliOptions = {
    port: 0,
    seed: DEFAULT_SEED,
    functionsRoot: path.resolve(__dirname, '../cloudfunctions'),
    accessToken: DEFAULT_ACCESS_TOKEN,
  };
  for (let index = 0; index < args.length; index++) {
    const argument = args[index] ?? '';
    if (argument === '--help' || argument === '-h') return 'help';
    const [flag, inlineValue] = argument.startsWith('--') && argument.includes('=') ? argument.split(/=(.*)/s, 2) : [argument, undefined];
    const value = (): string => {
      const next = inlineValue ?? args[++index];
      if (next === undefined || next === '') throw new UsageError(`${flag} needs a value`);
      return next;
    };
    switch (flag) {
      case '--port': {
        const port = Number(value());
        if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError('--port must be an integer from 0 to 65535');
        options.port = port;
        break;
      }
      case '--seed':
        options.seed = value();
        break;
      case '--data-file':
        options.dataFile = path.resolve(value());
        break;
      case '--functions-root':
        options.functionsRoot = path.resolve(value());
        break;
      case '--access-token':
        options.accessToken = value();
        break;
      default:
        throw new UsageError(`unknown argument ${argument}`);
    }
  }
  return options;
}

function functionFolders(functionsRoot: string): string[] {
  if (!existsSync(functionsRoot)) return [];
  return readdirSync(functionsRoot, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && !entry.name.startsWith('.') && entry.name !== 'node_modules')
    .map((entry) => entry.name)
    .sort();
}

const shellQuote = (value: string): string => `'${value.replace(/'/g, `'\\''`)}'`;

function startupMessage(emulator: Emulator, options: CliOptions): string {
  const lines = [
    `Emulator listening on ${emulator.url} (seed ${JSON.stringify(options.seed)}, database ${options.dataFile ?? 'in memory'})`,
    '',
    'HTTPS API (POST JSON {"begin_date","end_date"}):',
    `  ${emulator.url}/datacube/getweanalysisappidmonthlyretaininfo?access_token=${options.accessToken}`,
    `  ${emulator.url}/datacube/getweanalysisappidmonthlyvisittrend?access_token=${options.accessToken}`,
    '',
  ];
  const functions = functionFolders(options.functionsRoot);
  if (functions.length === 0) lines.push(`No function folders in ${options.functionsRoot}; for a function NAME use TCB_CONTEXT_CNFG='{"URL":"${emulator.contextUrl('NAME')}"}'.`);
  for (const name of functions) {
    lines.push(`# ${name}`);
    for (const [key, value] of Object.entries(functionEnvironment(emulator, name))) lines.push(`export ${key}=${shellQuote(value)}`);
    lines.push('');
  }
  lines.push('(TENCENTCLOUD=true only stops the SDK from probing the Tencent Cloud metadata server.)', 'Press Ctrl-C to stop.');
  return lines.join('\n');
}

async function main(): Promise<void> {
  let options: CliOptions | 'help';
  try {
    options = parseArguments(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`${error.message}\n\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  if (options === 'help') {
    console.log(USAGE);
    return;
  }
  const emulator = await startEmulator({
    port: options.port,
    seed: options.seed,
    functionsRoot: options.functionsRoot,
    accessToken: options.accessToken,
    ...(options.dataFile !== undefined ? { dataFile: options.dataFile } : {}),
  });
  console.log(startupMessage(emulator, options));
  const { dataFile } = options;

  let stopping = false;
  const stop = async (signal: NodeJS.Signals): Promise<void> => {
    if (stopping) process.exit(130);
    stopping = true;
    console.log(`\n${signal}: stopping the emulator…`);
    try {
      await emulator.save();
      if (dataFile !== undefined) console.log(`Database saved to ${dataFile}`);
    } finally {
      await emulator.close();
    }
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      stop(signal).catch((error: unknown) => {
        console.error('Could not save the database:', error);
        process.exitCode = 1;
      });
    });
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
