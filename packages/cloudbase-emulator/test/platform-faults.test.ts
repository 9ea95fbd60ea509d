import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import path from 'path';
import { functionEnvironment, MONTHLY_RETAIN_API, startEmulator, type Emulator } from '../src';

// The platform's failures as the unmodified wx-server-sdk 4.0.2 raises them in a function.
type WxServerSdk = typeof import('wx-server-sdk');
interface SdkFailure {
  errCode: unknown;
  errMsg: unknown;
  name?: unknown;
}

const ENV_KEYS = ['TCB_CONTEXT_CNFG', 'TENCENTCLOUD_SECRETID', 'TENCENTCLOUD_SECRETKEY', 'TCB_ENV', 'TENCENTCLOUD', 'SILENCE'] as const;
const savedEnv = new Map<string, string | undefined>(ENV_KEYS.map((key) => [key, process.env[key]]));
const COLLECTION = 'analytics_monthly';
const OTHER = 'leases';

let workDir: string;
let emulator: Emulator;
let cloud: WxServerSdk;
type Db = ReturnType<WxServerSdk['database']>;
let db: Db;

/** The SDK's typings give some calls `string | void | Promise`: each here is the promise. */
async function failure(call: unknown): Promise<SdkFailure> {
  try {
    await (call as Promise<unknown>);
  } catch (error) {
    return error as SdkFailure;
  }
  throw new Error('expected the SDK call to fail');
}

beforeAll(async () => {
  workDir = mkdtempSync(path.join(tmpdir(), 'emulator-platform-faults-'));
  mkdirSync(path.join(workDir, 'archive'), { recursive: true });
  writeFileSync(path.join(workDir, 'archive', 'config.json'), JSON.stringify({ permissions: { openapi: [MONTHLY_RETAIN_API] } }));
  emulator = await startEmulator({ functionsRoot: workDir, now: () => new Date('2024-05-15T04:00:00Z') });
  // SILENCE: node-sdk's "longer than 3s" timer is not cleared when a request fails (a dropped one): no late log.
  Object.assign(process.env, functionEnvironment(emulator, 'archive'), { SILENCE: 'true' });
  cloud = require('wx-server-sdk') as WxServerSdk;
  cloud.init({ env: cloud.DYNAMIC_CURRENT_ENV as unknown as string });
  db = cloud.database();
});

beforeEach(() => {
  emulator.faults.clear();
  emulator.database.clear();
  emulator.database.createCollection(COLLECTION);
  emulator.database.createCollection(OTHER);
});

afterAll(async () => {
  await emulator.close();
  rmSync(workDir, { recursive: true, force: true });
  for (const [key, value] of savedEnv) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
});

const stored = (): unknown[] => emulator.database.documents(COLLECTION).filter((document) => (document as { _id?: unknown })._id === '2024-03');

describe('database faults by action, collection and code', () => {
  test.each([
    [-501001, 'resource system error', 'SYS_ERR'],
    [-501002, 'resource server timeout', 'SERVER_TIMEOUT'],
    [-501003, 'exceed request limit', 'EXCEED_REQUEST_LIMIT'],
    [-501004, 'exceed concurrent request limit', 'EXCEED_CONCURRENT_REQUEST_LIMIT'],
    [-501009, 'resource not initialized', 'RESOURCE_NOT_INITIAL'],
    [-502001, 'database request fail', 'DATABASE_REQUEST_FAILED'],
    [-502002, 'database invalid command', 'DATABASE_INVALID_OPERRATOR'],
    [-502003, 'database permission denied', 'DATABASE_PERMISSION_DENIED'],
    [-502004, 'database exceed collection limit', 'DATABASE_COLLECTION_EXCEED_LIMIT'],
    [-502005, 'database collection not exists', 'DATABASE_COLLECTION_NOT_EXIST'],
  ])('code %d: the SDK raises it as errCode, with its text "%s" and the code %s', async (errcode, text, code) => {
    emulator.faults.failDatabase({ action: 'database.getDocument', errcode });
    const error = await failure(db.collection(COLLECTION).doc('2024-03').get());
    expect(error.errCode).toBe(errcode);
    expect(error.errMsg).toBe(`document.get:fail ${errcode} ${text}. injected CloudBase error ${code}`);
    // One request only: the next read answers (the document does not exist: the SDK's own error).
    await expect(db.collection(COLLECTION).where({ _id: '2024-03' }).get()).resolves.toMatchObject({ data: [] });
  });

  test('by action: a fault on insertDocument leaves reads alone; times counts down', async () => {
    emulator.faults.failDatabase({ action: 'insertDocument', errcode: -502001, times: 2 });
    await expect(db.collection(COLLECTION).get()).resolves.toMatchObject({ data: [] });
    expect((await failure(db.collection(COLLECTION).add({ data: { _id: '2024-03', v: 1 } }))).errCode).toBe(-502001);
    expect((await failure(db.collection(COLLECTION).add({ data: { _id: '2024-03', v: 1 } }))).errCode).toBe(-502001);
    await expect(db.collection(COLLECTION).add({ data: { _id: '2024-03', v: 1 } })).resolves.toMatchObject({ _id: '2024-03' });
    expect(emulator.faults.list().database.faults).toEqual([]);
  });

  test('after: the first matching requests pass, then the fault is taken', async () => {
    emulator.faults.failDatabase({ action: 'getDocument', errcode: -502001, after: 2 });
    await expect(db.collection(COLLECTION).get()).resolves.toMatchObject({ data: [] });
    await expect(db.collection(OTHER).count()).resolves.toMatchObject({ total: 0 }); // another action: not counted
    await expect(db.collection(COLLECTION).get()).resolves.toMatchObject({ data: [] });
    expect((await failure(db.collection(COLLECTION).get())).errCode).toBe(-502001);
    await expect(db.collection(COLLECTION).get()).resolves.toMatchObject({ data: [] });
  });

  test('delayMs: the fault answers late (a write that hangs, then drops)', async () => {
    emulator.faults.failDatabase({ action: 'insertDocument', reply: 'drop', delayMs: 300 });
    const started = Date.now();
    expect((await failure(db.collection(COLLECTION).add({ data: { _id: 'late', v: 1 } }))).errCode).toBe(-501001);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(emulator.database.documents(COLLECTION).filter((document) => document._id === 'late')).toHaveLength(0);
  });

  test('by collection: only requests on that collection fail', async () => {
    emulator.faults.failDatabase({ action: '*', collection: OTHER, errcode: -501004 });
    await expect(db.collection(COLLECTION).count()).resolves.toMatchObject({ total: 0 });
    expect((await failure(db.collection(OTHER).count())).errCode).toBe(-501004);
  });

  test('persistent: every matching request fails until cleared (a used-up quota)', async () => {
    const fault = emulator.faults.failDatabase({ errcode: -501003, persistent: true });
    expect(fault).toEqual({
      action: '*',
      collection: null,
      reply: 'fail',
      errcode: -501003,
      code: 'EXCEED_REQUEST_LIMIT',
      message: 'injected CloudBase error EXCEED_REQUEST_LIMIT',
      remaining: null,
      applied: false,
      after: 0,
      delayMs: 0,
    });
    for (let i = 0; i < 5; i += 1) expect((await failure(db.collection(COLLECTION).get())).errCode).toBe(-501003);
    expect((await failure(db.collection(OTHER).add({ data: { v: 1 } }))).errCode).toBe(-501003);
    expect(emulator.faults.list().database.faults).toHaveLength(1);
    emulator.faults.clear();
    await expect(db.collection(COLLECTION).get()).resolves.toMatchObject({ data: [] });
  });

  test('a failed write is not stored by default, and is stored with applied: true', async () => {
    emulator.faults.failDatabase({ action: 'modifyDocument', errcode: -502001 });
    expect((await failure(db.collection(COLLECTION).doc('2024-03').set({ data: { v: 1 } }))).errCode).toBe(-502001);
    expect(stored()).toEqual([]);

    emulator.faults.failDatabase({ action: 'modifyDocument', errcode: -502001, applied: true });
    expect((await failure(db.collection(COLLECTION).doc('2024-03').set({ data: { v: 2 } }))).errCode).toBe(-502001);
    expect(stored()).toEqual([{ _id: '2024-03', v: 2 }]);

    // A conditional update whose reply is lost: applied, but the caller never saw `updated: 1`.
    emulator.faults.failDatabase({ action: 'modifyDocument', reply: 'drop', applied: true });
    expect((await failure(db.collection(COLLECTION).where({ _id: '2024-03', v: 2 }).update({ data: { v: 3 } }))).errCode).toBe(-501001);
    expect(stored()).toEqual([{ _id: '2024-03', v: 3 }]);

    // An add with the fixed id whose reply failed after it was stored: the retry meets the stored document.
    emulator.faults.failDatabase({ action: 'insertDocument', errcode: -501002, applied: true });
    expect((await failure(db.collection(OTHER).add({ data: { _id: 'lease', owner: 'a' } }))).errCode).toBe(-501002);
    expect(emulator.database.documents(OTHER)).toEqual([{ _id: 'lease', owner: 'a' }]);
  });

  test('an empty body: the SDK raises a TypeError with errCode -1', async () => {
    emulator.faults.failDatabase({ reply: 'empty', times: 2 });
    const read = await failure(db.collection(COLLECTION).get());
    expect(read).toBeInstanceOf(TypeError);
    expect(read.errCode).toBe(-1);
    expect(read.errMsg).toBe("collection.get:fail Cannot read properties of undefined (reading 'code')");
    const write = await failure(db.collection(COLLECTION).doc('2024-03').set({ data: { v: 1 } }));
    expect(write.errMsg).toBe("document.set:fail Cannot read properties of undefined (reading 'code')");
    expect(stored()).toEqual([]);
  });

  test('a body that is not JSON: the SDK raises a SyntaxError with errCode -1', async () => {
    emulator.faults.failDatabase({ action: 'getDocument', reply: 'malformed' });
    const error = await failure(db.collection(COLLECTION).doc('2024-03').get());
    expect(error).toBeInstanceOf(SyntaxError);
    expect(error.errCode).toBe(-1);
    expect(error.errMsg).toMatch(/^document\.get:fail .*JSON/);
  });

  test('a dropped connection: errCode -501001 "socket hang up", and the SDK does not resend it', async () => {
    emulator.faults.failDatabase({ action: 'insertDocument', reply: 'drop', applied: true });
    const error = await failure(db.collection(OTHER).add({ data: { owner: 'b' } }));
    expect(error.errCode).toBe(-501001);
    expect(error.errMsg).toBe('collection.add:fail -501001 resource system error. socket hang up');
    expect(emulator.database.documents(OTHER)).toHaveLength(1);
  });

  test('latency per action, over the one for every database action', async () => {
    emulator.faults.databaseLatency(300, 'getDocument');
    let started = Date.now();
    await db.collection(COLLECTION).get();
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    started = Date.now();
    await db.collection(COLLECTION).count();
    expect(Date.now() - started).toBeLessThan(250);
    emulator.faults.databaseLatency(0, 'getDocument');
    emulator.faults.databaseLatency(300);
    started = Date.now();
    await db.collection(COLLECTION).count();
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(emulator.faults.list().database.latencies).toEqual([{ action: '*', ms: 300 }]);
  });

  test('specs it cannot take are refused with what is wrong', () => {
    expect(() => emulator.faults.failDatabase({ action: 'addDocument', errcode: -502001 })).toThrow(/unknown database action "addDocument".*add\(\) is insertDocument/);
    expect(() => emulator.faults.failDatabase({ errcode: 45009 })).toThrow(/CloudBase code/);
    expect(() => emulator.faults.failDatabase({ errcode: -504002 })).toThrow(/CloudBase code \(-501001/);
    expect(() => emulator.faults.failDatabase({})).toThrow(/CloudBase code/);
    expect(() => emulator.faults.failDatabase({ reply: 'drop', errcode: -502001 })).toThrow(/errcode goes with reply "fail"/);
    expect(() => emulator.faults.failDatabase({ action: 'getDocument', errcode: -502001, applied: true })).toThrow(/applied: true is for writes/);
    expect(() => emulator.faults.failDatabase({ errcode: -502001, times: 0 })).toThrow(/times must be a positive integer/);
    expect(() => emulator.faults.failDatabase({ errcode: -502001, after: -1 })).toThrow(/after must be a non-negative integer/);
    expect(() => emulator.faults.failDatabase({ errcode: -502001, delayMs: Number.NaN })).toThrow(/delayMs must be a non-negative number/);
    expect(() => emulator.faults.failDatabase({ errcode: -502001, colection: 'x' } as never)).toThrow(/unknown database fault field colection/);
    expect(() => emulator.faults.databaseLatency(10, 'nothing')).toThrow(/unknown database action/);
  });
});

describe('CloudBase gateway codes on cloud calls', () => {
  test.each([
    [-501003, 'exceed request limit'],
    [-501004, 'exceed concurrent request limit'],
    [-501001, 'resource system error'],
  ])('the open API answered %d as the gateway does: the SDK raises that errCode', async (errcode, text) => {
    emulator.faults.failNext(MONTHLY_RETAIN_API, errcode);
    const error = await failure(cloud.openapi.analysis.getMonthlyRetain({ beginDate: '20240301', endDate: '20240331' }));
    expect(error.errCode).toBe(errcode);
    expect(String(error.errMsg)).toContain(`${errcode} ${text}`);
    expect(emulator.calls.at(-1)).toMatchObject({ apiName: MONTHLY_RETAIN_API, errcode, fault: 'fail' });
  });

  test('failAlways: every cloud call fails until cleared', async () => {
    emulator.faults.failAlways('*', -501003);
    for (let i = 0; i < 3; i += 1) {
      expect((await failure(cloud.openapi.analysis.getMonthlyRetain({ beginDate: '20240301', endDate: '20240331' }))).errCode).toBe(-501003);
    }
    expect(emulator.faults.list().faults).toEqual([{ api: '*', kind: 'fail', errcode: -501003, remaining: null }]);
    emulator.faults.clear();
    await expect(cloud.openapi.analysis.getMonthlyRetain({ beginDate: '20240301', endDate: '20240331' })).resolves.toMatchObject({ errCode: 0 });
  });

  test('cloud.callFunction answered -501004: errCode -1, code EXCEED_CONCURRENT_REQUEST_LIMIT', async () => {
    emulator.faults.failAlways('invokeFunction', -501004);
    const error = (await failure(cloud.callFunction({ name: 'other', data: {} }))) as SdkFailure & { code?: unknown };
    expect(error.errCode).toBe(-1);
    expect(error.code).toBe('EXCEED_CONCURRENT_REQUEST_LIMIT');
    expect(error.errMsg).toBe('callFunction:fail injected CloudBase error EXCEED_CONCURRENT_REQUEST_LIMIT');
  });
});

test('list() shows what is scheduled, in order', () => {
  emulator.faults.failNext('getMonthlyRetain', 45009, 2);
  emulator.faults.dropNext('*');
  emulator.faults.latency(100, 'getMonthlyRetain');
  emulator.faults.failDatabase({ action: 'getDocument', collection: COLLECTION, errcode: -502001, times: 3 });
  emulator.faults.databaseLatency(50, 'database.modifyDocument');
  expect(emulator.faults.list()).toEqual({
    faults: [
      { api: MONTHLY_RETAIN_API, kind: 'fail', errcode: 45009, remaining: 2 },
      { api: '*', kind: 'drop', remaining: 1 },
    ],
    latencies: [{ api: MONTHLY_RETAIN_API, ms: 100 }],
    database: {
      faults: [
        {
          action: 'database.getDocument',
          collection: COLLECTION,
          reply: 'fail',
          errcode: -502001,
          code: 'DATABASE_REQUEST_FAILED',
          message: 'injected CloudBase error DATABASE_REQUEST_FAILED',
          remaining: 3,
          applied: false,
          after: 0,
          delayMs: 0,
        },
      ],
      latencies: [{ action: 'database.modifyDocument', ms: 50 }],
    },
  });
});
