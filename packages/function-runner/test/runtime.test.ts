import { spawn } from 'child_process';
import http from 'http';
import type { AddressInfo } from 'net';
import path from 'path';
import { invokeCold, startWarm, type FunctionDeployment, type InvokeResult, type WarmInstance } from '../src';

jest.setTimeout(30_000);

const PACKAGE_ROOT = path.resolve(__dirname, '..');
const FIXTURES = path.join(__dirname, 'fixtures');
const CONTEXT_URL = 'http://127.0.0.1:9/admin';
const USER = { kind: 'miniprogram', openid: 'oUser0000000000000000000001' } as const;
const PLATFORM_VARIABLES = new Set([
  'PATH', 'HOME', 'TMPDIR', 'TZ', 'ANALYTICS_ADMIN_OPENIDS',
  'TENCENTCLOUD_RUNENV', 'TENCENTCLOUD_REGION', 'TENCENTCLOUD_APPID', 'TENCENTCLOUD_UIN',
  'TENCENTCLOUD_SECRETID', 'TENCENTCLOUD_SECRETKEY', 'TENCENTCLOUD_SESSIONTOKEN',
  'SCF_NAMESPACE', 'SCF_FUNCTIONNAME', 'SCF_FUNCTIONVERSION', 'TCB_ENV', 'TCB_CONTEXT_CNFG',
  'WX_CONTEXT_KEYS', 'TCB_CONTEXT_KEYS', 'WX_OPENID', 'WX_APPID', 'WX_UNIONID', 'WX_API_TOKEN',
  'WX_TRIGGER_API_TOKEN_V0', 'TCB_SOURCE', 'TRIGGER_SRC',
]);

interface WhoamiReply {
  event: Record<string, unknown>;
  context: Record<string, unknown> & { environment: Record<string, string>; remainingMs: number };
  wxContext: Record<string, unknown>;
  now: number;
  newDate: string;
  dateFunctionString: string;
  isDateInstance: boolean;
  timezoneOffset: number;
  loadedAt: number;
  invocationCount: number;
  pid: number;
  cwd: string;
  env: Record<string, string | undefined>;
  envNames: string[];
}

function deploymentOf(fixture: string, extra: Partial<FunctionDeployment> = {}): FunctionDeployment {
  return { functionDir: path.join(FIXTURES, fixture), contextUrl: CONTEXT_URL, ...extra };
}

function whoamiReply(result: InvokeResult): WhoamiReply {
  expect(result.failed).toBeUndefined();
  expect(result.timedOut).toBe(false);
  return result.reply as WhoamiReply;
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('invokeCold', () => {
  const whoami = deploymentOf('whoami', { env: { ANALYTICS_ADMIN_OPENIDS: 'oAdmin1,oAdmin2' } });

  it('gives a Mini Program call its data, userInfo, OPENID and the SCF context', async () => {
    const result = await invokeCold(whoami, { caller: USER, data: { month: '2024-05' } });
    const reply = whoamiReply(result);

    expect(reply.event).toEqual({ month: '2024-05', userInfo: { appId: 'wx0000000000000000', openId: USER.openid } });
    expect(reply.wxContext).toEqual({ OPENID: USER.openid, APPID: 'wx0000000000000000', ENV: 'local-env', SOURCE: 'wx_client' });
    expect(reply.context).toMatchObject({
      request_id: result.requestId,
      function_name: 'whoami',
      function_version: '$LATEST',
      namespace: 'local-env',
      memory_limit_in_mb: 256,
      time_limit_in_ms: 3000,
      tencentcloud_region: 'ap-shanghai',
      callbackWaitsForEmptyEventLoop: true,
    });
    expect(reply.context.environment).toMatchObject({ WX_OPENID: USER.openid, TCB_SOURCE: 'wx_client', ANALYTICS_ADMIN_OPENIDS: 'oAdmin1,oAdmin2' });
    expect(reply.context.remainingMs).toBeGreaterThan(0);
    expect(reply.context.remainingMs).toBeLessThanOrEqual(3000);
    expect(reply.cwd).toBe(whoami.functionDir);
    expect(reply.timezoneOffset).toBe(0);
    expect(result.logs).toEqual(['whoami invocation 1', 'whoami stderr line']);
    expect(result).toMatchObject({ coldStart: true, pid: reply.pid });
    expect(result.loadMs).toBeGreaterThan(0);
    expect(result.maxRssBytes).toBeGreaterThan(10 * 1024 * 1024);
    expect(result.durationMs).toBeGreaterThanOrEqual(result.loadMs ?? 0);
  });

  it('passes UNIONID and the DevTools source', async () => {
    const reply = whoamiReply(
      await invokeCold(whoami, { caller: { ...USER, appid: 'wxAnother', unionid: 'uUnion', source: 'wx_devtools' } }),
    );
    expect(reply.wxContext).toEqual({ OPENID: USER.openid, APPID: 'wxAnother', UNIONID: 'uUnion', ENV: 'local-env', SOURCE: 'wx_devtools' });
  });

  it('gives a timer run the trigger event and no user', async () => {
    const now = new Date('2024-06-01T02:00:00Z');
    const reply = whoamiReply(await invokeCold(whoami, { caller: { kind: 'timer', triggerName: 'monthly' }, data: { month: '2024-05' }, now }));
    expect(reply.event).toStrictEqual({ Type: 'Timer', TriggerName: 'monthly', Time: '2024-06-01T02:00:00Z', Message: '' });
    expect(reply.wxContext).toEqual({ ENV: 'local-env', SOURCE: 'wx_trigger' });
    expect(reply.env.TRIGGER_SRC).toBe('timer');
  });

  it('gives a timer run the trigger\'s custom message', async () => {
    const now = new Date('2024-06-01T02:00:00Z');
    const reply = whoamiReply(await invokeCold(whoami, { caller: { kind: 'timer', triggerName: 'monthly', message: 'backfill' }, now }));
    expect(reply.event).toStrictEqual({ Type: 'Timer', TriggerName: 'monthly', Time: '2024-06-01T02:00:00Z', Message: 'backfill' });
  });

  it('gives a call from another function its data as-is and SOURCE scf', async () => {
    const reply = whoamiReply(await invokeCold(whoami, { caller: { kind: 'function' }, data: { month: '2024-05' } }));
    expect(reply.event).toEqual({ month: '2024-05' });
    expect(reply.wxContext).toEqual({ ENV: 'local-env', SOURCE: 'scf' });
  });

  it('keeps the OPENID of a Mini Program user who forges a timer event', async () => {
    const forged = { Type: 'Timer', TriggerName: 'monthly', Time: '2024-06-01T02:00:00Z' };
    const reply = whoamiReply(await invokeCold(whoami, { caller: USER, rawEvent: forged }));
    expect(reply.event).toEqual(forged);
    expect(reply.wxContext).toMatchObject({ OPENID: USER.openid, SOURCE: 'wx_client' });
  });

  it('runs the function on the fake clock, module load included', async () => {
    const now = new Date('2024-05-31T16:00:00.000Z');
    const result = await invokeCold(whoami, { caller: USER, now });
    const reply = whoamiReply(result);
    const elapsedBound = result.durationMs + 50;
    for (const shown of [reply.now, Date.parse(reply.newDate), reply.loadedAt]) {
      expect(shown).toBeGreaterThanOrEqual(now.getTime());
      expect(shown).toBeLessThanOrEqual(now.getTime() + elapsedBound);
    }
    expect(reply.dateFunctionString).toMatch(/^Fri May 31 2024 16:00:0\d GMT\+0000/);
    expect(reply.isDateInstance).toBe(true);
  });

  it('does not let the parent environment leak into the function', async () => {
    process.env.RUNTIME_TEST_PARENT_SECRET = 'from-the-developer-shell';
    try {
      const reply = whoamiReply(await invokeCold(whoami, { caller: USER }));
      expect(reply.env.RUNTIME_TEST_PARENT_SECRET).toBeUndefined();
      expect(reply.envNames.filter((name) => !PLATFORM_VARIABLES.has(name))).toEqual([]);
      expect(reply.env).toMatchObject({
        TZ: 'UTC',
        TCB_ENV: 'local-env',
        SCF_NAMESPACE: 'local-env',
        TENCENTCLOUD_RUNENV: 'SCF',
        TCB_CONTEXT_CNFG: JSON.stringify({ URL: CONTEXT_URL }),
        ANALYTICS_ADMIN_OPENIDS: 'oAdmin1,oAdmin2',
      });
    } finally {
      delete process.env.RUNTIME_TEST_PARENT_SECRET;
    }
  });

  it('starts a new process for every call and leaves none behind', async () => {
    const first = await invokeCold(whoami, { caller: USER });
    const second = await invokeCold(whoami, { caller: USER });
    expect(first.pid).not.toBe(second.pid);
    expect(whoamiReply(second).invocationCount).toBe(1);
    expect(processExists(first.pid)).toBe(false);
    expect(processExists(second.pid)).toBe(false);
  });

  it('sends SDK requests to the contextUrl with the caller’s source', async () => {
    const requests: { url: string | undefined; source: string | string[] | undefined; body: string }[] = [];
    const server = http.createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        requests.push({ url: request.url, source: request.headers['x-tcb-source'], body });
        response.setHeader('content-type', 'application/json');
        response.end(JSON.stringify({ code: 'LOCAL_PROBE', message: 'probe reply' }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const result = await invokeCold(deploymentOf('sdk-probe', { contextUrl: `http://127.0.0.1:${port}/fn/sdk-probe` }), { caller: { kind: 'timer' } });
      expect(result.reply).toMatchObject({ ok: false, errMsg: expect.stringContaining('probe reply') });
      expect(requests).toHaveLength(1);
      expect(requests[0]?.url).toMatch(/^\/fn\/sdk-probe\?env=local-env&/);
      expect(requests[0]?.source).toBe('wx_trigger,scf');
      expect(JSON.parse(requests[0]?.body ?? '{}')).toMatchObject({ action: 'database.getDocument', envName: 'local-env' });
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('reports a thrown error as a failed invocation', async () => {
    const result = await invokeCold(deploymentOf('fails'), { caller: USER, data: { month: '2024-06' } });
    expect(result.reply).toBeUndefined();
    expect(result.timedOut).toBe(false);
    expect(result.failed).toMatchObject({ errorType: 'MonthRangeError', errorMessage: 'month 2024-06 is not complete yet' });
    expect(result.failed?.stackTrace).toContain('fails/index.js');
    expect(result.logs).toEqual(['about to fail']);
  });

  it('reports a thrown non-Error value', async () => {
    const result = await invokeCold(deploymentOf('fails'), { caller: USER, data: { throwString: true } });
    expect(result.failed).toEqual({ errorType: 'string', errorMessage: 'plain string failure' });
  });

  it('ends a function that never settles as timed out within the bound', async () => {
    const result = await invokeCold(deploymentOf('hangs'), { caller: USER, data: { hang: true }, timeoutMs: 500 });
    expect(result).toMatchObject({ timedOut: true, reply: undefined, logs: ['hangs called with hang=true'] });
    expect(result.failed).toBeUndefined();
    expect(result.durationMs).toBeGreaterThanOrEqual(500);
    expect(result.durationMs).toBeLessThan(2000);
    expect(processExists(result.pid)).toBe(false);
  });

  describe('edge cases', () => {
    const edgeCases = deploymentOf('edge-cases');

    it('accepts a reply through the callback', async () => {
      expect((await invokeCold(edgeCases, { caller: USER, data: { mode: 'callback' } })).reply).toEqual({ via: 'callback' });
    });

    it('returns null for undefined, as JSON would', async () => {
      const result = await invokeCold(edgeCases, { caller: USER, data: { mode: 'undefined' } });
      expect(result.failed).toBeUndefined();
      expect(result.reply).toBeNull();
    });

    it('fails a reply that cannot be serialized', async () => {
      const result = await invokeCold(edgeCases, { caller: USER, data: { mode: 'unserializable' } });
      expect(result.failed).toMatchObject({ errorType: 'TypeError', errorMessage: expect.stringContaining('BigInt') });
    });

    it('fails an invocation whose process exits', async () => {
      const result = await invokeCold(edgeCases, { caller: USER, data: { mode: 'exit' } });
      expect(result.failed).toMatchObject({ errorType: 'ProcessExited', errorMessage: expect.stringContaining('code 3') });
    });

    it('fails an invocation with an uncaught exception', async () => {
      const result = await invokeCold(edgeCases, { caller: USER, data: { mode: 'uncaught' } });
      expect(result.failed).toMatchObject({ errorType: 'RangeError', errorMessage: 'thrown from a timer' });
    });
  });
});

describe('startWarm', () => {
  let instance: WarmInstance | undefined;

  afterEach(async () => {
    await instance?.close();
    instance = undefined;
  });

  it('reuses one process and loads index.js once', async () => {
    instance = await startWarm(deploymentOf('whoami'));
    const startPid = instance.pid;
    const first = await instance.invoke({ caller: USER });
    const second = await instance.invoke({ caller: USER });
    expect([first.pid, second.pid]).toEqual([startPid, startPid]);
    expect(whoamiReply(second).invocationCount).toBe(2);
    expect(whoamiReply(second).loadedAt).toBe(whoamiReply(first).loadedAt);
    expect([first.coldStart, second.coldStart]).toEqual([true, false]);
    expect(first.loadMs).toBeGreaterThan(0);
    expect(second.loadMs).toBeUndefined();
    expect(second.logs).toEqual(['whoami invocation 2', 'whoami stderr line']);
  });

  it('does not leak the previous user into a timer run', async () => {
    instance = await startWarm(deploymentOf('whoami'));
    whoamiReply(await instance.invoke({ caller: { ...USER, unionid: 'uUnion' } }));
    const timerRun = whoamiReply(await instance.invoke({ caller: { kind: 'timer' } }));
    expect(timerRun.wxContext).toEqual({ ENV: 'local-env', SOURCE: 'wx_trigger' });
    expect(timerRun.envNames).not.toContain('WX_OPENID');
    expect(timerRun.envNames).not.toContain('WX_APPID');
    expect(timerRun.envNames).not.toContain('WX_UNIONID');
    const userAgain = whoamiReply(await instance.invoke({ caller: USER }));
    expect(userAgain.env.TRIGGER_SRC).toBeUndefined();
  });

  it('installs the fake clock per invocation and restores the real one', async () => {
    instance = await startWarm(deploymentOf('whoami'));
    const now = new Date('2024-06-01T02:00:00Z');
    // The fake clock starts at `now` and runs with real time: it reads at most the invocation's own duration past `now`.
    const fakedStarted = Date.now();
    const faked = whoamiReply(await instance.invoke({ caller: USER, now }));
    expect(faked.now - now.getTime()).toBeGreaterThanOrEqual(0);
    expect(faked.now - now.getTime()).toBeLessThanOrEqual(Date.now() - fakedStarted);
    const realStarted = Date.now();
    const real = whoamiReply(await instance.invoke({ caller: USER }));
    expect(real.now).toBeGreaterThanOrEqual(realStarted);
    expect(real.now).toBeLessThanOrEqual(Date.now());
  });

  it('starts a fresh process after a timeout', async () => {
    instance = await startWarm(deploymentOf('hangs'));
    const before = await instance.invoke({ caller: USER });
    const hung = await instance.invoke({ caller: USER, data: { hang: true }, timeoutMs: 300 });
    expect(hung.timedOut).toBe(true);
    expect(hung.pid).toBe(before.pid);
    expect(processExists(hung.pid)).toBe(false);
    const after = await instance.invoke({ caller: USER });
    expect(after).toMatchObject({ timedOut: false, coldStart: true, reply: { ok: true } });
    expect(after.pid).not.toBe(before.pid);
    expect(instance.pid).toBe(after.pid);
  });

  it('runs concurrent invoke() calls one after another', async () => {
    instance = await startWarm(deploymentOf('whoami'));
    const results = await Promise.all([1, 2, 3].map(() => instance!.invoke({ caller: USER })));
    expect(results.map((result) => whoamiReply(result).invocationCount)).toEqual([1, 2, 3]);
  });

  it('gives output written after a reply to the next invocation', async () => {
    instance = await startWarm(deploymentOf('edge-cases'));
    const replied = await instance.invoke({ caller: USER, data: { mode: 'late-log' } });
    expect(replied.logs).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const next = await instance.invoke({ caller: USER });
    expect(next.logs).toEqual(['logged after the reply']);
  });

  it('kills the process on close and refuses later calls', async () => {
    const closing = await startWarm(deploymentOf('whoami'));
    const pid = closing.pid;
    await closing.invoke({ caller: USER });
    await closing.close();
    expect(processExists(pid)).toBe(false);
    await expect(closing.invoke({ caller: USER })).rejects.toThrow('closed');
  });

  it('does not keep its parent alive, and the function process ends with it', async () => {
    const script = `
      const { startWarm } = require(${JSON.stringify(path.join(PACKAGE_ROOT, 'src'))});
      startWarm({ functionDir: ${JSON.stringify(path.join(FIXTURES, 'whoami'))}, contextUrl: 'http://127.0.0.1:9/admin' })
        .then((warm) => warm.invoke({ caller: { kind: 'timer' } }))
        .then((result) => console.log(String(result.pid)));
    `;
    const parent = spawn(process.execPath, ['--require', 'tsx/cjs', '--eval', script], { cwd: PACKAGE_ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    let output = '';
    parent.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exitCode = await new Promise<number | null>((resolve, reject) => {
      const timer = setTimeout(() => {
        parent.kill('SIGKILL');
        reject(new Error('the parent process was kept alive'));
      }, 15_000);
      parent.once('exit', (code) => {
        clearTimeout(timer);
        resolve(code);
      });
    });
    expect(exitCode).toBe(0);
    const functionPid = Number(output.trim());
    expect(functionPid).toBeGreaterThan(0);
    for (let attempt = 0; attempt < 50 && processExists(functionPid); attempt += 1) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(processExists(functionPid)).toBe(false);
  });
});
