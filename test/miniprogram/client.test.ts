/**
 * The Mini Program's client module against the built functions: `wx.cloud.callFunction` invokes them
 * through the runner and the emulator, real wx-server-sdk inside. A change of reply shape on either side
 * fails here.
 */
import {
  AnalyticsError,
  backfill,
  getMonthlyRetain,
  getMonthlyVisitTrend,
  syncMonthlyAnalytics,
} from '../../miniprogram/services/analytics';
import { errorView } from '../../miniprogram/pages/analytics/errors';
import { callFunctionStandIn } from '../../scripts/miniprogram/call-function';
import { type CloudBaseRuntime, runtimeBinary, runtimeNamed } from '@wx-monthly-analytics/cloudbase-runtimes';
import { ADMIN, FUNCTIONS, MiniProgramCloud, STRANGER, startMiniProgramCloud } from './helpers/wx-cloud';

// 10:00 on 15 June 2024 in China: the newest complete month is May 2024.
const NOW = new Date('2024-06-15T02:00:00Z');
const TREND = 'analysis.getMonthlyVisitTrend';

let mp: MiniProgramCloud;
beforeAll(async () => {
  mp = await startMiniProgramCloud({ now: NOW });
});
afterAll(() => mp.close());
beforeEach(() => {
  mp.cloud.reset(NOW);
  mp.useWx(ADMIN);
});

async function failure(promise: Promise<unknown>): Promise<AnalyticsError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(AnalyticsError);
    return error as AnalyticsError;
  }
  throw new Error('the call succeeded');
}

test('one month of retention and visit trend, typed as the contract says', async () => {
  const retain = await getMonthlyRetain({ month: '2024-04' });
  expect(retain).toMatchObject({ source: 'wechat', final: true, data: { month: '2024-04', complete: true } });
  expect(retain.data.visitUv.map((point) => point.key)).toEqual([0, 1]);
  const trend = await getMonthlyVisitTrend();
  expect(trend.data?.month).toBe('2024-05');
  expect(typeof trend.data?.visitUv).toBe('number');
  const again = await getMonthlyVisitTrend({ month: '2024-05' });
  expect(again.source).toBe('archive');
});

test('a range is one outcome per month, in order', async () => {
  const trend = await getMonthlyVisitTrend({ from: '2023-06', to: '2024-05' });
  expect(trend.map((entry) => entry.month)).toEqual([
    '2023-06', '2023-07', '2023-08', '2023-09', '2023-10', '2023-11', '2023-12', '2024-01', '2024-02', '2024-03', '2024-04', '2024-05',
  ]);
  expect(trend.every((entry) => entry.ok)).toBe(true);
  const retain = await getMonthlyRetain({ from: '2024-04', to: '2024-05' });
  expect(retain.map((entry) => (entry.ok ? entry.data.complete : null))).toEqual([true, false]);
});

test('a month that fails does not hide the others', async () => {
  mp.cloud.emulator.faults.failNext(TREND, 45009);
  const trend = await getMonthlyVisitTrend({ from: '2024-03', to: '2024-05' });
  const failed = trend.filter((entry) => !entry.ok);
  expect(failed).toHaveLength(1);
  expect(failed[0]).toMatchObject({ ok: false, error: { code: 'QUOTA_EXCEEDED', wxErrCode: 45009 } });
});

test('a refusal is an AnalyticsError with the OPENID the function saw', async () => {
  mp.useWx(STRANGER);
  const error = await failure(getMonthlyRetain({ from: '2024-01', to: '2024-05' }));
  expect(error).toMatchObject({ code: 'FORBIDDEN', functionName: 'getMonthlyRetain', openid: (STRANGER as { openid: string }).openid });
});

test('{ ok: false } replies keep their code and WeChat error', async () => {
  mp.cloud.emulator.faults.failNext(TREND, 61503);
  const error = await failure(getMonthlyVisitTrend({ month: '2024-05' }));
  expect(error).toMatchObject({ code: 'DATA_NOT_READY', wxErrCode: 61503 });
  expect((await failure(getMonthlyVisitTrend({ month: '2024-06' }))).code).toBe('MONTH_NOT_COMPLETE');
});

test('appid is sent only when given (the functions do not take it yet)', async () => {
  const wx = mp.useWx(ADMIN);
  await getMonthlyRetain({ month: '2024-05' });
  expect(wx.callFunction.mock.calls[0][0]).toEqual({ name: 'getMonthlyRetain', data: { month: '2024-05' } });
  const error = await failure(getMonthlyRetain({ month: '2024-05' }, { appid: 'wx1234567890abcdef' }));
  expect(error.code).toBe('INVALID_ARGUMENT');
});

test('an invocation that times out is FUNCTION_TIMEOUT (-504003); one that crashes FUNCTION_FAILED; neither is retried', async () => {
  // The functions stop their own WeChat calls before their time limit, so a real timeout needs a slow
  // platform: these invocations are given as the runner reports them.
  const base = { reply: undefined, durationMs: 3000, logs: [], requestId: 'req-1', pid: 1, coldStart: false, wallMs: 3000 };
  const invoke = jest.fn()
    .mockResolvedValueOnce({ ...base, timedOut: true })
    .mockResolvedValueOnce({ ...base, timedOut: false, failed: { errorMessage: 'boom', errorType: 'Error' } });
  const callFunction = jest.fn(callFunctionStandIn(invoke, { caller: ADMIN, functions: FUNCTIONS }));
  (globalThis as unknown as { wx: { cloud: unknown } }).wx.cloud = { callFunction };
  const timeout = await failure(getMonthlyVisitTrend({ month: '2024-05' }));
  expect(timeout).toMatchObject({ code: 'FUNCTION_TIMEOUT', callErrCode: -504003 });
  expect(timeout.message).toMatch(/^cloud\.callFunction:fail -504003 Invoking task timed out after 3 seconds/);
  const crash = await failure(getMonthlyVisitTrend({ month: '2024-05' }));
  expect(crash).toMatchObject({ code: 'FUNCTION_FAILED', callErrCode: -504002 });
  expect(callFunction).toHaveBeenCalledTimes(2);
});

test('a function on a runtime below the floor is UNSUPPORTED_RUNTIME, with the loader\'s fix, and the page says so', async () => {
  const old = await startMiniProgramCloud({ now: NOW, nodePath: runtimeBinary(runtimeNamed('Nodejs14.18') as CloudBaseRuntime) });
  try {
    old.useWx(ADMIN);
    const error = await failure(getMonthlyVisitTrend({ month: '2024-05' }));
    expect(error).toMatchObject({ code: 'UNSUPPORTED_RUNTIME', callErrCode: -504002 });
    expect(error.message).toContain('runs on Node.js 14.18.3 (runtime Nodejs14.18) and needs Nodejs16.13 or later');
    const view = errorView(error);
    expect(view).toMatchObject({ code: 'UNSUPPORTED_RUNTIME', title: 'The analytics functions need a newer Node.js runtime' });
    expect(view.action).not.toMatch(/try again/i);
    expect(view.detail).toContain('--recreate getMonthlyVisitTrend');
    expect(old.cloud.emulator.calls).toHaveLength(0);
  } finally {
    await old.close();
    mp.useWx(ADMIN);
  }
});

test('a function missing from the environment is FUNCTION_NOT_FOUND (-501000)', async () => {
  const { callAnalytics } = await import('../../miniprogram/services/analytics');
  const error = await failure(callAnalytics('getMonthlyVisitTrends' as 'getMonthlyVisitTrend', {}));
  expect(error).toMatchObject({ code: 'FUNCTION_NOT_FOUND', callErrCode: -501000 });
});

test('a network failure of callFunction is NETWORK', async () => {
  const wx = mp.useWx(ADMIN);
  wx.callFunction.mockRejectedValueOnce(Object.assign(new Error('x'), { errCode: -1, errMsg: 'cloud.callFunction:fail request:fail timeout' }));
  expect((await failure(getMonthlyRetain())).code).toBe('NETWORK');
});

test('sync replies its summary; a backfill calls again while months are deferred', async () => {
  const once = await syncMonthlyAnalytics({ months: 2 });
  expect(once).toEqual({ fetched: 4, skipped: 0, failed: 0, deferred: 0, failures: [] });

  mp.cloud.reset(NOW);
  const wx = mp.useWx(ADMIN);
  mp.cloud.emulator.faults.latency(700);
  const progress: number[] = [];
  const result = await backfill({ from: '2023-10', to: '2024-05' }, { onProgress: (step) => progress.push(step.done), idlePauseMs: 0 });
  expect(result).toMatchObject({ done: 16, total: 16, fetched: 16, last: { deferred: 0, failed: 0 } });
  expect(result.runs).toBeGreaterThan(1);
  expect(wx.callFunction).toHaveBeenCalledTimes(result.runs);
  expect(progress[progress.length - 1]).toBe(16);
  expect(progress).toEqual([...progress].sort((a, b) => a - b));
}, 30_000);
