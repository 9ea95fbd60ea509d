import { ALL_RUNTIMES, installRuntimes } from '@wx-monthly-analytics/cloudbase-runtimes';
import { buildFunctions } from '../../scripts/build';

/**
 * Before any test, outside every test's timeout: build the functions (end-to-end tests run the built
 * folders), and install the Node.js binaries of CloudBase's runtimes into their cache (the runtime matrix
 * runs the folders on each; only the first run downloads them).
 */
export default async function globalSetup(): Promise<void> {
  await Promise.all([buildFunctions(), installRuntimes(ALL_RUNTIMES)]);
}
