import { type SeededAuthorizer, componentEnvironment, pushTicket, seedAuthorizers } from '../../scripts/emulator-environment';
import type { Emulator } from '@wx-monthly-analytics/cloudbase-emulator';
import { ADMIN_OPENID, TIMER, type TestCloud, putDocument, replyOf, startTestCloud } from '../helpers/cloud';

// The third-party mode end to end: report calls and the sync for several authorised Mini Programs,
// through the built functions, the runner and the emulator's third-party platform.
const NOW = new Date('2024-06-15T02:00:00Z');
const TIMER_EVENT = { Type: 'Timer', TriggerName: 'dailyMonthlyAnalyticsSync', Time: '2024-06-15T02:00:00Z', Message: '' };
const A = 'wxa000000000000001';
const B = 'wxb000000000000002';
const C = 'wxc000000000000003';
const D = 'wxd000000000000004';
const SCOPED = 'oScopedAdmin000000000000001';

const componentEnv = (emulator: Emulator) => ({
  ...componentEnvironment(emulator.url),
  ANALYTICS_ADMIN_OPENIDS: `${ADMIN_OPENID},${SCOPED}@${A}`,
});

/** What componentEvents stores on a ticket push and on each authorisation (written here directly). */
function setUpPlatform(cloud: TestCloud, authorizers: readonly SeededAuthorizer[]) {
  pushTicket(cloud.emulator, NOW);
  seedAuthorizers(cloud.emulator, authorizers, NOW);
}

const admin = { kind: 'miniprogram' as const, openid: ADMIN_OPENID };
const scoped = { kind: 'miniprogram' as const, openid: SCOPED };

describe('third-party mode, end to end', () => {
  let cloud: TestCloud;
  beforeAll(async () => {
    cloud = await startTestCloud({ now: NOW, env: componentEnv });
  });
  afterAll(() => cloud.close());
  beforeEach(() => cloud.reset(NOW));

  test('a report call for an authorizer: its own figures, archived under its appid', async () => {
    setUpPlatform(cloud, [{ appid: A }, { appid: B }]);
    const a = replyOf(await cloud.invoke('getMonthlyVisitTrend', { caller: admin, data: { appid: A, month: '2024-05' } }));
    const b = replyOf(await cloud.invoke('getMonthlyVisitTrend', { caller: admin, data: { appid: B, month: '2024-05' } }));
    expect(a).toMatchObject({ ok: true, source: 'wechat' });
    expect(b).toMatchObject({ ok: true, source: 'wechat' });
    expect(a.data.visitUv).not.toBe(b.data.visitUv);
    const ids = cloud.emulator.database.documents('analytics_monthly').map((document) => document._id);
    expect(ids).toEqual(expect.arrayContaining([`${A}_visitTrend_2024-05`, `${B}_visitTrend_2024-05`]));
    const again = replyOf(await cloud.invoke('getMonthlyVisitTrend', { caller: admin, data: { appid: A, month: '2024-05' } }));
    expect(again).toMatchObject({ source: 'archive', data: a.data });
    expect(cloud.emulator.countCalls({ apiName: 'cgi-bin/component/api_component_token' })).toBe(1);
  });

  test('appid is required in this mode, and an admin of one Mini Program cannot read another', async () => {
    setUpPlatform(cloud, [{ appid: A }, { appid: B }]);
    const missing = replyOf(await cloud.invoke('getMonthlyRetain', { caller: admin, data: { month: '2024-05' } }));
    expect(missing).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT', message: expect.stringMatching(/appid/) } });
    const own = replyOf(await cloud.invoke('getMonthlyRetain', { caller: scoped, data: { appid: A, month: '2024-05' } }));
    expect(own.ok).toBe(true);
    const other = replyOf(await cloud.invoke('getMonthlyRetain', { caller: scoped, data: { appid: B, month: '2024-05' } }));
    expect(other).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(cloud.emulator.countCalls({ apiName: 'analysis.getMonthlyRetain' })).toBe(1);
  });

  test('a Mini Program without permission set 18 gets AUTHORIZATION_REQUIRED and is marked needs_reauth', async () => {
    setUpPlatform(cloud, [{ appid: C, funcs: [1, 2] }]);
    const reply = replyOf(await cloud.invoke('getMonthlyRetain', { caller: admin, data: { appid: C, month: '2024-05' } }));
    expect(reply).toMatchObject({ ok: false, error: { code: 'AUTHORIZATION_REQUIRED', wxErrCode: 61007, message: expect.stringMatching(/permission set 18/) } });
    const stored = cloud.emulator.database.documents('wechat_authorizers').find((document) => document._id === C);
    expect(stored).toMatchObject({ status: 'needs_reauth', problem: 61007 });
  });

  test('the sync over several authorizers: one revoked, one without set 18, one over quota; the others complete', async () => {
    setUpPlatform(cloud, [{ appid: A }, { appid: B }, { appid: C, funcs: [1] }, { appid: D }]);
    cloud.emulator.component.revoke(B);
    cloud.emulator.component.setQuota(D, 3);
    const result = await cloud.invoke('syncMonthlyAnalytics', { caller: TIMER, rawEvent: TIMER_EVENT, timeoutMs: 20_000 });
    const reply = replyOf(result);
    expect(reply.ok).toBe(true);
    const byAppid = Object.fromEntries(reply.data.authorizers.map((entry: { appid: string }) => [entry.appid, entry]));
    expect(byAppid[A]).toMatchObject({ status: 'authorized', fetched: 24, failed: 0 });
    expect(byAppid[B].failed).toBe(24);
    expect(byAppid[C].failed).toBe(24);
    expect(byAppid[D]).toMatchObject({ fetched: 3 });
    const codes = (appid: string) => new Set(reply.data.failures.filter((failure: { appid: string }) => failure.appid === appid).map((failure: { error: { code: string } }) => failure.error.code));
    expect(codes(B)).toEqual(new Set(['AUTHORIZATION_REQUIRED']));
    expect(codes(C)).toEqual(new Set(['AUTHORIZATION_REQUIRED']));
    expect(codes(D)).toEqual(new Set(['QUOTA_EXCEEDED']));
    // One authorizer's problems never block another's months, nor fail the run.
    expect(result.failed).toBeUndefined();

    // The next run the same day: A and D were completed (D's quota failures wait for tomorrow's run) and
    // are not read again; B and C are listed as needing a new authorisation, and nothing is asked.
    cloud.emulator.resetCalls();
    const next = replyOf(await cloud.invoke('syncMonthlyAnalytics', { caller: TIMER, rawEvent: TIMER_EVENT, timeoutMs: 20_000 }));
    const statuses = Object.fromEntries(next.data.authorizers.map((entry: { appid: string; status: string }) => [entry.appid, entry.status]));
    expect(statuses).toEqual({ [B]: 'needs_reauth', [C]: 'needs_reauth' });
    expect(next.data.authorizersUpToDate).toBe(2);
    expect(cloud.emulator.countCalls({ apiName: 'analysis.getMonthlyRetain' }) + cloud.emulator.countCalls({ apiName: 'analysis.getMonthlyVisitTrend' })).toBe(0);
  });

  test('a run cut by its time limit goes on with the authorizers it did not complete, and a day is walked once', async () => {
    setUpPlatform(cloud, [{ appid: A }, { appid: B }, { appid: D }]);
    cloud.emulator.faults.latency(150);
    const first = replyOf(await cloud.invoke('syncMonthlyAnalytics', { caller: TIMER, rawEvent: TIMER_EVENT }));
    expect(first.data.deferred).toBeGreaterThan(0);
    cloud.emulator.faults.latency(0);
    const appids = (reply: { data: { authorizers: { appid: string }[] } }) => reply.data.authorizers.map((entry) => entry.appid);
    const completedFirst: string[] = first.data.authorizers.filter((entry: { deferred: number }) => entry.deferred === 0).map((entry: { appid: string }) => entry.appid);
    expect(completedFirst.length).toBeLessThan(3);
    // The second run walks only what the first left, never-synced first, and re-reads nothing it did.
    const second = replyOf(await cloud.invoke('syncMonthlyAnalytics', { caller: TIMER, rawEvent: TIMER_EVENT, timeoutMs: 20_000 }));
    expect(appids(second).sort()).toEqual([A, B, D].filter((appid) => !completedFirst.includes(appid)));
    expect(second.data).toMatchObject({ deferred: 0, authorizersUpToDate: completedFirst.length });
    const documents = cloud.emulator.database.documents('analytics_monthly').filter((document) => String(document._id).includes('_'));
    expect(documents.length).toBe(72);
    // Done for the day: a third run reads no authorizer's archive and asks WeChat nothing.
    cloud.emulator.resetCalls();
    const third = replyOf(await cloud.invoke('syncMonthlyAnalytics', { caller: TIMER, rawEvent: TIMER_EVENT }));
    expect(third.data).toMatchObject({ fetched: 0, skipped: 0, deferred: 0, authorizers: [], authorizersUpToDate: 3 });
    // The next China-time day (10:00 in China is 02:00 UTC), every authorizer is walked again.
    const tomorrow = new Date(NOW.getTime() + 24 * 3600_000);
    cloud.setNow(tomorrow);
    pushTicket(cloud.emulator, tomorrow);
    const nextDay = replyOf(await cloud.invoke('syncMonthlyAnalytics', { caller: TIMER, rawEvent: TIMER_EVENT, timeoutMs: 20_000 }));
    expect(appids(nextDay).sort()).toEqual([A, B, D]);
    expect(nextDay.data).toMatchObject({ fetched: 0, skipped: 72, deferred: 0, authorizersUpToDate: 0 });
  });

  test('no ticket yet: the timer run fails after one authorizer, stamps none, and the next run after a push syncs all', async () => {
    seedAuthorizers(cloud.emulator, [A, B, D], NOW);
    const result = await cloud.invoke('syncMonthlyAnalytics', { caller: TIMER, rawEvent: TIMER_EVENT, timeoutMs: 20_000 });
    expect(result.failed?.errorMessage).toMatch(/component_verify_ticket/);
    const stamped = () => cloud.emulator.database.documents('wechat_authorizers').filter((document) => typeof document.syncedAt === 'number').length;
    expect(stamped()).toBe(0);
    // The ticket arrives; the next run of the same day walks all three again.
    pushTicket(cloud.emulator, NOW);
    const next = replyOf(await cloud.invoke('syncMonthlyAnalytics', { caller: TIMER, rawEvent: TIMER_EVENT, timeoutMs: 20_000 }));
    expect(next.data).toMatchObject({ fetched: 72, failed: 0, deferred: 0, authorizersUpToDate: 0 });
    expect(stamped()).toBe(3);
  });

  test('an authorizer whose months were not ready is asked again the same day; one that may never read them is not, and fails no run', async () => {
    setUpPlatform(cloud, [{ appid: A }, { appid: B }]);
    // A is walked first: WeChat has not finished its retention (61503); B's account may not use the API (48001).
    cloud.emulator.faults.failNext('getMonthlyRetain', 61503, 12);
    const first = replyOf(await cloud.invoke('syncMonthlyAnalytics', { caller: TIMER, rawEvent: TIMER_EVENT, timeoutMs: 20_000 }));
    expect(first.data.authorizers).toEqual([
      expect.objectContaining({ appid: A, fetched: 12, failed: 12 }),
      expect.objectContaining({ appid: B, fetched: 24, failed: 0 }),
    ]);
    cloud.emulator.faults.failNext('getMonthlyRetain', 48001, 1);
    const second = replyOf(await cloud.invoke('syncMonthlyAnalytics', { caller: TIMER, rawEvent: TIMER_EVENT, timeoutMs: 20_000 }));
    // Only A was due again; its retention now answers 48001, a problem of A's that no run of the day can
    // fix: the 3 calls already in flight (4 at once) are stored, no other retention call starts.
    expect(second).toMatchObject({ ok: true, data: { authorizersUpToDate: 1 } });
    expect(second.data.authorizers).toEqual([expect.objectContaining({ appid: A, fetched: 3, failed: 9 })]);
    const third = replyOf(await cloud.invoke('syncMonthlyAnalytics', { caller: TIMER, rawEvent: TIMER_EVENT, timeoutMs: 20_000 }));
    expect(third.data).toMatchObject({ authorizers: [], authorizersUpToDate: 2 });
  });

  test('a month WeChat has not published yet brings the authorizer back within the hour, not the next day', async () => {
    // 00:10 on 1 June in China: May has just ended and WeChat answers it without figures.
    const early = new Date('2024-05-31T16:10:00Z');
    cloud.setNow(early);
    setUpPlatform(cloud, [{ appid: A }]);
    cloud.emulator.overrideReply('analysis.getMonthlyVisitTrend', '2024-05', '{"list":[]}');
    const first = replyOf(await cloud.invoke('syncMonthlyAnalytics', { caller: TIMER, rawEvent: TIMER_EVENT, timeoutMs: 20_000 }));
    expect(first.data).toMatchObject({ fetched: 24, failed: 0, deferred: 0 });
    const stored = () => cloud.emulator.database.documents('wechat_authorizers').find((document) => document._id === A);
    expect(stored()).toMatchObject({ syncedAt: expect.any(Number), recheckAt: expect.any(Number) });
    // Ten minutes later it is not due yet: nothing is read or asked.
    cloud.setNow(new Date(early.getTime() + 10 * 60_000));
    cloud.emulator.resetCalls();
    const soon = replyOf(await cloud.invoke('syncMonthlyAnalytics', { caller: TIMER, rawEvent: TIMER_EVENT, timeoutMs: 20_000 }));
    expect(soon.data).toMatchObject({ authorizers: [], authorizersUpToDate: 1 });
    // An hour on, WeChat has the figures: the same day's run fetches them and stamps A for the day.
    cloud.emulator.clearOverrides();
    cloud.setNow(new Date(early.getTime() + 61 * 60_000));
    pushTicket(cloud.emulator, new Date(early.getTime() + 61 * 60_000));
    const later = replyOf(await cloud.invoke('syncMonthlyAnalytics', { caller: TIMER, rawEvent: TIMER_EVENT, timeoutMs: 20_000 }));
    expect(later.data.authorizers).toEqual([expect.objectContaining({ appid: A, fetched: 1, deferred: 0 })]);
    expect(stored()).toMatchObject({ recheckAt: null });
  });

  test('an authorizer document that cannot be read is named in a warning on every run', async () => {
    setUpPlatform(cloud, [{ appid: A }]);
    putDocument(cloud, 'wechat_authorizers', { _id: B, kind: 'authorizer', authorizerAppid: B, refreshToken: 'x', funcs: [18], status: 'authorized', problem: null, updatedAt: 'yesterday' });
    // Stored under C, but naming D: read as D, it would be synced and stamped as D, and C never.
    putDocument(cloud, 'wechat_authorizers', { _id: C, kind: 'authorizer', authorizerAppid: D, refreshToken: 'x', funcs: [18], status: 'authorized', problem: null, updatedAt: 0 });
    const result = await cloud.invoke('syncMonthlyAnalytics', { caller: TIMER, rawEvent: TIMER_EVENT, timeoutMs: 20_000 });
    expect(replyOf(result).data.authorizers.map((entry: { appid: string }) => entry.appid)).toEqual([A]);
    const warning = result.logs.find((line) => line.includes('"authorizer_unreadable"'));
    expect(warning).toContain(B);
    expect(warning).toContain(C);
  });

  test('the whole flow: ticket push, authorisation push, a report call for that Mini Program, the sync', async () => {
    const http = { kind: 'http' as const };
    const push = async (event: unknown) =>
      replyOf(await cloud.invoke('componentEvents', { caller: http, rawEvent: event as Record<string, unknown> }));
    expect(await push(cloud.emulator.component.issueTicket().push)).toMatchObject({ statusCode: 200, body: 'success' });
    expect(await push(cloud.emulator.component.authorize(A).push)).toMatchObject({ statusCode: 200, body: 'success' });
    expect(await push(cloud.emulator.component.authorize(C, { funcs: [1] }).push)).toMatchObject({ statusCode: 200 });

    const report = replyOf(await cloud.invoke('getMonthlyRetain', { caller: admin, data: { appid: A, month: '2024-04' } }));
    expect(report).toMatchObject({ ok: true, source: 'wechat', data: { month: '2024-04', complete: true } });

    const sync = replyOf(await cloud.invoke('syncMonthlyAnalytics', { caller: TIMER, rawEvent: TIMER_EVENT, timeoutMs: 20_000 }));
    expect(sync.ok).toBe(true);
    expect(sync.data.authorizers).toEqual([
      expect.objectContaining({ appid: A, status: 'authorized', fetched: 23, skipped: 1, failed: 0 }),
      expect.objectContaining({ appid: C, status: 'needs_reauth', fetched: 0 }),
    ]);
    expect(cloud.emulator.countCalls({ apiName: 'cgi-bin/component/api_component_token' })).toBe(1);
  });

  test('appid is refused in the other modes', async () => {
    const plain = await startTestCloud({ now: NOW });
    try {
      const reply = replyOf(await plain.invoke('getMonthlyRetain', { caller: admin, data: { appid: A, month: '2024-05' } }));
      expect(reply).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT', message: expect.stringMatching(/third-party mode/) } });
      expect(plain.emulator.calls).toHaveLength(0);
    } finally {
      await plain.close();
    }
  });

  test('outside the third-party mode an admin entry with Mini Programs still backfills its own Mini Program', async () => {
    const plain = await startTestCloud({ now: NOW, env: { ANALYTICS_ADMIN_OPENIDS: `${SCOPED}@${A}` } });
    try {
      const reply = replyOf(await plain.invoke('syncMonthlyAnalytics', { caller: scoped, data: { months: 1 }, timeoutMs: 20_000 }));
      expect(reply).toMatchObject({ ok: true, data: { fetched: 2, deferred: 0 } });
    } finally {
      await plain.close();
    }
  });
});
