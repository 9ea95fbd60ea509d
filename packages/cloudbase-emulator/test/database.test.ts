import http from 'http';
import type { AddressInfo } from 'net';
import os from 'os';
import path from 'path';
import { mkdtemp, rm } from 'fs/promises';

import type * as WxServerSdk from 'wx-server-sdk';

import { DocumentStore, handleDatabaseAction } from '../src/database';

type Cloud = typeof WxServerSdk;
type Database = ReturnType<Cloud['database']>;
type QueryReference = ReturnType<ReturnType<Database['collection']>['where']>;

/**
 * What the cloud function runtime injects. TENCENTCLOUD_RUNENV=SCF (with its region and namespace)
 * also stops the SDK probing metadata.tencentyun.com before every request (slow DNS, open handles).
 */
const SDK_ENVIRONMENT = {
  TENCENTCLOUD_SECRETID: 'emulator-id',
  TENCENTCLOUD_SECRETKEY: 'emulator-key',
  TCB_ENV: 'emulator-env',
  SCF_NAMESPACE: 'emulator-env',
  TENCENTCLOUD_RUNENV: 'SCF',
  TENCENTCLOUD_REGION: 'ap-shanghai',
};
const COLLECTION_NOT_EXIST = -502005;
const HEX_ID = /^[0-9a-f]{32}$/;

let store = new DocumentStore();
let server: http.Server;
let db: Database;
const savedEnvironment = new Map(['TCB_CONTEXT_CNFG', ...Object.keys(SDK_ENVIRONMENT)].map((name) => [name, process.env[name]]));

/** wx-server-sdk types every call as `Promise<T> | void | string`; with promises in use it is a Promise. */
function sdk<T>(call: Promise<T> | void | string): Promise<T> {
  if (!(call instanceof Promise)) throw new Error('expected wx-server-sdk to return a promise');
  return call;
}

function startDatabaseServer(): Promise<http.Server> {
  const httpServer = http.createServer((request, response) => {
    let text = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => (text += chunk));
    request.on('end', () => {
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(text) as Record<string, unknown>;
      } catch {
        body = {};
      }
      const reply = handleDatabaseAction(store, body);
      response.writeHead(reply.status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(reply.json));
    });
  });
  return new Promise((resolve) => httpServer.listen(0, '127.0.0.1', () => resolve(httpServer)));
}

beforeAll(async () => {
  server = await startDatabaseServer();
  const { port } = server.address() as AddressInfo;
  Object.assign(process.env, SDK_ENVIRONMENT, { TCB_CONTEXT_CNFG: JSON.stringify({ URL: `http://127.0.0.1:${port}/functions/x` }) });
   
  const cloud = require('wx-server-sdk') as Cloud;
  cloud.init({ env: cloud.DYNAMIC_CURRENT_ENV as unknown as string });
  db = cloud.database();
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  for (const [name, value] of savedEnvironment) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

beforeEach(() => {
  store = new DocumentStore();
});

async function seedScores(): Promise<void> {
  await sdk(db.createCollection('scores'));
  const rows = [
    { name: 'ann', score: 90, team: 'red', profile: { city: 'Shanghai', level: 3 } },
    { name: 'bob', score: 75, team: 'blue', profile: { city: 'Beijing', level: 1 } },
    { name: 'cat', score: 75, team: 'red', profile: { city: 'Beijing', level: 2 }, captain: true },
    { name: 'dan', score: 60, team: 'green', profile: { city: 'Shenzhen', level: 2 } },
  ];
  for (const row of rows) await sdk(db.collection('scores').add({ data: row }));
}

async function namesOf(query: QueryReference): Promise<string[]> {
  const { data } = await sdk(query.get());
  return data.map((document) => String(document.name));
}

describe('collections', () => {
  it('creates a collection, and refuses to create it twice', async () => {
    await expect(sdk(db.createCollection('monthly'))).resolves.toMatchObject({ errMsg: 'createCollection:ok' });
    expect(store.collectionNames()).toEqual(['monthly']);
    // wx-server-sdk 4.0.2 does not map createCollection's error code: it always reports errCode -1.
    await expect(sdk(db.createCollection('monthly'))).rejects.toMatchObject({
      errCode: -1,
      errMsg: expect.stringMatching(/^createCollection:fail .*Table exist/),
    });
  });

  it('fails every read and write on a missing collection with -502005 and creates nothing', async () => {
    const missing = db.collection('missing');
    const calls = [
      () => sdk(missing.add({ data: { a: 1 } })),
      () => sdk(missing.doc('x').get()),
      () => sdk(missing.doc('x').set({ data: { a: 1 } })),
      () => sdk(missing.doc('x').update({ data: { a: 1 } })),
      () => sdk(missing.doc('x').remove()),
      () => sdk(missing.where({ a: 1 }).get()),
      () => sdk(missing.where({ a: 1 }).update({ data: { a: 2 } })),
      () => sdk(missing.where({ a: 1 }).remove()),
      () => sdk(missing.count()),
    ];
    for (const call of calls) {
      await expect(call()).rejects.toMatchObject({
        errCode: COLLECTION_NOT_EXIST,
        errMsg: expect.stringContaining('Db or Table not exist'),
      });
    }
    expect(store.collectionNames()).toEqual([]);
  });
});

describe('writing documents', () => {
  beforeEach(async () => {
    await sdk(db.createCollection('items'));
  });

  it('adds a document with a generated 32-hex _id and reads it back with its types', async () => {
    const when = new Date('2024-02-29T16:00:00.000Z');
    const before = Date.now();
    const added = await sdk(
      db.collection('items').add({
        data: { count: 3, ratio: 0.25, big: 2 ** 40, label: 'x', flag: false, none: null, when, stamp: db.serverDate(), tags: ['a', 'b'], nested: { deep: { n: 1 } } },
      }),
    );
    expect(added._id).toMatch(HEX_ID);

    const { data } = await sdk(db.collection('items').doc(String(added._id)).get());
    expect(data).toEqual({ _id: added._id, count: 3, ratio: 0.25, big: 2 ** 40, label: 'x', flag: false, none: null, when, stamp: expect.any(Date), tags: ['a', 'b'], nested: { deep: { n: 1 } } });
    expect(data.when).toBeInstanceOf(Date);
    expect((data.stamp as Date).getTime()).toBeGreaterThanOrEqual(before);
    expect(store.documents('items')[0]?.when).toEqual(when);
  });

  it('adds a batch of documents', async () => {
    const result = (await sdk(db.collection('items').add({ data: [{ n: 1 }, { n: 2 }] }))) as unknown as { _ids: string[] };
    expect(result._ids).toHaveLength(2);
    expect(store.documents('items').map((document) => document.n)).toEqual([1, 2]);
  });

  it('set() upserts, then replaces the whole document', async () => {
    const doc = db.collection('items').doc('2024-01');
    await expect(sdk(doc.set({ data: { a: 1, keep: { b: 2 } } }))).resolves.toMatchObject({ _id: '2024-01', stats: { updated: 0, created: 1 } });
    await expect(sdk(doc.set({ data: { c: 3 } }))).resolves.toMatchObject({ stats: { updated: 1, created: 0 } });
    expect(store.documents('items')).toEqual([{ _id: '2024-01', c: 3 }]);
  });

  it('concurrent upserts of the same _id leave one document', async () => {
    const doc = db.collection('items').doc('same');
    await Promise.all(Array.from({ length: 12 }, (_, index) => sdk(doc.set({ data: { index } }))));
    expect(store.documents('items')).toHaveLength(1);
    expect(store.documents('items')[0]).toMatchObject({ _id: 'same', index: expect.any(Number) });
  });

  it('update() merges nested objects and applies set/inc/remove/push and serverDate', async () => {
    const _ = db.command;
    const doc = db.collection('items').doc('u');
    await sdk(doc.set({ data: { hits: 1, profile: { city: 'Beijing', zip: '100000' }, old: true, box: { a: 1, b: 2 }, list: [1] } }));
    const before = Date.now();
    const result = await sdk(
      doc.update({
        data: { hits: _.inc(2), profile: { city: 'Shanghai' }, old: _.remove(), box: _.set({ c: 3 }), list: _.push([2, 3]), touched: db.serverDate() },
      }),
    );
    expect(result.stats.updated).toBe(1);
    const [stored] = store.documents('items');
    expect(stored).toEqual({ _id: 'u', hits: 3, profile: { city: 'Shanghai', zip: '100000' }, box: { c: 3 }, list: [1, 2, 3], touched: expect.any(Date) });
    expect((stored?.touched as Date).getTime()).toBeGreaterThanOrEqual(before);
  });

  it('update() applies the array and arithmetic commands', async () => {
    const _ = db.command;
    const doc = db.collection('items').doc('a');
    await sdk(doc.set({ data: { tags: ['x', 'y'], queue: [1, 2, 3], price: 10, low: 5, high: 5, oldName: 'v', marks: [1, 5, 9] } }));
    await sdk(
      doc.update({
        data: { tags: _.addToSet('y'), queue: _.shift(), price: _.mul(3), low: _.min(2), high: _.max(2), oldName: _.rename('newName'), marks: _.pull(_.gt(4)) },
      }),
    );
    await sdk(doc.update({ data: { tags: _.addToSet({ $each: ['z', 'x'] }), queue: _.unshift([0]) } }));
    expect(store.documents('items')[0]).toEqual({ _id: 'a', tags: ['x', 'y', 'z'], queue: [0, 2, 3], price: 30, low: 2, high: 5, newName: 'v', marks: [1] });
  });

  it('update() refuses $inc on a string and $push on a non-array, as CloudBase does, and changes nothing', async () => {
    const _ = db.command;
    const doc = db.collection('items').doc('typed');
    await sdk(doc.set({ data: { label: 'x', count: 1 } }));
    for (const data of [{ label: _.inc(1) }, { count: _.push([2]) }, { label: _.mul(2) }, { count: _.pull(1) }]) {
      await expect(sdk(doc.update({ data }))).rejects.toMatchObject({ errCode: -502001 });
    }
    expect(store.documents('items')).toEqual([{ _id: 'typed', label: 'x', count: 1 }]);
  });

  it('update() of a missing document or with unchanged values reports 0 updated', async () => {
    await expect(sdk(db.collection('items').doc('nobody').update({ data: { a: 1 } }))).resolves.toMatchObject({ stats: { updated: 0 } });
    await sdk(db.collection('items').doc('same').set({ data: { a: 1 } }));
    await expect(sdk(db.collection('items').doc('same').update({ data: { a: 1 } }))).resolves.toMatchObject({ stats: { updated: 0 } });
    expect(store.documents('items')).toHaveLength(1);
  });

  it('where().update() updates every match; where().remove() and doc().remove() delete', async () => {
    const _ = db.command;
    const items = db.collection('items');
    for (const n of [1, 2, 3, 4]) await sdk(items.doc(`d${n}`).set({ data: { n, parity: n % 2 } }));
    await expect(sdk(items.where({ parity: 0 }).update({ data: { even: true } }))).resolves.toMatchObject({ stats: { updated: 2 } });
    expect(store.documents('items').filter((document) => document.even === true).map((document) => document._id)).toEqual(['d2', 'd4']);

    await expect(sdk(items.doc('d1').remove())).resolves.toMatchObject({ stats: { removed: 1 } });
    await expect(sdk(items.doc('d1').remove())).resolves.toMatchObject({ stats: { removed: 0 } });
    await expect(sdk(items.where({ n: _.gte(3) }).remove())).resolves.toMatchObject({ stats: { removed: 2 } });
    expect(store.documents('items').map((document) => document._id)).toEqual(['d2']);
  });

  it('doc().get() of a missing document rejects as the SDK does', async () => {
    await expect(sdk(db.collection('items').doc('absent').get())).rejects.toMatchObject({ errMsg: expect.stringContaining('does not exist') });
  });
});

describe('querying', () => {
  beforeEach(seedScores);

  it('filters by equality and nested paths', async () => {
    const scores = db.collection('scores');
    expect(await namesOf(scores.where({ team: 'red' }))).toEqual(['ann', 'cat']);
    expect(await namesOf(scores.where({ 'profile.city': 'Beijing' }))).toEqual(['bob', 'cat']);
    expect(await namesOf(scores.where({ profile: { city: 'Beijing', level: 2 } }))).toEqual(['cat']);
  });

  it('supports db.command comparisons, in/nin, and/or, exists', async () => {
    const _ = db.command;
    const scores = db.collection('scores');
    expect(await namesOf(scores.where({ score: _.eq(75) }))).toEqual(['bob', 'cat']);
    expect(await namesOf(scores.where({ team: _.neq('red') }))).toEqual(['bob', 'dan']);
    expect(await namesOf(scores.where({ score: _.gt(75) }))).toEqual(['ann']);
    expect(await namesOf(scores.where({ score: _.gte(75) }))).toEqual(['ann', 'bob', 'cat']);
    expect(await namesOf(scores.where({ score: _.lt(75) }))).toEqual(['dan']);
    expect(await namesOf(scores.where({ score: _.lte(75) }))).toEqual(['bob', 'cat', 'dan']);
    expect(await namesOf(scores.where({ team: _.in(['blue', 'green']) }))).toEqual(['bob', 'dan']);
    expect(await namesOf(scores.where({ team: _.nin(['blue', 'green']) }))).toEqual(['ann', 'cat']);
    expect(await namesOf(scores.where({ score: _.gt(60).and(_.lt(90)) }))).toEqual(['bob', 'cat']);
    expect(await namesOf(scores.where(_.or([{ team: 'green' }, { 'profile.level': 3 }])))).toEqual(['ann', 'dan']);
    expect(await namesOf(scores.where(_.and([{ team: 'red' }, { score: _.lt(80) }])))).toEqual(['cat']);
    expect(await namesOf(scores.where({ captain: _.exists(true) }))).toEqual(['cat']);
    expect(await namesOf(scores.where({ captain: _.exists(false) }))).toEqual(['ann', 'bob', 'dan']);
  });

  it('matches regular expressions', async () => {
    const scores = db.collection('scores');
    expect(await namesOf(scores.where({ 'profile.city': /^sh/i }))).toEqual(['ann', 'dan']);
    expect(await namesOf(scores.where({ name: db.RegExp({ regexp: 'a', options: '' }) }))).toEqual(['ann', 'cat', 'dan']);
  });

  it('orders by several fields, skips, limits and projects', async () => {
    const scores = db.collection('scores');
    const ordered = scores.where({}).orderBy('score', 'desc').orderBy('name', 'desc');
    expect(await namesOf(ordered)).toEqual(['ann', 'cat', 'bob', 'dan']);
    expect(await namesOf(ordered.skip(1).limit(2))).toEqual(['cat', 'bob']);

    const { data } = await sdk(scores.where({ name: 'ann' }).field({ name: true, 'profile.city': true }).get());
    expect(data).toEqual([{ _id: expect.stringMatching(HEX_ID), name: 'ann', profile: { city: 'Shanghai' } }]);
    const { data: without } = await sdk(scores.where({ name: 'ann' }).field({ profile: false, _id: false }).get());
    expect(without).toEqual([{ name: 'ann', score: 90, team: 'red' }]);
  });

  it('counts matches', async () => {
    const _ = db.command;
    await expect(sdk(db.collection('scores').count())).resolves.toMatchObject({ total: 4 });
    await expect(sdk(db.collection('scores').where({ score: _.lt(80) }).count())).resolves.toMatchObject({ total: 3 });
  });

  it('compares dates', async () => {
    const _ = db.command;
    const events = db.collection('scores');
    await sdk(events.doc('early').set({ data: { name: 'early', at: new Date('2024-01-01T00:00:00Z') } }));
    await sdk(events.doc('late').set({ data: { name: 'late', at: new Date('2024-06-01T00:00:00Z') } }));
    expect(await namesOf(events.where({ at: _.gt(new Date('2024-03-01T00:00:00Z')) }))).toEqual(['late']);
  });
});

describe('page size', () => {
  it('serves 100 documents by default and at most 1000', async () => {
    await sdk(db.createCollection('many'));
    const rows = Array.from({ length: 1005 }, (_, n) => JSON.stringify({ n }));
    handleDatabaseAction(store, { action: 'database.insertDocument', collectionName: 'many', data: rows });
    expect((await sdk(db.collection('many').get())).data).toHaveLength(100);
    expect((await sdk(db.collection('many').skip(1000).limit(10).get())).data).toHaveLength(5);

    const listLength = (body: Record<string, unknown>): number => {
      const reply = handleDatabaseAction(store, { action: 'database.getDocument', collectionName: 'many', ...body });
      return (reply.json as { data: { list: unknown[] } }).data.list.length;
    };
    expect(listLength({})).toBe(100);
    expect(listLength({ limit: 5000 })).toBe(1000);
  });
});

describe('malformed requests', () => {
  it('answers unknown actions and bad bodies with an error reply, and the SDK throws it', async () => {
    await sdk(db.createCollection('c'));
    const replies = [
      handleDatabaseAction(store, { action: 'database.dropEverything', collectionName: 'c' }),
      handleDatabaseAction(store, { action: 'database.getDocument' }),
      handleDatabaseAction(store, { action: 'database.getDocument', collectionName: 'c', query: '{not json' }),
      handleDatabaseAction(store, { action: 'database.getDocument', collectionName: 'c', query: '{"a":{"$near":1}}' }),
      handleDatabaseAction(store, { action: 'database.modifyDocument', collectionName: 'c', query: '{}' }),
      handleDatabaseAction(store, null as unknown as Record<string, unknown>),
    ];
    for (const reply of replies) {
      expect(reply.status).toBe(200);
      expect(reply.json).toEqual({ code: expect.any(String), message: expect.any(String), requestId: expect.any(String) });
    }
    await expect(db.startTransaction()).rejects.toThrow();
  });
});

describe('persistence', () => {
  let directory: string;

  beforeEach(async () => {
    directory = await mkdtemp(path.join(os.tmpdir(), 'emulator-db-'));
  });

  afterEach(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('round-trips collections, documents and dates through a file', async () => {
    await sdk(db.createCollection('archive'));
    await sdk(db.createCollection('empty'));
    const when = new Date('2023-12-31T16:00:00.000Z');
    await sdk(db.collection('archive').doc('2023-12').set({ data: { when, value: 1.5, rows: [{ n: 1 }] } }));
    const file = path.join(directory, 'nested', 'db.json');

    await store.saveTo(file);
    const loaded = await DocumentStore.fromFile(file);

    expect(loaded.collectionNames()).toEqual(['archive', 'empty']);
    expect(loaded.documents('archive')).toEqual(store.documents('archive'));
    expect(loaded.documents('archive')[0]?.when).toBeInstanceOf(Date);
  });

  it('starts empty when the file does not exist', async () => {
    const loaded = await DocumentStore.fromFile(path.join(directory, 'absent.json'));
    expect(loaded.collectionNames()).toEqual([]);
  });
});
