import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import path from 'path';
import {
  functionEnvironment,
  monthlyAnalytics,
  MONTHLY_RETAIN_API,
  MONTHLY_VISIT_TREND_API,
  startEmulator,
  type Emulator,
} from '../src';

type WxServerSdk = typeof import('wx-server-sdk');
interface SdkFailure {
  errCode: unknown;
  errMsg: unknown;
}

const SEED = 'sdk-test-seed';
const CLOCK = new Date('2024-05-15T04:00:00Z');
const BOTH_APIS = 'bothApis';
const RETAIN_ONLY = 'retainOnly';
const ENV_KEYS = ['TCB_CONTEXT_CNFG', 'TENCENTCLOUD_SECRETID', 'TENCENTCLOUD_SECRETKEY', 'TCB_ENV', 'TENCENTCLOUD'] as const;

let functionsRoot: string;
let emulator: Emulator;
let cloud: WxServerSdk;
const savedEnv = new Map<string, string | undefined>(ENV_KEYS.map((key) => [key, process.env[key]]));

function writeFunction(name: string, configText: string | null): void {
  mkdirSync(path.join(functionsRoot, name), { recursive: true });
  if (configText !== null) writeFileSync(path.join(functionsRoot, name, 'config.json'), configText);
}

function permitting(...apis: string[]): string {
  return JSON.stringify({ permissions: { openapi: apis } });
}

function actAs(functionName: string): void {
  Object.assign(process.env, functionEnvironment(emulator, functionName));
}

function retain(beginDate: unknown, endDate: unknown): Promise<Record<string, unknown>> {
  return cloud.openapi.analysis.getMonthlyRetain({ beginDate, endDate });
}

function trend(beginDate: unknown, endDate: unknown): Promise<Record<string, unknown>> {
  return cloud.openapi.analysis.getMonthlyVisitTrend({ beginDate, endDate });
}

async function failure(call: Promise<unknown>): Promise<SdkFailure> {
  try {
    await call;
  } catch (error) {
    return error as SdkFailure;
  }
  throw new Error('expected the SDK call to fail');
}

beforeAll(async () => {
  functionsRoot = mkdtempSync(path.join(tmpdir(), 'emulator-functions-'));
  writeFunction(BOTH_APIS, permitting(MONTHLY_RETAIN_API, MONTHLY_VISIT_TREND_API, 'analysis.getDailyRetain'));
  writeFunction(RETAIN_ONLY, permitting(MONTHLY_RETAIN_API));
  writeFunction('noConfig', null);
  writeFunction('brokenConfig', '{ permissions: { openapi: ["analysis.getMonthlyRetain"] } }');
  emulator = await startEmulator({ functionsRoot, seed: SEED, now: () => CLOCK });
  actAs(BOTH_APIS);
  cloud = require('wx-server-sdk') as WxServerSdk;
  cloud.init({ env: cloud.DYNAMIC_CURRENT_ENV as unknown as string });
});

afterEach(() => {
  emulator.faults.clear();
  emulator.resetCalls();
  emulator.setNow(CLOCK);
  actAs(BOTH_APIS);
});

afterAll(async () => {
  await emulator.close();
  rmSync(functionsRoot, { recursive: true, force: true });
  for (const [key, value] of savedEnv) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
});

describe('successful cloud calls', () => {
  test('2017-02 retention is the API page cloud example', async () => {
    await expect(retain('20170201', '20170228')).resolves.toEqual({
      refDate: '201702',
      visitUvNew: [{ key: 0, value: 346249 }],
      visitUv: [{ key: 0, value: 346249 }],
      errMsg: 'openapi.analysis.getMonthlyRetain:ok',
      errCode: 0,
    });
  });

  test('2017-03 visit trend is the API page cloud example', async () => {
    await expect(trend('20170301', '20170331')).resolves.toEqual({
      list: [
        {
          refDate: '201703',
          sessionCnt: 126513,
          visitPv: 426113,
          visitUv: 48659,
          visitUvNew: 6726,
          stayTimeSession: 56.4112,
          visitDepth: 2.0189,
        },
      ],
      errMsg: 'openapi.analysis.getMonthlyVisitTrend:ok',
      errCode: 0,
    });
  });

  test('a generated month arrives camelCased, equal to the generator and consistent across the two APIs', async () => {
    const expected = monthlyAnalytics(SEED, '2024-03', CLOCK);
    const expectedRow = expected.trend.list[0];
    const trendReply = await trend('20240301', '20240331');
    const retainReply = await retain('20240301', '20240331');
    const list = trendReply.list as Array<Record<string, unknown>>;
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({
      refDate: '202403',
      sessionCnt: expectedRow?.session_cnt,
      visitPv: expectedRow?.visit_pv,
      visitUv: expectedRow?.visit_uv,
      visitUvNew: expectedRow?.visit_uv_new,
      stayTimeSession: expectedRow?.stay_time_session,
      visitDepth: expectedRow?.visit_depth,
    });
    expect(retainReply).toEqual({
      refDate: '202403',
      visitUvNew: expected.retain.visit_uv_new,
      visitUv: expected.retain.visit_uv,
      errMsg: 'openapi.analysis.getMonthlyRetain:ok',
      errCode: 0,
    });
    expect(retainReply.visitUv).toContainEqual({ key: 0, value: list[0]?.visitUv });
    expect(retainReply.visitUvNew).toContainEqual({ key: 0, value: list[0]?.visitUvNew });
  });

  test('months before the launch have an empty list and empty retention', async () => {
    await expect(trend('20161201', '20161231')).resolves.toEqual({ list: [], errMsg: 'openapi.analysis.getMonthlyVisitTrend:ok', errCode: 0 });
    await expect(retain('20161201', '20161231')).resolves.toMatchObject({ refDate: '201612', visitUv: [], visitUvNew: [] });
  });

  test('every call is recorded with its function, API, dates and the emulator clock', async () => {
    await trend('20240401', '20240430');
    actAs(RETAIN_ONLY);
    await retain('20240401', '20240430');
    expect(emulator.calls).toEqual([
      { functionName: BOTH_APIS, apiName: MONTHLY_VISIT_TREND_API, transport: 'cloud', beginDate: '20240401', endDate: '20240430', errcode: 0, at: CLOCK },
      { functionName: RETAIN_ONLY, apiName: MONTHLY_RETAIN_API, transport: 'cloud', beginDate: '20240401', endDate: '20240430', errcode: 0, at: CLOCK },
    ]);
    expect(emulator.countCalls({ functionName: RETAIN_ONLY })).toBe(1);
    expect(emulator.countCalls({ apiName: MONTHLY_VISIT_TREND_API, transport: 'cloud' })).toBe(1);
    expect(emulator.countCalls({ transport: 'https' })).toBe(0);
  });

  test('retention key 1 appears once the following month has ended in China time', async () => {
    emulator.setNow(new Date('2024-04-30T15:59:59Z'));
    const beforeEnd = await retain('20240301', '20240331');
    expect(beforeEnd.visitUv).toEqual([{ key: 0, value: expect.any(Number) }]);
    emulator.setNow(new Date('2024-04-30T16:00:00Z'));
    const afterEnd = await retain('20240301', '20240331');
    expect((afterEnd.visitUv as unknown[]).map((entry) => (entry as { key: number }).key)).toEqual([0, 1]);
    expect((afterEnd.visitUvNew as unknown[]).map((entry) => (entry as { key: number }).key)).toEqual([0, 1]);
  });

  test('an overridden month serves the exact text, and json-bigint turns long literals into BigNumber-like objects', async () => {
    emulator.overrideReply(
      MONTHLY_VISIT_TREND_API,
      '2024-02',
      '{"list":[{"ref_date":"202402","session_cnt":1234567890123456789,"visit_pv":1,"visit_uv":1,"visit_uv_new":1,"stay_time_session":56.411234567890123,"visit_depth":1}]}',
    );
    const reply = await trend('20240201', '20240229');
    const row = (reply.list as Array<Record<string, unknown>>)[0];
    expect(row?.sessionCnt).toEqual({ s: 1, e: 18, c: expect.any(Array) });
    expect(row?.stayTimeSession).toEqual({ s: 1, e: 1, c: expect.any(Array) });
    expect(row?.visitPv).toBe(1);
  });
});

describe('the gateway reports an undeclared permission as errCode -604101', () => {
  test.each([
    ['a function whose config.json lacks the API', RETAIN_ONLY, 'trend'],
    ['a function without config.json', 'noConfig', 'retain'],
    ['a function with an unparseable config.json', 'brokenConfig', 'retain'],
    ['a function folder that does not exist', 'noSuchFunction', 'retain'],
  ])('%s', async (_case, functionName, api) => {
    actAs(functionName);
    const error = await failure(api === 'trend' ? trend('20240301', '20240331') : retain('20240301', '20240331'));
    expect(error.errCode).toBe(-604101);
    expect(error.errMsg).toBe('system error: error code: -604101');
    expect((error as unknown as Error).message).toBe('errCode: -604101 function has no permission to call this API | errMsg: system error: error code: -604101');
    expect(emulator.calls.map((call) => call.errcode)).toEqual([-604101]);
  });

  test('a URL path naming no function', async () => {
    process.env.TCB_CONTEXT_CNFG = JSON.stringify({ URL: `${emulator.url}/admin` });
    expect((await failure(retain('20240301', '20240331'))).errCode).toBe(-604101);
    expect(emulator.calls[0]).toMatchObject({ functionName: null, errcode: -604101 });
  });

  test('config.json is read on every call', async () => {
    const name = 'editedConfig';
    writeFunction(name, permitting());
    actAs(name);
    expect((await failure(retain('20240301', '20240331'))).errCode).toBe(-604101);
    writeFunction(name, permitting(MONTHLY_RETAIN_API));
    await expect(retain('20240301', '20240331')).resolves.toMatchObject({ errCode: 0 });
    writeFunction(name, permitting(MONTHLY_VISIT_TREND_API));
    expect((await failure(retain('20240301', '20240331'))).errCode).toBe(-604101);
  });
});

test('a declared API the emulator does not know is -604100', async () => {
  const error = await failure(cloud.openapi.analysis.getDailyRetain({ beginDate: '20240301', endDate: '20240301' }));
  expect(error.errCode).toBe(-604100);
  expect(emulator.calls[0]).toMatchObject({ apiName: 'analysis.getDailyRetain', errcode: -604100 });
});

describe("WeChat's date rules", () => {
  test.each([
    ['dashes', '2024-03-01', '2024-03-31'],
    ['an impossible day', '20240301', '20240332'],
    ['February 30th', '20240201', '20240230'],
    ['a missing end date', '20240301', undefined],
    ['a number instead of a string', 20240301, '20240331'],
  ])('%s is 61500 date format error', async (_case, beginDate, endDate) => {
    const error = await failure(retain(beginDate, endDate));
    expect(error.errCode).toBe(61500);
    expect(error.errMsg).toBe('openapi.analysis.getMonthlyRetain:fail date format error');
  });

  test.each([
    ['not starting on the 1st', '20240302', '20240331'],
    ['not ending on the last day', '20240301', '20240330'],
    ['two months', '20240201', '20240331'],
    ['the current China month', '20240501', '20240531'],
    ['a future month', '20250101', '20250131'],
  ])('%s is 61501 date range error', async (_case, beginDate, endDate) => {
    const error = await failure(trend(beginDate, endDate));
    expect(error.errCode).toBe(61501);
    expect(emulator.calls[0]?.errcode).toBe(61501);
  });

  test('a month becomes queryable at midnight China time (16:00 UTC)', async () => {
    emulator.setNow(new Date('2024-04-30T15:59:59Z'));
    expect((await failure(trend('20240401', '20240430'))).errCode).toBe(61501);
    emulator.setNow(() => new Date('2024-04-30T16:00:00Z'));
    await expect(trend('20240401', '20240430')).resolves.toMatchObject({ errCode: 0 });
  });

  test('leap February ends on the 29th', async () => {
    await expect(retain('20240201', '20240229')).resolves.toMatchObject({ errCode: 0 });
    expect((await failure(retain('20230201', '20230229'))).errCode).toBe(61500);
  });
});

describe('injected faults through the real SDK', () => {
  test.each([
    [45009, 'reach max api daily quota limit'],
    [-1, 'system error'],
    [61503, 'data not ready, please try later'],
    [48001, 'api unauthorized'],
  ])('WeChat errcode %d arrives as a numeric errCode', async (errcode, errmsg) => {
    emulator.faults.failNext(MONTHLY_RETAIN_API, errcode);
    const error = await failure(retain('20240301', '20240331'));
    expect(error.errCode).toBe(errcode);
    expect(error.errMsg).toBe(`openapi.analysis.getMonthlyRetain:fail ${errmsg}`);
    expect(emulator.calls[0]).toMatchObject({ errcode, fault: 'fail' });
    await expect(retain('20240301', '20240331')).resolves.toMatchObject({ errCode: 0 });
  });

  test.each([-604103, -604102, -604100])('gateway code %d arrives through CommOpenApiResp.errorCode', async (errcode) => {
    emulator.faults.failNext('*', errcode);
    const error = await failure(trend('20240301', '20240331'));
    expect(error.errCode).toBe(errcode);
    expect(error.errMsg).toBe(`system error: error code: ${errcode}`);
  });

  test.each([-501001, -501002, -501005, -501007])('CloudBase code %d arrives through the {code, message} JSON error', async (errcode) => {
    emulator.faults.failNext('*', errcode);
    const error = await failure(trend('20240301', '20240331'));
    expect(error.errCode).toBe(errcode);
  });

  test('failNext counts down, and only matches its API', async () => {
    emulator.faults.failNext(MONTHLY_VISIT_TREND_API, -1, 2);
    await expect(retain('20240301', '20240331')).resolves.toMatchObject({ errCode: 0 });
    expect((await failure(trend('20240301', '20240331'))).errCode).toBe(-1);
    expect((await failure(trend('20240301', '20240331'))).errCode).toBe(-1);
    await expect(trend('20240301', '20240331')).resolves.toMatchObject({ errCode: 0 });
  });

  test('faults are taken in the order they were scheduled', async () => {
    emulator.faults.failNext('*', 45009);
    emulator.faults.failNext(MONTHLY_RETAIN_API, 61503);
    expect((await failure(retain('20240301', '20240331'))).errCode).toBe(45009);
    expect((await failure(retain('20240301', '20240331'))).errCode).toBe(61503);
  });

  test('a fault answers before the permission check', async () => {
    actAs(RETAIN_ONLY);
    emulator.faults.failNext('*', -1);
    expect((await failure(trend('20240301', '20240331'))).errCode).toBe(-1);
    expect((await failure(trend('20240301', '20240331'))).errCode).toBe(-604101);
  });

  test('a malformed reply is reported as -601001, not a hang', async () => {
    emulator.faults.malformedNext(MONTHLY_RETAIN_API);
    const error = await failure(retain('20240301', '20240331'));
    expect(error.errCode).toBe(-601001);
    expect(String(error.errMsg)).toContain('response body is invalid json');
    expect(emulator.calls[0]).toMatchObject({ errcode: -601001, fault: 'malformed' });
  });

  test('a dropped connection is reported as -501001', async () => {
    emulator.faults.dropNext('*', 2);
    expect((await failure(retain('20240301', '20240331'))).errCode).toBe(-501001);
    expect((await failure(trend('20240301', '20240331'))).errCode).toBe(-501001);
    await expect(trend('20240301', '20240331')).resolves.toMatchObject({ errCode: 0 });
    expect(emulator.calls.map((call) => call.fault)).toEqual(['drop', 'drop', undefined]);
  });

  test('latency delays the answer of the matching API only, and 0 clears it', async () => {
    emulator.faults.latency(300, MONTHLY_VISIT_TREND_API);
    let started = Date.now();
    await trend('20240301', '20240331');
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    started = Date.now();
    await retain('20240301', '20240331');
    expect(Date.now() - started).toBeLessThan(250);
    emulator.faults.latency(0, MONTHLY_VISIT_TREND_API);
    started = Date.now();
    await trend('20240301', '20240331');
    expect(Date.now() - started).toBeLessThan(250);
  });

  test('invalid fault arguments are refused', () => {
    expect(() => emulator.faults.failNext('*', 0)).toThrow(RangeError);
    expect(() => emulator.faults.failNext('*', -1, 0)).toThrow(RangeError);
    expect(() => emulator.faults.latency(-5)).toThrow(RangeError);
  });
});

test('a closed emulator gives the connection error -501001', async () => {
  const closed = await startEmulator({ functionsRoot, seed: SEED });
  await closed.close();
  Object.assign(process.env, functionEnvironment(closed, BOTH_APIS));
  expect((await failure(retain('20240301', '20240331'))).errCode).toBe(-501001);
});
