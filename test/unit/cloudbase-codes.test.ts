import { readFileSync } from 'fs';
import { errCodeOf, mayClearNow } from '../../src/platform/cloudbase/database-errors';
import { WeChatCallError, WeChatClient } from '../../src/wechat/client';
import { createCloudClient } from '../../src/wechat/cloud/client';
import { CLOUDBASE_RULES, cloudBaseCodeNamed, isCloudBaseCode } from '../../src/wechat/cloud/errors';
import { WECHAT_ERROR_RULES, fromWeChatError, isRetryableNow } from '../../src/wechat/errors';
import { DEFAULT_RETRY, RetryOptions, withRetry } from '../../src/wechat/retry';
import { fakeRetryClock } from '../helpers/fakes';

const dates = { beginDate: '20240201', endDate: '20240229' };
const site = { api: 'analysis.getMonthlyRetain' as const, month: '2024-02', functionName: 'getMonthlyRetain' };

const GENERAL = [-501001, -501002, -501003, -501004, -501005, -501006, -501007, -501008, -501009];
const DATABASE = [-502001, -502002, -502003, -502004, -502005];
const ALL = [...GENERAL, ...DATABASE];
/** The codes that may clear by themselves (shared/cloudbase-platform.md). */
const MAY_CLEAR = [-501001, -501002, -501003, -501004, -502001];
const NEVER = ALL.filter((code) => !MAY_CLEAR.includes(code));

/** wx-server-sdk 4.0.2's own table: the `code` strings the gateway answers, and the numbers it gives them. */
function sdkTable(): Record<string, number> {
  const source = readFileSync(require.resolve('wx-server-sdk'), 'utf8');
  const start = source.indexOf('exports.TCB_ERR_CODE = {', source.indexOf('./src/api/cloud/provider/tcb/config/error.config.ts'));
  const block = source.slice(start, source.indexOf('};', start));
  return Object.fromEntries([...block.matchAll(/^\s*([A-Z_]+): (-?\d+),/gm)].map((match) => [match[1] as string, Number(match[2])]));
}

function failingThen(codes: number[]) {
  const calls: number[] = [];
  const client: WeChatClient = {
    async call() {
      const code = codes[calls.length];
      calls.push(code ?? 0);
      if (code !== undefined) throw new WeChatCallError(code, `code ${code}`);
      return { ok: 1 };
    },
  };
  return { client, calls };
}

function retryOptions(): { options: RetryOptions; slept: number[] } {
  const { slept, now, ...clock } = fakeRetryClock();
  return { slept, options: { ...DEFAULT_RETRY, ...clock, budget: { deadline: 2600, now } } };
}

describe("CloudBase's own codes in the error table", () => {
  test('every one of -501001 … -501009 and -502001 … -502005 has its row, and only those are CloudBase codes', () => {
    expect(Object.keys(CLOUDBASE_RULES).map(Number).sort((a, b) => b - a)).toEqual([...ALL].sort((a, b) => b - a));
    for (const code of ALL) {
      expect(WECHAT_ERROR_RULES[code]).toBe(CLOUDBASE_RULES[code]);
      expect(isCloudBaseCode(code)).toBe(true);
    }
    for (const code of [-1, -604101, 45009, -503001, 0]) expect(isCloudBaseCode(code)).toBe(false);
  });

  test.each(MAY_CLEAR)('%i may clear within seconds: retried now', (code) => {
    expect(WECHAT_ERROR_RULES[code]?.recovery).toBe('now');
    expect(isRetryableNow(code)).toBe(true);
  });

  test.each(NEVER)('%i never clears by itself: not retried', (code) => {
    expect(WECHAT_ERROR_RULES[code]?.recovery).toBe('never');
    expect(isRetryableNow(code)).toBe(false);
  });

  test.each(ALL)('%i: the reply names CloudBase and the code, never WeChat, and keeps the number in wxErrCode', (code) => {
    const error = fromWeChatError(new WeChatCallError(code, 'x'), site);
    expect(error.code).toBe('UPSTREAM_ERROR');
    expect(error.message).toMatch(/^CloudBase/);
    expect(error.message).toContain(String(code));
    expect(error.message.replace(/WeChat DevTools/g, 'DevTools')).not.toMatch(/WeChat/);
    expect(error.toBody()).toEqual({ code: 'UPSTREAM_ERROR', message: error.message, wxErrCode: code });
  });

  test.each([
    [-501001, 'now', 'month', /CloudBase failed \(-501001, resource system error\).*try again in a minute/],
    [-501002, 'now', 'month', /CloudBase timed out \(-501002, resource server timeout\)/],
    [-501003, 'now', 'api', /CloudBase refused the cloud call.*environment's request quota is used up \(-501003, exceed request limit\).*database included.*try again in a few minutes/],
    [-501004, 'now', 'api', /CloudBase refused the cloud call.*environment's concurrency limit is reached.*\(-501004, exceed concurrent request limit\).*ANALYTICS_CONCURRENCY/],
    [-502001, 'now', 'month', /CloudBase's database request failed \(-502001/],
    [-501005, 'never', 'api', /does not know the cloud environment/],
    [-501007, 'never', 'month', /parameters.*report this with the month/],
    [-501009, 'never', 'api', /not initialised/],
    [-502003, 'never', 'api', /database permissions/],
    [-502004, 'never', 'api', /collections/],
  ])('%i is %s, scope %s', (code, recovery, scope, message) => {
    const error = fromWeChatError(new WeChatCallError(code, 'x'), site);
    expect(error.recovery).toBe(recovery);
    expect(error.scope).toBe(scope);
    expect(error.message).toMatch(message);
  });

  test.each(MAY_CLEAR)('withRetry tries %i again with backoff', async (code) => {
    const { client, calls } = failingThen([code, code]);
    const { options, slept } = retryOptions();
    await expect(withRetry(client, options).call('analysis.getMonthlyRetain', dates)).resolves.toEqual({ ok: 1 });
    expect(calls).toHaveLength(3);
    expect(slept).toEqual([100, 300]);
  });

  test.each(NEVER)('withRetry does not try %i again', async (code) => {
    const { client, calls } = failingThen([code, code]);
    const { options } = retryOptions();
    await expect(withRetry(client, options).call('analysis.getMonthlyRetain', dates)).rejects.toMatchObject({ errCode: code });
    expect(calls).toHaveLength(1);
  });
});

describe("CloudBase's codes in their string forms", () => {
  test("every name wx-server-sdk 4.0.2's TCB_ERR_CODE gives a -501xxx/-502xxx number maps to the same number", () => {
    const table = sdkTable();
    const ours = Object.entries(table).filter(([, code]) => ALL.includes(code));
    expect(ours).toHaveLength(ALL.length);
    expect(table).toMatchObject({ EXCEED_REQUEST_LIMIT: -501003, EXCEED_CONCURRENT_REQUEST_LIMIT: -501004, DATABASE_REQUEST_FAILED: -502001 });
    for (const [name, code] of ours) expect([name, cloudBaseCodeNamed(name)]).toEqual([name, code]);
  });

  test.each([
    ['RESOURCE_SYSTEM_ERROR', -501001],
    ['TCB_RESOURCE_SYSTEM_ERROR', -501001],
    ['SYS_ERR', -501001],
    ['TCB_EXCEED_REQUEST_LIMIT', -501003],
    ['INVALID_ENV', -501005],
    ['TCB_DB_COLLECTION_NOT_EXISTS', -502005],
  ])('%s is %i', (name, code) => {
    expect(cloudBaseCodeNamed(name)).toBe(code);
  });

  test.each([undefined, 42, 'ECONNRESET', 'exceed request limit', 'toString', '__proto__'])('%p is no CloudBase code', (name) => {
    expect(cloudBaseCodeNamed(name)).toBeUndefined();
  });

  test('a cloud call that fails with only the string form is classified by it', async () => {
    const cloud = {
      openapi: {
        analysis: {
          getMonthlyRetain: async () => {
            throw Object.assign(new Error('callFunction:fail'), { errCode: -1, code: 'EXCEED_CONCURRENT_REQUEST_LIMIT', errMsg: 'fail injected' });
          },
        },
      },
    };
    await expect(createCloudClient(cloud).call('analysis.getMonthlyRetain', dates)).rejects.toMatchObject({ errCode: -501004, message: 'fail injected' });
  });

  test("a cloud call's numeric code wins over its string form, and an unknown one stays -1", async () => {
    const failWith = (fields: Record<string, unknown>) =>
      createCloudClient({
        openapi: {
          analysis: {
            getMonthlyRetain: async () => {
              throw Object.assign(new Error('x'), fields);
            },
          },
        },
      }).call('analysis.getMonthlyRetain', dates);
    await expect(failWith({ errCode: -501003, code: 'SYS_ERR' })).rejects.toMatchObject({ errCode: -501003 });
    await expect(failWith({ errCode: -1, code: 'ECONNRESET' })).rejects.toMatchObject({ errCode: -1 });
  });
});

describe('database errors read through the same table', () => {
  test('errCodeOf takes the number, else the string form', () => {
    expect(errCodeOf(Object.assign(new Error('x'), { errCode: -502005 }))).toBe(-502005);
    expect(errCodeOf(Object.assign(new Error('x'), { errCode: -1, code: 'DATABASE_COLLECTION_NOT_EXIST' }))).toBe(-502005);
    expect(errCodeOf(Object.assign(new Error('x'), { code: 'EXCEED_REQUEST_LIMIT' }))).toBe(-501003);
    expect(errCodeOf(Object.assign(new Error('x'), { errCode: -1 }))).toBe(-1);
    expect(errCodeOf(new Error('x'))).toBeUndefined();
    expect(errCodeOf(null)).toBeUndefined();
  });

  test.each(MAY_CLEAR)('a database failure with %i may clear now', (code) => {
    expect(mayClearNow(Object.assign(new Error('x'), { errCode: code }))).toBe(true);
  });

  test.each([...NEVER, -1, -604103, 45009])('a database failure with %i does not clear now', (code) => {
    expect(mayClearNow(Object.assign(new Error('x'), { errCode: code }))).toBe(false);
  });
});
