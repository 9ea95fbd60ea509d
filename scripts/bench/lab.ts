import path from 'path';
import { type Emulator, startEmulator } from '@wx-monthly-analytics/cloudbase-emulator';
import type { CloudBaseRuntime } from '@wx-monthly-analytics/cloudbase-runtimes';
import { type Caller, type FunctionDeployment, type InvokeResult, type WarmInstance, startWarm } from '@wx-monthly-analytics/function-runner';
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

export type BenchFunction =
  | 'getMonthlyRetain'
  | 'getMonthlyVisitTrend'
  | 'syncMonthlyAnalytics'
  | 'baseline'
  | keyof typeof FLOOR_DIRS;
export const OUR_FUNCTIONS = ['getMonthlyRetain', 'getMonthlyVisitTrend', 'syncMonthlyAnalytics'] as const;

/** A CloudBase runtime and the `node` binary that stands for it here (installed by the bench before it measures). */
export interface BenchRuntime {
  runtime: CloudBaseRuntime;
  nodePath: string;
}

/** The emulator and the staged functions, with every warm instance it started closed by `close()`. */
export interface Lab {
  emulator: Emulator;
  stage: Stage;
  /** The runtime a function runs on when none is named: the one the warm, dashboard and backfill rows are measured on. */
  defaultRuntime: BenchRuntime;
  /**
   * How to run a staged function against the emulator, on `runtime` (default {@link Lab.defaultRuntime});
   * ANALYTICS_ADMIN_OPENIDS is set, `env` adds to it.
   */
  deployment(name: BenchFunction, env?: Record<string, string>, runtime?: BenchRuntime): FunctionDeployment;
  /** A warm instance of a staged function on `runtime` (default {@link Lab.defaultRuntime}), closed by `close()` unless closed before. */
  startWarm(name: BenchFunction, env?: Record<string, string>, runtime?: BenchRuntime): Promise<WarmInstance>;
  /** Empties the archive but keeps its collection, as in a project that has used the functions before. */
  emptyArchive(): void;
  /** Closes every warm instance, the emulator, and deletes the staged folders. */
  close(): Promise<void>;
}

/**
 * Starts the emulator on 127.0.0.1 (any free port) over freshly staged copies of our built functions, the
 * baseline and the floor; functions run on `defaultRuntime` unless a call names another.
 */
export async function openLab(defaultRuntime: BenchRuntime): Promise<Lab> {
  const stage = stageFunctions(
    [
      ...OUR_FUNCTIONS.map((name) => ({ name, dir: path.join(REPO_ROOT, 'cloudfunctions', name) })),
      { name: 'baseline', dir: BASELINE_DIR },
      ...Object.entries(FLOOR_DIRS).map(([name, dir]) => ({ name, dir })),
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

  const deployment = (name: BenchFunction, env: Record<string, string> = {}, runtime = defaultRuntime): FunctionDeployment => {
    const staged = stage.functions.get(name);
    if (!staged) throw new Error(`${name} is not staged`);
    return {
      functionDir: staged.dir,
      contextUrl: emulator.contextUrl(name),
      env: { ANALYTICS_ADMIN_OPENIDS: ADMIN_OPENID, ...env },
      nodePath: runtime.nodePath,
    };
  };

  return {
    emulator,
    stage,
    defaultRuntime,
    deployment,
    async startWarm(name, env, runtime) {
      const instance = await startWarm(deployment(name, env, runtime));
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
