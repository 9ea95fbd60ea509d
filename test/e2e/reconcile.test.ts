import { AUTHORIZER_LIST_API, EMULATOR_COMPONENT_APPID, EMULATOR_COMPONENT_APPSECRET, type Emulator } from '@wx-monthly-analytics/cloudbase-emulator';
import { emulatedAuthorizerAppid, pushTicket } from '../../scripts/emulator-environment';
import { createTimeBudget, type TimeBudget } from '../../src/budget';
import { monthDates } from '../../src/dates';
import type { CloudDatabase } from '../../src/platform/cloudbase/archive';
import { createCloudComponentState } from '../../src/open-platform/cloudbase/component-state';
import { createCloudTokenStore } from '../../src/platform/cloudbase/token-store';
import { type ReconcileOptions, reconcileAuthorizers, reconcileIfDue } from '../../src/open-platform/sync/reconcile';
import { createComponentTransport } from '../../src/open-platform/wechat';
import { putDocument } from '../helpers/cloud';
import { useSdkAgainstEmulator } from '../helpers/sdk';

// The reconciliation in-process over the real wx-server-sdk database adapter, against the emulator's
// database and its third-party platform (api_get_authorizer_list).
const NOW = new Date('2024-06-15T02:00:00Z');
const DAY_AGO = NOW.getTime() - 24 * 3600_000;
const TOKENS = 'wechat_tokens';
const AUTHORIZERS = 'wechat_authorizers';
const A = 'wxa000000000000001';
const B = 'wxb000000000000002';
const C = 'wxc000000000000003';

const sdk = useSdkAgainstEmulator(() => NOW);
let emulator: Emulator;
let db: CloudDatabase;
const budgets: TimeBudget[] = [];

beforeAll(() => {
  emulator = sdk.emulator();
  db = sdk.db();
});
beforeEach(() => {
  emulator.faults.clear();
  emulator.resetCalls();
  emulator.database.clear();
  emulator.component.reset();
  pushTicket(emulator, NOW);
});
afterEach(() => budgets.splice(0).forEach((budget) => budget.end()));

function platform() {
  const state = createCloudComponentState(db, TOKENS, AUTHORIZERS);
  const transport = createComponentTransport({
    componentAppid: EMULATOR_COMPONENT_APPID,
    componentAppsecret: EMULATOR_COMPONENT_APPSECRET,
    baseUrl: emulator.url,
    tokens: createCloudTokenStore(db, TOKENS),
    state,
    now: () => NOW.getTime(),
  });
  const budget = createTimeBudget({ getRemainingTimeInMillis: () => 20_000 }, Date.now(), Date.now);
  budgets.push(budget);
  const logs: Record<string, unknown>[] = [];
  const options: ReconcileOptions = { componentAppid: EMULATOR_COMPONENT_APPID, api: transport.api, state, budget, now: () => NOW, log: (line) => logs.push(line) };
  return { state, transport, options, logs };
}

/** What componentEvents stored for `appid` a day ago, with `fields` on top. */
function storedAuthorizer(appid: string, fields: Record<string, unknown> = {}) {
  putDocument({ emulator }, AUTHORIZERS, {
    _id: appid,
    kind: 'authorizer',
    authorizerAppid: appid,
    refreshToken: emulator.component.refreshToken(appid) ?? 'refreshtoken@@@gone',
    funcs: [18],
    status: 'authorized',
    problem: null,
    updatedAt: DAY_AGO,
    eventCreateTime: Math.floor(DAY_AGO / 1000),
    ...fields,
  });
}
const stored = (appid: string) => emulator.database.documents(AUTHORIZERS).find((document) => document._id === appid);

describe('reconciling the authorizers with api_get_authorizer_list, end to end', () => {
  test('a lost authorized push is recovered (and usable), an unusable refresh token replaced; once a day', async () => {
    emulator.component.authorize(A); // its push never arrived
    emulator.component.authorize(B);
    storedAuthorizer(B, { refreshToken: 'refreshtoken@@@stale', status: 'needs_reauth', problem: 61023 });
    const { transport, options, logs } = platform();
    const run = await reconcileIfDue(options);
    expect(run).toMatchObject({ ran: true, stamped: true, summary: { listed: 2, totalCount: 2, added: 1, refreshed: 1, revoked: 0, complete: true } });
    expect(stored(A)).toMatchObject({ status: 'authorized', refreshToken: emulator.component.refreshToken(A), eventCreateTime: Math.floor(NOW.getTime() / 1000), funcs: [] });
    expect(stored(B)).toMatchObject({ status: 'authorized', problem: null, refreshToken: emulator.component.refreshToken(B) });
    // The recovered authorizer's figures can be read with what was stored.
    await expect(transport.client.call('analysis.getMonthlyRetain', monthDates('2024-05'), { appid: A })).resolves.toBeDefined();
    expect(emulator.database.documents(TOKENS).find((document) => document._id === `reconcile_${EMULATOR_COMPONENT_APPID}`)).toMatchObject({ reconciledAt: NOW.getTime() });
    // The same China-time day: not again.
    emulator.resetCalls();
    expect(await reconcileIfDue(options)).toEqual({ ran: false, reconciledAt: NOW.getTime() });
    expect(emulator.countCalls({ apiName: AUTHORIZER_LIST_API })).toBe(0);
    const text = JSON.stringify([run, logs]);
    for (const appid of [A, B]) expect(text).not.toContain(emulator.component.refreshToken(appid));
  });

  test('an authorizer no longer listed becomes revoked; its archived months stay', async () => {
    emulator.component.authorize(A);
    emulator.component.authorize(C);
    storedAuthorizer(A);
    storedAuthorizer(C, { syncedAt: DAY_AGO });
    emulator.component.revoke(C); // its unauthorized push was lost
    const archived = [`${C}_retain_2024-05`, `${C}_visitTrend_2024-05`];
    for (const id of archived) putDocument({ emulator }, 'analytics_monthly', { _id: id, kind: 'retain', month: '2024-05', appid: C, data: {} });
    const summary = await reconcileAuthorizers(platform().options);
    expect(summary).toMatchObject({ listed: 1, added: 0, revoked: 1, complete: true });
    expect(stored(C)).toMatchObject({ status: 'revoked', syncedAt: DAY_AGO, updatedAt: NOW.getTime() });
    expect(stored(A)?.status).toBe('authorized');
    expect(emulator.database.documents('analytics_monthly').map((document) => document._id).sort()).toEqual(archived.sort());
  });

  test('a page that fails revokes nothing and stamps nothing; the pages read are still added', async () => {
    const appids = Array.from({ length: 501 }, (_, index) => emulatedAuthorizerAppid(index + 1));
    for (const appid of appids) emulator.component.authorize(appid);
    emulator.component.authorize(C);
    storedAuthorizer(C);
    emulator.component.revoke(C);
    const { options, transport } = platform();
    let failing = false;
    // The second page fails: the emulator's fault is scheduled once the first page has arrived.
    const api: ReconcileOptions['api'] = {
      getAuthorizerList: (signal, onPage) =>
        transport.api.getAuthorizerList(signal, (page) => {
          onPage?.(page);
          if (!failing) emulator.faults.failNext(AUTHORIZER_LIST_API, -1);
          failing = true;
        }),
    };
    const run = await reconcileIfDue({ ...options, api });
    expect(run).toMatchObject({ ran: true, stamped: false, summary: { listed: 500, added: 500, revoked: 0, complete: false } });
    expect(emulator.countCalls({ apiName: AUTHORIZER_LIST_API })).toBe(2);
    expect(stored(C)?.status).toBe('authorized');
    expect(emulator.database.documents(TOKENS).some((document) => String(document._id).startsWith('reconcile_'))).toBe(false);
    // Without the fault, the next run completes: the last one is added and C is revoked.
    const next = await reconcileIfDue(options);
    expect(next).toMatchObject({ ran: true, stamped: true, summary: { listed: 501, added: 1, revoked: 1, complete: true } });
    expect(stored(C)?.status).toBe('revoked');
  });

  test('the stamp cannot be read (a database failure): an error, and WeChat is not asked', async () => {
    emulator.component.authorize(A);
    emulator.faults.failDatabase({ action: 'getDocument', collection: TOKENS, errcode: -502001 });
    await expect(reconcileIfDue(platform().options)).rejects.toMatchObject({ errCode: -502001 });
    expect(emulator.countCalls({ apiName: AUTHORIZER_LIST_API })).toBe(0);
    expect(stored(A)).toBeUndefined();
  });

  test("the adapter's compare-and-set: a record written since it was read is not changed", async () => {
    emulator.component.authorize(A);
    storedAuthorizer(A);
    const { state } = platform();
    const read = await state.readAuthorizer(A);
    if (!read) throw new Error('the stored authorizer was not read');
    storedAuthorizer(A, { refreshToken: 'refreshtoken@@@rotated', updatedAt: NOW.getTime() }); // another instance rotated it
    expect(await state.updateAuthorizerIfUnchanged(read, { status: 'revoked', updatedAt: NOW.getTime() })).toBe(false);
    expect(stored(A)).toMatchObject({ status: 'authorized', refreshToken: 'refreshtoken@@@rotated' });
    const again = await state.readAuthorizer(A);
    expect(again && (await state.updateAuthorizerIfUnchanged(again, { status: 'revoked', updatedAt: NOW.getTime() }))).toBe(true);
    expect(stored(A)?.status).toBe('revoked');
  });
});
