import { httpsEnvironment } from '../../scripts/emulator-environment';
import { ADMIN, ARCHIVE_COLLECTION, RETAIN_API, TIMER, TREND_API, putDocument, replyOf, useTestCloud } from '../helpers/cloud';

// 10:00 on 15 June 2024 in China: the newest complete month is May 2024; the sync keeps the last 12.
const NOW = new Date('2024-06-15T02:00:00Z');
const wechatCalls = (cloud: { emulator: { calls: readonly { apiName: string }[] } }) =>
  cloud.emulator.calls.filter((call) => call.apiName === RETAIN_API || call.apiName === TREND_API).length;

/**
 * The cloud database failing underneath, through the real wx-server-sdk and the emulator's database
 * faults: a failure keeps its meaning (retried where it may clear, never taken for an empty archive, a
 * free lease or "held by another run"), and stored figures are never lost to it.
 */
describe('the database failing underneath, end to end', () => {
  const cloud = useTestCloud({ now: NOW });
  const documents = () => cloud.emulator.database.documents(ARCHIVE_COLLECTION);

  async function storeMonth(name: 'getMonthlyRetain' | 'getMonthlyVisitTrend', month: string) {
    expect(replyOf(await cloud.invoke(name, { caller: ADMIN, data: { month } }))).toMatchObject({ ok: true, source: 'wechat' });
    cloud.emulator.resetCalls();
  }

  describe('views', () => {
    test('a read that fails once (-502001) is retried: the stored month is served, WeChat is not asked', async () => {
      await storeMonth('getMonthlyVisitTrend', '2024-04');
      cloud.emulator.faults.failDatabase({ action: 'getDocument', collection: ARCHIVE_COLLECTION, errcode: -502001, times: 1 });
      const reply = replyOf(await cloud.invoke('getMonthlyVisitTrend', { caller: ADMIN, data: { month: '2024-04' } }));
      expect(reply).toMatchObject({ ok: true, source: 'archive', final: true });
      expect(wechatCalls(cloud)).toBe(0);
    });

    test("the environment's quota used up (-501003 on every request): a 12-month view says so and spends no WeChat call", async () => {
      await storeMonth('getMonthlyRetain', '2024-04');
      cloud.emulator.faults.failDatabase({ errcode: -501003, persistent: true });
      const reply = replyOf(await cloud.invoke('getMonthlyRetain', { caller: ADMIN, data: { from: '2023-06', to: '2024-05' } }));
      expect(reply).toMatchObject({ ok: false, error: { code: 'UPSTREAM_ERROR', wxErrCode: -501003 } });
      expect(reply.error.message).toMatch(/CloudBase's database \(-501003\), even after retries; the environment's request quota is used up/);
      expect(reply.error.message).toMatch(/WeChat was not asked instead/);
      expect(reply.error.message).not.toMatch(/WeChat could not answer/);
      expect(wechatCalls(cloud)).toBe(0);
    });

    test('figures stored while WeChat answered without them stay: the write itself refuses to replace them', async () => {
      await storeMonth('getMonthlyVisitTrend', '2024-04');
      const stored = documents().find((document) => document._id === 'visitTrend_2024-04') as (Record<string, unknown> & { _id: string; data: { visitUv: number } }) | undefined;
      expect(stored).toMatchObject({ figures: true, data: { visitUv: expect.any(Number) } });
      cloud.emulator.database.clear();
      // WeChat answers the month without figures, slowly; meanwhile another run stores its figures.
      cloud.emulator.overrideReply(TREND_API, '2024-04', '{"list":[]}');
      cloud.emulator.faults.latency(800, TREND_API);
      const pending = cloud.invoke('getMonthlyVisitTrend', { caller: ADMIN, data: { month: '2024-04' } });
      await new Promise((resolve) => setTimeout(resolve, 400));
      expect(wechatCalls(cloud)).toBe(1); // asked, and not answered yet
      if (!stored) throw new Error('the month was not stored');
      putDocument(cloud, ARCHIVE_COLLECTION, stored);
      const reply = replyOf(await pending);
      expect(reply).toMatchObject({ ok: true, source: 'archive', data: { visitUv: stored.data.visitUv } });
      expect(documents().find((document) => document._id === 'visitTrend_2024-04')).toMatchObject({ figures: true, data: stored.data });
    });
  });

  describe('the sync', () => {
    test('an archive that cannot be read fails the timer run before any WeChat call', async () => {
      cloud.emulator.faults.failDatabase({ action: 'getDocument', collection: ARCHIVE_COLLECTION, errcode: -502001, persistent: true });
      const result = await cloud.invoke('syncMonthlyAnalytics', { caller: TIMER });
      expect(result.failed).toBeDefined();
      expect(JSON.stringify(result.failed)).toMatch(/failed in CloudBase's database \(-502001\)/);
      expect(wechatCalls(cloud)).toBe(0);
    });

    test("an admin's backfill says which months it could not read, and that the run stopped", async () => {
      cloud.emulator.faults.failDatabase({ action: 'getDocument', collection: ARCHIVE_COLLECTION, errcode: -502001, persistent: true });
      const reply = replyOf(await cloud.invoke('syncMonthlyAnalytics', { caller: ADMIN, data: { from: '2024-03', to: '2024-05' } }));
      expect(reply).toMatchObject({ ok: false, error: { code: 'UPSTREAM_ERROR', wxErrCode: -502001 }, data: { fetched: 0, failed: 6, stoppedBy: { wxErrCode: -502001 } } });
      expect(wechatCalls(cloud)).toBe(0);
    });

    test('months that cannot be stored stop the run: no further WeChat call, the run fails, and the next run completes it', async () => {
      // The first modifyDocument is the lease's conditional update (on an existing collection); the month writes (doc.set) come after it.
      cloud.emulator.database.createCollection(ARCHIVE_COLLECTION);
      cloud.emulator.faults.failDatabase({ action: 'modifyDocument', collection: ARCHIVE_COLLECTION, errcode: -502001, persistent: true, after: 1 });
      const reply = replyOf(await cloud.invoke('syncMonthlyAnalytics', { caller: ADMIN, data: {} }));
      expect(reply).toMatchObject({ ok: false, error: { code: 'UPSTREAM_ERROR', wxErrCode: -502001 }, data: { fetched: 0, failed: 24 } });
      // At most the ANALYTICS_CONCURRENCY (4) calls in flight when the first write gave up.
      expect(wechatCalls(cloud)).toBeLessThanOrEqual(4);
      cloud.emulator.faults.clear();
      expect(replyOf(await cloud.invoke('syncMonthlyAnalytics', { caller: ADMIN, data: {} }))).toMatchObject({ ok: true, data: { fetched: 24, failed: 0 } });
    });

    test('the lease add failing once is retried: the run is not taken as "held by another run"', async () => {
      cloud.emulator.faults.failDatabase({ action: 'insertDocument', collection: ARCHIVE_COLLECTION, errcode: -502001, times: 1 });
      const reply = replyOf(await cloud.invoke('syncMonthlyAnalytics', { caller: TIMER }));
      expect(reply).toMatchObject({ ok: true, data: { fetched: 24, deferred: 0 } });
    });

    test('the lease stored but its reply lost: the retry finds its own lease and the run goes on', async () => {
      cloud.emulator.faults.failDatabase({ action: 'insertDocument', collection: ARCHIVE_COLLECTION, reply: 'drop', applied: true, times: 1 });
      const reply = replyOf(await cloud.invoke('syncMonthlyAnalytics', { caller: TIMER }));
      expect(reply).toMatchObject({ ok: true, data: { fetched: 24, deferred: 0 } });
    });

    test('the lease cannot be written at all: the timer run fails with the database error, no WeChat call', async () => {
      cloud.emulator.faults.failDatabase({ action: 'insertDocument', collection: ARCHIVE_COLLECTION, errcode: -502001, persistent: true });
      const result = await cloud.invoke('syncMonthlyAnalytics', { caller: TIMER });
      expect(JSON.stringify(result.failed)).toMatch(/Taking the sync lease failed in CloudBase's database \(-502001\)/);
      expect(wechatCalls(cloud)).toBe(0);
    });

    test('a live lease of another run, seen: deferred, at info level', async () => {
      putDocument(cloud, ARCHIVE_COLLECTION, { _id: 'lease_sync', kind: 'lease', holder: 'another-run', expiresAt: NOW.getTime() + 60_000 });
      const result = await cloud.invoke('syncMonthlyAnalytics', { caller: TIMER });
      expect(replyOf(result)).toMatchObject({ ok: true, data: { fetched: 0, deferred: 24 } });
      expect(result.logs.join('\n')).toMatch(/sync_lease_held/);
    });

    test('writes the deadline cuts after WeChat answered are deferred, not failed', async () => {
      // Every month write hangs past the deadline (the lease's update, the first modifyDocument, passes).
      cloud.emulator.database.createCollection(ARCHIVE_COLLECTION);
      cloud.emulator.faults.failDatabase({ action: 'modifyDocument', collection: ARCHIVE_COLLECTION, reply: 'drop', delayMs: 5000, persistent: true, after: 1 });
      const reply = replyOf(await cloud.invoke('syncMonthlyAnalytics', { caller: TIMER }));
      expect(reply).toMatchObject({ ok: true, data: { fetched: 0, failed: 0, failures: [] } });
      expect(reply.data.deferred).toBe(24);
      expect(wechatCalls(cloud)).toBeGreaterThan(0); // WeChat answered; only the writes ran out of time
    });
  });
});

describe("the platform's retries of a failed timer run, end to end", () => {
  const cloud = useTestCloud({ now: NOW });

  test('a run failed for a reason that never clears (48001): the retries within 5 minutes fail at once, without a WeChat call; after them the run is tried in full', async () => {
    cloud.emulator.faults.failAlways(RETAIN_API, 48001);
    const first = await cloud.invoke('syncMonthlyAnalytics', { caller: TIMER });
    expect(JSON.stringify(first.failed)).toMatch(/48001/);
    const calls = wechatCalls(cloud);
    expect(calls).toBeGreaterThan(0);

    for (const minutes of [1, 4]) {
      cloud.setNow(new Date(NOW.getTime() + minutes * 60_000));
      const retry = await cloud.invoke('syncMonthlyAnalytics', { caller: TIMER });
      expect(JSON.stringify(retry.failed)).toMatch(/48001.*the platform's retries fail at once, without a WeChat call/);
      expect(retry.logs.join('\n')).toMatch(/timer_run_failed_fast/);
      expect(wechatCalls(cloud)).toBe(calls);
    }
    // An admin's backfill is not held up by the mark.
    expect(replyOf(await cloud.invoke('syncMonthlyAnalytics', { caller: ADMIN, data: { months: 1 } })).error).toMatchObject({ wxErrCode: 48001 });
    expect(wechatCalls(cloud)).toBeGreaterThan(calls);

    // The fix lands; once the mark has expired, the next timer run does the work.
    cloud.emulator.faults.clear();
    cloud.setNow(new Date(NOW.getTime() + 6 * 60_000));
    expect(replyOf(await cloud.invoke('syncMonthlyAnalytics', { caller: TIMER }))).toMatchObject({ ok: true, data: { failed: 0 } });
  });

  test('a failure a later run may fix (61503, the data not ready) leaves no mark: the retry runs in full', async () => {
    cloud.emulator.faults.failNext(TREND_API, 61503, 1);
    const first = await cloud.invoke('syncMonthlyAnalytics', { caller: TIMER });
    expect(first.failed).toBeUndefined();
    const retry = replyOf(await cloud.invoke('syncMonthlyAnalytics', { caller: TIMER }));
    expect(retry.ok).toBe(true);
    expect(cloud.emulator.database.documents(ARCHIVE_COLLECTION).some((document) => String(document._id).startsWith('mark_'))).toBe(false);
  });

  test('a mark that cannot be read fails the timer run (it is not taken as "no mark")', async () => {
    cloud.emulator.database.createCollection(ARCHIVE_COLLECTION);
    cloud.emulator.faults.failDatabase({ action: 'getDocument', collection: ARCHIVE_COLLECTION, errcode: -502003, times: 1 });
    const result = await cloud.invoke('syncMonthlyAnalytics', { caller: TIMER });
    expect(JSON.stringify(result.failed)).toMatch(/Reading the timer's failure mark failed in CloudBase's database \(-502003\)/);
    expect(wechatCalls(cloud)).toBe(0);
  });
});

describe("the token store failing underneath (HTTPS transport), end to end", () => {
  const cloud = useTestCloud({ now: NOW, env: (emulator) => httpsEnvironment(emulator.url) });

  test('the refresh lease cannot be written: not taken for "another instance refreshes", the token is fetched and the month served', async () => {
    cloud.emulator.database.createCollection('wechat_tokens');
    cloud.emulator.faults.failDatabase({ action: 'insertDocument', collection: 'wechat_tokens', errcode: -502001, persistent: true });
    const result = await cloud.invoke('getMonthlyRetain', { caller: ADMIN, data: { month: '2024-04' } });
    expect(replyOf(result)).toMatchObject({ ok: true, source: 'wechat' });
    expect(cloud.emulator.countCalls({ apiName: 'cgi-bin/stable_token' })).toBe(1);
    // Not a wait for a lease nobody holds: well inside the time limit.
    expect(result.durationMs).toBeLessThan(2000);
  });
});

describe('a fresh-user trial of the rules above: the cases it broke', () => {
  const cloud = useTestCloud({ now: NOW });

  test('a mark no run could have written (its window far beyond 5 minutes) is ignored', async () => {
    putDocument(cloud, ARCHIVE_COLLECTION, {
      _id: 'mark_syncMonthlyAnalytics',
      kind: 'mark',
      error: { code: 'PERMISSION_NOT_DECLARED', message: 'stale', wxErrCode: -604101 },
      at: NOW.getTime() - 60_000,
      until: 8.64e15,
    });
    expect(replyOf(await cloud.invoke('syncMonthlyAnalytics', { caller: TIMER }))).toMatchObject({ ok: true, data: { fetched: 24 } });
  });

  test('the mark read cut by the deadline: the timer run defers, it does not fail', async () => {
    cloud.emulator.faults.databaseLatency(2700, 'getDocument');
    const result = await cloud.invoke('syncMonthlyAnalytics', { caller: TIMER });
    expect(result.failed).toBeUndefined();
    expect(replyOf(result)).toMatchObject({ ok: true, data: { failed: 0, deferred: 24 } });
    expect(wechatCalls(cloud)).toBe(0);
  });

  test.each(['empty', 'malformed'] as const)('a lease update applied with a %s reply: the run fails and gives its lease back, so the retry is not "held by another run"', async (reply) => {
    putDocument(cloud, ARCHIVE_COLLECTION, { _id: 'lease_sync', kind: 'lease', holder: 'an-earlier-run', expiresAt: NOW.getTime() - 1000 });
    cloud.emulator.faults.failDatabase({ action: 'modifyDocument', collection: ARCHIVE_COLLECTION, reply, applied: true, times: 1 });
    const first = await cloud.invoke('syncMonthlyAnalytics', { caller: TIMER });
    expect(JSON.stringify(first.failed)).toMatch(/Taking the sync lease failed/);
    cloud.setNow(new Date(NOW.getTime() + 10_000));
    const retry = await cloud.invoke('syncMonthlyAnalytics', { caller: TIMER });
    expect(retry.logs.join('\n')).not.toMatch(/sync_lease_held/);
    expect(replyOf(retry)).toMatchObject({ ok: true, data: { fetched: 24, deferred: 0 } });
  });

  test('an answer without figures whose add was applied and its reply lost is this call\'s own: served from WeChat, not "kept stored"', async () => {
    cloud.emulator.overrideReply(TREND_API, '2024-05', '{"list":[]}');
    cloud.emulator.database.createCollection(ARCHIVE_COLLECTION);
    cloud.emulator.faults.failDatabase({ action: 'insertDocument', collection: ARCHIVE_COLLECTION, reply: 'drop', applied: true, times: 1 });
    const result = await cloud.invoke('getMonthlyVisitTrend', { caller: ADMIN, data: { month: '2024-05' } });
    expect(result.logs.join('\n')).not.toMatch(/empty_reply_kept_stored/);
    expect(replyOf(result)).toMatchObject({ ok: true, data: null, source: 'wechat' });
  });

  test("an admin's backfill that succeeds after the fix clears the mark: the platform's retry then runs in full", async () => {
    cloud.emulator.faults.failAlways(RETAIN_API, 48001);
    expect((await cloud.invoke('syncMonthlyAnalytics', { caller: TIMER })).failed).toBeDefined();
    cloud.emulator.faults.clear();
    expect(replyOf(await cloud.invoke('syncMonthlyAnalytics', { caller: ADMIN, data: {} }))).toMatchObject({ ok: true, data: { failed: 0 } });
    cloud.setNow(new Date(NOW.getTime() + 60_000));
    const retry = await cloud.invoke('syncMonthlyAnalytics', { caller: TIMER });
    expect(retry.failed).toBeUndefined();
  });

  test('a lease no run could have written, seen by two runs at once: only one of them takes it', async () => {
    putDocument(cloud, ARCHIVE_COLLECTION, { _id: 'lease_sync', kind: 'lease', holder: 'ghost', expiresAt: 9e15 });
    cloud.emulator.faults.databaseLatency(250, 'removeDocument');
    cloud.emulator.faults.latency(100, RETAIN_API);
    const [a, b] = await Promise.all([
      cloud.invoke('syncMonthlyAnalytics', { caller: TIMER }),
      cloud.invokeCold('syncMonthlyAnalytics', { caller: TIMER }),
    ]);
    expect([replyOf(a).data.fetched, replyOf(b).data.fetched].sort()).toEqual([0, 24]);
    expect(wechatCalls(cloud)).toBe(24);
  });
});

describe('HTTPS transport failures reach the caller typed, not as a made-up WeChat code', () => {
  const cloud = useTestCloud({ now: NOW, env: (emulator) => httpsEnvironment(emulator.url) });

  test.each([
    ['the connection dropped', (c: typeof cloud) => c.emulator.faults.dropNext(RETAIN_API, 3), 'connection_failed'],
    ['a body that is not JSON', (c: typeof cloud) => c.emulator.faults.malformedNext(RETAIN_API, 3), 'bad_reply'],
  ] as const)('%s: no wxErrCode, and transport says what failed', async (_what, inject, transport) => {
    inject(cloud);
    const reply = replyOf(await cloud.invoke('getMonthlyRetain', { caller: ADMIN, data: { month: '2024-04' } }));
    expect(reply).toMatchObject({ ok: false, error: { code: 'UPSTREAM_ERROR', transport } });
    expect(reply.error.wxErrCode).toBeUndefined();
    expect(reply.error.message).not.toMatch(/-70000\d/);
  });
});
