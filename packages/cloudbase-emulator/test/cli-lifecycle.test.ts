import { spawn, type ChildProcess } from 'child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'fs';
import net from 'net';
import { tmpdir } from 'os';
import path from 'path';
import { functionEnvironment } from '../src';

// How the command's emulator ends: on SIGTERM it loses no acknowledged write; started by npm, it does not
// outlive npm. The writes go through the unmodified wx-server-sdk.
type WxServerSdk = typeof import('wx-server-sdk');

const PACKAGE_ROOT = path.resolve(__dirname, '..');
const REPOSITORY_ROOT = path.resolve(PACKAGE_ROOT, '..', '..');
const ENV_KEYS = ['TCB_CONTEXT_CNFG', 'TENCENTCLOUD_SECRETID', 'TENCENTCLOUD_SECRETKEY', 'TCB_ENV', 'TENCENTCLOUD', 'SILENCE'] as const;
const savedEnv = new Map<string, string | undefined>(ENV_KEYS.map((key) => [key, process.env[key]]));

let workDir: string;
let cloud: WxServerSdk;
const children: Array<{ child: ChildProcess; group: boolean }> = [];

interface Started {
  child: ChildProcess;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  url: () => Promise<string>;
}

function track(child: ChildProcess, group = false): Started {
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  children.push({ child, group });
  return {
    child,
    output: () => output,
    exited,
    url: async () => {
      await waitFor(() => /Emulator listening on http:\/\/127\.0\.0\.1:\d+/.test(output) && output.includes('Press Ctrl-C'), 'the startup message', () => output);
      return /Emulator listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1] ?? '';
    },
  };
}

async function waitFor(condition: () => boolean | Promise<boolean>, what: string, output: () => string = () => ''): Promise<void> {
  const deadline = Date.now() + 25_000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${output()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function listening(url: string): Promise<boolean> {
  const { port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect(Number(port), '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

beforeAll(() => {
  workDir = mkdtempSync(path.join(tmpdir(), 'emulator-cli-lifecycle-'));
  mkdirSync(path.join(workDir, 'functions', 'archive'), { recursive: true });
  process.env.SILENCE = 'true';
  cloud = require('wx-server-sdk') as WxServerSdk;
  cloud.init({ env: cloud.DYNAMIC_CURRENT_ENV as unknown as string });
});

afterAll(() => {
  for (const { child, group } of children) {
    if (child.pid === undefined) continue;
    try {
      // An npm's whole process group (this test made it), even once npm has gone: nothing is left behind.
      if (group) process.kill(-child.pid, 'SIGKILL');
      else if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
  rmSync(workDir, { recursive: true, force: true });
  for (const [key, value] of savedEnv) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
});

test('SIGTERM: the request in flight is answered, every acknowledged write is saved, exit 0', async () => {
  const dataFile = path.join(workDir, 'sigterm', 'db.json');
  const cli = track(
    spawn(process.execPath, ['--require', 'tsx/cjs', 'src/cli.ts', '--data-file', dataFile, '--functions-root', path.join(workDir, 'functions')], {
      cwd: PACKAGE_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
  const url = await cli.url();
  Object.assign(process.env, functionEnvironment({ contextUrl: (name) => `${url}/functions/${name}` }, 'archive'));
  const db = cloud.database();
  await db.createCollection('monthly');
  await db.collection('monthly').add({ data: { _id: '2024-02', visitUv: 1 } }); // acknowledged before the signal

  // A write that takes 1.5 s: SIGTERM arrives while it is in flight.
  await fetch(`${url}/control/faults`, { method: 'POST', body: JSON.stringify({ action: 'modifyDocument', latency: 1500 }) });
  const inFlight = db.collection('monthly').doc('2024-03').set({ data: { visitUv: 2 } });
  await new Promise((resolve) => setTimeout(resolve, 400));
  cli.child.kill('SIGTERM');
  await waitFor(() => cli.output().includes('SIGTERM: stopping'), 'the stop message', cli.output);
  expect(await listening(url)).toBe(false); // no new connections once stopping
  await expect(inFlight).resolves.toMatchObject({ stats: { updated: 0 } });

  expect(await cli.exited).toEqual({ code: 0, signal: null });
  expect(cli.output()).toContain(`Database saved to ${dataFile}`);
  const saved = JSON.parse(readFileSync(dataFile, 'utf8')) as { collections: Record<string, unknown[]> };
  expect(saved.collections.monthly).toEqual(
    expect.arrayContaining([expect.objectContaining({ _id: '2024-02', visitUv: 1 }), expect.objectContaining({ _id: '2024-03', visitUv: 2 })]),
  );
}, 40_000);

test('SIGTERM without --data-file: says the database was in memory only, and exits 0', async () => {
  const cli = track(spawn(process.execPath, ['--require', 'tsx/cjs', 'src/cli.ts', '--functions-root', path.join(workDir, 'functions')], { cwd: PACKAGE_ROOT, stdio: ['ignore', 'pipe', 'pipe'] }));
  await cli.url();
  cli.child.kill('SIGTERM');
  expect(await cli.exited).toEqual({ code: 0, signal: null });
  expect(cli.output()).toContain('The database was in memory only (no --data-file): not saved.');
}, 40_000);

test.each(['SIGKILL', 'SIGTERM'] as const)('npm run emulator: %s of the npm process leaves nothing listening', async (signal) => {
  const npm = track(
    spawn('npm', ['run', '--silent', 'emulator', '--', '--functions-root', path.join(workDir, 'functions')], {
      cwd: REPOSITORY_ROOT,
      detached: true, // its own process group: the signal reaches npm alone, as a `kill PID` does
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
    true,
  );
  const url = await npm.url();
  expect(await listening(url)).toBe(true);
  npm.child.kill(signal);
  await npm.exited;
  await waitFor(async () => !(await listening(url)), `the emulator to stop listening after ${signal} of npm`, npm.output);
}, 60_000);

test('--fault, --db-fault and --latency schedule what GET /control/faults lists; --help documents them', async () => {
  const cli = track(
    spawn(
      process.execPath,
      [
        ...['--require', 'tsx/cjs', 'src/cli.ts', '--functions-root', path.join(workDir, 'functions')],
        ...['--fault', '*=-501003:always', '--fault', 'getMonthlyRetain=drop:2'],
        ...['--db-fault', 'getDocument/analytics_monthly=-502001:2', '--db-fault', 'insertDocument=empty:1:applied'],
        ...['--latency', 'database.getDocument=20', '--latency', 'getMonthlyRetain=10'],
      ],
      { cwd: PACKAGE_ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    ),
  );
  const url = await cli.url();
  expect(cli.output()).toContain(
    'Injected faults, taken by the next matching calls: *=-501003 (every call), analysis.getMonthlyRetain=drop (2 calls), getDocument/analytics_monthly=-502001 (2 requests), insertDocument=empty after the write',
  );
  const listed = (await (await fetch(`${url}/control/faults`)).json()) as Record<string, unknown>;
  expect(listed).toEqual({
    faults: [
      { api: '*', kind: 'fail', errcode: -501003, remaining: null },
      { api: 'analysis.getMonthlyRetain', kind: 'drop', remaining: 2 },
    ],
    latencies: [{ api: 'analysis.getMonthlyRetain', ms: 10 }],
    database: {
      faults: [
        expect.objectContaining({ action: 'database.getDocument', collection: 'analytics_monthly', errcode: -502001, remaining: 2, applied: false }),
        expect.objectContaining({ action: 'database.insertDocument', reply: 'empty', errcode: null, remaining: 1, applied: true }),
      ],
      latencies: [{ action: 'database.getDocument', ms: 20 }],
    },
  });
  cli.child.kill('SIGINT');
  expect(await cli.exited).toEqual({ code: 0, signal: null });

  const help = track(spawn(process.execPath, ['--require', 'tsx/cjs', 'src/cli.ts', '--help'], { cwd: PACKAGE_ROOT, stdio: ['ignore', 'pipe', 'pipe'] }));
  expect((await help.exited).code).toBe(0);
  for (const text of ['--db-fault SPEC', '--latency API=MS', 'API=ERRCODE:always', 'GET    /control/faults', 'SIGTERM']) expect(help.output()).toContain(text);
}, 40_000);

test.each([
  [['--db-fault', 'addDocument=-502001'], '--db-fault: unknown database action "addDocument"'],
  [['--db-fault', 'getDocument=45009'], '--db-fault: a database fault answers a CloudBase code'],
  [['--fault', 'getMonthlyRetain=drop:always'], '--fault: "getMonthlyRetain=drop:always": drop takes a count, not always'],
  [['--latency', 'getMonthlyRetain'], '--latency: "getMonthlyRetain" is not API=MS'],
])('%j exits with status 2 and says why', async (args, message) => {
  const cli = track(spawn(process.execPath, ['--require', 'tsx/cjs', 'src/cli.ts', ...args], { cwd: PACKAGE_ROOT, stdio: ['ignore', 'pipe', 'pipe'] }));
  expect((await cli.exited).code).toBe(2);
  expect(cli.output()).toContain(message);
}, 30_000);
