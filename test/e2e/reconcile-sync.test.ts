import { AUTHORIZER_LIST_API, type Emulator } from '@wx-monthly-analytics/cloudbase-emulator';
import { componentEnvironment, pushTicket, seedAuthorizers } from '../../scripts/emulator-environment';
import { ADMIN_OPENID, TIMER, type TestCloud, putDocument, replyOf, startTestCloud } from '../helpers/cloud';

// The reconciliation as the sync function runs it: the timer's once a China-time day, before its walk,
// and an admin's { reconcile: true }; through the built function, the real wx-server-sdk and the emulator.
const NOW = new Date('2024-06-15T02:00:00Z');
const DAY_AGO = NOW.getTime() - 24 * 3600_000;
const A = 'wxa000000000000001';
const B = 'wxb000000000000002';
const D = 'wxd000000000000004';
const SCOPED = 'oScopedAdmin000000000000001';
const admin = { kind: 'miniprogram' as const, openid: ADMIN_OPENID };
const scoped = { kind: 'miniprogram' as const, openid: SCOPED };
const componentEnv = (emulator: Emulator) => ({ ...componentEnvironment(emulator.url), ANALYTICS_ADMIN_OPENIDS: `${ADMIN_OPENID},${SCOPED}@${A}` });
/** Lists WeChat answered (a warm instance's token from an earlier test is refused first: that call does not count). */
const listsAnswered = (cloud: TestCloud) => cloud.emulator.calls.filter((call) => call.apiName === AUTHORIZER_LIST_API && call.errcode === 0).length;
const authorizer = (cloud: TestCloud, appid: string) => cloud.emulator.database.documents('wechat_authorizers').find((document) => document._id === appid);

describe('the reconciliation in the sync function, end to end', () => {
  let cloud: TestCloud;
  beforeAll(async () => {
    cloud = await startTestCloud({ now: NOW, env: componentEnv });
  });
  afterAll(() => cloud.close());
  beforeEach(() => {
    cloud.reset(NOW);
    pushTicket(cloud.emulator, NOW);
    seedAuthorizers(cloud.emulator, [A], NOW);
  });

  test('a lost authorized push is recovered by the timer run, which syncs the authorizer in the same run', async () => {
    cloud.emulator.component.authorize(D); // authorised on WeChat; its push never stored
    const reply = replyOf(await cloud.invoke('syncMonthlyAnalytics', { caller: TIMER }));
    expect(reply).toMatchObject({ ok: true, data: { reconciliation: { added: 1, revoked: 0, complete: true }, failed: 0 } });
    expect(reply.data.authorizers.map((entry: { appid: string }) => entry.appid).sort()).toEqual([A, D]);
    expect(authorizer(cloud, D)).toMatchObject({ status: 'authorized', refreshToken: cloud.emulator.component.refreshToken(D) });
    expect(cloud.emulator.database.documents('analytics_monthly').some((document) => String(document._id).startsWith(`${D}_`))).toBe(true);
    expect(JSON.stringify(reply)).not.toContain(String(cloud.emulator.component.refreshToken(D)));

    // At most once a China-time day: the next timer run does not read the list again.
    const again = replyOf(await cloud.invoke('syncMonthlyAnalytics', { caller: TIMER }));
    expect(again.ok).toBe(true);
    expect(again.data.reconciliation).toBeUndefined();
    expect(listsAnswered(cloud)).toBe(1);
  });

  test('an authorizer no longer listed becomes revoked: the sync skips it and its archived months stay', async () => {
    putDocument(cloud, 'wechat_authorizers', {
      _id: B,
      kind: 'authorizer',
      authorizerAppid: B,
      refreshToken: 'refreshtoken@@@old',
      funcs: [18],
      status: 'authorized',
      problem: null,
      updatedAt: DAY_AGO,
    });
    putDocument(cloud, 'analytics_monthly', { _id: `${B}_visitTrend_2024-01`, kind: 'visitTrend', month: '2024-01', appid: B, schemaVersion: 2, data: null, fetchedAt: new Date(DAY_AGO) });
    const reply = replyOf(await cloud.invoke('syncMonthlyAnalytics', { caller: TIMER }));
    expect(reply).toMatchObject({ ok: true, data: { reconciliation: { revoked: 1, complete: true } } });
    expect(authorizer(cloud, B)).toMatchObject({ status: 'revoked' });
    expect(reply.data.authorizers.find((entry: { appid: string }) => entry.appid === B)).toMatchObject({ status: 'revoked', fetched: 0 });
    expect(cloud.emulator.database.documents('analytics_monthly').some((document) => document._id === `${B}_visitTrend_2024-01`)).toBe(true);
    expect(cloud.emulator.calls.some((call) => call.appid === B && call.apiName.startsWith('analysis.'))).toBe(false);
  });

  test("an admin's { reconcile: true } reconciles now, without syncing months; other callers and shapes are refused", async () => {
    cloud.emulator.component.authorize(D);
    const reply = replyOf(await cloud.invoke('syncMonthlyAnalytics', { caller: admin, data: { reconcile: true } }));
    expect(reply).toMatchObject({ ok: true, data: { fetched: 0, reconciliation: { added: 1, complete: true } } });
    expect(cloud.emulator.countCalls({ apiName: 'analysis.getMonthlyRetain' })).toBe(0);
    // On demand, again the same day.
    expect(replyOf(await cloud.invoke('syncMonthlyAnalytics', { caller: admin, data: { reconcile: true } }))).toMatchObject({ ok: true, data: { reconciliation: { added: 0 } } });

    const before = listsAnswered(cloud);
    expect(before).toBe(2);
    const refused = replyOf(await cloud.invoke('syncMonthlyAnalytics', { caller: scoped, data: { reconcile: true } }));
    expect(refused).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT' } });
    const withAppid = replyOf(await cloud.invoke('syncMonthlyAnalytics', { caller: admin, data: { reconcile: true, appid: A } }));
    expect(withAppid).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT' } });
    const yes = replyOf(await cloud.invoke('syncMonthlyAnalytics', { caller: admin, data: { reconcile: 'yes' } }));
    expect(yes).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT', message: expect.stringMatching(/reconcile: true/) } });
    expect(listsAnswered(cloud)).toBe(before);
  });

  test('a revocation applied whose reply was lost is counted as revoked', async () => {
    putDocument(cloud, 'wechat_authorizers', { _id: B, kind: 'authorizer', authorizerAppid: B, refreshToken: 'refreshtoken@@@old', funcs: [18], status: 'authorized', problem: null, updatedAt: DAY_AGO });
    cloud.emulator.faults.failDatabase({ action: 'modifyDocument', collection: 'wechat_authorizers', reply: 'drop', applied: true, times: 1 });
    const reply = replyOf(await cloud.invoke('syncMonthlyAnalytics', { caller: admin, data: { reconcile: true } }));
    expect(authorizer(cloud, B)).toMatchObject({ status: 'revoked' });
    expect(reply.data.reconciliation).toMatchObject({ revoked: 1 });
  });

  test('the list failing does not stop the sync of the authorizers known; the run says so and the next run tries again', async () => {
    cloud.emulator.faults.failNext(AUTHORIZER_LIST_API, 45009, 1);
    const reply = replyOf(await cloud.invoke('syncMonthlyAnalytics', { caller: TIMER }));
    expect(reply).toMatchObject({ ok: true, data: { fetched: 24, reconciliation: { complete: false, error: { wxErrCode: 45009 } } } });
    const again = replyOf(await cloud.invoke('syncMonthlyAnalytics', { caller: TIMER }));
    expect(again.data.reconciliation).toMatchObject({ complete: true });
  });
});
