import { execFile } from 'child_process';
import path from 'path';
import { promisify } from 'util';

const run = promisify(execFile);
const REPO_ROOT = path.resolve(__dirname, '../..');

test('npm start builds, calls every function against the emulator and exits 0', async () => {
  const { stdout } = await run(process.execPath, [path.join(REPO_ROOT, 'node_modules/tsx/dist/cli.mjs'), 'scripts/start.ts'], {
    cwd: REPO_ROOT,
    timeout: 60_000,
  });
  expect(stdout).toMatch(/getMonthlyRetain \{\} as an admin/);
  expect(stdout).toMatch(/visitUvNew\s+0\s+\d+\s+100\.0%/);
  expect(stdout).toMatch(/FORBIDDEN: OPENID oSomeoneElse/);
  expect(stdout).toMatch(/again\s+0\s+24\s+0\s+0\s+0/);
  expect(stdout).toMatch(/12 of 12 months from the archive; WeChat calls for this dashboard: 0\./);
}, 60_000);
