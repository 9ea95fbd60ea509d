import { spawn, type ChildProcessWithoutNullStreams } from 'child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import net, { type AddressInfo } from 'net';
import path from 'path';

const PACKAGE_ROOT = path.resolve(__dirname, '..');

let workDir: string;
const children: ChildProcessWithoutNullStreams[] = [];

function startCli(args: string[]): { child: ChildProcessWithoutNullStreams; output: () => string; exited: Promise<number | null> } {
  const started = spawn(process.execPath, ['--require', 'tsx/cjs', 'src/cli.ts', ...args], { cwd: PACKAGE_ROOT });
  let output = '';
  started.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  started.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => started.on('exit', (code) => resolve(code)));
  children.push(started);
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
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
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

test('an unknown argument exits with status 2 and one line that names it and points at --help', async () => {
  const cli = startCli(['--bogus']);
  expect(await cli.exited).toBe(2);
  expect(cli.output()).toBe('emulator: unknown option --bogus (see npm run emulator -- --help)\n');
}, 30_000);

test('a port in use is one line naming the port and what to do, exit status 1, no stack', async () => {
  const taken = net.createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = taken.address() as AddressInfo;
    const cli = startCli(['--port', String(port), '--functions-root', path.join(workDir, 'functions')]);
    expect(await cli.exited).toBe(1);
    expect(cli.output()).toBe(
      `emulator: port ${port} on 127.0.0.1 is in use (another emulator?): stop what listens there, or pick another port with --port N (0: any free port)\n`,
    );
  } finally {
    await new Promise((resolve) => taken.close(resolve));
  }
}, 30_000);

test.each([
  ['a file that is not a saved database', (dir: string) => {
    const file = path.join(dir, 'broken.json');
    writeFileSync(file, '{not json');
    return file;
  }, /^emulator: --data-file .*broken\.json is not a database the emulator saved \(.*\): give another path, or remove the file to start empty\.\n$/],
  ['a directory', (dir: string) => dir, /^emulator: --data-file .* is a directory: give the path of a file \(it is created on the first save\)\.\n$/],
] as const)('a --data-file that cannot be loaded (%s) is one line, exit status 1, no stack', async (_what, make, expected) => {
  const cli = startCli(['--port', '0', '--functions-root', path.join(workDir, 'functions'), '--data-file', make(workDir)]);
  expect(await cli.exited).toBe(1);
  expect(cli.output()).toMatch(expected);
}, 30_000);

async function postJson(url: string, body: unknown, method = 'POST'): Promise<{ status: number; json: any }> {
  const response = await fetch(url, { method, body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
  return { status: response.status, json: await response.json() };
}

test('the control endpoints inject faults, move the clock and list the calls', async () => {
  const cli = startCli(['--functions-root', path.join(workDir, 'functions')]);
  await waitFor(() => cli.output().includes('Press Ctrl-C'), 'the startup message');
  const url = /Emulator listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(cli.output())?.[1] ?? '';
  const retain = (month: string) =>
    postJson(`${url}/datacube/getweanalysisappidmonthlyretaininfo?access_token=local-access-token`, {
      begin_date: `${month}01`,
      end_date: `${month}${month.endsWith('02') ? '28' : '31'}`,
    });

  expect(await postJson(`${url}/control/faults`, { api: 'getMonthlyRetain', errcode: 61503, times: 2 })).toMatchObject({
    status: 200,
    json: { ok: true, fault: { apiName: 'analysis.getMonthlyRetain', errcode: 61503, times: 2 } },
  });
  expect((await retain('201703')).json).toMatchObject({ errcode: 61503 });
  await postJson(`${url}/control/faults`, {}, 'DELETE');
  expect((await retain('201703')).json).toMatchObject({ ref_date: '201703' });

  expect((await retain('209905')).json).toMatchObject({ errcode: 61501 });
  expect(await postJson(`${url}/control/clock`, { now: '2099-06-15T02:00:00Z' })).toEqual({ status: 200, json: { ok: true, now: '2099-06-15T02:00:00.000Z' } });
  expect((await retain('209905')).json).toMatchObject({ ref_date: '209905' });
  await postJson(`${url}/control/clock`, { now: null });
  expect((await retain('209905')).json).toMatchObject({ errcode: 61501 });

  const { calls } = (await (await fetch(`${url}/control/calls`)).json()) as { calls: { errcode: number }[] };
  expect(calls.map((call: { errcode: number }) => call.errcode)).toEqual([61503, 0, 61501, 0, 61501]);

  expect(await postJson(`${url}/control/faults`, { api: 'getMonthlyRetian', errcode: 45009 })).toMatchObject({
    status: 400,
    json: { error: expect.stringMatching(/^unknown API "getMonthlyRetian"/) },
  });
  expect(await postJson(`${url}/control/faults`, { api: '*', errcode: 0 })).toMatchObject({ status: 400 });
  expect(await postJson(`${url}/control/clock`, { now: 'tomorrow' })).toMatchObject({ status: 400 });
  expect((await fetch(`${url}/control/nothing`)).status).toBe(404);

  cli.child.kill('SIGINT');
  expect(await cli.exited).toBe(0);
}, 30_000);

test.each([
  [['--fault', 'getMonthlyRetain'], '--fault: "getMonthlyRetain" is not API=ERRCODE or API=ERRCODE:TIMES'],
  [['--fault', 'getMonthlyRetian=45009'], '--fault: unknown API "getMonthlyRetian"'],
  [['--now', 'yesterday'], '--now is not a date: "yesterday"'],
  [['--port', '70000'], '--port must be an integer from 0 to 65535'],
])('%j exits with status 2 and says why in one line that points at --help', async (args, message) => {
  const cli = startCli(args);
  expect(await cli.exited).toBe(2);
  expect(cli.output()).toMatch(/^emulator: .*\(see npm run emulator -- --help\)\n$/);
  expect(cli.output()).toContain(message);
}, 30_000);
