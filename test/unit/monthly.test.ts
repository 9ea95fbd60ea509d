import { monthsBetween } from '../../src/dates';
import { createInstanceState, serveMonths } from '../../src/archive/read-through';
import { mapWithConcurrency } from '../../src/pool';
import { retainReport } from '../../src/reports/retain';
import { visitTrendReport } from '../../src/reports/visit-trend';
import { syncArchive } from '../../src/sync/sync';
import { budgetUntil, memoryArchive, plausibleReply, scriptedClient, testContext } from '../helpers/fakes';
import { bindAppid } from '../../src/wechat/client';

// The fake clock is 15 June 2024: the newest complete month is May.
const lastTwelve = monthsBetween('2023-06', '2024-05');

describe('serveMonths', () => {
  test('fetches missing months, writes them through, then serves them from the archive', async () => {
    const archive = memoryArchive();
    const wechat = scriptedClient((api, month) => plausibleReply(api, month, month !== '2024-05'));
    const context = testContext({ client: wechat.client, archive: archive.store });

    const first = await serveMonths(retainReport, lastTwelve, context);
    expect(first.map((outcome) => outcome.month)).toEqual(lastTwelve);
    expect(first.every((outcome) => outcome.ok && outcome.source === 'wechat')).toBe(true);
    expect(wechat.calls).toHaveLength(12);
    expect(archive.documents.size).toBe(12);

    const second = await serveMonths(retainReport, lastTwelve, context);
    expect(second.every((outcome) => outcome.ok && outcome.source === 'archive')).toBe(true);
    expect(wechat.calls).toHaveLength(12);
    const may = second[11];
    expect(may?.ok && may.fetchedAt).toBe('2024-06-15T02:00:00.000Z');
  });

  test('fetches retention again once the following month has ended without key 1', async () => {
    const archive = memoryArchive();
    let withKeyOne = false;
    const wechat = scriptedClient((api, month) => plausibleReply(api, month, withKeyOne));
    const june = testContext({ client: wechat.client, archive: archive.store });
    await serveMonths(retainReport, ['2024-05'], june);
    await serveMonths(retainReport, ['2024-05'], june);
    expect(wechat.calls).toHaveLength(1);

    withKeyOne = true;
    const july = testContext({ client: wechat.client, archive: archive.store, now: () => new Date('2024-07-01T00:10:00+08:00') });
    const [outcome] = await serveMonths(retainReport, ['2024-05'], july);
    expect(wechat.calls).toHaveLength(2);
    expect(outcome?.ok && outcome.source === 'wechat' && outcome.data.complete).toBe(true);
    await serveMonths(retainReport, ['2024-05'], july);
    expect(wechat.calls).toHaveLength(2);
  });

  test('a failed month is reported alone; the others are served and stored', async () => {
    const archive = memoryArchive();
    const wechat = scriptedClient((api, month) => plausibleReply(api, month));
    wechat.failures.set('analysis.getMonthlyVisitTrend 2024-03', 61503);
    const outcomes = await serveMonths(visitTrendReport, monthsBetween('2024-01', '2024-05'), testContext({ client: wechat.client, archive: archive.store }));
    expect(outcomes.map((outcome) => (outcome.ok ? 'ok' : outcome.error.code))).toEqual(['ok', 'ok', 'DATA_NOT_READY', 'ok', 'ok']);
    expect(archive.documents.size).toBe(4);
  });

  test('a month that could not be stored is still served, and the failure logged', async () => {
    const archive = memoryArchive();
    archive.state.failWritesFor.add('2024-04');
    const wechat = scriptedClient((api, month) => plausibleReply(api, month));
    const context = testContext({ client: wechat.client, archive: archive.store });
    const outcomes = await serveMonths(retainReport, ['2024-04', '2024-05'], context);
    expect(outcomes.every((outcome) => outcome.ok)).toBe(true);
    expect(archive.documents.size).toBe(1);
    expect(context.logs).toEqual([expect.objectContaining({ event: 'archive_write_failed', month: '2024-04' })]);
  });

  test('an unreadable archive is not taken as empty: the months report the failure and WeChat is not asked', async () => {
    const archive = memoryArchive();
    archive.state.failReads = true;
    const wechat = scriptedClient((api, month) => plausibleReply(api, month));
    const outcomes = await serveMonths(retainReport, ['2024-04', '2024-05'], testContext({ client: wechat.client, archive: archive.store }));
    expect(outcomes).toEqual([
      { month: '2024-04', ok: false, error: expect.objectContaining({ code: 'UPSTREAM_ERROR', message: expect.stringMatching(/^Reading the stored retain of 2024-04 to 2024-05 failed in CloudBase's database; .*WeChat was not asked/) }) },
      { month: '2024-05', ok: false, error: expect.objectContaining({ code: 'UPSTREAM_ERROR' }) },
    ]);
    expect(wechat.calls).toHaveLength(0);
  });

  test('keeps at most `concurrency` calls in flight', async () => {
    let inFlight = 0;
    let peak = 0;
    const client = {
      async call(api: 'analysis.getMonthlyRetain' | 'analysis.getMonthlyVisitTrend', dates: { beginDate: string }) {
        inFlight += 1;
        peak = Math.max(peak, inFlight);
        await new Promise((resolve) => setTimeout(resolve, 5));
        inFlight -= 1;
        return plausibleReply(api, `${dates.beginDate.slice(0, 4)}-${dates.beginDate.slice(4, 6)}`);
      },
    };
    await serveMonths(retainReport, lastTwelve, testContext({ client, archive: memoryArchive().store, concurrency: 3 }));
    expect(peak).toBe(3);
  });

  test('months not started before the deadline are reported as such', async () => {
    const wechat = scriptedClient((api, month) => plausibleReply(api, month));
    const context = testContext({ client: wechat.client, archive: memoryArchive().store, budget: budgetUntil(0) });
    const outcomes = await serveMonths(retainReport, ['2024-05'], context);
    expect(outcomes[0]).toMatchObject({ ok: false, error: { code: 'DEADLINE_EXCEEDED' } });
    expect(wechat.calls).toHaveLength(0);
  });
});

describe('syncArchive', () => {
  const reports = [retainReport, visitTrendReport];

  test('fills the archive, then a second run has nothing to do', async () => {
    const archive = memoryArchive();
    const wechat = scriptedClient((api, month) => plausibleReply(api, month, month !== '2024-05'));
    const context = testContext({ client: wechat.client, archive: archive.store });
    expect(await syncArchive(reports, lastTwelve, context)).toMatchObject({ fetched: 24, skipped: 0, failed: 0, deferred: 0 });
    expect(await syncArchive(reports, lastTwelve, context)).toMatchObject({ fetched: 0, skipped: 24, failed: 0 });
    expect(wechat.calls).toHaveLength(24);
  });

  test('a failure midway keeps every other month; the next run completes it', async () => {
    const archive = memoryArchive();
    const wechat = scriptedClient((api, month) => plausibleReply(api, month));
    wechat.failures.set('analysis.getMonthlyRetain 2024-02', 61503);
    wechat.failures.set('analysis.getMonthlyVisitTrend 2023-09', 61503);
    const first = await syncArchive(reports, lastTwelve, testContext({ client: wechat.client, archive: archive.store }));
    expect(first).toMatchObject({ fetched: 22, failed: 2 });
    expect(first.stoppedBy).toBeUndefined();
    expect(first.failures.every((failure) => failure.retryLater)).toBe(true);
    expect(archive.documents.size).toBe(22);

    wechat.failures.clear();
    const calls = wechat.calls.length;
    expect(await syncArchive(reports, lastTwelve, testContext({ client: wechat.client, archive: archive.store }))).toMatchObject({
      fetched: 2,
      skipped: 22,
      failed: 0,
    });
    expect(wechat.calls.length - calls).toBe(2);
  });

  test('a month that cannot be stored stops the run: what was stored stays, no new WeChat call starts, the next run completes it', async () => {
    const archive = memoryArchive();
    const wechat = scriptedClient((api, month) => plausibleReply(api, month));
    archive.state.failWritesFor.add('2023-09');
    const first = await syncArchive(reports, lastTwelve, testContext({ client: wechat.client, archive: archive.store, concurrency: 1 }));
    expect(first.stoppedBy).toMatchObject({ code: 'UPSTREAM_ERROR', message: expect.stringMatching(/^Storing retain 2023-09 failed in CloudBase's database/) });
    // One at a time: every retain month up to 2023-09 was asked, then nothing more.
    expect(wechat.calls).toHaveLength(lastTwelve.indexOf('2023-09') + 1);
    expect(first.fetched).toBe(lastTwelve.indexOf('2023-09'));
    expect(first.fetched + first.failed).toBe(24);
    expect(archive.documents.size).toBe(first.fetched);

    archive.state.failWritesFor.clear();
    const second = await syncArchive(reports, lastTwelve, testContext({ client: wechat.client, archive: archive.store }));
    expect(second).toMatchObject({ fetched: 24 - first.fetched, skipped: first.fetched, failed: 0 });
    expect(second.stoppedBy).toBeUndefined();
  });

  test('an unreadable archive stops the run before any WeChat call: every month fails with the database error', async () => {
    const archive = memoryArchive();
    archive.state.failReads = true;
    const wechat = scriptedClient((api, month) => plausibleReply(api, month));
    const summary = await syncArchive(reports, lastTwelve, testContext({ client: wechat.client, archive: archive.store }));
    expect(summary).toMatchObject({ fetched: 0, skipped: 0, failed: 24, deferred: 0, stoppedBy: { code: 'UPSTREAM_ERROR' } });
    expect(wechat.calls).toHaveLength(0);
  });

  test.each([
    [45009, 'QUOTA_EXCEEDED', true],
    [-604101, 'PERMISSION_NOT_DECLARED', false],
    [48001, 'UPSTREAM_ERROR', false],
  ])('after %i no new call of that API starts; its other months report the same error', async (code, expected, retryLater) => {
    const wechat = scriptedClient((api, month) => plausibleReply(api, month));
    for (const month of lastTwelve) wechat.failures.set(`analysis.getMonthlyRetain ${month}`, code);
    const summary = await syncArchive(reports, lastTwelve, testContext({ client: wechat.client, archive: memoryArchive().store, concurrency: 4 }));
    const retainCalls = wechat.calls.filter((call) => call.startsWith('analysis.getMonthlyRetain'));
    // At most the calls already in flight when the first failure came back.
    expect(retainCalls.length).toBeLessThanOrEqual(4);
    expect(summary).toMatchObject({ fetched: 12, failed: 12 });
    expect(summary.failures.map((failure) => [failure.kind, failure.error.code, failure.error.wxErrCode, failure.retryLater])).toEqual(
      lastTwelve.map(() => ['retain', expected, code, retryLater]),
    );
    expect(wechat.calls.filter((call) => call.startsWith('analysis.getMonthlyVisitTrend'))).toHaveLength(12);
  });

  test('a missing permission is a failure another run will not fix', async () => {
    const wechat = scriptedClient((api, month) => plausibleReply(api, month));
    wechat.failures.set('analysis.getMonthlyVisitTrend 2024-05', -604101);
    const summary = await syncArchive(reports, ['2024-05'], testContext({ client: wechat.client, archive: memoryArchive().store }));
    expect(summary.failures).toEqual([
      expect.objectContaining({ kind: 'visitTrend', month: '2024-05', retryLater: false, error: expect.objectContaining({ code: 'PERMISSION_NOT_DECLARED' }) }),
    ]);
  });

  test('starts no call that would not finish before the deadline, and defers the rest', async () => {
    let clock = Date.parse('2024-06-15T02:00:00Z');
    const wechat = scriptedClient((api, month) => {
      clock += 100;
      return plausibleReply(api, month);
    });
    const context = testContext({ client: wechat.client, archive: memoryArchive().store, now: () => new Date(clock), budget: budgetUntil(clock + 450, () => new Date(clock)), concurrency: 1 });
    const summary = await syncArchive(reports, lastTwelve, context);
    // Calls take 100 ms: those starting at +0, +100, +200 and +300 end by +400; one at +400 would end after +450.
    expect(summary.fetched).toBe(4);
    expect(summary.deferred).toBe(20);
    expect(summary.failed).toBe(0);
  });

  test('a slow failure counts towards the time a call needs', async () => {
    let clock = Date.parse('2024-06-15T02:00:00Z');
    const wechat = scriptedClient(() => {
      throw new Error('unreachable');
    });
    const slowFailure = {
      async call(api: 'analysis.getMonthlyRetain' | 'analysis.getMonthlyVisitTrend', dates: { beginDate: string; endDate: string }) {
        clock += 100;
        return wechat.client.call(api, dates);
      },
    };
    wechat.failures.set('analysis.getMonthlyRetain 2024-04', 61503);
    const context = testContext({ client: slowFailure, archive: memoryArchive().store, now: () => new Date(clock), budget: budgetUntil(clock + 150, () => new Date(clock)), concurrency: 1 });
    const summary = await syncArchive([retainReport], ['2024-04', '2024-05'], context);
    expect(summary).toMatchObject({ fetched: 0, failed: 1, deferred: 1 });
    expect(wechat.calls).toEqual(['analysis.getMonthlyRetain 2024-04']);
  });
});

describe('one instance, many requests', () => {
  test('200 concurrent requests for a month that is not archived share one WeChat call', async () => {
    const archive = memoryArchive();
    let calls = 0;
    const client = {
      async call(api: 'analysis.getMonthlyRetain' | 'analysis.getMonthlyVisitTrend') {
        calls += 1;
        await new Promise((resolve) => setTimeout(resolve, 20));
        return plausibleReply(api, '2024-05');
      },
    };
    const instance = createInstanceState();
    const outcomes = await Promise.all(
      Array.from({ length: 200 }, () => serveMonths(retainReport, ['2024-05'], testContext({ client, archive: archive.store, instance }))),
    );
    expect(calls).toBe(1);
    expect(outcomes.every(([outcome]) => outcome?.ok && outcome.data.month === '2024-05')).toBe(true);
    expect(instance.inflight.size).toBe(0);
  });
});

describe('mapWithConcurrency', () => {
  test('after a task throws, nothing new starts and nothing is still running when it rejects', async () => {
    let running = 0;
    const started: number[] = [];
    const work = mapWithConcurrency([0, 1, 2, 3, 4, 5, 6, 7], 3, async (item) => {
      started.push(item);
      running += 1;
      await new Promise((resolve) => setTimeout(resolve, item === 1 ? 1 : 30));
      running -= 1;
      if (item === 1) throw new Error('bug');
      return item;
    });
    await expect(work).rejects.toThrow('bug');
    expect(running).toBe(0);
    expect(started).toEqual([0, 1, 2]);
  });
});

describe('one instance, many Mini Programs', () => {
  test('concurrent requests for the same month of two authorizers make two calls, each with its own figures', async () => {
    const archive = memoryArchive();
    const calls: (string | null | undefined)[] = [];
    const client = {
      async call(api: 'analysis.getMonthlyRetain' | 'analysis.getMonthlyVisitTrend', _dates: unknown, options?: { appid?: string | null }) {
        calls.push(options?.appid);
        await new Promise((resolve) => setTimeout(resolve, 10));
        const reply = plausibleReply(api, '2024-05');
        return options?.appid === 'wxb000000000000002' ? { ...reply, visitUv: [{ key: 0, value: 7 }] } : reply;
      },
    };
    const instance = createInstanceState();
    const [a, b] = await Promise.all([
      // Each tenant's client is bound to its Mini Program (as the open-platform tenancy binds it).
      serveMonths(retainReport, ['2024-05'], testContext({ client: bindAppid(client, 'wxa000000000000001'), archive: archive.store, instance, appid: 'wxa000000000000001' })),
      serveMonths(retainReport, ['2024-05'], testContext({ client: bindAppid(client, 'wxb000000000000002'), archive: archive.store, instance, appid: 'wxb000000000000002' })),
    ]);
    expect(calls.sort()).toEqual(['wxa000000000000001', 'wxb000000000000002']);
    expect(a[0]?.ok && a[0].data.visitUv[0]?.value).toBe(1000);
    expect(b[0]?.ok && b[0].data.visitUv[0]?.value).toBe(7);
    expect([...archive.documents.keys()].sort()).toEqual(['wxa000000000000001_retain_2024-05', 'wxb000000000000002_retain_2024-05']);
  });
});
