import { mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import path from 'path';
import { functionEnvironment, parseDatabaseFaultSpec, parseLatencySpec, parseReplyFaultSpec, startEmulator, type Emulator } from '../src';

// POST/GET/DELETE /control/faults with every kind of fault, seen through the unmodified wx-server-sdk.
type WxServerSdk = typeof import('wx-server-sdk');

const ENV_KEYS = ['TCB_CONTEXT_CNFG', 'TENCENTCLOUD_SECRETID', 'TENCENTCLOUD_SECRETKEY', 'TCB_ENV', 'TENCENTCLOUD', 'SILENCE'] as const;
const savedEnv = new Map<string, string | undefined>(ENV_KEYS.map((key) => [key, process.env[key]]));

let workDir: string;
let emulator: Emulator;
let cloud: WxServerSdk;

async function control(method: string, body?: unknown): Promise<{ status: number; json: any }> {
  const response = await fetch(`${emulator.url}/control/faults`, {
    method,
    ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
  });
  return { status: response.status, json: await response.json() };
}

async function errCodeOf(call: unknown): Promise<unknown> {
  try {
    await (call as Promise<unknown>);
  } catch (error) {
    return (error as { errCode: unknown }).errCode;
  }
  return 0;
}

beforeAll(async () => {
  workDir = mkdtempSync(path.join(tmpdir(), 'emulator-faults-control-'));
  emulator = await startEmulator({ functionsRoot: workDir, control: true, now: () => new Date('2024-05-15T04:00:00Z') });
  Object.assign(process.env, functionEnvironment(emulator, 'archive'), { SILENCE: 'true' });
  cloud = require('wx-server-sdk') as WxServerSdk;
  cloud.init({ env: cloud.DYNAMIC_CURRENT_ENV as unknown as string });
  emulator.database.createCollection('monthly');
});

afterEach(() => emulator.faults.clear());

afterAll(async () => {
  await emulator.close();
  rmSync(workDir, { recursive: true, force: true });
  for (const [key, value] of savedEnv) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
});

describe('POST /control/faults', () => {
  test('a database fault by action, collection and code; GET lists it; DELETE clears it', async () => {
    const scheduled = await control('POST', { action: 'getDocument', collection: 'monthly', errcode: -502001, times: 2 });
    expect(scheduled).toEqual({
      status: 200,
      json: {
        ok: true,
        database: {
          action: 'database.getDocument',
          collection: 'monthly',
          reply: 'fail',
          errcode: -502001,
          code: 'DATABASE_REQUEST_FAILED',
          message: 'injected CloudBase error DATABASE_REQUEST_FAILED',
          remaining: 2,
          applied: false,
          after: 0,
          delayMs: 0,
        },
      },
    });
    const db = cloud.database();
    expect(await errCodeOf(db.collection('monthly').get())).toBe(-502001);
    expect((await control('GET')).json.database.faults).toMatchObject([{ action: 'database.getDocument', remaining: 1 }]);
    expect(await control('DELETE')).toEqual({ status: 200, json: { ok: true } });
    expect(await errCodeOf(db.collection('monthly').get())).toBe(0);
    expect((await control('GET')).json).toEqual({ faults: [], latencies: [], database: { faults: [], latencies: [] } });
  });

  test('persistent, applied, and the empty, malformed and dropped replies', async () => {
    const db = cloud.database();
    await control('POST', { action: '*', errcode: -501003, persistent: true });
    expect(await errCodeOf(db.collection('monthly').count())).toBe(-501003);
    expect(await errCodeOf(db.collection('monthly').count())).toBe(-501003);
    await control('DELETE');

    await control('POST', { action: 'database.insertDocument', reply: 'drop', applied: true });
    expect(await errCodeOf(db.collection('monthly').add({ data: { _id: 'x' } }))).toBe(-501001);
    expect(emulator.database.documents('monthly')).toEqual([{ _id: 'x' }]);

    await control('POST', { action: 'getDocument', reply: 'empty' });
    await control('POST', { action: 'getDocument', reply: 'malformed' });
    expect(await errCodeOf(db.collection('monthly').get())).toBe(-1);
    expect(await errCodeOf(db.collection('monthly').get())).toBe(-1);
    expect(await errCodeOf(db.collection('monthly').get())).toBe(0);
  });

  test('open-API faults: persistent gateway codes, malformed and dropped replies, latency', async () => {
    const retain = () => cloud.openapi.analysis.getMonthlyRetain({ beginDate: '20240301', endDate: '20240331' });
    expect(await control('POST', { api: '*', errcode: -501004, persistent: true })).toEqual({
      status: 200,
      json: { ok: true, fault: { apiName: '*', errcode: -501004, times: 'always' } },
    });
    expect(await errCodeOf(retain())).toBe(-501004);
    expect(await errCodeOf(retain())).toBe(-501004);
    await control('DELETE');
    expect(await control('POST', { api: 'getMonthlyRetain', reply: 'drop' })).toMatchObject({ status: 200, json: { fault: { kind: 'drop', times: 1 } } });
    await control('POST', { api: 'getMonthlyRetain', reply: 'malformed', times: 1 });
    expect(await errCodeOf(retain())).toBe(-501001);
    expect(await errCodeOf(retain())).toBe(-601001);
    expect(await control('POST', { api: 'getMonthlyRetain', latency: 300 })).toMatchObject({ status: 200, json: { latency: { api: 'analysis.getMonthlyRetain', ms: 300 } } });
    expect(await control('POST', { action: 'modifyDocument', latency: 200 })).toMatchObject({ status: 200, json: { latency: { action: 'database.modifyDocument', ms: 200 } } });
    expect((await control('GET')).json).toEqual({
      faults: [],
      latencies: [{ api: 'analysis.getMonthlyRetain', ms: 300 }],
      database: { faults: [], latencies: [{ action: 'database.modifyDocument', ms: 200 }] },
    });
    const started = Date.now();
    await errCodeOf(retain()); // -604101: this function's config.json permits no API; the latency is before the answer
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  });

  test.each([
    [{ action: 'addDocument', errcode: -502001 }, /unknown database action "addDocument"/],
    [{ action: 'getDocument', errcode: 45009 }, /a database fault answers a CloudBase code/],
    [{ action: 'getDocument', reply: 'slow' }, /reply must be one of fail, empty, malformed, drop/],
    [{ action: 'getDocument', errcode: -502001, applied: true }, /applied: true is for writes/],
    [{ action: 'getDocument', errcode: -502001, when: 'after' }, /unknown database fault field when/],
    [{ api: 'getMonthlyRetain', errcode: -501003, persistant: true }, /unknown field persistant/],
    [{ api: 'getMonthlyRetain', reply: 'drop', errcode: -1 }, /takes times only/],
    [{ api: 'getMonthlyRetain', reply: 'empty' }, /reply must be fail, malformed or drop/],
    [{ api: 'getMonthlyRetain', latency: 'slow' }, /latency must be a number/],
    [{ api: 'database', errcode: -502001, persistent: true }, /latency only/],
    [{ errcode: -502001 }, /give api .* or action/],
  ])('refuses %j with a clear message', async (body, message) => {
    const reply = await control('POST', body);
    expect(reply.status).toBe(400);
    expect(reply.json.error).toMatch(message);
    expect((await control('GET')).json).toEqual({ faults: [], latencies: [], database: { faults: [], latencies: [] } });
  });
});

describe('the command-line forms', () => {
  test.each([
    ['getMonthlyRetain=45009:2', { apiName: 'analysis.getMonthlyRetain', kind: 'fail', errcode: 45009, times: 2 }],
    ['*=-501003:always', { apiName: '*', kind: 'fail', errcode: -501003, times: 'always' }],
    ['getMonthlyRetain=drop', { apiName: 'analysis.getMonthlyRetain', kind: 'drop', times: 1 }],
    ['invokeFunction=malformed:3', { apiName: 'functions.invokeFunction', kind: 'malformed', times: 3 }],
  ])('--fault %s', (text, spec) => {
    expect(parseReplyFaultSpec(text)).toEqual(spec);
  });

  test.each([
    ['getDocument/analytics_monthly=-502001:2', { action: 'getDocument', collection: 'analytics_monthly', errcode: -502001, times: 2 }],
    ['*=-501003:always', { action: '*', errcode: -501003, persistent: true }],
    ['insertDocument=drop:1:applied', { action: 'insertDocument', reply: 'drop', times: 1, applied: true }],
    ['database.modifyDocument=-501002:applied', { action: 'database.modifyDocument', errcode: -501002, times: 1, applied: true }],
    ['getDocument=empty', { action: 'getDocument', reply: 'empty', times: 1 }],
  ])('--db-fault %s', (text, spec) => {
    expect(parseDatabaseFaultSpec(text)).toEqual(spec);
  });

  test.each([
    ['getMonthlyRetain=300', { target: 'api', apiName: 'analysis.getMonthlyRetain', ms: 300 }],
    ['database=50', { target: 'api', apiName: 'database', ms: 50 }],
    ['database.getDocument=200', { target: 'database', action: 'database.getDocument', ms: 200 }],
  ])('--latency %s', (text, spec) => {
    expect(parseLatencySpec(text)).toEqual(spec);
  });

  test.each([
    [() => parseReplyFaultSpec('getMonthlyRetain=drop:always'), /drop takes a count/],
    [() => parseReplyFaultSpec('database=drop'), /--db-fault/],
    [() => parseReplyFaultSpec('getMonthlyRetain'), /is not API=ERRCODE or API=ERRCODE:TIMES .*API=ERRCODE:always/],
    [() => parseDatabaseFaultSpec('getDocument=45009'), /CloudBase code/],
    [() => parseDatabaseFaultSpec('getDocument=-502001:applied'), /applied: true is for writes/],
    [() => parseDatabaseFaultSpec('getDocument'), /is not ACTION\[\/COLLECTION\]=/],
    [() => parseLatencySpec('nothing=5'), /unknown API "nothing".*or a database action/],
    [() => parseLatencySpec('getMonthlyRetain=fast'), /is not API=MS/],
  ])('refuses %#', (parse, message) => {
    expect(parse).toThrow(message);
  });
});
