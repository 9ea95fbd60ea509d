import { runScript } from '../helpers/cli';

test('npm start builds, calls every function against the emulator and exits 0', () => {
  const { exitCode, stdout, stderr } = runScript('scripts/start.ts', [], { env: process.env, timeoutMs: 60_000 });
  expect(stderr).not.toMatch(/Error/);
  expect(exitCode).toBe(0);
  expect(stdout).toMatch(/getMonthlyRetain \{\} as an admin/);
  expect(stdout).toMatch(/visitUvNew\s+0\s+\d+\s+100\.0%/);
  expect(stdout).toMatch(/FORBIDDEN: OPENID oSomeoneElse/);
  expect(stdout).toMatch(/again\s+0\s+24\s+0\s+0\s+0/);
  expect(stdout).toMatch(/12 of 12 months from the archive; WeChat calls for this dashboard: 0\./);
}, 60_000);
