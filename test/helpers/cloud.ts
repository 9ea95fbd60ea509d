import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'fs';
import os from 'os';
import path from 'path';
import { Emulator, documentKey, startEmulator } from '@wx-monthly-analytics/cloudbase-emulator';
import { ALL_RUNTIMES, runtimeBinary, runtimeNamed } from '@wx-monthly-analytics/cloudbase-runtimes';
import { SUPPORTED_FLOOR } from '../../scripts/build/loader';
import {
  Caller,
  FunctionPool,
  InvokeRequest,
  InvokeResult,
  WarmInstance,
  createFunctionPool,
  invokeCold,
  startWarm,
} from '@wx-monthly-analytics/function-runner';

/**
 * The runtime the end-to-end tests run the functions on: the oldest CloudBase runtime the bundles support
 * (Nodejs16.13, scripts/build/loader.ts), not the Node that runs Jest, so a path that needs a newer Node
 * fails here. `FUNCTION_RUNTIME=Nodejs24.11` picks another runtime, `FUNCTION_RUNTIME=host` the Node
 * running the tests. The binaries are installed by the global setup.
 */
export const E2E_RUNTIME = process.env.FUNCTION_RUNTIME?.trim() || SUPPORTED_FLOOR.name;

function e2eNodePath(): string | undefined {
  if (E2E_RUNTIME === 'host') return undefined;
  const runtime = runtimeNamed(E2E_RUNTIME);
  if (!runtime) throw new Error(`FUNCTION_RUNTIME=${E2E_RUNTIME} is not a CloudBase runtime: use one of ${ALL_RUNTIMES.map((entry) => entry.name).join(', ')}, or host`);
  return runtimeBinary(runtime);
}

export const REPO_ROOT = path.resolve(__dirname, '../..');
export const FUNCTIONS_ROOT = path.join(REPO_ROOT, 'cloudfunctions');
export const ADMIN_OPENID = 'oAdmin000000000000000000001';
export const ADMIN: Caller = { kind: 'miniprogram', openid: ADMIN_OPENID };
export const STRANGER: Caller = { kind: 'miniprogram', openid: 'oStranger0000000000000000001' };
export const TIMER: Caller = { kind: 'timer', triggerName: 'dailyMonthlyAnalyticsSync' };

export type FunctionName = 'getMonthlyRetain' | 'getMonthlyVisitTrend' | 'syncMonthlyAnalytics' | 'componentEvents';
/** A product function, or another folder of `functionsRoot` (a test's throwaway function). */
export type AnyFunctionName = FunctionName | (string & Record<never, never>);

/** How functions' `cloud.callFunction` is served (see {@link TestCloudOptions.nestedCalls}). */
export interface NestedCallsOptions {
  /** Time limit of a called function's invocation, per function; default 3000 ms (the platform's). */
  timeoutMs?: Partial<Record<AnyFunctionName, number>>;
  /** Warm instances per called function, at most; default function-runner's (8). */
  maxInstancesPerFunction?: number;
}

export interface TestCloudOptions {
  /** The clock of the emulator and of every function, until moved with `setNow`. */
  now: Date;
  /**
   * Environment variables of every function; ANALYTICS_ADMIN_OPENIDS defaults to ADMIN_OPENID. A function
   * of the running emulator when a variable needs its address (WECHAT_API_BASE_URL, say).
   */
  env?: Record<string, string> | ((emulator: Emulator) => Record<string, string>);
  /** A function's own variables on top of `env`, for its direct and its nested invocations alike. */
  functionEnv?: Partial<Record<AnyFunctionName, Record<string, string>>>;
  /** Edits a copy of a function's config.json before anything runs. */
  editConfig?: Partial<Record<AnyFunctionName, (config: Record<string, unknown>) => Record<string, unknown>>>;
  /** The folder of built functions, default cloudfunctions/ (a test's temp folder of throwaway functions). */
  functionsRoot?: string;
  /**
   * Serve `cloud.callFunction` from inside the functions: each call runs the named folder of the functions
   * root in a function process of its own (function-runner's pool: warm instances, one call each), with
   * that function's env, the clock and its time limit. Off by default: a call then gets CloudBase's
   * answer for a missing function.
   */
  nestedCalls?: boolean | NestedCallsOptions;
  /** The `node` binary every function runs on, as its runtime (runtimeBinary of cloudbase-runtimes); default {@link E2E_RUNTIME}'s. */
  nodePath?: string;
}

/** The emulator and warm instances of the built functions, with one clock for both. */
export interface TestCloud {
  emulator: Emulator;
  /** With `nestedCalls`: the function processes serving `cloud.callFunction` (what they ran, their pids). */
  nestedCalls: FunctionPool | undefined;
  /** Calls a function (warm: one process per function for the whole test file). */
  invoke(name: AnyFunctionName, request: Omit<InvokeRequest, 'now'>): Promise<InvokeResult>;
  /** Calls a function in a fresh process. */
  invokeCold(name: AnyFunctionName, request: Omit<InvokeRequest, 'now'>): Promise<InvokeResult>;
  /** Moves the clocks of the emulator and of the functions. */
  setNow(now: Date): void;
  /** Back to a clean state between tests: the clocks at `now`, no fault, no recorded call, an empty database. */
  reset(now: Date): void;
  close(): Promise<void>;
}

/**
 * Starts the emulator on port 0 and runs the built functions against it through the real wx-server-sdk.
 * With `editConfig`, the functions run from a copy of the functions root whose config.json is edited.
 */
export async function startTestCloud(options: TestCloudOptions): Promise<TestCloud> {
  const sourceRoot = options.functionsRoot ?? FUNCTIONS_ROOT;
  const nodePath = options.nodePath ?? e2eNodePath();
  let functionsRoot = sourceRoot;
  let scratch: string | undefined;
  if (options.editConfig) {
    scratch = mkdtempSync(path.join(os.tmpdir(), 'analytics-e2e-'));
    functionsRoot = path.join(scratch, 'cloudfunctions');
    cpSync(sourceRoot, functionsRoot, { recursive: true });
    symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(scratch, 'node_modules'), 'dir');
    for (const [name, edit] of Object.entries(options.editConfig)) {
      if (!edit) continue;
      const file = path.join(functionsRoot, name, 'config.json');
      writeFileSync(file, JSON.stringify(edit(JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>)));
    }
  }
  let now = options.now;
  // Set once the emulator runs (env may need its address); a called function's env is read at its first call.
  let env: Record<string, string> = {};
  const envOf = (name: AnyFunctionName): Record<string, string> => ({ ...env, ...options.functionEnv?.[name] });
  const nested = options.nestedCalls === true ? {} : options.nestedCalls || undefined;
  const nestedCalls =
    nested &&
    createFunctionPool({
      functionsRoot,
      env: envOf,
      timeoutMs: (name) => nested.timeoutMs?.[name],
      now: () => now,
      ...(nodePath === undefined ? {} : { nodePath }),
      ...(nested.maxInstancesPerFunction === undefined ? {} : { maxInstancesPerFunction: nested.maxInstancesPerFunction }),
    });
  const emulator = await startEmulator({ functionsRoot, now: () => now, ...(nestedCalls ? { invokeFunction: nestedCalls.invokeFunction } : {}) });
  env = { ANALYTICS_ADMIN_OPENIDS: ADMIN_OPENID, ...(typeof options.env === 'function' ? options.env(emulator) : options.env) };
  const deployment = (name: AnyFunctionName) => ({
    functionDir: path.join(functionsRoot, name),
    contextUrl: emulator.contextUrl(name),
    env: envOf(name),
    ...(nodePath === undefined ? {} : { nodePath }),
  });
  const warm = new Map<AnyFunctionName, Promise<WarmInstance>>();
  const instance = (name: AnyFunctionName) => {
    let started = warm.get(name);
    if (!started) {
      started = startWarm(deployment(name));
      warm.set(name, started);
    }
    return started;
  };

  return {
    emulator,
    nestedCalls,
    invoke: async (name, request) => (await instance(name)).invoke({ ...request, now }),
    invokeCold: (name, request) => invokeCold(deployment(name), { ...request, now }),
    setNow(next) {
      now = next;
    },
    reset(next) {
      now = next;
      emulator.faults.clear();
      emulator.clearOverrides();
      emulator.resetCalls();
      emulator.database.clear();
      emulator.tokens.reset();
      emulator.component.reset();
    },
    async close() {
      await Promise.all([...warm.values()].map(async (started) => (await started).close()));
      await nestedCalls?.close();
      await emulator.close();
      if (scratch) rmSync(scratch, { recursive: true, force: true });
    },
  };
}

/** The reply of an invocation that completed; fails the test with the function's logs otherwise. */
export function replyOf(result: InvokeResult): any {
  if (result.failed || result.timedOut) {
    throw new Error(`invocation did not complete: ${JSON.stringify(result.failed ?? 'timed out')}\n${result.logs.join('\n')}`);
  }
  return result.reply;
}

/** The two analytics APIs, as the emulator names them in its call log. */
export const RETAIN_API = 'analysis.getMonthlyRetain';
export const TREND_API = 'analysis.getMonthlyVisitTrend';
/** The archive's default collection. */
export const ARCHIVE_COLLECTION = 'analytics_monthly';

/**
 * A {@link TestCloud} for the enclosing `describe`: started before its tests, reset to `options.now`
 * before each, closed after them. Use the returned object as the cloud itself.
 */
export function useTestCloud(options: TestCloudOptions): TestCloud {
  let started: TestCloud | undefined;
  beforeAll(async () => {
    started = await startTestCloud(options);
  });
  afterAll(() => started?.close());
  beforeEach(() => started?.reset(options.now));
  return new Proxy({} as TestCloud, {
    get(_target, property) {
      if (!started) throw new Error('the test cloud is used before beforeAll started it');
      const value = started[property as keyof TestCloud];
      return typeof value === 'function' ? value.bind(started) : value;
    },
  });
}

/** Puts `document` into the emulator's database as it is (as a careless script, or another function, could). */
export function putDocument(cloud: Pick<TestCloud, 'emulator'>, collection: string, document: Record<string, unknown> & { _id: string }): void {
  cloud.emulator.database.createCollection(collection);
  cloud.emulator.database.liveCollection(collection).set(documentKey(document._id), document as never);
}
