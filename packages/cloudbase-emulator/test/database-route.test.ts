import { existsSync, mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import path from 'path';
import { functionEnvironment, startEmulator, type Emulator } from '../src';

type WxServerSdk = typeof import('wx-server-sdk');
type Query = { get(): unknown };

async function documentsOf(query: Query): Promise<unknown[]> {
  return ((await query.get()) as { data: unknown[] }).data;
}

const ENV_KEYS = ['TCB_CONTEXT_CNFG', 'TENCENTCLOUD_SECRETID', 'TENCENTCLOUD_SECRETKEY', 'TCB_ENV', 'TENCENTCLOUD'] as const;
const savedEnv = new Map<string, string | undefined>(ENV_KEYS.map((key) => [key, process.env[key]]));

let workDir: string;
let cloud: WxServerSdk;
const running: Emulator[] = [];

async function start(dataFile?: string): Promise<Emulator> {
  const emulator = await startEmulator({ functionsRoot: workDir, ...(dataFile ? { dataFile } : {}) });
  running.push(emulator);
  Object.assign(process.env, functionEnvironment(emulator, 'archive'));
  return emulator;
}

beforeAll(() => {
  workDir = mkdtempSync(path.join(tmpdir(), 'emulator-database-'));
  Object.assign(process.env, { TENCENTCLOUD: 'true' });
  cloud = require('wx-server-sdk') as WxServerSdk;
  cloud.init({ env: cloud.DYNAMIC_CURRENT_ENV as unknown as string });
});

afterAll(async () => {
  await Promise.all(running.map((emulator) => emulator.close()));
  rmSync(workDir, { recursive: true, force: true });
  for (const [key, value] of savedEnv) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
});

test('database requests of the real SDK reach the document store', async () => {
  const emulator = await start();
  const db = cloud.database();
  await db.createCollection('monthly');
  await db.collection('monthly').doc('2024-03').set({ data: { visitUv: 623748 } });
  expect(await documentsOf(db.collection('monthly').where({ visitUv: db.command.gt(1000) }))).toEqual([{ _id: '2024-03', visitUv: 623748 }]);
  expect(emulator.database.documents('monthly')).toEqual([{ _id: '2024-03', visitUv: 623748 }]);
  expect(emulator.calls).toEqual([]);
});

test('database errors keep their CloudBase code', async () => {
  await start();
  await expect(cloud.database().collection('missing').get()).rejects.toMatchObject({ errCode: -502005 });
});

test('save() writes the data file, and a new emulator loads it', async () => {
  const dataFile = path.join(workDir, 'nested', 'db.json');
  const first = await start(dataFile);
  const db = cloud.database();
  await db.createCollection('monthly');
  await db.collection('monthly').add({ data: { month: '2024-04' } });
  expect(existsSync(dataFile)).toBe(false);
  await first.save();
  expect(existsSync(dataFile)).toBe(true);
  await first.close();

  const second = await start(dataFile);
  expect(second.database.documents('monthly')).toEqual([{ _id: expect.any(String), month: '2024-04' }]);
  expect(await documentsOf(cloud.database().collection('monthly'))).toEqual([expect.objectContaining({ month: '2024-04' })]);
});

test('save() without a data file does nothing', async () => {
  const emulator = await start();
  await expect(emulator.save()).resolves.toBeUndefined();
});

test('a database latency delays every database action, and nothing else; the database takes no one-shot fault', async () => {
  const emulator = await start();
  const db = cloud.database();
  await db.createCollection('monthly');
  emulator.faults.latency(300, 'database');
  let startedAt = Date.now();
  await db.collection('monthly').doc('2024-03').set({ data: { visitUv: 1 } });
  expect(Date.now() - startedAt).toBeGreaterThanOrEqual(290);
  emulator.faults.latency(0, 'database');
  startedAt = Date.now();
  await documentsOf(db.collection('monthly'));
  expect(Date.now() - startedAt).toBeLessThan(290);
  // A latency for every open API ('*') does not reach the database.
  emulator.faults.latency(300);
  startedAt = Date.now();
  await documentsOf(db.collection('monthly'));
  expect(Date.now() - startedAt).toBeLessThan(290);
  expect(() => emulator.faults.failNext('database', -502005)).toThrow(/latency only/);
  expect(() => emulator.faults.dropNext('database')).toThrow(/latency only/);
});
