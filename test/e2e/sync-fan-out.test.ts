import { componentEnvironment, emulatedAuthorizerAppid, pushTicket, seedAuthorizers } from '../../scripts/emulator-environment';
import type { Emulator } from '@wx-monthly-analytics/cloudbase-emulator';
import { ADMIN_OPENID, RETAIN_API, TIMER, TREND_API, type TestCloud, replyOf, startTestCloud } from '../helpers/cloud';

// The third-party sync fanned out over invocations of itself: the timer run starts one shard per group
// of ANALYTICS_SYNC_SHARD_SIZE authorizers with cloud.callFunction, through the real wx-server-sdk, the
// emulator's functions.invokeFunction and function-runner's pool (each shard in a process of its own).
const NOW = new Date('2024-06-15T02:00:00Z');
const TIMER_EVENT = { Type: 'Timer', TriggerName: 'dailyMonthlyAnalyticsSync', Time: '2024-06-15T02:00:00Z', Message: '' };
const LIMIT_MS = 15_000;
const APPIDS = [1, 2, 3, 4, 5].map(emulatedAuthorizerAppid);
const INVOKE = 'functions.invokeFunction';

const componentEnv = (emulator: Emulator) => ({ ...componentEnvironment(emulator.url), ANALYTICS_ADMIN_OPENIDS: ADMIN_OPENID });

function setUpPlatform(cloud: TestCloud, appids: readonly string[]) {
  pushTicket(cloud.emulator, NOW);
  seedAuthorizers(cloud.emulator, appids, NOW);
}

const datacubeCalls = (cloud: TestCloud) => cloud.emulator.countCalls({ apiName: RETAIN_API }) + cloud.emulator.countCalls({ apiName: TREND_API });
const stamped = (cloud: TestCloud) =>
  cloud.emulator.database
    .documents('wechat_authorizers')
    .filter((document) => typeof document.syncedAt === 'number')
    .map((document) => document._id)
    .sort();
const shardRequest = (appids: string[], deadline: number) => ({ shard: { appids, from: '2023-06', to: '2024-05', deadline } });

describe('the third-party sync fanned out over shards', () => {
  let cloud: TestCloud;
  beforeAll(async () => {
    cloud = await startTestCloud({
      now: NOW,
      env: componentEnv,
      functionEnv: { syncMonthlyAnalytics: { ANALYTICS_SYNC_SHARD_SIZE: '2' } },
      nestedCalls: { timeoutMs: { syncMonthlyAnalytics: LIMIT_MS } },
    });
  });
  afterAll(() => cloud.close());
  beforeEach(() => cloud.reset(NOW));

  test('a timer run starts one shard per 2 authorizers, each in its own invocation, and adds up their replies', async () => {
    setUpPlatform(cloud, APPIDS);
    const result = await cloud.invoke('syncMonthlyAnalytics', { caller: TIMER, rawEvent: TIMER_EVENT, timeoutMs: LIMIT_MS });
    const reply = replyOf(result);
    expect(reply).toMatchObject({ ok: true, data: { fetched: 120, failed: 0, deferred: 0, shards: { started: 3, replied: 3, failed: 0 } } });
    expect(reply.data.authorizers.map((entry: { appid: string }) => entry.appid).sort()).toEqual(APPIDS);
    // The timer run itself asked WeChat nothing: the shards did, each for its own authorizers.
    expect(cloud.emulator.countCalls({ apiName: INVOKE, functionName: 'syncMonthlyAnalytics' })).toBe(3);
    expect(datacubeCalls(cloud)).toBe(120);
    expect(new Set(cloud.nestedCalls?.pids).size).toBeGreaterThanOrEqual(2);
    expect(stamped(cloud)).toEqual(APPIDS);
    const archived = cloud.emulator.database.documents('analytics_monthly').filter((document) => String(document._id).startsWith('wx'));
    expect(archived).toHaveLength(120);

    // Done for the day: the next timer run starts no shard and asks nothing.
    cloud.emulator.resetCalls();
    const again = replyOf(await cloud.invoke('syncMonthlyAnalytics', { caller: TIMER, rawEvent: TIMER_EVENT, timeoutMs: LIMIT_MS }));
    expect(again.data).toMatchObject({ fetched: 0, deferred: 0, authorizersUpToDate: 5, authorizers: [] });
    expect(again.data.shards).toBeUndefined();
    expect(cloud.emulator.countCalls({ apiName: INVOKE })).toBe(0);
    expect(datacubeCalls(cloud)).toBe(0);
  });

  test('a shard that fails fails the timer run, and every month the other shards stored stays stored', async () => {
    setUpPlatform(cloud, APPIDS);
    // CloudBase cannot run the first shard invocation (-504002 FUNCTIONS_EXECUTE_FAIL).
    cloud.emulator.faults.failNext('invokeFunction', -504002);
    const result = await cloud.invoke('syncMonthlyAnalytics', { caller: TIMER, rawEvent: TIMER_EVENT, timeoutMs: LIMIT_MS });
    expect(result.failed?.errorMessage).toMatch(/1 of the 3 shard invocations/);
    const log = result.logs.find((line) => line.includes('"sync_shard_failed"'));
    expect(log).toBeDefined();
    expect(stamped(cloud)).toHaveLength(3);
    const archived = cloud.emulator.database.documents('analytics_monthly').filter((document) => String(document._id).startsWith('wx'));
    expect(archived).toHaveLength(72);
    // The next run takes the two left first, alone (they fit in one invocation): nothing is lost.
    cloud.emulator.resetCalls();
    const next = replyOf(await cloud.invoke('syncMonthlyAnalytics', { caller: TIMER, rawEvent: TIMER_EVENT, timeoutMs: LIMIT_MS }));
    expect(next.data).toMatchObject({ fetched: 48, deferred: 0, authorizersUpToDate: 3 });
    expect(cloud.emulator.countCalls({ apiName: INVOKE })).toBe(0);
  });

  test('only a run a timer run started is served as a shard; the event grants nothing', async () => {
    setUpPlatform(cloud, APPIDS);
    const request = shardRequest([APPIDS[0] ?? ''], NOW.getTime() + 5_000);
    for (const caller of [
      { kind: 'function' as const, source: 'scf' },
      { kind: 'function' as const, source: 'wx_client,scf' },
      { kind: 'http' as const },
    ]) {
      const reply = replyOf(await cloud.invoke('syncMonthlyAnalytics', { caller, data: request }));
      expect(reply).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    }
    // An admin may not send a shard either: its fields are not a backfill's.
    const admin = replyOf(await cloud.invoke('syncMonthlyAnalytics', { caller: { kind: 'miniprogram', openid: ADMIN_OPENID }, data: request }));
    expect(admin).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT' } });
    expect(datacubeCalls(cloud)).toBe(0);

    // From the timer's chain, the shard syncs exactly its authorizers, within the deadline it was given.
    const chain = { kind: 'function' as const, source: 'wx_trigger,scf' };
    const shard = replyOf(await cloud.invoke('syncMonthlyAnalytics', { caller: chain, data: request, timeoutMs: LIMIT_MS }));
    expect(shard).toMatchObject({ ok: true, data: { fetched: 24, deferred: 0 } });
    expect(shard.data.authorizers.map((entry: { appid: string }) => entry.appid)).toEqual([APPIDS[0]]);
    expect(stamped(cloud)).toEqual([APPIDS[0]]);
    // A broken shard request is refused to the timer run (which then fails), and costs no WeChat call.
    cloud.emulator.resetCalls();
    const broken = await cloud.invoke('syncMonthlyAnalytics', { caller: chain, data: shardRequest(['wx1'], NOW.getTime() + 5_000) });
    expect(replyOf(broken)).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT', message: expect.stringMatching(/shard.appids/) } });
    expect(datacubeCalls(cloud)).toBe(0);
  });

  test('a shard ends by the deadline its timer run gave it', async () => {
    setUpPlatform(cloud, APPIDS);
    cloud.emulator.faults.latency(100);
    const chain = { kind: 'function' as const, source: 'wx_trigger,scf' };
    const result = await cloud.invoke('syncMonthlyAnalytics', { caller: chain, data: shardRequest(APPIDS, NOW.getTime() + 1_500), timeoutMs: LIMIT_MS });
    const reply = replyOf(result);
    expect(reply.data.deferred).toBeGreaterThan(0);
    expect(result.durationMs).toBeLessThan(2_500);
  });

  test('a shard whose time runs out before its authorizers arrive defers them all, without failing', async () => {
    setUpPlatform(cloud, APPIDS);
    cloud.emulator.faults.latency(2_000, 'database');
    const chain = { kind: 'function' as const, source: 'wx_trigger,scf' };
    const result = await cloud.invoke('syncMonthlyAnalytics', { caller: chain, data: shardRequest(APPIDS, NOW.getTime() + 1_000), timeoutMs: LIMIT_MS });
    expect(replyOf(result)).toMatchObject({ ok: true, data: { fetched: 0, failed: 0, deferred: 120 } });
    expect(result.logs.some((line) => line.includes('"sync_shard_out_of_time"'))).toBe(true);
    expect(result.durationMs).toBeLessThan(1_900);
    expect(datacubeCalls(cloud)).toBe(0);
  });

  test('a shard that started after its deadline defers its authorizers and replies', async () => {
    setUpPlatform(cloud, APPIDS);
    const chain = { kind: 'function' as const, source: 'wx_trigger,scf' };
    const result = await cloud.invoke('syncMonthlyAnalytics', { caller: chain, data: shardRequest(APPIDS, NOW.getTime() - 50), timeoutMs: LIMIT_MS });
    expect(replyOf(result)).toMatchObject({ ok: true, data: { fetched: 0, failed: 0, deferred: 120 } });
    expect(replyOf(result).data.authorizers.map((entry: { appid: string; deferred: number }) => `${entry.appid}:${entry.deferred}`)).toEqual(APPIDS.map((appid) => `${appid}:24`));
    expect(datacubeCalls(cloud)).toBe(0);
  });

  test("an authorizer's own problem in a shard is reported to the timer run, which does not fail", async () => {
    setUpPlatform(cloud, APPIDS);
    // The first retention call of the run answers 48001: that authorizer may not use the API.
    cloud.emulator.faults.failNext('getMonthlyRetain', 48001, 1);
    const result = await cloud.invoke('syncMonthlyAnalytics', { caller: TIMER, rawEvent: TIMER_EVENT, timeoutMs: LIMIT_MS });
    const reply = replyOf(result);
    // Its 3 calls already in flight (4 at once) are stored; no other retention call of it starts.
    expect(reply).toMatchObject({ ok: true, data: { failed: 9, deferred: 0, shards: { started: 3, replied: 3, failed: 0 } } });
    expect(reply.data.failures).toHaveLength(9);
    expect(reply.data.failures[0]).toMatchObject({ error: { wxErrCode: 48001 }, retryLater: false, appid: expect.stringMatching(/^wx/) });
    expect(stamped(cloud)).toEqual(APPIDS);
  });

  test('with too little time to start shards, the timer run walks the authorizers itself and says so', async () => {
    setUpPlatform(cloud, APPIDS);
    const result = await cloud.invoke('syncMonthlyAnalytics', { caller: TIMER, rawEvent: TIMER_EVENT, timeoutMs: 1_000 });
    const reply = replyOf(result);
    expect(reply.ok).toBe(true);
    expect(reply.data.fetched).toBeGreaterThan(0);
    expect(reply.data.shards).toBeUndefined();
    expect(result.logs.some((line) => line.includes('"sync_fan_out_skipped"'))).toBe(true);
    expect(cloud.emulator.countCalls({ apiName: INVOKE })).toBe(0);
  });
});
