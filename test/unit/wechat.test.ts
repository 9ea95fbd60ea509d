import { WeChatCallError, WeChatClient } from '../../src/wechat/client';
import { WECHAT_ERROR_RULES, fromWeChatError } from '../../src/wechat/errors';
import { DEFAULT_RETRY, RetryOptions, withRetry } from '../../src/wechat/retry';
import { fakeRetryClock } from '../helpers/fakes';

const dates = { beginDate: '20240201', endDate: '20240229' };
const site = { api: 'analysis.getMonthlyRetain' as const, month: '2024-02', functionName: 'getMonthlyRetain' };

function failingThen(codes: number[], reply = { ok: 1 }) {
  const calls: number[] = [];
  const client: WeChatClient = {
    async call() {
      const code = codes[calls.length];
      calls.push(code ?? 0);
      if (code !== undefined) throw new WeChatCallError(code, `code ${code}`);
      return reply;
    },
  };
  return { client, calls };
}

/** Retry options on a fake clock: sleeping moves it forward. */
function retryOptions({ deadline = 2600 }: { deadline?: number } = {}) {
  const { slept, now, ...clock } = fakeRetryClock();
  const options: RetryOptions = { ...DEFAULT_RETRY, ...clock, budget: { deadline, now } };
  return { options, slept };
}

describe('retry', () => {
  test.each([-1, -501001, -501002, -604102, -604103])('retries %i with growing delays', async (code) => {
    const { client, calls } = failingThen([code, code]);
    const { options, slept } = retryOptions();
    await expect(withRetry(client, options).call('analysis.getMonthlyRetain', dates)).resolves.toEqual({ ok: 1 });
    expect(calls).toHaveLength(3);
    expect(slept).toEqual([100, 300]);
  });

  test.each([45009, 61503, 61500, 61501, -604101, 48001, 40001])('does not retry %i', async (code) => {
    const { client, calls } = failingThen([code]);
    const { options } = retryOptions();
    await expect(withRetry(client, options).call('analysis.getMonthlyRetain', dates)).rejects.toMatchObject({ errCode: code });
    expect(calls).toHaveLength(1);
  });

  test('gives up after the last attempt', async () => {
    const { client, calls } = failingThen([-1, -1, -1, -1]);
    const { options } = retryOptions();
    await expect(withRetry(client, options).call('analysis.getMonthlyRetain', dates)).rejects.toMatchObject({ errCode: -1 });
    expect(calls).toHaveLength(3);
  });

  test('starts no attempt that could not finish before the deadline', async () => {
    const { client, calls } = failingThen([-1, -1]);
    const { options, slept } = retryOptions({ deadline: 250 });
    // Out of time, not a failure of WeChat's: DEADLINE_EXCEEDED, which the sync defers; the last error is its cause.
    const error = await withRetry(client, options).call('analysis.getMonthlyRetain', dates).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'DEADLINE_EXCEEDED', recovery: 'later', message: expect.stringContaining('failed (-1), and this call had no time left to try again') });
    expect((error as { cause?: unknown }).cause).toMatchObject({ errCode: -1 });
    expect(calls).toHaveLength(1);
    expect(slept).toEqual([]);
  });
});

describe('error mapping', () => {
  test.each([
    [-604101, 'PERMISSION_NOT_DECLARED', 'never', 'api', /"analysis.getMonthlyRetain" to permissions.openapi in cloudfunctions\/getMonthlyRetain\/config.json/],
    [61503, 'DATA_NOT_READY', 'later', 'month', /2024-02.*try again in an hour/],
    [45009, 'QUOTA_EXCEEDED', 'later', 'api', /quota.*after midnight China time, when it resets/],
    [-1, 'UPSTREAM_ERROR', 'now', 'month', /busy.*try again in a minute/],
    [-604102, 'UPSTREAM_ERROR', 'now', 'month', /timed out.*try again in a minute/],
    [61501, 'UPSTREAM_ERROR', 'never', 'month', /whole months that have ended, from 2017-01/],
    [40001, 'UPSTREAM_ERROR', 'never', 'api', /AppID binding/],
    [48001, 'UPSTREAM_ERROR', 'never', 'api', /account type/],
    [61007, 'AUTHORIZATION_REQUIRED', 'never', 'api', /permission set 18/],
    [61003, 'AUTHORIZATION_REQUIRED', 'never', 'api', /authorise the third-party platform again/],
    [61005, 'UPSTREAM_ERROR', 'later', 'api', /next push/],
    [61502, 'UPSTREAM_ERROR', 'never', 'api', /Mini games/],
    [99999, 'UPSTREAM_ERROR', 'later', 'month', /error 99999: x.*try again later/],
  ])('%i is %s, recovery %s, scope %s', (code, expected, recovery, scope, message) => {
    const error = fromWeChatError(new WeChatCallError(code, 'x'), site);
    expect(error.code).toBe(expected);
    expect(error.wxErrCode).toBe(code);
    expect(error.recovery).toBe(recovery);
    expect(error.scope).toBe(scope);
    expect(error.message).toMatch(message);
    expect(error.toBody()).toEqual({ code: expected, message: error.message, wxErrCode: code });
    expect((error as Error & { cause?: unknown }).cause).toBeInstanceOf(WeChatCallError);
  });

  test('a code that does not clear with time never says to try again', () => {
    for (const [code, rule] of Object.entries(WECHAT_ERROR_RULES)) {
      const message = rule.message(site, `error ${code}`);
      if (rule.recovery === 'never') expect(message).not.toMatch(/try again/i);
      else expect(message).toMatch(/try again/i);
    }
  });
});
