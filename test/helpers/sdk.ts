import { mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import path from 'path';
import { functionEnvironment, startEmulator, type Emulator } from '@wx-monthly-analytics/cloudbase-emulator';
import type { CloudDatabase } from '../../src/platform/cloudbase/archive';

const ENV_KEYS = ['TCB_CONTEXT_CNFG', 'TENCENTCLOUD_SECRETID', 'TENCENTCLOUD_SECRETKEY', 'TCB_ENV', 'TENCENTCLOUD', 'SILENCE'] as const;

/**
 * The real wx-server-sdk in this test process, pointed at an emulator started for the enclosing
 * `describe` (or file) with the clock `now`, for tests of the CloudBase adapters in-process. Starts it
 * before the tests, stops it and restores the environment after them.
 */
export function useSdkAgainstEmulator(now?: () => Date): { emulator: () => Emulator; db: () => CloudDatabase } {
  const savedEnv = new Map<string, string | undefined>(ENV_KEYS.map((key) => [key, process.env[key]]));
  let workDir: string | undefined;
  let emulator: Emulator | undefined;
  let db: CloudDatabase | undefined;
  beforeAll(async () => {
    workDir = mkdtempSync(path.join(tmpdir(), 'sdk-emulator-'));
    emulator = await startEmulator({ functionsRoot: workDir, ...(now ? { now } : {}) });
    Object.assign(process.env, functionEnvironment(emulator, 'syncMonthlyAnalytics'), { SILENCE: 'true' });
    const cloud = require('wx-server-sdk') as typeof import('wx-server-sdk');
    cloud.init({ env: cloud.DYNAMIC_CURRENT_ENV as unknown as string });
    db = cloud.database() as unknown as CloudDatabase;
  });
  afterAll(async () => {
    await emulator?.close();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
    for (const [key, value] of savedEnv) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  });
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('the emulator is used before beforeAll started it');
    return value;
  };
  return { emulator: () => started(emulator), db: () => started(db) };
}
