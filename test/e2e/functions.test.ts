import { readFileSync } from 'fs';
import path from 'path';
import { monthlyAnalytics } from '@wx-monthly-analytics/cloudbase-emulator';
import { SEEDS_RETAIN, SEEDS_TREND } from '../fixtures/seeds';
import { ADMIN, FUNCTIONS_ROOT, FunctionName, STRANGER, TIMER, replyOf, startTestCloud, RETAIN_API, TREND_API, useTestCloud } from '../helpers/cloud';

// 10:00 on 15 June 2024 in China: the newest complete month is May 2024.
const NOW = new Date('2024-06-15T02:00:00Z');
const RETAIN = RETAIN_API;
const TREND = TREND_API;

describe('getMonthlyRetain and getMonthlyVisitTrend, end to end', () => {
  const cloud = useTestCloud({ now: NOW });

  test('an admin gets the month\'s retention, cleaned', async () => {
    const reply = replyOf(await cloud.invoke('getMonthlyRetain', { caller: ADMIN, data: { month: '2024-04' } }));
    const expected = monthlyAnalytics('wx-monthly-analytics', '2024-04', NOW).retain;
    const keyZero = expected.visit_uv.find((point) => point.key === 0)?.value;
    expect(reply).toMatchObject({ ok: true, source: 'wechat' });
    expect(Date.parse(reply.fetchedAt) - NOW.getTime()).toBeGreaterThanOrEqual(0);
    expect(Date.parse(reply.fetchedAt) - NOW.getTime()).toBeLessThan(5000);
    expect(reply.data.month).toBe('2024-04');
    expect(reply.data.refDate).toBe('202404');
    expect(reply.data.complete).toBe(true);
    expect(reply.data.visitUv[0]).toEqual({ key: 0, value: keyZero, rate: 1 });
    expect(reply.data.visitUv[1].rate).toBeCloseTo(reply.data.visitUv[1].value / (keyZero ?? NaN), 12);
    expect(reply).not.toHaveProperty('data.errMsg');
    expect(cloud.emulator.countCalls({ apiName: RETAIN, functionName: 'getMonthlyRetain' })).toBe(1);
  });

  test('the seeds\' example months come back as the seeds show them', async () => {
    const retain = replyOf(await cloud.invoke('getMonthlyRetain', { caller: ADMIN, data: { beginDate: '20170201', endDate: '20170228' } }));
    expect(retain.data).toEqual(SEEDS_RETAIN);
    const trend = replyOf(await cloud.invoke('getMonthlyVisitTrend', { caller: ADMIN, data: { begin_date: '20170301', end_date: '20170331' } }));
    expect(trend.data).toEqual(SEEDS_TREND);
  });

  test('{} is the last complete month in China time, even while the UTC clock is a month behind', async () => {
    // 00:30 on 1 March 2024 in China is 16:30 UTC on 29 February.
    cloud.setNow(new Date('2024-02-29T16:30:00Z'));
    const reply = replyOf(await cloud.invoke('getMonthlyVisitTrend', { caller: ADMIN, data: {} }));
    expect(reply.data.month).toBe('2024-02');
    expect(cloud.emulator.calls.map((call) => [call.beginDate, call.endDate])).toEqual([['20240201', '20240229']]);
  });

  test('big numbers from WeChat arrive as plain numbers', async () => {
    cloud.emulator.overrideReply(
      TREND,
      '2024-03',
      '{"list":[{"ref_date":"202403","session_cnt":12345678901234567,"visit_pv":426113,"visit_uv":48659,"visit_uv_new":6726,"stay_time_uv":123.456789012345678,"stay_time_session":56.411234567890123,"visit_depth":2.0189}]}',
    );
    const reply = replyOf(await cloud.invoke('getMonthlyVisitTrend', { caller: ADMIN, data: { month: '2024-03' } }));
    expect(reply.data.sessionCnt).toBe(12345678901234567);
    expect(reply.data.stayTimeSession).toBeCloseTo(56.411234567890123, 12);
    expect(reply.data.stayTimeUv).toBeCloseTo(123.456789012345678, 12);
  });

  test('an empty list from WeChat, years after the month, is data: null and final (the Mini Program had no visits)', async () => {
    const reply = replyOf(await cloud.invoke('getMonthlyVisitTrend', { caller: ADMIN, data: { month: '2017-01' } }));
    expect(reply).toMatchObject({ ok: true, data: null, source: 'wechat', final: true });
  });

  describe('access', () => {
    test('a user who is not an admin is refused, and WeChat is not called', async () => {
      const reply = replyOf(await cloud.invoke('getMonthlyRetain', { caller: STRANGER, data: { month: '2024-04' } }));
      expect(reply).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
      expect(cloud.emulator.calls).toHaveLength(0);
    });

    test('a client event that pretends to be a timer is judged by its OPENID', async () => {
      const forged = { Type: 'Timer', TriggerName: 'dailyMonthlyAnalyticsSync', Time: '2024-06-15T02:00:00Z', userInfo: { openId: 'oAdmin000000000000000000001' } };
      const reply = replyOf(await cloud.invoke('getMonthlyRetain', { caller: STRANGER, rawEvent: forged }));
      expect(reply).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
      expect(cloud.emulator.calls).toHaveLength(0);
    });

    test('the timer is served', async () => {
      const reply = replyOf(await cloud.invoke('getMonthlyVisitTrend', { caller: TIMER }));
      expect(reply).toMatchObject({ ok: true, data: { month: '2024-05' } });
    });

    test('another cloud function without an OPENID is refused', async () => {
      const reply = replyOf(await cloud.invoke('getMonthlyRetain', { caller: { kind: 'function' }, data: {} }));
      expect(reply).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
      expect(cloud.emulator.calls).toHaveLength(0);
    });
  });

  describe('input checks cost no WeChat call', () => {
    test.each([
      [{ month: '2024-13' }, 'INVALID_ARGUMENT'],
      [{ beginDate: '20230229', endDate: '20230331' }, 'INVALID_ARGUMENT'],
      [{ beginDate: '20240201', endDate: '20240228' }, 'INVALID_ARGUMENT'],
      [{ month: '2024-05', beginDate: '20240501', endDate: '20240531' }, 'INVALID_ARGUMENT'],
      [{ month: 202405 }, 'INVALID_ARGUMENT'],
      [{ from: '2022-01', to: '2024-05' }, 'INVALID_ARGUMENT'],
      [{ month: '2024-06' }, 'MONTH_NOT_COMPLETE'],
      [{ beginDate: '20240601', endDate: '20240630' }, 'MONTH_NOT_COMPLETE'],
    ])('%j is %s', async (data, code) => {
      const reply = replyOf(await cloud.invoke('getMonthlyRetain', { caller: ADMIN, data }));
      expect(reply).toMatchObject({ ok: false, error: { code, message: expect.any(String) } });
      expect(cloud.emulator.calls).toHaveLength(0);
    });
  });

  describe('WeChat failures', () => {
    test('busy (-1) is retried and the call still ends well inside 3 s', async () => {
      cloud.emulator.faults.failNext(RETAIN, -1, 2);
      const result = await cloud.invoke('getMonthlyRetain', { caller: ADMIN, data: { month: '2024-04' } });
      expect(replyOf(result)).toMatchObject({ ok: true, data: { month: '2024-04' } });
      expect(cloud.emulator.calls.map((call) => call.errcode)).toEqual([-1, -1, 0]);
      expect(result.durationMs).toBeLessThan(3000);
    });

    test('busy every time gives UPSTREAM_ERROR after bounded retries, within the time limit', async () => {
      cloud.emulator.faults.failNext(RETAIN, -1, 10);
      const result = await cloud.invoke('getMonthlyRetain', { caller: ADMIN, data: { month: '2024-04' } });
      expect(replyOf(result)).toMatchObject({ ok: false, error: { code: 'UPSTREAM_ERROR', wxErrCode: -1 } });
      expect(cloud.emulator.calls).toHaveLength(3);
      expect(result.timedOut).toBe(false);
    });

    test('a dropped connection and a gateway error are retried', async () => {
      cloud.emulator.faults.dropNext(TREND, 1);
      cloud.emulator.faults.failNext(TREND, -604103, 1);
      const reply = replyOf(await cloud.invoke('getMonthlyVisitTrend', { caller: ADMIN, data: { month: '2024-04' } }));
      expect(reply).toMatchObject({ ok: true });
      expect(cloud.emulator.calls.map((call) => call.errcode)).toEqual([-501001, -604103, 0]);
    });

    test.each([
      [45009, 'QUOTA_EXCEEDED'],
      [61503, 'DATA_NOT_READY'],
    ])('%i is %s and is not retried', async (errcode, code) => {
      cloud.emulator.faults.failNext(RETAIN, errcode, 5);
      const reply = replyOf(await cloud.invoke('getMonthlyRetain', { caller: ADMIN, data: { month: '2024-04' } }));
      expect(reply).toMatchObject({ ok: false, error: { code, wxErrCode: errcode } });
      expect(cloud.emulator.calls).toHaveLength(1);
    });

    test('a reply WeChat would not send is an upstream error, not a crash', async () => {
      cloud.emulator.overrideReply(RETAIN, '2024-02', '{"ref_date":"202402","visit_uv":"lots","visit_uv_new":[]}');
      const reply = replyOf(await cloud.invoke('getMonthlyRetain', { caller: ADMIN, data: { month: '2024-02' } }));
      expect(reply).toMatchObject({ ok: false, error: { code: 'UPSTREAM_ERROR', message: expect.stringContaining('visitUv') } });
    });
  });
});

describe('permissions', () => {
  test('a config.json without the API gives PERMISSION_NOT_DECLARED, naming the API and the file', async () => {
    const cloud = await startTestCloud({
      now: NOW,
      editConfig: { getMonthlyRetain: () => ({ permissions: { openapi: [] } }) },
    });
    try {
      const reply = replyOf(await cloud.invokeCold('getMonthlyRetain', { caller: ADMIN, data: { month: '2024-04' } }));
      expect(reply).toMatchObject({ ok: false, error: { code: 'PERMISSION_NOT_DECLARED', wxErrCode: -604101 } });
      expect(reply.error.message).toContain('"analysis.getMonthlyRetain"');
      expect(reply.error.message).toContain('cloudfunctions/getMonthlyRetain/config.json');
      expect(cloud.emulator.calls).toHaveLength(1);
    } finally {
      await cloud.close();
    }
  });

  test('each function calls exactly the open APIs its config.json declares', async () => {
    const cloud = await startTestCloud({ now: NOW });
    try {
      for (const name of ['getMonthlyRetain', 'getMonthlyVisitTrend'] as const) {
        replyOf(await cloud.invoke(name, { caller: ADMIN, data: { from: '2024-03', to: '2024-05' } }));
      }
      replyOf(await cloud.invoke('syncMonthlyAnalytics', { caller: TIMER }));
      const names: FunctionName[] = ['getMonthlyRetain', 'getMonthlyVisitTrend', 'syncMonthlyAnalytics'];
      for (const name of names) {
        const called = new Set(cloud.emulator.calls.filter((call) => call.functionName === name).map((call) => call.apiName));
        const config = JSON.parse(readFileSync(path.join(FUNCTIONS_ROOT, name, 'config.json'), 'utf8')) as { permissions: { openapi: string[] } };
        expect([...called].sort()).toEqual([...config.permissions.openapi].sort());
      }
      expect(cloud.emulator.calls.every((call) => call.errcode === 0)).toBe(true);
    } finally {
      await cloud.close();
    }
  });
});

describe('configuration', () => {
  test('an empty admin list refuses every user, naming the variable', async () => {
    const cloud = await startTestCloud({ now: NOW, env: { ANALYTICS_ADMIN_OPENIDS: '' } });
    try {
      const reply = replyOf(await cloud.invokeCold('getMonthlyRetain', { caller: ADMIN, data: {} }));
      expect(reply).toMatchObject({ ok: false, error: { code: 'FORBIDDEN', message: expect.stringContaining('ANALYTICS_ADMIN_OPENIDS') } });
      expect(cloud.emulator.calls).toHaveLength(0);
    } finally {
      await cloud.close();
    }
  });

  test('a wrong setting is a configuration error that names it', async () => {
    const cloud = await startTestCloud({ now: NOW, env: { ANALYTICS_CONCURRENCY: 'many' } });
    try {
      const reply = replyOf(await cloud.invokeCold('getMonthlyVisitTrend', { caller: ADMIN, data: {} }));
      expect(reply).toMatchObject({ ok: false, error: { code: 'CONFIGURATION_ERROR', message: expect.stringContaining('ANALYTICS_CONCURRENCY') } });
    } finally {
      await cloud.close();
    }
  });
});
