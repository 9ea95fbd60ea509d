import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'child_process';
import path from 'path';

export const REPO_ROOT = path.resolve(__dirname, '../..');

/** The scripts behind `npm run …`, run from the repository root through tsx as npm does. */
export type Script = 'scripts/invoke.ts' | 'scripts/start.ts' | 'packages/cloudbase-emulator/src/cli.ts';

export interface ScriptRun {
  exitCode: number | null;
  stdout: string;
  stderr: string;
}

/** Only PATH and HOME: what a script reads from the environment is then what the test gives it. */
const BARE_ENVIRONMENT: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME };

function tsxArguments(script: Script, args: readonly string[]): string[] {
  return ['--require', 'tsx/cjs', script, ...args];
}

/** Runs a script to its end (`timeoutMs` kills it) and returns its exit code and output. */
export function runScript(script: Script, args: readonly string[] = [], options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): ScriptRun {
  const run = spawnSync(process.execPath, tsxArguments(script, args), {
    cwd: REPO_ROOT,
    env: { ...BARE_ENVIRONMENT, ...options.env },
    encoding: 'utf8',
    ...(options.timeoutMs === undefined ? {} : { timeout: options.timeoutMs }),
  });
  return { exitCode: run.status, stdout: run.stdout, stderr: run.stderr };
}

export interface RunningScript {
  child: ChildProcessWithoutNullStreams;
  /** stdout and stderr so far, interleaved. */
  output(): string;
  /** Resolves when `output()` contains `text`; rejects after `timeoutMs`. */
  waitForOutput(text: string, timeoutMs?: number): Promise<void>;
  exited: Promise<number | null>;
  /** Kills it if it still runs. */
  kill(): void;
}

/** Starts a long-running script (the emulator) in the background. */
export function startScript(script: Script, args: readonly string[] = []): RunningScript {
  const child = spawn(process.execPath, tsxArguments(script, args), { cwd: REPO_ROOT, env: { ...process.env } });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    child,
    output: () => output,
    async waitForOutput(text, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      while (!output.includes(text)) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for "${text}"; output so far:\n${output}`);
        if (child.exitCode !== null) throw new Error(`exited with ${child.exitCode} before printing "${text}":\n${output}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    exited,
    kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}
