import { ADMIN, STRANGER, TIMER, replyOf, startTestCloud, ARCHIVE_COLLECTION, RETAIN_API, TREND_API, useTestCloud } from '../helpers/cloud';

// 10:00 on 15 June 2024 in China: the last twelve complete months are 2023-06 to 2024-05.
const NOW = new Date('2024-06-15T02:00:00Z');
const RETAIN = RETAIN_API;
const TREND = TREND_API;
const COLLECTION = ARCHIVE_COLLECTION;

describe('archive: ranges, read-through and the timer sync, end to end', () => {
  const cloud = useTestCloud({ now: NOW });

  const documents = () => cloud.emulator.database.documents(COLLECTION);

  test('a 12-month range is fetched once, then served warm with no WeChat call', async () => {
    const cold = replyOf(await cloud.invoke('getMonthlyVisitTrend', { caller: ADMIN, data: { from: '2023-06', to: '2024-05' } }));
    expect(cold.ok).toBe(true);
    expect(cold.data.map((entry: { month: string }) => entry.month)).toEqual([
      '2023-06', '2023-07', '2023-08', '2023-09', '2023-10', '2023-11', '2023-12', '2024-01', '2024-02', '2024-03', '2024-04', '2024-05',
    ]);
    expect(cold.data.every((entry: { ok: boolean; source: string }) => entry.ok && entry.source === 'wechat')).toBe(true);
    expect(cloud.emulator.countCalls({ apiName: TREND })).toBe(12);
    expect(documents()).toHaveLength(12);

    cloud.emulator.resetCalls();
    const warm = replyOf(await cloud.invoke('getMonthlyVisitTrend', { caller: ADMIN, data: { from: '2023-06', to: '2024-05' } }));
    expect(cloud.emulator.calls).toHaveLength(0);
    expect(warm.data.every((entry: { source: string }) => entry.source === 'archive')).toBe(true);
    expect(warm.data.map((entry: { data: unknown }) => entry.data)).toEqual(cold.data.map((entry: { data: unknown }) => entry.data));
    expect(warm.data[0].fetchedAt).toBe(cold.data[0].fetchedAt);
  });

  test('a single month reads the archive first', async () => {
    const first = replyOf(await cloud.invoke('getMonthlyRetain', { caller: ADMIN, data: { month: '2024-03' } }));
    const second = replyOf(await cloud.invoke('getMonthlyRetain', { caller: ADMIN, data: { month: '202403' } }));
    expect(first.source).toBe('wechat');
    expect(second).toEqual({ ...first, source: 'archive' });
    expect(cloud.emulator.countCalls({ apiName: RETAIN })).toBe(1);
  });

  test('a month that fails inside a range is reported; the others are returned and kept', async () => {
    cloud.emulator.faults.failNext(RETAIN, 61503, 1);
    const reply = replyOf(await cloud.invoke('getMonthlyRetain', { caller: ADMIN, data: { from: '2024-01', to: '2024-05' } }));
    const failed = reply.data.filter((entry: { ok: boolean }) => !entry.ok);
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ ok: false, error: { code: 'DATA_NOT_READY', wxErrCode: 61503 } });
    expect(reply.data.filter((entry: { ok: boolean }) => entry.ok)).toHaveLength(4);
    expect(documents()).toHaveLength(4);
  });

  test('the timer fills the archive; a rerun and a later day with nothing new make no WeChat call', async () => {
    const first = replyOf(await cloud.invoke('syncMonthlyAnalytics', { caller: TIMER }));
    expect(first).toEqual({ ok: true, data: { fetched: 24, skipped: 0, failed: 0, deferred: 0, failures: [] } });
    expect(cloud.emulator.countCalls({ apiName: RETAIN })).toBe(12);
    expect(cloud.emulator.countCalls({ apiName: TREND })).toBe(12);
    expect(documents()).toHaveLength(24);

    cloud.emulator.resetCalls();
    const rerun = replyOf(await cloud.invoke('syncMonthlyAnalytics', { caller: TIMER }));
    expect(rerun.data).toMatchObject({ fetched: 0, skipped: 24 });
    cloud.setNow(new Date('2024-06-16T02:00:00Z'));
    const nextDay = replyOf(await cloud.invoke('syncMonthlyAnalytics', { caller: TIMER }));
    expect(nextDay.data).toMatchObject({ fetched: 0, skipped: 24 });
    expect(cloud.emulator.calls).toHaveLength(0);
    expect(documents()).toHaveLength(24);

    const dashboard = replyOf(await cloud.invoke('getMonthlyRetain', { caller: ADMIN, data: { from: '2023-06', to: '2024-05' } }));
    expect(dashboard.data.every((entry: { source: string }) => entry.source === 'archive')).toBe(true);
    expect(cloud.emulator.calls).toHaveLength(0);
  });

  test('two runs at once leave one document per month and kind', async () => {
    const [a, b] = await Promise.all([
      cloud.invokeCold('syncMonthlyAnalytics', { caller: TIMER }),
      cloud.invokeCold('syncMonthlyAnalytics', { caller: TIMER }),
    ]);
    expect(replyOf(a).ok).toBe(true);
    expect(replyOf(b).ok).toBe(true);
    const ids = documents().map((document) => document._id);
    expect(ids).toHaveLength(24);
    expect(new Set(ids).size).toBe(24);
    expect(ids).toContain('retain_2024-05');
    expect(ids).toContain('visitTrend_2023-06');
  });

  test('a run that fails midway keeps what it stored; the next run completes it', async () => {
    cloud.emulator.faults.failNext(TREND, 61503, 3);
    const partial = replyOf(await cloud.invoke('syncMonthlyAnalytics', { caller: TIMER }));
    expect(partial.ok).toBe(true);
    expect(partial.data).toMatchObject({ fetched: 21, failed: 3 });
    expect(partial.data.failures.every((failure: { retryLater: boolean; error: { code: string } }) => failure.retryLater && failure.error.code === 'DATA_NOT_READY')).toBe(true);
    expect(documents()).toHaveLength(21);

    cloud.emulator.resetCalls();
    const next = replyOf(await cloud.invoke('syncMonthlyAnalytics', { caller: TIMER }));
    expect(next.data).toMatchObject({ fetched: 3, skipped: 21, failed: 0 });
    expect(cloud.emulator.calls).toHaveLength(3);
    expect(documents()).toHaveLength(24);
  });

  test('late retention: key 1 is fetched once the following month has ended', async () => {
    replyOf(await cloud.invoke('syncMonthlyAnalytics', { caller: TIMER }));
    const may = documents().find((document) => document._id === 'retain_2024-05') as { data: { complete: boolean } };
    expect(may.data.complete).toBe(false);

    // 09:00 on 1 July 2024 in China: June has ended, so May's retention now has key 1.
    cloud.setNow(new Date('2024-07-01T01:00:00Z'));
    cloud.emulator.resetCalls();
    const july = replyOf(await cloud.invoke('syncMonthlyAnalytics', { caller: TIMER }));
    // New: June (both kinds, now the newest complete month) and May's retention, fetched again.
    expect(july.data).toMatchObject({ fetched: 3, failed: 0 });
    expect(cloud.emulator.calls.map((call) => `${call.apiName} ${call.beginDate}`).sort()).toEqual([
      `${RETAIN} 20240501`,
      `${RETAIN} 20240601`,
      `${TREND} 20240601`,
    ]);
    const updated = documents().find((document) => document._id === 'retain_2024-05') as { data: { complete: boolean; visitUv: { key: number }[] } };
    expect(updated.data.complete).toBe(true);
    expect(updated.data.visitUv.map((point) => point.key)).toEqual([0, 1]);
  });

  test('the time budget: a slow WeChat leaves the rest to the next run, which finishes it', async () => {
    cloud.emulator.faults.latency(700);
    const slow = await cloud.invoke('syncMonthlyAnalytics', { caller: TIMER, timeoutMs: 3000 });
    const summary = replyOf(slow).data;
    expect(slow.timedOut).toBe(false);
    expect(summary.deferred).toBeGreaterThan(0);
    expect(summary.fetched).toBeGreaterThan(0);
    expect(summary.fetched + summary.deferred).toBe(24);
    expect(slow.durationMs).toBeLessThan(3000);
    expect(documents()).toHaveLength(summary.fetched);

    cloud.emulator.faults.clear();
    const next = replyOf(await cloud.invoke('syncMonthlyAnalytics', { caller: TIMER }));
    expect(next.data).toMatchObject({ fetched: summary.deferred, skipped: summary.fetched, failed: 0 });
  });

  test('an admin can backfill; other users cannot sync', async () => {
    const backfill = replyOf(await cloud.invoke('syncMonthlyAnalytics', { caller: ADMIN, data: { from: '2023-01', to: '2023-03' } }));
    expect(backfill.data).toMatchObject({ fetched: 6 });
    const refused = replyOf(await cloud.invoke('syncMonthlyAnalytics', { caller: STRANGER, data: { months: 2 } }));
    expect(refused).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    const invalid = replyOf(await cloud.invoke('syncMonthlyAnalytics', { caller: ADMIN, data: { months: 0 } }));
    expect(invalid).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT' } });
    expect(cloud.emulator.calls).toHaveLength(6);
  });
});

describe('sync failures another run will not fix', () => {
  test('a timer run without a permission ends as a failed invocation, after storing what it could', async () => {
    const cloud = await startTestCloud({
      now: NOW,
      env: { ANALYTICS_SYNC_MONTHS: '2' },
      editConfig: { syncMonthlyAnalytics: (config) => ({ ...config, permissions: { openapi: [RETAIN] } }) },
    });
    try {
      const run = await cloud.invokeCold('syncMonthlyAnalytics', { caller: TIMER });
      expect(run.failed?.errorMessage).toMatch(/PERMISSION_NOT_DECLARED/);
      expect(run.logs.join('\n')).toMatch(/"event":"sync".*"fetched":2/);
      // The months it could store, and the mark that makes the platform's retries fail at once.
      expect(cloud.emulator.database.documents(COLLECTION).map((document) => document._id).sort()).toEqual(['mark_syncMonthlyAnalytics', 'retain_2024-04', 'retain_2024-05']);

      const byAdmin = await cloud.invokeCold('syncMonthlyAnalytics', { caller: ADMIN, data: {} });
      expect(replyOf(byAdmin)).toMatchObject({ ok: false, error: { code: 'PERMISSION_NOT_DECLARED' }, data: { skipped: 2, failed: 2 } });
    } finally {
      await cloud.close();
    }
  });
});
