import {
  EMULATOR_COMPONENT_AES_KEY,
  EMULATOR_COMPONENT_APPID,
  EMULATOR_COMPONENT_TOKEN,
  encryptMessage,
  signMessage,
  signRequest,
} from '@wx-monthly-analytics/cloudbase-emulator';
import { componentEnvironment } from '../../scripts/emulator-environment';
import { createComponentEventsHandler } from '../../src/open-platform/events/events-handler';
import type { CloudDatabase } from '../../src/platform/cloudbase/archive';
import { createCloudComponentState } from '../../src/open-platform/cloudbase/component-state';
import type { CloudSdk } from '../../src/platform/cloudbase/sdk';
import { isOlderPush, type ComponentApi } from '../../src/open-platform/wechat';

const TOKENS = 'wechat_tokens';
const AUTHORIZERS = 'wechat_authorizers';
const APPID = 'wxa000000000000001';
const TICKET_ID = `component_verify_ticket_${EMULATOR_COMPONENT_APPID}`;
const NOW = new Date('2024-06-15T02:00:00Z');
/** CreateTime `seconds` after NOW: Unix seconds. */
const t = (seconds: number) => Math.floor(NOW.getTime() / 1000) + seconds;

describe('isOlderPush: the ordering rule', () => {
  test.each([
    ['older than the stored push', 100, 200, true],
    ['the same CreateTime: not older (applied, as the later arrival)', 200, 200, false],
    ['newer', 300, 200, false],
    ['nothing stored, or a document from before pushes were ordered', 100, undefined, false],
    ['0 stored is still a time', 0, 1, true],
  ] as const)('%s', (_name, pushed, stored, older) => {
    expect(isOlderPush(pushed, stored)).toBe(older);
  });
});

type Doc = Record<string, unknown> & { _id: string };
interface Condition {
  op: 'in' | 'lt' | 'lte' | 'exists' | 'or';
  value: unknown;
}
const isCondition = (value: unknown): value is Condition => typeof value === 'object' && value !== null && 'op' in value;

function matches(value: unknown, condition: unknown): boolean {
  if (!isCondition(condition)) return value === condition;
  switch (condition.op) {
    case 'in':
      return (condition.value as unknown[]).includes(value);
    case 'lt':
      return typeof value === 'number' && value < (condition.value as number);
    case 'lte':
      return typeof value === 'number' && value <= (condition.value as number);
    case 'exists':
      return (value !== undefined) === condition.value;
    case 'or':
      return (condition.value as unknown[]).some((inner) => matches(value, inner));
  }
}

/**
 * The CloudBase database in a Map, with its query and update semantics for what the adapter uses: a
 * missing collection fails with -502005, `add` of an existing `_id` fails, `where().update()` merges
 * the fields into every matching document and counts them. `hooks` run another writer's change at a
 * given step, to interleave it with the adapter's.
 */
function memoryDatabase() {
  const collections = new Map<string, Map<string, Doc>>();
  const hooks: { beforeGet?: () => void; beforeAdd?: () => void } = {};
  const calls: string[] = [];
  const collectionOf = (name: string) => {
    const found = collections.get(name);
    if (!found) throw Object.assign(new Error('collection not exist'), { errCode: -502005 });
    return found;
  };
  const once = (name: 'beforeGet' | 'beforeAdd') => {
    const hook = hooks[name];
    delete hooks[name];
    hook?.();
  };
  const db: CloudDatabase = {
    command: {
      in: (value) => ({ op: 'in', value }),
      lt: (value) => ({ op: 'lt', value }),
      lte: (value) => ({ op: 'lte', value }),
      exists: (value) => ({ op: 'exists', value }),
      or: (...value) => ({ op: 'or', value }),
      set: (value) => ({ op: 'set', value }),
    },
    async createCollection(name) {
      if (collections.has(name)) throw new Error('collection exists');
      collections.set(name, new Map());
    },
    collection(name) {
      return {
        doc: (id) => ({
          async set({ data }) {
            calls.push('set');
            collectionOf(name).set(id, structuredClone({ ...data, _id: id }));
          },
        }),
        async add({ data }) {
          calls.push('add');
          once('beforeAdd');
          const documents = collectionOf(name);
          const id = String(data._id);
          if (documents.has(id)) throw Object.assign(new Error('E11000 duplicate key error collection: _id'), { errCode: -502001 });
          documents.set(id, structuredClone(data) as Doc);
        },
        where(query) {
          const selected = () => [...collectionOf(name).values()].filter((document) => Object.entries(query).every(([field, condition]) => matches(document[field], condition)));
          return {
            limit: (count) => ({
              async get() {
                calls.push('get');
                once('beforeGet');
                return { data: structuredClone(selected().slice(0, count)) };
              },
            }),
            async update({ data }) {
              calls.push('update');
              const documents = selected();
              for (const document of documents) Object.assign(document, structuredClone(data));
              return { stats: { updated: documents.length } };
            },
            async remove() {
              for (const document of selected()) collectionOf(name).delete(document._id);
            },
          };
        },
      };
    },
  };
  const put = (collection: string, document: Doc) => {
    if (!collections.has(collection)) collections.set(collection, new Map());
    collectionOf(collection).set(document._id, structuredClone(document));
  };
  const read = (collection: string, id: string) => collections.get(collection)?.get(id);
  return { db, hooks, calls, put, read };
}

const authorizer = (eventCreateTime: number | undefined, overrides: Partial<Doc> = {}): Doc => ({
  _id: APPID,
  kind: 'authorizer',
  authorizerAppid: APPID,
  refreshToken: 'refreshtoken@@@stored',
  funcs: [18],
  status: 'authorized',
  problem: null,
  updatedAt: NOW.getTime(),
  ...(eventCreateTime === undefined ? {} : { eventCreateTime }),
  ...overrides,
});
const granted = (eventCreateTime: number) => ({
  authorizerAppid: APPID,
  refreshToken: 'refreshtoken@@@granted',
  funcs: [18, 1],
  status: 'authorized' as const,
  problem: null,
  updatedAt: NOW.getTime() + 1,
  eventCreateTime,
});

describe('createCloudComponentState: writes ordered by CreateTime', () => {
  const setup = () => {
    const memory = memoryDatabase();
    return { ...memory, state: createCloudComponentState(memory.db, TOKENS, AUTHORIZERS) };
  };

  test('storeAuthorization creates a missing document (and its collection) with the push time', async () => {
    const { state, read } = setup();
    await expect(state.storeAuthorization(granted(t(100)))).resolves.toBe('stored');
    expect(read(AUTHORIZERS, APPID)).toEqual({ _id: APPID, kind: 'authorizer', ...granted(t(100)) });
    await expect(state.readAuthorizer(APPID)).resolves.toEqual(granted(t(100)));
  });

  test.each([
    ['a newer push replaces the stored one', t(300), 'stored'],
    ['a push of the same CreateTime replaces it (the later arrival)', t(200), 'stored'],
    ['an older push changes nothing', t(100), 'older'],
  ] as const)('storeAuthorization: %s', async (_name, pushedAt, expected) => {
    const { state, put, read } = setup();
    put(AUTHORIZERS, authorizer(t(200), { status: 'revoked' }));
    await expect(state.storeAuthorization(granted(pushedAt))).resolves.toBe(expected);
    expect(read(AUTHORIZERS, APPID)).toEqual(expected === 'stored' ? { _id: APPID, kind: 'authorizer', ...granted(pushedAt) } : authorizer(t(200), { status: 'revoked' }));
  });

  test('a document written before pushes were ordered (no eventCreateTime) counts as oldest', async () => {
    const { state, put, read } = setup();
    put(AUTHORIZERS, authorizer(undefined, { status: 'revoked', updatedAt: NOW.getTime() + 3_600_000 }));
    await expect(state.readAuthorizer(APPID)).resolves.not.toHaveProperty('eventCreateTime');
    await expect(state.storeAuthorization(granted(0))).resolves.toBe('stored');
    expect(read(AUTHORIZERS, APPID)).toMatchObject({ status: 'authorized', eventCreateTime: 0 });
  });

  test('revokeAuthorizer: a newer push revokes and keeps the rest of the record', async () => {
    const { state, put, read } = setup();
    put(AUTHORIZERS, authorizer(t(100), { funcs: [18, 1] }));
    await expect(state.revokeAuthorizer(APPID, t(200), NOW.getTime() + 5)).resolves.toBe('stored');
    expect(read(AUTHORIZERS, APPID)).toEqual(authorizer(t(200), { funcs: [18, 1], status: 'revoked', problem: null, updatedAt: NOW.getTime() + 5 }));
  });

  test('revokeAuthorizer: an older push changes nothing; an unknown authorizer is not written', async () => {
    const { state, put, read, calls } = setup();
    await expect(state.revokeAuthorizer(APPID, t(200), NOW.getTime())).resolves.toBe('unknown');
    expect(calls).not.toContain('add');
    put(AUTHORIZERS, authorizer(t(300)));
    await expect(state.revokeAuthorizer(APPID, t(200), NOW.getTime())).resolves.toBe('older');
    expect(read(AUTHORIZERS, APPID)).toEqual(authorizer(t(300)));
  });

  test('updateAuthorizer (a rotated refresh token, needs_reauth) changes only the record of the same push', async () => {
    const { state, put, read } = setup();
    put(AUTHORIZERS, { ...authorizer(t(100)), syncedAt: NOW.getTime() });
    const record = await state.readAuthorizer(APPID);
    if (!record) throw new Error('not stored');
    // Learnt under the push of t(100): stored, the rest (sync stamp included) kept.
    await expect(state.updateAuthorizer(record, { refreshToken: 'refreshtoken@@@rotated', updatedAt: NOW.getTime() + 1 })).resolves.toBe(true);
    expect(read(AUTHORIZERS, APPID)).toEqual({ ...authorizer(t(100)), syncedAt: NOW.getTime(), refreshToken: 'refreshtoken@@@rotated', updatedAt: NOW.getTime() + 1 });
    // A newer unauthorized arrives meanwhile: what was learnt under t(100) never overwrites it.
    await state.revokeAuthorizer(APPID, t(200), NOW.getTime() + 2);
    const revoked = read(AUTHORIZERS, APPID);
    await expect(state.updateAuthorizer(record, { status: 'needs_reauth', problem: 61023 })).resolves.toBe(false);
    expect(read(AUTHORIZERS, APPID)).toEqual(revoked);
    // A document from before pushes were ordered matches a record read without the field.
    put(AUTHORIZERS, authorizer(undefined));
    const old = await state.readAuthorizer(APPID);
    if (!old) throw new Error('not stored');
    await expect(state.updateAuthorizer(old, { status: 'needs_reauth', problem: 61003 })).resolves.toBe(true);
    expect(read(AUTHORIZERS, APPID)).toMatchObject({ status: 'needs_reauth', problem: 61003 });
  });

  test('writeTicket: an older ticket never replaces a newer one; createdAt is CreateTime in ms', async () => {
    const { state, read } = setup();
    await expect(state.writeTicket(EMULATOR_COMPONENT_APPID, 'ticket@@@200', t(200) * 1000)).resolves.toBe('stored');
    await expect(state.writeTicket(EMULATOR_COMPONENT_APPID, 'ticket@@@100', t(100) * 1000)).resolves.toBe('older');
    expect(read(TOKENS, TICKET_ID)).toEqual({ _id: TICKET_ID, kind: 'ticket', ticket: 'ticket@@@200', createdAt: t(200) * 1000 });
    await expect(state.writeTicket(EMULATOR_COMPONENT_APPID, 'ticket@@@300', t(300) * 1000)).resolves.toBe('stored');
    await expect(state.readTicket(EMULATOR_COMPONENT_APPID)).resolves.toEqual({ ticket: 'ticket@@@300', createdAt: t(300) * 1000 });
  });

  describe('concurrent pushes', () => {
    test('a newer push that adds the document first wins: the losing add compares with it', async () => {
      const { state, put, hooks, read, calls } = setup();
      put(AUTHORIZERS, { _id: 'other' });
      // Between this push's read (no document) and its add, a newer push adds the document.
      hooks.beforeAdd = () => put(AUTHORIZERS, authorizer(t(300), { status: 'revoked' }));
      await expect(state.storeAuthorization(granted(t(200)))).resolves.toBe('older');
      expect(read(AUTHORIZERS, APPID)).toEqual(authorizer(t(300), { status: 'revoked' }));
      expect(calls).toEqual(['update', 'get', 'add', 'update', 'get']);
    });

    test("an add that fails for the database's own reason fails the push: it is not taken for another push's document", async () => {
      const { state, put, hooks, read, calls } = setup();
      put(AUTHORIZERS, { _id: 'other' });
      hooks.beforeAdd = () => {
        throw Object.assign(new Error('database request fail'), { errCode: -502001 });
      };
      await expect(state.storeAuthorization(granted(t(200)))).rejects.toMatchObject({ errCode: -502001 });
      expect(read(AUTHORIZERS, APPID)).toBeUndefined();
      expect(calls).toEqual(['update', 'get', 'add']);
    });

    test('an older push that adds the document first is replaced in the next round', async () => {
      const { state, put, hooks, read } = setup();
      put(AUTHORIZERS, { _id: 'other' });
      hooks.beforeAdd = () => put(AUTHORIZERS, authorizer(t(100)));
      await expect(state.storeAuthorization(granted(t(200)))).resolves.toBe('stored');
      expect(read(AUTHORIZERS, APPID)).toEqual({ _id: APPID, kind: 'authorizer', ...granted(t(200)) });
    });

    test('a document that changes between the conditional update and the read is tried again', async () => {
      const { state, put, hooks, read, calls } = setup();
      put(AUTHORIZERS, authorizer(t(300)));
      // The update misses (300 is newer), then a writer that ignores the order puts a record without a time.
      hooks.beforeGet = () => put(AUTHORIZERS, authorizer(undefined));
      await expect(state.storeAuthorization(granted(t(200)))).resolves.toBe('stored');
      expect(read(AUTHORIZERS, APPID)).toMatchObject({ eventCreateTime: t(200) });
      expect(calls).toEqual(['update', 'get', 'update']);
    });
  });
});

describe('componentEvents: pushes out of order', () => {
  /** WeChat's push of `message`, encrypted and signed as the emulator's helpers do (no product code). */
  function push(message: string, createTime: number) {
    const encrypt = encryptMessage(message, EMULATOR_COMPONENT_AES_KEY, EMULATOR_COMPONENT_APPID);
    const timestamp = String(createTime);
    const nonce = '1590219412';
    const body = `<xml><AppId><![CDATA[${EMULATOR_COMPONENT_APPID}]]></AppId><Encrypt><![CDATA[${encrypt}]]></Encrypt></xml>`;
    return {
      path: '/wechat/component-events',
      httpMethod: 'POST',
      headers: { 'content-type': 'text/xml' },
      queryStringParameters: {
        signature: signRequest(EMULATOR_COMPONENT_TOKEN, timestamp, nonce),
        timestamp,
        nonce,
        encrypt_type: 'aes',
        msg_signature: signMessage(EMULATOR_COMPONENT_TOKEN, timestamp, nonce, encrypt),
      },
      body,
      isBase64Encoded: false,
    };
  }
  const head = (createTime: number, infoType: string) =>
    `<AppId>${EMULATOR_COMPONENT_APPID}</AppId><CreateTime>${createTime}</CreateTime><InfoType>${infoType}</InfoType>`;
  const authorizedPush = (createTime: number, code: string) =>
    push(
      `<xml>${head(createTime, 'authorized')}<AuthorizerAppid>${APPID}</AuthorizerAppid><AuthorizationCode>${code}</AuthorizationCode><AuthorizationCodeExpiredTime>${createTime + 600}</AuthorizationCodeExpiredTime></xml>`,
      createTime,
    );
  const unauthorizedPush = (createTime: number) => push(`<xml>${head(createTime, 'unauthorized')}<AuthorizerAppid>${APPID}</AuthorizerAppid></xml>`, createTime);
  const ticketPush = (createTime: number, ticket: string) =>
    push(`<xml>${head(createTime, 'component_verify_ticket')}<ComponentVerifyTicket>${ticket}</ComponentVerifyTicket></xml>`, createTime);

  function setup() {
    const memory = memoryDatabase();
    const codes: string[] = [];
    const api: ComponentApi = {
      async queryAuth(code) {
        codes.push(code);
        return { authorizerAppid: APPID, refreshToken: `refreshtoken@@@${code}`, funcs: [18] };
      },
    };
    const logs: Record<string, unknown>[] = [];
    const main = createComponentEventsHandler({
      cloud: {} as CloudSdk,
      env: componentEnvironment('http://127.0.0.1:9'),
      now: () => new Date(t(400) * 1000),
      log: (entry) => logs.push(entry),
      state: createCloudComponentState(memory.db, TOKENS, AUTHORIZERS),
      api,
    });
    return { ...memory, codes, logs, main };
  }

  test('an authorized older than the stored unauthorized: success, nothing changed, the code never exchanged, an info line', async () => {
    const { main, codes, logs, read } = setup();
    await expect(main(authorizedPush(t(100), 'code-100'))).resolves.toMatchObject({ statusCode: 200, body: 'success' });
    await expect(main(unauthorizedPush(t(200)))).resolves.toMatchObject({ statusCode: 200, body: 'success' });
    const revoked = read(AUTHORIZERS, APPID);
    expect(revoked).toMatchObject({ status: 'revoked', eventCreateTime: t(200) });

    await expect(main(authorizedPush(t(100), 'code-100'))).resolves.toMatchObject({ statusCode: 200, body: 'success' });
    expect(codes).toEqual(['code-100']);
    expect(read(AUTHORIZERS, APPID)).toEqual(revoked);
    expect(logs.at(-1)).toMatchObject({ level: 'info', infoType: 'authorized', authorizerAppid: APPID, result: 'older', status: 200 });
    expect(logs.at(-1)?.detail).toBe(`CreateTime ${t(100)} is older than the stored state's: nothing changed`);
  });

  test('an unauthorized older than the stored authorization changes nothing', async () => {
    const { main, logs, read } = setup();
    await main(authorizedPush(t(200), 'code-200'));
    await expect(main(unauthorizedPush(t(100)))).resolves.toMatchObject({ statusCode: 200, body: 'success' });
    expect(read(AUTHORIZERS, APPID)).toMatchObject({ status: 'authorized', eventCreateTime: t(200) });
    expect(logs.at(-1)).toMatchObject({ level: 'info', infoType: 'unauthorized', result: 'older' });
  });

  test('an authorized of the same CreateTime as the stored state is applied: its code is exchanged', async () => {
    const { main, codes, read } = setup();
    await main(unauthorizedPush(t(200)));
    await main(authorizedPush(t(200), 'code-a'));
    await main(unauthorizedPush(t(200)));
    await main(authorizedPush(t(200), 'code-b'));
    expect(codes).toEqual(['code-a', 'code-b']);
    expect(read(AUTHORIZERS, APPID)).toMatchObject({ status: 'authorized', refreshToken: 'refreshtoken@@@code-b', eventCreateTime: t(200) });
  });

  test('a newer authorized after unauthorized authorises again', async () => {
    const { main, read } = setup();
    await main(authorizedPush(t(100), 'code-100'));
    await main(unauthorizedPush(t(200)));
    await main(authorizedPush(t(300), 'code-300'));
    expect(read(AUTHORIZERS, APPID)).toMatchObject({ status: 'authorized', refreshToken: 'refreshtoken@@@code-300', eventCreateTime: t(300) });
  });

  test('an older ticket: success, the newer ticket stays, an info line', async () => {
    const { main, logs, read } = setup();
    await main(ticketPush(t(200), 'ticket@@@200'));
    await expect(main(ticketPush(t(100), 'ticket@@@100'))).resolves.toMatchObject({ statusCode: 200, body: 'success' });
    expect(read(TOKENS, TICKET_ID)).toMatchObject({ ticket: 'ticket@@@200', createdAt: t(200) * 1000 });
    expect(logs.at(-1)).toMatchObject({ level: 'info', infoType: 'component_verify_ticket', result: 'older' });
    expect(JSON.stringify(logs)).not.toContain('ticket@@@');
  });
});
