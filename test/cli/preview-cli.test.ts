import { spawnSync } from 'child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import os from 'os';
import path from 'path';
import { REPO_ROOT } from '../helpers/cli';

jest.setTimeout(90_000);

function runPreview(env: NodeJS.ProcessEnv): { exitCode: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, ['--require', 'tsx/cjs', 'scripts/preview.ts'], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    encoding: 'utf8',
    timeout: 80_000,
  });
  return { exitCode: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe('npm run preview and CHROMIUM', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'preview-cli-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each([
    ['/nonexistent/chrome', 'not an executable file'],
    ['no-such-chromium-here', 'not on PATH'],
  ])('CHROMIUM=%s is refused in one line before any work, exit 2', (chromium, why) => {
    const { exitCode, stdout, stderr } = runPreview({ CHROMIUM: chromium });
    expect(exitCode).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toBe(
      `preview: CHROMIUM=${chromium} is ${why}: set it to the browser's executable (e.g. CHROMIUM=/usr/bin/chromium), ` +
        'or unset it to use the first Chromium on PATH (see npm run preview -- --help)\n',
    );
  });

  it('a file that is not executable is refused too', () => {
    const plain = path.join(dir, 'chrome.txt');
    writeFileSync(plain, '');
    const { exitCode, stderr } = runPreview({ CHROMIUM: plain });
    expect(exitCode).toBe(2);
    expect(stderr).toContain(`CHROMIUM=${plain} is not an executable file`);
  });

  it('CHROMIUM, a name on PATH, is the browser that takes the screenshots', () => {
    const log = path.join(dir, 'calls.log');
    const fake = path.join(dir, 'fake-chrome');
    writeFileSync(
      fake,
      `#!/bin/sh\necho "$@" >> ${JSON.stringify(log)}\nfor arg in "$@"; do case "$arg" in --screenshot=*) printf png > "\${arg#--screenshot=}";; esac; done\n`,
    );
    chmodSync(fake, 0o755);
    const { exitCode, stdout, stderr } = runPreview({ CHROMIUM: 'fake-chrome', PATH: `${dir}${path.delimiter}${process.env.PATH ?? ''}` });
    expect({ exitCode, stderr: stderr.split('\n').filter((line) => / at |Error/.test(line)) }).toEqual({ exitCode: 0, stderr: [] });
    expect(stdout).toContain('Wrote .build/preview/analytics-desktop.png (1280 px wide).');
    expect(stdout).toContain('Wrote .build/preview/analytics-phone.png (375 px wide).');
    const calls = readFileSync(log, 'utf8').trim().split('\n');
    expect(calls).toHaveLength(2);
    expect(calls[0]).toMatch(/--headless .*--screenshot=\S+analytics-desktop\.png file:\/\/\S+analytics\.html/);
  });
});
