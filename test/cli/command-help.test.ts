import { spawnSync } from 'child_process';
import { readFileSync } from 'fs';
import path from 'path';
import { REPO_ROOT } from '../helpers/cli';

// Every npm script that takes options answers --help with its usage and exit code 0, doing no work (the
// bench would otherwise start an 80 s run), and an unknown option with one line that names it and points at
// --help, exit code 2, never a stack trace.
const SCRIPTS = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')).scripts as Record<string, string>;
const COMMANDS = ['build', 'start', 'emulator', 'invoke', 'bench', 'check', 'deploy', 'preview', 'bench:authorizers', 'runtimes', 'miniprogram:types'];

/** Runs `npm run <command> -- ...args` as npm would (tsx on the script), from the repository root. */
function runCommand(command: string, args: string[]): { exitCode: number | null; stdout: string; stderr: string; ms: number } {
  const script = /^tsx (\S+)$/.exec(SCRIPTS[command] ?? '')?.[1];
  if (script === undefined) throw new Error(`package.json has no "tsx <file>" script ${command}`);
  const startedAt = Date.now();
  const run = spawnSync(process.execPath, ['--require', 'tsx/cjs', script, ...args], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME },
    encoding: 'utf8',
    timeout: 20_000,
  });
  return { exitCode: run.status, stdout: run.stdout, stderr: run.stderr, ms: Date.now() - startedAt };
}

test.each(COMMANDS)('npm run %s -- --help prints the usage and exits 0 at once', (command) => {
  const { exitCode, stdout, stderr, ms } = runCommand(command, ['--help']);
  expect({ exitCode, stderr }).toEqual({ exitCode: 0, stderr: '' });
  expect(stdout).toMatch(new RegExp(`^Usage: npm run ${command}\\b`));
  expect(ms).toBeLessThan(15_000);
});

test.each(COMMANDS)('npm run %s -- --bogus is one line naming it, exit 2', (command) => {
  const { exitCode, stdout, stderr } = runCommand(command, ['--bogus']);
  const printed = `${stdout}${stderr}`;
  expect(exitCode).toBe(2);
  expect(printed).toBe(`${command}: unknown option --bogus (see npm run ${command} -- --help)\n`);
});

test('a missing value and a stray argument are one line too', () => {
  expect(runCommand('bench', ['--runs'])).toMatchObject({ exitCode: 2, stderr: 'bench: --runs needs a value (see npm run bench -- --help)\n' });
  expect(runCommand('bench:authorizers', ['--limits', '3000,soon'])).toMatchObject({
    exitCode: 2,
    stderr: 'bench:authorizers: --limits takes a whole number of at least 1, not "soon" (see npm run bench:authorizers -- --help)\n',
  });
  expect(runCommand('check', ['functions'])).toMatchObject({ exitCode: 2, stdout: 'check: unexpected argument functions (see npm run check -- --help)\n' });
});

test('every command of package.json that runs a script of ours is in the list', () => {
  const ours = Object.entries(SCRIPTS).filter(([, line]) => /^tsx \S+$/.test(line)).map(([name]) => name);
  expect(ours.sort()).toEqual([...COMMANDS].sort());
});
