import { spawn, type ChildProcessWithoutNullStreams } from 'child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import path from 'path';

const REPO_ROOT = path.resolve(__dirname, '../..');
const TSX_CLI = path.join(REPO_ROOT, 'node_modules/tsx/dist/cli.mjs');

let workDir: string;
let child: ChildProcessWithoutNullStreams | undefined;

function startCli(args: string[]): { child: ChildProcessWithoutNullStreams; output: () => string; exited: Promise<number | null> } {
  const started = spawn(process.execPath, [TSX_CLI, 'scripts/emulator.ts', ...args], { cwd: REPO_ROOT });
  let output = '';
  started.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  started.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => started.on('exit', (code) => resolve(code)));
  child = started;
  return { child: started, output: () => output, exited };
}

async function waitFor(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

beforeAll(() => {
  workDir = mkdtempSync(path.join(tmpdir(), 'emulator-cli-'));
  mkdirSync(path.join(workDir, 'functions', 'getMonthlyRetain'), { recursive: true });
  writeFileSync(path.join(workDir, 'functions', 'getMonthlyRetain', 'config.json'), '{"permissions":{"openapi":["analysis.getMonthlyRetain"]}}');
});

afterAll(() => {
  if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  rmSync(workDir, { recursive: true, force: true });
});

test('npm run emulator prints the address and per-function environment, and saves the database on Ctrl-C', async () => {
  const dataFile = path.join(workDir, 'data', 'db.json');
  const cli = startCli(['--port', '0', '--seed', 'cli-seed', '--data-file', dataFile, '--functions-root', path.join(workDir, 'functions')]);
  await waitFor(() => cli.output().includes('Press Ctrl-C'), 'the startup message');
  const url = /Emulator listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(cli.output())?.[1];
  expect(url).toBeDefined();
  expect(cli.output()).toContain(`export TCB_CONTEXT_CNFG='{"URL":"${url}/functions/getMonthlyRetain"}'`);
  for (const name of ['TENCENTCLOUD_SECRETID', 'TENCENTCLOUD_SECRETKEY', 'TCB_ENV']) expect(cli.output()).toContain(`export ${name}=`);

  const reply = await fetch(`${url}/datacube/getweanalysisappidmonthlyretaininfo?access_token=local-access-token`, {
    method: 'POST',
    body: JSON.stringify({ begin_date: '20170201', end_date: '20170228' }),
  });
  expect(await reply.json()).toMatchObject({ ref_date: '201702' });

  cli.child.kill('SIGINT');
  expect(await cli.exited).toBe(0);
  expect(cli.output()).toContain(`Database saved to ${dataFile}`);
  expect(existsSync(dataFile)).toBe(true);
  expect(JSON.parse(readFileSync(dataFile, 'utf8'))).toHaveProperty('collections');
}, 30_000);

test('unknown arguments exit with status 2 and the usage', async () => {
  const cli = startCli(['--bogus']);
  expect(await cli.exited).toBe(2);
  expect(cli.output()).toContain('unknown argument --bogus');
  expect(cli.output()).toContain('Usage: npm run emulator');
}, 30_000);
