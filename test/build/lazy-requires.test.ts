import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import os from 'os';
import path from 'path';
import { LAZY_BUNDLE, LAZY_REQUIRES } from '../../scripts/build/lazy-modules';
import { LAZY_BUNDLE_NAMESPACE } from '../../scripts/build/lazy-plugin';
import { type Emulator, startEmulator } from '@wx-monthly-analytics/cloudbase-emulator';
import { type Caller, type InvokeRequest, invokeCold } from '@wx-monthly-analytics/function-runner';
import { ADMIN, ADMIN_OPENID, FUNCTIONS_ROOT, TIMER, type FunctionName } from '../helpers/cloud';
import { type TracedReply, bundledModulePaths, instrumentBundleFile, packageOfModulePath } from '../helpers/module-trace';

// 10:00 on 15 June 2024 in China: 2024-05 is the last complete month.
const NOW = new Date('2024-06-15T02:00:00Z');
const FUNCTIONS: FunctionName[] = ['getMonthlyRetain', 'getMonthlyVisitTrend', 'syncMonthlyAnalytics'];
const LAZY_PACKAGES = [...new Set(LAZY_REQUIRES.flatMap((entry) => entry.packages))].sort();
/** esbuild's CommonJS wrapper, where the trace records a module whose body runs (as test/helpers/module-trace.ts does for bundle.js). */
const FIRST_EVALUATION = 'return mod || (0, cb[__getOwnPropNames(cb)[0]])(';

/** Makes the lazy bundle record the modules it evaluates in the same list as the traced bundle.js. */
function instrumentLazyBundleFile(file: string): void {
  const source = readFileSync(file, 'utf8');
  expect(source.split(FIRST_EVALUATION)).toHaveLength(2);
  const traced = source.replace(
    FIRST_EVALUATION,
    'return mod || (globalThis.__evaluatedBundleModules.push(__getOwnPropNames(cb)[0]), 0, cb[__getOwnPropNames(cb)[0]])(',
  );
  writeFileSync(file, traced);
}

/** A function's path: who calls, with what, and whether the archive holds the months first. */
interface PathCase {
  name: FunctionName;
  what: string;
  caller: Caller;
  data: Record<string, unknown>;
  archived: boolean;
}

const PATHS: PathCase[] = [
  { name: 'getMonthlyRetain', what: 'a month not archived (WeChat call, archive write)', caller: ADMIN, data: { month: '2024-04' }, archived: false },
  { name: 'getMonthlyRetain', what: 'an archived month', caller: ADMIN, data: { month: '2024-04' }, archived: true },
  { name: 'getMonthlyVisitTrend', what: 'a 12-month range, archive empty', caller: ADMIN, data: { from: '2023-06', to: '2024-05' }, archived: false },
  { name: 'getMonthlyVisitTrend', what: 'a 12-month range, archived', caller: ADMIN, data: { from: '2023-06', to: '2024-05' }, archived: true },
  { name: 'syncMonthlyAnalytics', what: 'the timer run', caller: TIMER, data: {}, archived: false },
  { name: 'getMonthlyRetain', what: 'a caller who is not an admin', caller: { kind: 'miniprogram', openid: 'oStranger0000000000000000001' }, data: { month: '2024-04' }, archived: false },
];

describe('the SDK modules the build defers are never evaluated on a function\'s path', () => {
  let scratch: string;
  let emulator: Emulator;

  beforeAll(async () => {
    scratch = mkdtempSync(path.join(os.tmpdir(), 'analytics-trace-'));
    for (const name of FUNCTIONS) {
      cpSync(path.join(FUNCTIONS_ROOT, name), path.join(scratch, name), { recursive: true });
      instrumentBundleFile(path.join(scratch, name, 'bundle.js'));
      instrumentLazyBundleFile(path.join(scratch, name, LAZY_BUNDLE));
    }
    emulator = await startEmulator({ port: 0, functionsRoot: scratch, now: () => NOW });
  });
  afterAll(async () => {
    await emulator?.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  const invoke = async (name: FunctionName, request: InvokeRequest): Promise<TracedReply> => {
    const result = await invokeCold(
      { functionDir: path.join(scratch, name), contextUrl: emulator.contextUrl(name), env: { ANALYTICS_ADMIN_OPENIDS: ADMIN_OPENID } },
      request,
    );
    if (result.failed || result.timedOut) throw new Error(`${name} did not complete: ${JSON.stringify(result.failed ?? 'timed out')}\n${result.logs.join('\n')}`);
    return result.reply as TracedReply;
  };

  test(`the list names packages, each bundled into every function's ${LAZY_BUNDLE} and none into its bundle.js`, () => {
    for (const name of FUNCTIONS) {
      const lazyFile = path.join(FUNCTIONS_ROOT, name, LAZY_BUNDLE);
      expect(existsSync(lazyFile)).toBe(true);
      const lazy = new Set(bundledModulePaths(readFileSync(lazyFile, 'utf8')).map(packageOfModulePath));
      expect(LAZY_PACKAGES.filter((pkg) => !lazy.has(pkg))).toEqual([]);
      const main = bundledModulePaths(readFileSync(path.join(FUNCTIONS_ROOT, name, 'bundle.js'), 'utf8'));
      expect(main.filter((modulePath) => LAZY_PACKAGES.includes(packageOfModulePath(modulePath) ?? ''))).toEqual([]);
      // What bundle.js has instead: a stand-in per module it would have required from those packages.
      expect(main.filter((modulePath) => modulePath.startsWith(`${LAZY_BUNDLE_NAMESPACE}:`)).length).toBeGreaterThan(0);
    }
  });

  test.each(PATHS)('$name, $what: cold start to reply', async ({ name, caller, data, archived }) => {
    emulator.database.clear();
    if (archived) await invoke(name, { caller, data, now: NOW });
    const traced = await invoke(name, { caller, data, now: NOW });
    expect(traced.reply).toHaveProperty('ok');
    const evaluated = new Set(traced.evaluated.map(packageOfModulePath));
    // The trace sees the SDK: without it this test would pass for the wrong reason.
    expect(evaluated).toContain('@cloudbase/node-sdk');
    expect(LAZY_PACKAGES.filter((pkg) => evaluated.has(pkg))).toEqual([]);
    // Not even a stand-in ran: the function never required ${LAZY_BUNDLE}, so V8 never read it.
    expect(traced.evaluated.filter((modulePath) => modulePath.startsWith(`${LAZY_BUNDLE_NAMESPACE}:`))).toEqual([]);
    // Node's fetch (undici) stays unloaded: nothing on the path reads globalThis.Headers or fetch.
    expect(traced.nodeModules.filter((module) => module.includes('undici'))).toEqual([]);
  });
});
