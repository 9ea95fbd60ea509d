import path from 'path';
import { rmSync } from 'fs';
import { CODE_CACHE_FILES, type CodeCacheStatus, codeCacheStatus, corruptCodeCache, writeCodeCache } from '../build/code-cache';
import { type Emulator, startEmulator } from '@wx-monthly-analytics/cloudbase-emulator';
import {
  type Caller,
  type FunctionDeployment,
  type InvokeResult,
  type WarmInstance,
  processEnvironment,
  resolveDeployment,
  startWarm,
} from '@wx-monthly-analytics/function-runner';
import { type Stage, stageFunctions } from './stage';

export const REPO_ROOT = path.resolve(__dirname, '../..');
/** The baseline: the seeds' cloud-call example as a function folder. */
export const BASELINE_DIR = path.join(__dirname, 'baseline');
/**
 * The floor: what no function can beat on this machine and runtime. `floorNode` does nothing (a Node
 * process and the runtime); `floorPost` makes one raw HTTP POST to the gateway (an archive read, no SDK);
 * `floorSdkRead` reads the archived month (retain_2024-05) through wx-server-sdk as our functions do,
 * with no check: what an archived call costs through the SDK.
 */
export const FLOOR_DIRS = {
  floorNode: path.join(__dirname, 'floor', 'node'),
  floorPost: path.join(__dirname, 'floor', 'post'),
  floorSdkRead: path.join(__dirname, 'floor', 'sdk-read'),
} as const;

/** 10:00 on 15 June 2024 in China: 2024-05 is the last complete month. */
export const NOW = new Date('2024-06-15T02:00:00Z');
export const MONTH = '2024-05';
export const MONTH_DATES = { beginDate: '20240501', endDate: '20240531' };
export const ADMIN_OPENID = 'oBenchAdmin000000000000000001';
export const ADMIN: Caller = { kind: 'miniprogram', openid: ADMIN_OPENID };
export const COLLECTION = 'analytics_monthly';
export const RETAIN_API = 'analysis.getMonthlyRetain';
export const TREND_API = 'analysis.getMonthlyVisitTrend';

/**
 * getMonthlyRetain as deployed loads through its V8 code cache (scripts/build/code-cache.ts). These copies
 * of it do not: `oursNoCache` has no bundle.cache (as before the cache shipped), `oursCacheRejected` a
 * corrupt one that V8 reads and rejects, `oursCacheSkipped` one made under other Node flags, which the
 * loader does not hand to V8, as with a cache made by another Node version.
 */
export const CODE_CACHE_VARIANTS = {
  oursNoCache: { status: 'none', change: (dir: string) => rmSync(path.join(dir, CODE_CACHE_FILES.cache)) },
  oursCacheRejected: { status: 'rejected', change: (dir: string) => corruptCodeCache(dir) },
  oursCacheSkipped: {
    status: 'skipped',
    change: (dir: string, env: NodeJS.ProcessEnv) => writeCodeCache(dir, env, ['--max-old-space-size=256']),
  },
} as const satisfies Record<string, { status: CodeCacheStatus; change: (dir: string, env: NodeJS.ProcessEnv) => void }>;

export type BenchFunction =
  | 'getMonthlyRetain'
  | 'getMonthlyVisitTrend'
  | 'syncMonthlyAnalytics'
  | 'baseline'
  | keyof typeof FLOOR_DIRS
  | keyof typeof CODE_CACHE_VARIANTS;
export const OUR_FUNCTIONS = ['getMonthlyRetain', 'getMonthlyVisitTrend', 'syncMonthlyAnalytics'] as const;

/** The emulator and the staged functions, with every warm instance it started closed by `close()`. */
export interface Lab {
  emulator: Emulator;
  stage: Stage;
  /** How to run a staged function against the emulator; ANALYTICS_ADMIN_OPENIDS is set, `env` adds to it. */
  deployment(name: BenchFunction, env?: Record<string, string>): FunctionDeployment;
  /** A warm instance of a staged function, closed by `close()` unless closed before. */
  startWarm(name: BenchFunction, env?: Record<string, string>): Promise<WarmInstance>;
  /** Empties the archive but keeps its collection, as in a project that has used the functions before. */
  emptyArchive(): void;
  /** Closes every warm instance, the emulator, and deletes the staged folders. */
  close(): Promise<void>;
}

/** Starts the emulator on 127.0.0.1 (any free port) over freshly staged copies of our built functions, the baseline and the floor. */
export async function openLab(): Promise<Lab> {
  const stage = stageFunctions(
    [
      ...OUR_FUNCTIONS.map((name) => ({ name, dir: path.join(REPO_ROOT, 'cloudfunctions', name) })),
      { name: 'baseline', dir: BASELINE_DIR },
      ...Object.entries(FLOOR_DIRS).map(([name, dir]) => ({ name, dir })),
      ...Object.keys(CODE_CACHE_VARIANTS).map((name) => ({ name, dir: path.join(REPO_ROOT, 'cloudfunctions', 'getMonthlyRetain') })),
    ],
    REPO_ROOT,
  );
  let emulator: Emulator;
  try {
    emulator = await startEmulator({ port: 0, functionsRoot: stage.root, now: () => NOW });
  } catch (error) {
    stage.remove();
    throw error;
  }
  const instances = new Set<WarmInstance>();

  const deployment = (name: BenchFunction, env: Record<string, string> = {}): FunctionDeployment => {
    const staged = stage.functions.get(name);
    if (!staged) throw new Error(`${name} is not staged`);
    return {
      functionDir: staged.dir,
      contextUrl: emulator.contextUrl(name),
      env: { ANALYTICS_ADMIN_OPENIDS: ADMIN_OPENID, ...env },
    };
  };

  try {
    const deployed = processEnvironment(resolveDeployment(deployment('getMonthlyRetain')));
    const status = codeCacheStatus(stage.functions.get('getMonthlyRetain')?.dir ?? '', deployed);
    expectThat(status === 'accepted', `getMonthlyRetain as deployed: the code cache is ${status}, expected accepted`);
    for (const [name, variant] of Object.entries(CODE_CACHE_VARIANTS)) {
      const staged = stage.functions.get(name);
      if (!staged) continue;
      const env = processEnvironment(resolveDeployment(deployment(name as BenchFunction)));
      variant.change(staged.dir, env);
      const found = codeCacheStatus(staged.dir, env);
      expectThat(found === variant.status, `${name}: the code cache is ${found}, expected ${variant.status}`);
    }
  } catch (error) {
    await emulator.close();
    stage.remove();
    throw error;
  }

  return {
    emulator,
    stage,
    deployment,
    async startWarm(name, env) {
      const instance = await startWarm(deployment(name, env));
      instances.add(instance);
      return {
        invoke: (request) => instance.invoke(request),
        async close() {
          instances.delete(instance);
          await instance.close();
        },
        get pid() {
          return instance.pid;
        },
      };
    },
    emptyArchive() {
      emulator.database.clear();
      emulator.database.createCollection(COLLECTION);
    },
    async close() {
      const closing = [...instances].map((instance) => instance.close().catch(() => undefined));
      instances.clear();
      await Promise.all(closing);
      await emulator.close();
      stage.remove();
    },
  };
}

/** The reply of an invocation that completed; throws with the function's logs otherwise. */
export function replyOf(result: InvokeResult, what: string): unknown {
  if (result.failed || result.timedOut) {
    const reason = result.timedOut ? 'timed out' : `${result.failed?.errorType}: ${result.failed?.errorMessage}`;
    throw new Error(`${what} did not complete (${reason})\n${result.logs.join('\n')}`);
  }
  return result.reply;
}

/** Throws unless `condition`; `message` says what the benchmark expected. */
export function expectThat(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(`benchmark precondition failed: ${message}`);
}
