import { mkdtempSync, readlinkSync, readdirSync, rmSync } from 'fs';
import os from 'os';
import path from 'path';
import { componentEnvironment, emulatedAuthorizerAppid, httpsEnvironment, pushTicket, seedAuthorizers } from '../../scripts/emulator-environment';
import { stageFunction } from '../../scripts/deploy/stage';
import { LEGACY_RUNTIMES, OFFERED_RUNTIMES, runtimeBinary, type CloudBaseRuntime } from '@wx-monthly-analytics/cloudbase-runtimes';
import type { InvokeResult } from '@wx-monthly-analytics/function-runner';
import { ADMIN, ADMIN_OPENID, FUNCTIONS_ROOT, type FunctionName, RETAIN_API, TIMER, TREND_API, type TestCloud, replyOf, startTestCloud } from '../helpers/cloud';

// Every function as the deploy uploads it (its uploaded files copied alone into a temp folder, nothing of
// the repository within reach) on every Node.js runtime CloudBase runs functions on, through the real
// wx-server-sdk and the emulator. The binaries are installed by the global setup, outside any timeout.
const NOW = new Date('2024-06-15T02:00:00Z');
const FUNCTIONS: readonly FunctionName[] = ['componentEvents', 'getMonthlyRetain', 'getMonthlyVisitTrend', 'syncMonthlyAnalytics'];
const SHARD_LIMIT_MS = 15_000;

let stagedRoot: string;
beforeAll(() => {
  stagedRoot = mkdtempSync(path.join(os.tmpdir(), 'runtime-matrix-'));
  for (const name of FUNCTIONS) stageFunction(path.join(FUNCTIONS_ROOT, name), path.join(stagedRoot, name));
});
afterAll(() => rmSync(stagedRoot, { recursive: true, force: true }));

/** The binary a live function process runs: what the invocation really ran on. */
const binaryOf = (result: InvokeResult) => readlinkSync(`/proc/${result.pid}/exe`);

/** No line of the invocation's logs says the function failed to parse or load. */
function expectCleanLogs(result: InvokeResult): void {
  expect(result.logs.join('\n')).not.toMatch(/SyntaxError|ReferenceError|TypeError|Cannot find module/);
}

describe.each(OFFERED_RUNTIMES.map((runtime) => [runtime.name, runtime] as const))('on %s', (_name, runtime: CloudBaseRuntime) => {
  const nodePath = runtimeBinary(runtime);
  let clouds: TestCloud[] = [];
  const start = async (options: Omit<Parameters<typeof startTestCloud>[0], 'now' | 'functionsRoot' | 'nodePath'> = {}) => {
    const cloud = await startTestCloud({ now: NOW, functionsRoot: stagedRoot, nodePath, ...options });
    clouds.push(cloud);
    return cloud;
  };
  afterEach(async () => {
    await Promise.all(clouds.map((cloud) => cloud.close()));
    clouds = [];
  });

  test('the staged folders hold only the uploaded files', () => {
    for (const name of FUNCTIONS) expect(readdirSync(path.join(stagedRoot, name)).sort()).toEqual(['bundle-lazy.js', 'bundle.js', 'config.json', 'index.js', 'package.json']);
  });

  test('the cloud call: a month from WeChat, then from the archive; the other report; the timer sync', async () => {
    const cloud = await start();
    const fetched = await cloud.invoke('getMonthlyRetain', { caller: ADMIN, data: { month: '2024-04' } });
    expect(binaryOf(fetched)).toBe(nodePath);
    expect(replyOf(fetched)).toMatchObject({ ok: true, source: 'wechat', data: { month: '2024-04', complete: true } });
    expectCleanLogs(fetched);
    expect(replyOf(await cloud.invoke('getMonthlyRetain', { caller: ADMIN, data: { month: '2024-04' } }))).toMatchObject({ ok: true, source: 'archive' });
    expect(replyOf(await cloud.invoke('getMonthlyVisitTrend', { caller: ADMIN, data: { month: '2024-04' } }))).toMatchObject({ ok: true, source: 'wechat' });
    expect(cloud.emulator.countCalls({ apiName: RETAIN_API })).toBe(1);

    // The page's default view: a 12-month range (11 months from WeChat, the one above from the archive).
    const range = replyOf(await cloud.invoke('getMonthlyRetain', { caller: ADMIN, data: { from: '2023-05', to: '2024-04' } }));
    expect(range.data.map((entry: { source: string }) => entry.source)).toEqual([...Array(11).fill('wechat'), 'archive']);
    // An admin's backfill of months before the sync's window.
    expect(replyOf(await cloud.invoke('syncMonthlyAnalytics', { caller: ADMIN, data: { from: '2022-01', to: '2022-02' } }))).toMatchObject({
      ok: true,
      data: { fetched: 4, failed: 0 },
    });

    const sync = await cloud.invokeCold('syncMonthlyAnalytics', { caller: TIMER, timeoutMs: SHARD_LIMIT_MS });
    // The last 12 months (2023-06 to 2024-05) of both reports: 12 of the 24 are archived already (retention
    // 2023-06 to 2024-04 by the range, the trend of 2024-04), the other 12 are fetched.
    expect(replyOf(sync)).toEqual({ ok: true, data: { fetched: 12, skipped: 12, failed: 0, deferred: 0, failures: [] } });
    expectCleanLogs(sync);
  });

  test('HTTPS with an access_token: the token fetched once, the month from WeChat', async () => {
    const cloud = await start({ env: (emulator) => httpsEnvironment(emulator.url) });
    const result = await cloud.invoke('getMonthlyVisitTrend', { caller: ADMIN, data: { month: '2024-05' } });
    expect(replyOf(result)).toMatchObject({ ok: true, source: 'wechat', data: { month: '2024-05' } });
    expect(binaryOf(result)).toBe(nodePath);
    expect(cloud.emulator.countCalls({ apiName: TREND_API })).toBe(1);
  });

  test('the third-party platform: a ticket push decrypted and stored, then the sync fanned out over shards on the same runtime', async () => {
    const cloud = await start({
      env: (emulator) => ({ ...componentEnvironment(emulator.url), ANALYTICS_ADMIN_OPENIDS: ADMIN_OPENID }),
      functionEnv: { syncMonthlyAnalytics: { ANALYTICS_SYNC_SHARD_SIZE: '1' } },
      nestedCalls: { timeoutMs: { syncMonthlyAnalytics: SHARD_LIMIT_MS } },
    });
    const issued = cloud.emulator.component.issueTicket();
    const pushed = await cloud.invoke('componentEvents', { caller: { kind: 'http' }, rawEvent: issued.push as unknown as Record<string, unknown> });
    expect(replyOf(pushed)).toMatchObject({ statusCode: 200, body: 'success' });
    expect(cloud.emulator.database.documents('wechat_tokens')).toEqual([expect.objectContaining({ ticket: issued.ticket })]);

    pushTicket(cloud.emulator, NOW);
    seedAuthorizers(cloud.emulator, [emulatedAuthorizerAppid(1), emulatedAuthorizerAppid(2)], NOW);
    const sync = await cloud.invoke('syncMonthlyAnalytics', { caller: TIMER, timeoutMs: SHARD_LIMIT_MS });
    expect(replyOf(sync)).toMatchObject({ ok: true, data: { fetched: 48, failed: 0, shards: { started: 2, replied: 2, failed: 0 } } });
    const shards = cloud.nestedCalls?.invocations ?? [];
    expect(shards).toHaveLength(2);
    for (const shard of shards) expectCleanLogs(shard.result);
  });
});

describe.each(LEGACY_RUNTIMES.map((runtime) => [runtime.name, runtime] as const))('below the floor, on %s', (_name, runtime: CloudBaseRuntime) => {
  let cloud: TestCloud;
  beforeAll(async () => {
    cloud = await startTestCloud({ now: NOW, functionsRoot: stagedRoot, nodePath: runtimeBinary(runtime) });
  });
  afterAll(() => cloud.close());

  /** The invocation failed (never a reply), with the loader's error: the runtime it has, the one it needs, the fix. */
  function expectRefused(result: InvokeResult, name: FunctionName): void {
    expect(result.timedOut).toBe(false);
    expect(result.reply).toBeUndefined();
    expect(result.failed?.errorType).toBe('UnsupportedRuntimeError');
    const message = result.failed?.errorMessage ?? '';
    expect(message).toContain(`Node.js ${runtime.version} (runtime ${runtime.name})`);
    expect(message).toContain('needs Nodejs16.13 or later');
    expect(message).toContain(`delete ${name} and create it again on Nodejs24.11 (npm run deploy -- --recreate ${name})`);
    expect(result.logs.join('\n')).toContain(message);
    expect(result.logs.join('\n')).not.toContain('SyntaxError');
  }

  test.each(FUNCTIONS)('%s fails every invocation with what to do, and calls nothing', async (name) => {
    const caller = name === 'componentEvents' ? ({ kind: 'http' } as const) : ADMIN;
    const first = await cloud.invoke(name, { caller, data: { month: '2024-04' } });
    expectRefused(first, name);
    // The instance stays up (a warm call fails the same way) and nothing reached the gateway.
    expect(cloud.emulator.calls).toHaveLength(0);
    expect(cloud.emulator.database.documents('analytics_monthly')).toEqual([]);
  });

  test('a timer run is a failed invocation, so the platform counts and alerts on it', async () => {
    const result = await cloud.invokeCold('syncMonthlyAnalytics', { caller: TIMER });
    expectRefused(result, 'syncMonthlyAnalytics');
    expect(result.failed?.stackTrace).not.toMatch(/bundle\.js/);
  });
});
