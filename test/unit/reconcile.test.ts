import { REPLY_MARGIN_MS, createTimeBudget, type TimeBudget } from '../../src/budget';
import { reconcileAuthorizers, reconcileIfDue, type ReconcileOptions } from '../../src/open-platform/sync/reconcile';
import { WeChatCallError } from '../../src/wechat/client';
import { type AuthorizerListApi, type AuthorizerRecord, type ComponentState, isOlderPush } from '../../src/open-platform/wechat';
import { readAuthorizerList } from '../../src/open-platform/wechat/authorizer-list';
import { HTTPS_BAD_BODY, HTTPS_CONNECTION_FAILED } from '../../src/wechat/https/errors';

const PLATFORM = 'wx0c0000000000c0de';
const NOW = new Date('2024-06-15T02:00:00Z'); // 10:00 in China
const SECONDS = Math.floor(NOW.getTime() / 1000);
const DAY_AGO = NOW.getTime() - 24 * 3600_000;
const appid = (n: number) => `wx${n.toString(16).padStart(16, '0')}`;
const token = (n: number, tag = 'listed') => `refreshtoken@@@${tag}${n}`;

/** A ComponentState in a Map with the adapter's semantics for what the reconciliation uses; `beforeWrite` runs another writer first. */
function memoryState() {
  const authorizers = new Map<string, AuthorizerRecord>();
  const control = { reconciledAt: undefined as number | undefined, failStampRead: false, beforeWrite: undefined as ((id: string) => void) | undefined, writes: 0 };
  const hook = (id: string) => control.beforeWrite?.(id);
  const unused = () => Promise.reject(new Error('not used by the reconciliation'));
  const state: ComponentState = {
    readTicket: unused,
    writeTicket: unused,
    readAuthorizer: async (id) => structuredClone(authorizers.get(id)),
    readAuthorizers: unused,
    updateAuthorizer: unused,
    markSynced: unused,
    async updateAuthorizerIfUnchanged(record, fields) {
      hook(record.authorizerAppid);
      control.writes += 1;
      const current = authorizers.get(record.authorizerAppid);
      if (!current || current.eventCreateTime !== record.eventCreateTime || current.updatedAt !== record.updatedAt || current.status !== record.status) return false;
      authorizers.set(record.authorizerAppid, { ...current, ...fields });
      return true;
    },
    async storeAuthorization(record) {
      hook(record.authorizerAppid);
      control.writes += 1;
      const current = authorizers.get(record.authorizerAppid);
      if (current && isOlderPush(record.eventCreateTime, current.eventCreateTime)) return 'older';
      authorizers.set(record.authorizerAppid, { ...current, ...structuredClone(record) });
      return 'stored';
    },
    async revokeAuthorizer(id, eventCreateTime, updatedAt) {
      const current = authorizers.get(id);
      if (!current) return 'unknown';
      if (isOlderPush(eventCreateTime, current.eventCreateTime)) return 'older';
      authorizers.set(id, { ...current, status: 'revoked', problem: null, eventCreateTime, updatedAt });
      return 'stored';
    },
    listAuthorizers: async () => [...authorizers.values()].sort((a, b) => (a.authorizerAppid < b.authorizerAppid ? -1 : 1)).map((record) => structuredClone(record)),
    async readReconciledAt() {
      if (control.failStampRead) throw Object.assign(new Error('database request fail'), { errCode: -502001 });
      return control.reconciledAt;
    },
    async writeReconciledAt(_platform, at) {
      control.reconciledAt = at;
    },
  };
  const put = (n: number, fields: Partial<AuthorizerRecord> = {}) =>
    authorizers.set(appid(n), { authorizerAppid: appid(n), refreshToken: token(n, 'stored'), funcs: [18], status: 'authorized', problem: null, updatedAt: DAY_AGO, eventCreateTime: SECONDS - 86_400, ...fields });
  return { state, authorizers, control, put };
}

/** WeChat's list over the real paging code: `entries` 500 a page; `failAt` an offset whose page fails; `beforePage` runs at each page. */
function wechatList(entries: Array<Record<string, unknown>>) {
  const control = { failAt: undefined as number | undefined, calls: 0, beforePage: undefined as ((offset: number) => void) | undefined, delayMs: 0, sawAbort: false };
  const api: AuthorizerListApi = {
    getAuthorizerList: (signal, onPage) =>
      readAuthorizerList(async ({ offset, count }, pageSignal) => {
        control.calls += 1;
        control.beforePage?.(offset);
        if (control.delayMs > 0) {
          await new Promise<void>((resolve, reject) => {
            const timer = setTimeout(resolve, control.delayMs);
            pageSignal?.addEventListener('abort', () => {
              control.sawAbort = true;
              clearTimeout(timer);
              reject(new WeChatCallError(HTTPS_CONNECTION_FAILED, 'api_get_authorizer_list: aborted'));
            });
          });
        }
        if (offset === control.failAt) throw new WeChatCallError(-1, 'api_get_authorizer_list: system error');
        return { errcode: 0, errmsg: 'ok', total_count: entries.length, list: entries.slice(offset, offset + count) };
      }, signal, onPage),
  };
  return { api, control };
}
const entry = (n: number, authTime = SECONDS - 3600) => ({ authorizer_appid: appid(n), refresh_token: token(n), auth_time: authTime });

const budgets: TimeBudget[] = [];
afterEach(() => budgets.splice(0).forEach((budget) => budget.end()));

function setup(entries: Array<Record<string, unknown>>, budget: TimeBudget = createTimeBudget({ getRemainingTimeInMillis: () => 60_000 }, NOW.getTime(), () => NOW.getTime())) {
  budgets.push(budget);
  const memory = memoryState();
  const wechat = wechatList(entries);
  const logs: Record<string, unknown>[] = [];
  let now = NOW;
  const options: ReconcileOptions = { componentAppid: PLATFORM, api: wechat.api, state: memory.state, budget, now: () => now, log: (line) => logs.push(line) };
  return { ...memory, wechat, logs, options, setNow: (next: Date) => (now = next) };
}

describe('reconcileAuthorizers', () => {
  test('adds the listed ones the store lacks, refreshes an unusable token, revokes the unlisted, keeps the rest', async () => {
    const t = setup([entry(1), entry(2), entry(3)]);
    t.put(2, { status: 'needs_reauth', problem: 61023 });
    t.put(3, { syncedAt: DAY_AGO });
    t.put(4);
    t.put(5, { status: 'needs_reauth', problem: 61007 });
    t.put(6, { status: 'revoked' });
    const summary = await reconcileAuthorizers(t.options);
    expect(summary).toMatchObject({ listed: 3, totalCount: 3, added: 1, refreshed: 1, revoked: 2, superseded: 0, unreadableEntries: 0, complete: true });
    expect(t.authorizers.get(appid(1))).toMatchObject({ status: 'authorized', refreshToken: token(1), funcs: [], eventCreateTime: SECONDS - 3600, updatedAt: NOW.getTime() });
    expect(t.authorizers.get(appid(2))).toMatchObject({ status: 'authorized', problem: null, refreshToken: token(2) });
    expect(t.authorizers.get(appid(3))).toMatchObject({ status: 'authorized', refreshToken: token(3, 'stored'), syncedAt: DAY_AGO });
    for (const n of [4, 5]) expect(t.authorizers.get(appid(n))).toMatchObject({ status: 'revoked', problem: null, eventCreateTime: SECONDS });
    expect(t.authorizers.get(appid(6))?.updatedAt).toBe(DAY_AGO);
    expect(t.logs).toEqual([expect.objectContaining({ event: 'authorizers_reconciled', level: 'info', added: 1, refreshed: 1, revoked: 2 })]);
  });

  test('never a refresh token in the log line or the summary', async () => {
    const t = setup([entry(1), entry(2)]);
    t.put(2, { status: 'needs_reauth', problem: 61023 });
    t.put(3);
    const summary = await reconcileAuthorizers(t.options);
    expect(summary.added + summary.refreshed + summary.revoked).toBe(3);
    const text = JSON.stringify([summary, t.logs]);
    expect(text).not.toMatch(/refreshtoken@@@/);
  });

  test('a page that fails: what was read is added, nothing is revoked, and the result says so', async () => {
    const entries = Array.from({ length: 600 }, (_, index) => entry(index + 1));
    const t = setup(entries);
    t.put(1000);
    t.wechat.control.failAt = 500;
    const summary = await reconcileAuthorizers(t.options);
    expect(summary).toMatchObject({ listed: 500, added: 500, revoked: 0, complete: false, incomplete: expect.stringMatching(/not read to its end.*-1/) });
    expect(t.authorizers.get(appid(1000))?.status).toBe('authorized');
    expect(t.authorizers.has(appid(501))).toBe(false);
    expect(t.logs[0]).toMatchObject({ level: 'warn', complete: false });
  });

  test('a list that changed while it was read (total_count moved) revokes nothing', async () => {
    const entries = Array.from({ length: 501 }, (_, index) => entry(index + 1));
    const t = setup(entries);
    t.put(2000);
    t.wechat.control.beforePage = (offset) => {
      if (offset === 500) entries.splice(0, 1); // a revocation between pages shifts the offsets
    };
    const summary = await reconcileAuthorizers(t.options);
    expect(summary).toMatchObject({ complete: false, revoked: 0 });
    expect(t.authorizers.get(appid(2000))?.status).toBe('authorized');
  });

  test('a push newer than the list wins: stored during the listing, or between the read and the write', async () => {
    const t = setup([entry(1), entry(2), entry(3, SECONDS - 7200)]);
    t.put(2, { status: 'needs_reauth', problem: 61023 });
    t.put(3, { status: 'revoked', eventCreateTime: SECONDS - 60 }); // revoked after its listed auth_time
    t.put(4);
    t.put(5);
    // While WeChat's list is read, 4 authorises again (a push the list does not show), 5's token is rotated.
    t.wechat.control.beforePage = () => {
      t.authorizers.set(appid(4), { ...t.authorizers.get(appid(4))!, refreshToken: token(4, 'pushed'), updatedAt: NOW.getTime(), eventCreateTime: SECONDS - 5 });
      t.authorizers.set(appid(5), { ...t.authorizers.get(appid(5))!, refreshToken: token(5, 'rotated'), updatedAt: NOW.getTime() - 1000 });
    };
    // Between the store's read and the reconciliation's write: 1's authorized push, 2's unauthorized push.
    t.control.beforeWrite = (id) => {
      if (id === appid(1) && !t.authorizers.has(id)) {
        t.authorizers.set(id, { authorizerAppid: id, refreshToken: token(1, 'pushed'), funcs: [18], status: 'authorized', problem: null, updatedAt: NOW.getTime(), eventCreateTime: SECONDS - 10 });
      }
      if (id === appid(2)) void t.state.revokeAuthorizer(id, SECONDS - 1, NOW.getTime());
    };
    const summary = await reconcileAuthorizers(t.options);
    expect(t.authorizers.get(appid(1))).toMatchObject({ refreshToken: token(1, 'pushed'), funcs: [18], eventCreateTime: SECONDS - 10 });
    expect(t.authorizers.get(appid(2))).toMatchObject({ status: 'revoked', refreshToken: token(2, 'stored') });
    expect(t.authorizers.get(appid(3))?.status).toBe('revoked');
    expect(t.authorizers.get(appid(4))).toMatchObject({ status: 'authorized', refreshToken: token(4, 'pushed') });
    // 1 and 2 lost to their pushes; 3 was revoked by a later event than its auth_time (no write).
    expect(t.authorizers.get(appid(5))).toMatchObject({ status: 'authorized', refreshToken: token(5, 'rotated') });
    expect(summary).toMatchObject({ added: 0, refreshed: 0, revoked: 0, superseded: 3, keptAsRecent: 2, complete: true });
  });

  test('the revocation is a compare-and-set: a push between the read and the write keeps the authorizer', async () => {
    const t = setup([entry(1)]);
    t.put(2);
    t.control.beforeWrite = (id) => {
      const current = t.authorizers.get(id);
      if (id === appid(2) && current?.eventCreateTime !== SECONDS) t.authorizers.set(id, { ...current!, updatedAt: NOW.getTime(), eventCreateTime: SECONDS });
    };
    const summary = await reconcileAuthorizers(t.options);
    expect(t.authorizers.get(appid(2))?.status).toBe('authorized');
    expect(summary).toMatchObject({ revoked: 0, superseded: 1 });
  });

  test('the budget: a page still pending at the deadline is cut, nothing is revoked, no call outlives it', async () => {
    const started = Date.now();
    const budget = createTimeBudget({ getRemainingTimeInMillis: () => REPLY_MARGIN_MS + 150 }, started, Date.now);
    const t = setup([entry(1)], budget);
    t.put(2);
    t.wechat.control.delayMs = 5000;
    try {
      const summary = await reconcileAuthorizers(t.options);
      expect(Date.now() - started).toBeLessThan(1000);
      expect(summary).toMatchObject({ complete: false, revoked: 0, listed: 0, incomplete: expect.stringMatching(/not read to its end/) });
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(t.wechat.control.sawAbort).toBe(true);
      expect(t.control.writes).toBe(0);
    } finally {
      budget.end();
    }
  });
});

describe('reconcileIfDue', () => {
  test('once per China-time day, stamped after a complete run; the next China day runs again', async () => {
    const t = setup([entry(1)]);
    expect(await reconcileIfDue(t.options)).toMatchObject({ ran: true, stamped: true, summary: { added: 1 } });
    expect(t.control.reconciledAt).toBe(NOW.getTime());
    t.setNow(new Date('2024-06-15T15:59:00Z')); // 23:59 in China, same day
    expect(await reconcileIfDue(t.options)).toEqual({ ran: false, reconciledAt: NOW.getTime() });
    expect(t.wechat.control.calls).toBe(1);
    t.setNow(new Date('2024-06-15T16:00:00Z')); // 00:00 on the 16th in China
    expect(await reconcileIfDue(t.options)).toMatchObject({ ran: true, stamped: true });
    expect(t.wechat.control.calls).toBe(2);
  });

  test('an admin can force it; an incomplete run is not stamped and runs again', async () => {
    const t = setup([entry(1)]);
    t.control.reconciledAt = NOW.getTime() - 60_000;
    expect(await reconcileIfDue(t.options)).toMatchObject({ ran: false });
    t.wechat.control.failAt = 0;
    expect(await reconcileIfDue({ ...t.options, force: true })).toMatchObject({ ran: true, stamped: false, summary: { complete: false } });
    expect(t.control.reconciledAt).toBe(NOW.getTime() - 60_000);
    t.wechat.control.failAt = undefined;
    expect(await reconcileIfDue({ ...t.options, force: true })).toMatchObject({ ran: true, stamped: true });
  });

  test('a database failure reading the stamp is an error, not "never reconciled"', async () => {
    const t = setup([entry(1)]);
    t.control.failStampRead = true;
    await expect(reconcileIfDue(t.options)).rejects.toMatchObject({ errCode: -502001 });
    expect(t.wechat.control.calls).toBe(0);
  });
});

describe('readAuthorizerList: checks what WeChat answers', () => {
  test('pages 500 at a time; entries without a valid AppID or refresh token are left out and counted', async () => {
    const entries: Array<Record<string, unknown>> = Array.from({ length: 1100 }, (_, index) => entry(index + 1));
    entries[3] = { authorizer_appid: 'not-an-appid', refresh_token: 'x', auth_time: 1 };
    entries[700] = { authorizer_appid: appid(701), refresh_token: '', auth_time: 1 };
    const offsets: number[] = [];
    const list = await readAuthorizerList(async ({ offset, count }) => {
      offsets.push(offset);
      expect(count).toBe(500);
      return { total_count: entries.length, list: entries.slice(offset, offset + count) };
    });
    expect(offsets).toEqual([0, 500, 1000]);
    expect(list).toMatchObject({ totalCount: 1100, unreadableEntries: 2, unreadableAppids: [appid(701)], consistent: false });
    expect(list.entries).toHaveLength(1098);
  });

  test('a page that is not the documented shape is an error, never a shorter list', async () => {
    const pages = [{ total_count: 600, list: Array.from({ length: 500 }, (_, index) => entry(index + 1)) }, { total_count: 600, items: [] }];
    await expect(readAuthorizerList(async ({ offset }) => pages[offset / 500] ?? {})).rejects.toMatchObject({ errCode: HTTPS_BAD_BODY });
  });
});
