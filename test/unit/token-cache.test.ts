import { AnalyticsError } from '../../src/errors';
import { SharedTokenCache, TokenRecord, TokenSource, TokenStore } from '../../src/wechat/https/token-cache';

/** One shared record per id in a Map, with the store's compare-and-set rules. */
function memoryTokenStore() {
  const records = new Map<string, TokenRecord>();
  const store: TokenStore = {
    async read(id) {
      const record = records.get(id);
      return record && { ...record };
    },
    async acquireLease(id, holder, until, now, seenToken) {
      const record = records.get(id);
      if (!record) {
        if (seenToken !== null) return false;
        records.set(id, { token: null, expiresAt: 0, leaseHolder: holder, leaseUntil: until, failure: null });
        return true;
      }
      if (record.token !== seenToken || record.leaseUntil >= now) return false;
      records.set(id, { ...record, leaseHolder: holder, leaseUntil: until });
      return true;
    },
    async complete(id, holder, update) {
      const record = records.get(id);
      if (!record || record.leaseHolder !== holder) return;
      records.set(id, { ...record, ...('token' in update ? { ...update, failure: null } : update), leaseHolder: null, leaseUntil: 0 });
    },
    async release(id, holder) {
      const record = records.get(id);
      if (record?.leaseHolder === holder) records.set(id, { ...record, leaseHolder: null, leaseUntil: 0 });
    },
  };
  return { store, records };
}

function countingSource(expiresInSeconds = 7200, delayMs = 20) {
  const state = { fetches: 0, fail: undefined as AnalyticsError | Error | undefined };
  const source: TokenSource = {
    async fetch() {
      state.fetches += 1;
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      if (state.fail) throw state.fail;
      return { token: `token-${state.fetches}`, expiresInSeconds };
    },
  };
  return { source, state };
}

let clock = Date.parse('2024-06-15T02:00:00Z');
const options = (holder: string) => ({
  now: () => clock,
  sleep: (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
  holder,
  pollMs: 5,
});

beforeEach(() => {
  clock = Date.parse('2024-06-15T02:00:00Z');
});

describe('SharedTokenCache', () => {
  test('20 concurrent calls in one instance make one token request', async () => {
    const { store } = memoryTokenStore();
    const { source, state } = countingSource();
    const cache = new SharedTokenCache('access_token_wx1', store, source, options('a'));
    const tokens = await Promise.all(Array.from({ length: 20 }, () => cache.get()));
    expect(new Set(tokens)).toEqual(new Set(['token-1']));
    expect(state.fetches).toBe(1);
  });

  test('20 cold instances sharing the store make one token request', async () => {
    const { store } = memoryTokenStore();
    const { source, state } = countingSource();
    const caches = Array.from({ length: 20 }, (_, index) => new SharedTokenCache('access_token_wx1', store, source, options(`i${index}`)));
    const tokens = await Promise.all(caches.map((cache) => cache.get()));
    expect(new Set(tokens)).toEqual(new Set(['token-1']));
    expect(state.fetches).toBe(1);
  });

  test('a token is used until a minute before its expiry; expires_in 300 does not mean a request per call', async () => {
    const { store } = memoryTokenStore();
    const { source, state } = countingSource(300, 1);
    const cache = new SharedTokenCache('id', store, source, options('a'));
    await cache.get();
    clock += 239_000;
    await cache.get();
    expect(state.fetches).toBe(1);
    clock += 2_000;
    await cache.get();
    expect(state.fetches).toBe(2);
  });

  test('after a refused token, another instance uses the token already refreshed instead of fetching', async () => {
    const { store } = memoryTokenStore();
    const { source, state } = countingSource();
    const a = new SharedTokenCache('id', store, source, options('a'));
    const b = new SharedTokenCache('id', store, source, options('b'));
    const first = await a.get();
    expect(await b.get()).toBe(first);
    const refreshed = await a.refreshAfter(first);
    expect(refreshed).toBe('token-2');
    expect(await b.refreshAfter(first)).toBe('token-2');
    expect(state.fetches).toBe(2);
  });

  test('a credential error is remembered for a minute, in this instance and in the shared record', async () => {
    const { store, records } = memoryTokenStore();
    const { source, state } = countingSource();
    state.fail = new AnalyticsError('CONFIGURATION_ERROR', 'wrong secret', { wxErrCode: 40125 });
    const a = new SharedTokenCache('id', store, source, options('a'));
    await expect(a.get()).rejects.toMatchObject({ code: 'CONFIGURATION_ERROR', wxErrCode: 40125 });
    await expect(a.get()).rejects.toMatchObject({ code: 'CONFIGURATION_ERROR' });
    const fresh = new SharedTokenCache('id', store, source, options('b'));
    await expect(fresh.get()).rejects.toMatchObject({ code: 'CONFIGURATION_ERROR', message: 'wrong secret' });
    expect(state.fetches).toBe(1);
    expect(JSON.stringify([...records.values()])).not.toMatch(/secret-value/);
    clock += 61_000;
    state.fail = undefined;
    expect(await fresh.get()).toBe('token-2');
  });

  test('a transient failure is not remembered, and the lease is given back', async () => {
    const { store, records } = memoryTokenStore();
    const { source, state } = countingSource();
    state.fail = new Error('connection reset');
    const cache = new SharedTokenCache('id', store, source, options('a'));
    await expect(cache.get()).rejects.toThrow('connection reset');
    expect(records.get('id')?.leaseHolder).toBeNull();
    state.fail = undefined;
    expect(await cache.get()).toBe('token-2');
  });

  test('a crashed lease holder blocks the others no longer than its lease', async () => {
    const { store } = memoryTokenStore();
    const { source, state } = countingSource();
    await store.acquireLease('id', 'crashed', clock + 2000, clock, null);
    const cache = new SharedTokenCache('id', store, source, options('a'));
    const waiting = cache.get();
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(state.fetches).toBe(0);
    clock += 2001;
    expect(await waiting).toBe('token-1');
  });

  test('a wait for another instance ends at the deadline', async () => {
    const { store } = memoryTokenStore();
    const { source } = countingSource();
    await store.acquireLease('id', 'other', clock + 60_000, clock, null);
    const cache = new SharedTokenCache('id', store, source, options('a'));
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('deadline')), 30);
    await expect(cache.get(controller.signal)).rejects.toThrow('deadline');
  });
});
