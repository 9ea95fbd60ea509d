import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'fs';
import net, { type AddressInfo } from 'net';
import os from 'os';
import path from 'path';
import { clockFrom } from '@wx-monthly-analytics/cloudbase-emulator';
import { DEFAULT_OPENID, UsageError, parseInvokeArgs, runningEmulatorContextUrl } from '../../scripts/invoke';
import { REPO_ROOT, runScript } from '../helpers/cli';

jest.setTimeout(30_000);

describe('parseInvokeArgs', () => {
  it('defaults to a cold call from the demo admin, who is also the admin list', () => {
    expect(parseInvokeArgs(['getMonthlyRetain', '--month', '2024-05'], {})).toMatchObject({
      functionName: 'getMonthlyRetain',
      data: { month: '2024-05' },
      caller: { kind: 'miniprogram', openid: DEFAULT_OPENID },
      admins: DEFAULT_OPENID,
      mode: 'cold',
      functionsRoot: path.join(REPO_ROOT, 'cloudfunctions'),
    });
  });

  it('reads the admin list from --admins, else the environment', () => {
    expect(parseInvokeArgs(['f'], { ANALYTICS_ADMIN_OPENIDS: 'oEnv' })?.admins).toBe('oEnv');
    expect(parseInvokeArgs(['f', '--admins', 'a,b'], { ANALYTICS_ADMIN_OPENIDS: 'oEnv' })?.admins).toBe('a,b');
  });

  it('builds the event data and the caller', () => {
    expect(parseInvokeArgs(['f', '--from', '2024-01', '--to', '2024-06', '--openid', 'oX', '--warm'], {})).toMatchObject({
      data: { from: '2024-01', to: '2024-06' },
      caller: { kind: 'miniprogram', openid: 'oX' },
      mode: 'warm',
    });
    expect(parseInvokeArgs(['f', '--data', '{"month":"2024-05","x":1}', '--timer'], {})).toMatchObject({
      data: { month: '2024-05', x: 1 },
      caller: { kind: 'timer' },
    });
    expect(parseInvokeArgs(['f', '--now', '2024-06-01T02:00:00Z', '--timeout', '500'], {})).toMatchObject({
      now: new Date('2024-06-01T02:00:00Z'),
      timeoutMs: 500,
    });
  });

  it('passes month-like values through for the function to check', () => {
    expect(parseInvokeArgs(['f', '--month', '202405'], {})?.data).toEqual({ month: '202405' });
    expect(parseInvokeArgs(['f', '--month', '2024-13'], {})?.data).toEqual({ month: '2024-13' });
    expect(parseInvokeArgs(['f', '--from', '202401', '--to', '2024-06'], {})?.data).toEqual({ from: '202401', to: '2024-06' });
  });

  it('returns undefined for --help', () => {
    expect(parseInvokeArgs(['--help'], {})).toBeUndefined();
  });

  it.each([
    [['f', '--bogus']],
    [[]],
    [['f', 'g']],
    [['../f']],
    [['f', '--month', '2024-05', '--data', '{}']],
    [['f', '--from', '2024-01']],
    [['f', '--data', '[1]']],
    [['f', '--data', '{nope']],
    [['f', '--timer', '--openid', 'o']],
    [['f', '--timer-message', 'x']],
    [['f', '--cold', '--warm']],
    [['f', '--emulator', 'localhost:1']],
    [['f', '--now', 'yesterday']],
    [['f', '--timeout', '0']],
  ])('rejects %j', (argv) => {
    expect(() => parseInvokeArgs(argv, {})).toThrow(UsageError);
  });
});

describe('clockFrom', () => {
  it('starts at the given instant and advances with real time', async () => {
    const clock = clockFrom(new Date('2099-06-15T02:00:00Z'));
    const first = clock().getTime();
    expect(first - Date.parse('2099-06-15T02:00:00Z')).toBeLessThan(1000);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(clock().getTime()).toBeGreaterThan(first);
  });
});

describe('runningEmulatorContextUrl', () => {
  it('follows the emulator’s /functions/<name> layout, or a {name} template', () => {
    expect(runningEmulatorContextUrl('http://127.0.0.1:8080/', 'getMonthlyRetain')).toBe('http://127.0.0.1:8080/functions/getMonthlyRetain');
    expect(runningEmulatorContextUrl('http://127.0.0.1:8080/fn/{name}/admin', 'f')).toBe('http://127.0.0.1:8080/fn/f/admin');
  });
});

describe('npm run invoke', () => {
  const runCli = (...argv: string[]) => runScript('scripts/invoke.ts', argv);
  const FIXTURES = 'packages/function-runner/test/fixtures';
  // A listener that accepts connections and answers nothing: the fixtures call no API, invoke only checks that something listens.
  const listener = net.createServer((socket) => socket.destroy());
  let listenerUrl = '';
  const fixtures: string[] = [];
  beforeAll(async () => {
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    listenerUrl = `http://127.0.0.1:${(listener.address() as AddressInfo).port}`;
    fixtures.push('--functions-root', FIXTURES, '--emulator', `${listenerUrl}/fn/{name}`);
  });
  afterAll(() => new Promise((resolve) => listener.close(resolve)));

  it('prints the reply as JSON and exits 0', () => {
    const { exitCode, stdout, stderr } = runCli('whoami', '--month', '2024-05', ...fixtures);
    expect(exitCode).toBe(0);
    const reply = JSON.parse(stdout);
    expect(reply.event).toEqual({ month: '2024-05', userInfo: { appId: 'wx0000000000000000', openId: DEFAULT_OPENID } });
    expect(reply.env.ANALYTICS_ADMIN_OPENIDS).toBe(DEFAULT_OPENID);
    expect(reply.env.TCB_CONTEXT_CNFG).toBe(JSON.stringify({ URL: `${listenerUrl}/fn/whoami` }));
    expect(stderr).toContain('│ whoami invocation 1');
  });

  it('starts an emulator in-process when none is given', () => {
    const { exitCode, stdout } = runCli('whoami', '--functions-root', FIXTURES);
    expect(exitCode).toBe(0);
    expect(JSON.parse(JSON.parse(stdout).env.TCB_CONTEXT_CNFG).URL).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/functions\/whoami$/);
  });

  it('runs a timer call', () => {
    const { exitCode, stdout } = runCli('whoami', '--timer', '--warm', ...fixtures);
    expect(exitCode).toBe(0);
    expect(JSON.parse(stdout).wxContext).toEqual({ ENV: 'local-env', SOURCE: 'wx_trigger' });
    expect(JSON.parse(stdout).event).toMatchObject({ Type: 'Timer', TriggerName: 'timer', Message: '' });
  });

  it('gives a timer call the --timer-message', () => {
    const { exitCode, stdout } = runCli('whoami', '--timer', '--timer-message', 'backfill', ...fixtures);
    expect(exitCode).toBe(0);
    expect(JSON.parse(stdout).event).toMatchObject({ Type: 'Timer', Message: 'backfill' });
  });

  it('exits 1 on a failed invocation', () => {
    const { exitCode, stdout, stderr } = runCli('fails', '--month', '2024-06', ...fixtures);
    expect(exitCode).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toContain('FAILED: MonthRangeError: month 2024-06 is not complete yet');
  });

  it('exits 1 on a timeout', () => {
    const { exitCode, stderr } = runCli('hangs', '--data', '{"hang":true}', '--timeout', '300', ...fixtures);
    expect(exitCode).toBe(1);
    expect(stderr).toContain('TIMED OUT');
  });

  it('exits 2 on an unknown function and lists the functions that exist', () => {
    const { exitCode, stderr } = runCli('whoamI', ...fixtures);
    expect(exitCode).toBe(2);
    expect(stderr).toBe('invoke: no function "whoamI" in packages/function-runner/test/fixtures; the functions are: edge-cases, fails, hangs, sdk-probe, sleeps, whoami\n');
    expect(stderr).not.toContain('npm run build');
  });

  it('exits 2 and asks for a build when the function folder has no index.js', () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'invoke-cli-'));
    try {
      mkdirSync(path.join(root, 'notBuiltYet'));
      writeFileSync(path.join(root, 'notBuiltYet', 'index.ts'), 'export {};\n');
      const { exitCode, stderr } = runCli('notBuiltYet', '--functions-root', root, '--emulator', `${listenerUrl}/fn/{name}`);
      expect(exitCode).toBe(2);
      expect(stderr).toMatch(/^invoke: .*notBuiltYet\/index\.js not found: run `npm run build` first\n$/);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('says a config.json that is not JSON is broken, with its line and column, rather than let it pass for a missing permission', () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'invoke-cli-config-'));
    try {
      mkdirSync(path.join(root, 'f'));
      writeFileSync(path.join(root, 'f', 'index.js'), 'exports.main = async () => ({ ok: true });\n');
      writeFileSync(path.join(root, 'f', 'config.json'), '{\n  "permissions": { "openapi": ["analysis.getMonthlyRetain",] }\n}\n');
      const { exitCode, stderr } = runCli('f', '--functions-root', root, '--emulator', `${listenerUrl}/fn/{name}`);
      expect(exitCode).toBe(0);
      expect(stderr).toContain(
        `invoke: ${path.relative(REPO_ROOT, path.join(root, 'f', 'config.json'))}: it is not strict JSON at line 2, column 60 ("]" where a value should be): ` +
          'remove comments and trailing commas, put keys and strings in double quotes; until then the emulator grants the function no open API (a permission error)\n',
      );
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('passes --month YYYYMM to the function, which accepts it', () => {
    const { exitCode, stdout } = runCli('getMonthlyRetain', '--month', '201702', '--now', '2024-06-15T02:00:00Z');
    expect(exitCode).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ ok: true, data: { month: '2017-02', refDate: '201702' } });
  });

  it('lets the function refuse a month it does not accept', () => {
    const { exitCode, stdout } = runCli('getMonthlyRetain', '--month', '2024-13', '--now', '2024-06-15T02:00:00Z');
    expect(exitCode).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT' } });
  });

  it('moves the in-process emulator’s clock with --now, so a future month is served', () => {
    const { exitCode, stdout, stderr } = runCli('getMonthlyRetain', '--month', '2099-05', '--now', '2099-06-15T02:00:00Z');
    expect(stderr).not.toContain('61501');
    expect(exitCode).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ ok: true, source: 'wechat', data: { month: '2099-05' } });
  });

  it('serves the function\'s cloud.callFunction in-process: the called function runs with the same variables and clock', () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'invoke-cli-nested-'));
    try {
      symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(root, 'node_modules'), 'dir');
      const write = (name: string, source: string) => {
        mkdirSync(path.join(root, 'functions', name), { recursive: true });
        writeFileSync(path.join(root, 'functions', name, 'index.js'), source);
      };
      const sdk = "const cloud = require('wx-server-sdk');\ncloud.init({ env: cloud.DYNAMIC_CURRENT_ENV });\n";
      write('caller', `${sdk}exports.main = async () => (await cloud.callFunction({ name: 'callee', data: { cursor: 7 } })).result;\n`);
      write(
        'callee',
        `${sdk}exports.main = async (event) => ({ event, SOURCE: cloud.getWXContext().SOURCE, admins: process.env.ANALYTICS_ADMIN_OPENIDS, now: new Date().toISOString() });\n`,
      );
      const { exitCode, stdout, stderr } = runCli('caller', '--timer', '--functions-root', path.join(root, 'functions'), '--admins', 'oA', '--now', '2024-06-15T02:00:00Z');
      expect(exitCode).toBe(0);
      const reply = JSON.parse(stdout);
      expect(reply).toMatchObject({ event: { cursor: 7 }, SOURCE: 'wx_trigger,scf', admins: 'oA' });
      expect(Date.parse(reply.now) - Date.parse('2024-06-15T02:00:00Z')).toBeGreaterThanOrEqual(0);
      expect(Date.parse(reply.now) - Date.parse('2024-06-15T02:00:00Z')).toBeLessThan(20_000);
      expect(stderr).toMatch(/called callee \(pid \d+, \d+ ms\): replied/);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('exits 2 on an unknown flag with one line that names it and points at --help', () => {
    const { exitCode, stderr } = runCli('whoami', '--moth', '2024-05');
    expect(exitCode).toBe(2);
    expect(stderr).toBe('invoke: unknown option --moth (see npm run invoke -- --help)\n');
  });

  it('exits 2 when nothing answers at --emulator URL, saying to start one, before running the function', async () => {
    const closed = net.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise((resolve) => closed.close(resolve));
    const { exitCode, stdout, stderr } = runCli('getMonthlyRetain', '--month', '2024-05', '--emulator', url);
    expect(exitCode).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toBe(`invoke: nothing answers at ${url}: start it with npm run emulator (or leave out --emulator for an in-process one)\n`);
  });
});

describe('--env', () => {
  test('ANALYTICS_ADMIN_OPENIDS given with --env counts, unless --admins says otherwise', () => {
    expect(parseInvokeArgs(['getMonthlyRetain', '--env', 'ANALYTICS_ADMIN_OPENIDS=oX'], {})?.admins).toBe('oX');
    expect(parseInvokeArgs(['getMonthlyRetain', '--env', 'ANALYTICS_ADMIN_OPENIDS=oX', '--admins', 'oY'], {})?.admins).toBe('oY');
    expect(parseInvokeArgs(['getMonthlyRetain', '--env', 'WECHAT_TRANSPORT=https'], {})?.env).toEqual({ WECHAT_TRANSPORT: 'https' });
    expect(() => parseInvokeArgs(['getMonthlyRetain', '--env', 'lower=1'], {})).toThrow(/NAME=VALUE/);
  });
});

describe('--component and --source', () => {
  const runCli = (...argv: string[]) => runScript('scripts/invoke.ts', argv);
  test('parse: a number of Mini Programs; a SOURCE for a function caller; one caller only', () => {
    expect(parseInvokeArgs(['syncMonthlyAnalytics', '--timer', '--component', '3'], {})).toMatchObject({ component: 3, caller: { kind: 'timer' } });
    expect(parseInvokeArgs(['syncMonthlyAnalytics', '--source', 'wx_trigger,scf'], {})?.caller).toEqual({ kind: 'function', source: 'wx_trigger,scf' });
    expect(() => parseInvokeArgs(['f', '--source', 'scf', '--timer'], {})).toThrow(UsageError);
    expect(() => parseInvokeArgs(['f', '--component', 'many'], {})).toThrow(/--component/);
    expect(() => parseInvokeArgs(['f', '--component', '2', '--emulator', 'http://127.0.0.1:1'], {})).toThrow(/--emulator/);
  });

  test('a timer run of the sync in the third-party mode over 3 seeded Mini Programs, fanned out in shards of 2', () => {
    const { exitCode, stdout, stderr } = runCli(
      'syncMonthlyAnalytics',
      '--timer',
      '--component',
      '3',
      '--env',
      'ANALYTICS_SYNC_SHARD_SIZE=2',
      '--now',
      '2024-06-15T02:00:00Z',
      '--timeout',
      '15000',
    );
    expect(stderr).toContain('third-party mode, 3 authorised Mini Programs');
    expect(exitCode).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ ok: true, data: { fetched: 72, deferred: 0, shards: { started: 2, replied: 2, failed: 0 } } });
    expect(stderr.match(/called syncMonthlyAnalytics \(pid \d+, \d+ ms\): replied/g)).toHaveLength(2);
  });
});

describe('--fault, --db-fault and --latency in-process', () => {
  const runCli = (...argv: string[]) => runScript('scripts/invoke.ts', argv);

  test('parse as npm run emulator parses them; refused with --emulator, which has faults of its own', () => {
    expect(parseInvokeArgs(['f', '--fault', 'getMonthlyRetain=45009:2', '--db-fault', 'getDocument=-502001', '--latency', 'getMonthlyRetain=5'], {})?.faults).toEqual({
      faults: [{ apiName: 'analysis.getMonthlyRetain', kind: 'fail', errcode: 45009, times: 2 }],
      databaseFaults: [expect.objectContaining({ action: 'getDocument', errcode: -502001 })],
      latencies: [{ target: 'api', apiName: 'analysis.getMonthlyRetain', ms: 5 }],
    });
    expect(() => parseInvokeArgs(['f', '--fault', 'getMonthlyRetian=45009'], {})).toThrow(/^--fault: unknown API "getMonthlyRetian"/);
    expect(() => parseInvokeArgs(['f', '--fault', 'getMonthlyRetain=45009', '--emulator', 'http://127.0.0.1:1'], {})).toThrow(/--fault goes to the in-process emulator/);
  });

  test('--fault getMonthlyRetain=45009: the in-process emulator answers the quota error, as a running one started with it does', () => {
    const { exitCode, stdout } = runCli('getMonthlyRetain', '--month', '2024-05', '--now', '2024-06-15T02:00:00Z', '--fault', 'getMonthlyRetain=45009');
    expect(exitCode).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ ok: false, error: { code: 'QUOTA_EXCEEDED', wxErrCode: 45009 } });
  });

  test('--db-fault: the database answers the injected CloudBase code', () => {
    const { exitCode, stdout } = runCli('getMonthlyRetain', '--month', '2024-05', '--now', '2024-06-15T02:00:00Z', '--db-fault', '*=-501003:always');
    expect(exitCode).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ ok: false, error: { code: 'UPSTREAM_ERROR', wxErrCode: -501003 } });
  });

  test('a malformed spec is one line naming the flag, exit 2', () => {
    const { exitCode, stderr } = runCli('getMonthlyRetain', '--fault', 'getMonthlyRetain');
    expect(exitCode).toBe(2);
    expect(stderr).toMatch(/^invoke: --fault: "getMonthlyRetain" is not API=ERRCODE or API=ERRCODE:TIMES.*\(see npm run invoke -- --help\)\n$/);
  });
});
