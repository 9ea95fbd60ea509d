import { ADMIN, RETAIN_API, TIMER, TREND_API, replyOf, useTestCloud } from '../helpers/cloud';

// 10:00 on 15 June 2024 in China: the newest complete month is May 2024.
const NOW = new Date('2024-06-15T02:00:00Z');

/**
 * CloudBase's own codes answered on the cloud call, the way its gateway does (a CloudBase JSON
 * `{code, message}`, which wx-server-sdk 4.0.2 turns into `errCode` -50xxxx): retried within the time
 * limit where they may clear, never where they do not, and reported as CloudBase's, not WeChat's.
 */
describe("CloudBase's own codes on the cloud call, end to end", () => {
  const cloud = useTestCloud({ now: NOW });

  test("-501004 (the environment's concurrency limit) twice, then an answer: served", async () => {
    cloud.emulator.faults.failNext(RETAIN_API, -501004, 2);
    const result = await cloud.invoke('getMonthlyRetain', { caller: ADMIN, data: { month: '2024-04' } });
    expect(replyOf(result)).toMatchObject({ ok: true, source: 'wechat', data: { month: '2024-04' } });
    expect(cloud.emulator.calls.map((call) => call.errcode)).toEqual([-501004, -501004, 0]);
    expect(result.durationMs).toBeLessThan(3000);
  });

  test("-501003 (the environment's request quota) on every call: CloudBase's message, and no call beyond the retries", async () => {
    cloud.emulator.faults.failAlways(RETAIN_API, -501003);
    const result = await cloud.invoke('getMonthlyRetain', { caller: ADMIN, data: { month: '2024-04' } });
    const reply = replyOf(result);
    expect(reply).toMatchObject({ ok: false, error: { code: 'UPSTREAM_ERROR', wxErrCode: -501003 } });
    expect(reply.error.message).toMatch(/^CloudBase/);
    expect(reply.error.message).toContain("environment's request quota");
    expect(reply.error.message).not.toMatch(/WeChat could not answer/);
    expect(cloud.emulator.calls.map((call) => call.errcode)).toEqual([-501003, -501003, -501003]);
    expect(result.timedOut).toBe(false);
  });

  test('-501003 on every call of a range: the API stops after one month has used up its retries', async () => {
    cloud.emulator.faults.failAlways(TREND_API, -501003);
    const reply = replyOf(await cloud.invoke('getMonthlyVisitTrend', { caller: ADMIN, data: { from: '2023-07', to: '2024-04' } }));
    expect(reply).toMatchObject({ ok: false, error: { code: 'UPSTREAM_ERROR', wxErrCode: -501003 } });
    // At most the ANALYTICS_CONCURRENCY (4) calls in flight when the first month gave up, each with its 3 attempts; not 10 × 3.
    expect(cloud.emulator.calls.length).toBeLessThanOrEqual(4 * 3);
    expect(cloud.emulator.calls.every((call) => call.errcode === -501003)).toBe(true);
  });

  test.each([
    [-501005, /does not know the cloud environment/],
    [-501007, /refused the request's parameters/],
  ])('%i never clears: not retried, and the reply says it was CloudBase', async (errcode, message) => {
    cloud.emulator.faults.failNext(RETAIN_API, errcode, 5);
    const reply = replyOf(await cloud.invoke('getMonthlyRetain', { caller: ADMIN, data: { month: '2024-04' } }));
    expect(reply).toMatchObject({ ok: false, error: { code: 'UPSTREAM_ERROR', wxErrCode: errcode } });
    expect(reply.error.message).toMatch(/^CloudBase/);
    expect(reply.error.message).toMatch(message);
    expect(reply.error.message).not.toMatch(/try again/i);
    expect(cloud.emulator.calls).toHaveLength(1);
  });

  test('-501004 on a timer run is retried too: the sync stores the month', async () => {
    cloud.emulator.faults.failNext(TREND_API, -501004, 1);
    const reply = replyOf(await cloud.invoke('syncMonthlyAnalytics', { caller: TIMER }));
    expect(reply).toMatchObject({ ok: true, data: { fetched: 24, failed: 0, deferred: 0, failures: [] } });
    expect(cloud.emulator.calls.filter((call) => call.errcode === -501004)).toHaveLength(1);
  });
});
