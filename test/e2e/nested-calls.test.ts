import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'fs';
import os from 'os';
import path from 'path';
import { ADMIN, ADMIN_OPENID, REPO_ROOT, TestCloud, replyOf, startTestCloud } from '../helpers/cloud';

// cloud.callFunction from inside a function, through the real wx-server-sdk, the emulator and
// function-runner's pool: two throwaway functions in a temp folder, not the product's.
const NOW = new Date('2024-06-15T02:00:00Z');
const FAN_OUT = 4;
const WORKER_MS = 800;

/** Calls `worker` FAN_OUT times at once, or the function its mode names, and reports what came back. */
const FAN_OUT_SOURCE = `'use strict';
const cloud = require('wx-server-sdk');
cloud.init({ env: cloud.DYNAMIC_CURRENT_ENV });

async function call(name, data) {
  try {
    const reply = await cloud.callFunction({ name, data });
    return { ok: true, result: reply.result };
  } catch (error) {
    return { ok: false, errCode: error.errCode, code: error.code, errMsg: error.errMsg };
  }
}

exports.main = async (event) => {
  const mode = event.Type === 'Timer' ? event.Message : event.mode;
  const startedAt = Date.now();
  let results;
  if (mode === 'missing') results = [await call('noSuchFunction', {})];
  else if (mode === 'boom') results = [await call('boom', { why: 'asked to' })];
  else if (mode === 'hang') results = [await call('boom', { hang: true })];
  else {
    const count = Number(process.env.FAN_OUT);
    results = await Promise.all(Array.from({ length: count }, (_, cursor) => call('worker', { cursor })));
  }
  return { results, wallMs: Date.now() - startedAt, sawWorkerTag: process.env.WORKER_TAG ?? null };
};
`;

const WORKER_SOURCE = `'use strict';
const cloud = require('wx-server-sdk');
cloud.init({ env: cloud.DYNAMIC_CURRENT_ENV });

exports.main = async (event) => {
  const startedAt = Date.now();
  await new Promise((resolve) => setTimeout(resolve, event.ms ?? Number(process.env.WORKER_MS)));
  const { OPENID, APPID, SOURCE } = cloud.getWXContext();
  return {
    cursor: event.cursor,
    OPENID: OPENID ?? null,
    APPID: APPID ?? null,
    SOURCE,
    pid: process.pid,
    startedAt,
    endedAt: Date.now(),
    now: new Date().toISOString(),
    workerTag: process.env.WORKER_TAG ?? null,
    admins: process.env.ANALYTICS_ADMIN_OPENIDS ?? null,
  };
};
`;

const BOOM_SOURCE = `'use strict';
exports.main = async (event) => {
  if (event.hang) return new Promise(() => {});
  throw new Error('boom: ' + event.why);
};
`;

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('cloud.callFunction from inside a function, end to end', () => {
  let scratch: string;
  let cloud: TestCloud;
  let closed = false;
  const timer = { kind: 'timer', triggerName: 'fanOutTimer' } as const;

  beforeAll(async () => {
    scratch = mkdtempSync(path.join(os.tmpdir(), 'nested-calls-e2e-'));
    const functionsRoot = path.join(scratch, 'functions');
    for (const [name, source] of Object.entries({ fanOut: FAN_OUT_SOURCE, worker: WORKER_SOURCE, boom: BOOM_SOURCE })) {
      mkdirSync(path.join(functionsRoot, name), { recursive: true });
      writeFileSync(path.join(functionsRoot, name, 'index.js'), source);
    }
    symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(scratch, 'node_modules'), 'dir');
    cloud = await startTestCloud({
      now: NOW,
      functionsRoot,
      functionEnv: { fanOut: { FAN_OUT: String(FAN_OUT) }, worker: { WORKER_MS: String(WORKER_MS), WORKER_TAG: 'worker-only' } },
      // A cold start (loading wx-server-sdk) counts in a time limit, as on the platform: the workers get room.
      nestedCalls: { timeoutMs: { worker: 8000, boom: 500 } },
    });
  });

  afterAll(async () => {
    if (!closed) await cloud?.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  beforeEach(() => cloud.reset(NOW));

  test('a timer-started function gets each call\'s result; the callees see SOURCE wx_trigger,scf, no user, their own env and the clock', async () => {
    const reply = replyOf(await cloud.invoke('fanOut', { caller: timer, timeoutMs: 15_000 }));
    expect(reply.results.map((entry: any) => entry.ok ? true : entry)).toEqual(Array(FAN_OUT).fill(true));
    const workers = reply.results.map((entry: any) => entry.result);
    expect(workers.map((worker: any) => worker.cursor)).toEqual([0, 1, 2, 3]);
    for (const worker of workers) {
      expect(worker).toMatchObject({ SOURCE: 'wx_trigger,scf', OPENID: null, APPID: null, workerTag: 'worker-only', admins: ADMIN_OPENID });
      expect(Date.parse(worker.now) - NOW.getTime()).toBeGreaterThanOrEqual(WORKER_MS);
      expect(Date.parse(worker.now) - NOW.getTime()).toBeLessThan(10_000);
    }
    expect(reply.sawWorkerTag).toBeNull();
    expect(cloud.emulator.countCalls({ apiName: 'invokeFunction', functionName: 'fanOut', targetFunction: 'worker' })).toBe(FAN_OUT);
    expect(cloud.emulator.calls.every((call) => call.errcode === 0)).toBe(true);
  });

  test('a Mini Program user\'s chain is wx_client,scf, and the callee still gets no OPENID (the SDK sends none)', async () => {
    const reply = replyOf(await cloud.invoke('fanOut', { caller: ADMIN, data: { mode: 'fan-out' }, timeoutMs: 15_000 }));
    for (const entry of reply.results) expect(entry.result).toMatchObject({ SOURCE: 'wx_client,scf', OPENID: null, APPID: null });
  });

  test('concurrent calls run in parallel: the fan-out takes about one call, not the sum', async () => {
    const reply = replyOf(await cloud.invoke('fanOut', { caller: timer, timeoutMs: 15_000 }));
    const workers = reply.results.map((entry: any) => entry.result);
    expect(new Set(workers.map((worker: any) => worker.pid)).size).toBe(FAN_OUT);
    // Every call had started before the first one ended.
    expect(Math.max(...workers.map((worker: any) => worker.startedAt))).toBeLessThan(Math.min(...workers.map((worker: any) => worker.endedAt)));
    expect(reply.wallMs).toBeLessThan(0.6 * FAN_OUT * WORKER_MS);
  });

  test('a missing function and a throwing one reject with the SDK\'s errors; a callee over its own time limit too', async () => {
    const missing = replyOf(await cloud.invoke('fanOut', { caller: { ...timer, message: 'missing' }, timeoutMs: 15_000 }));
    expect(missing.results).toEqual([
      { ok: false, errCode: -1, code: 'FUNCTIONS_EXECUTE_FAIL', errMsg: 'callFunction:fail 找不到对应的FunctionName. (noSuchFunction)' },
    ]);
    const boom = replyOf(await cloud.invoke('fanOut', { caller: { ...timer, message: 'boom' }, timeoutMs: 15_000 }));
    expect(boom.results).toEqual([{ ok: false, errCode: -1, code: 'FUNCTIONS_EXECUTE_FAIL', errMsg: expect.stringMatching(/^callFunction:fail Error: boom: asked to\n\s+at exports\.main/) }]);
    const hang = replyOf(await cloud.invoke('fanOut', { caller: { ...timer, message: 'hang' }, timeoutMs: 15_000 }));
    expect(hang.results).toEqual([{ ok: false, errCode: -1, code: 'FUNCTIONS_EXECUTE_FAIL', errMsg: 'callFunction:fail Invoking task timed out after 0.5 seconds' }]);
    expect(cloud.emulator.calls.map((call) => [call.targetFunction, call.errcode])).toEqual([
      ['noSuchFunction', -504002],
      ['boom', -504002],
      ['boom', -504002],
    ]);
  });

  test('nothing is left running after close', async () => {
    const reply = await cloud.invoke('fanOut', { caller: timer, timeoutMs: 15_000 });
    const pids = [reply.pid, ...(cloud.nestedCalls?.pids ?? [])];
    expect(pids.length).toBeGreaterThan(FAN_OUT);
    for (const pid of pids) expect(processExists(pid)).toBe(true);
    closed = true;
    await cloud.close();
    for (const pid of pids) expect(processExists(pid)).toBe(false);
    expect(cloud.nestedCalls?.pids).toEqual([]);
    expect(cloud.nestedCalls?.running).toBe(0);
    await expect(fetch(cloud.emulator.url)).rejects.toThrow();
  });
});
