import { componentEnvironment, emulatedAuthorizerAppid, pushTicket, seedAuthorizers } from '../../scripts/emulator-environment';
import type { Emulator } from '@wx-monthly-analytics/cloudbase-emulator';
import { ADMIN_OPENID, RETAIN_API, TIMER, TREND_API, type TestCloud, replyOf, startTestCloud } from '../helpers/cloud';

// A shard's reply, and the timer run's sum of shards, list at most 20 failures (MAX_LISTED_FAILURES) and
// count the rest, so that a reply stays far under the 6 MB a synchronous reply may carry. Here every
// datacube call of every authorizer answers 48001, across 3 shards, through the real wx-server-sdk, the
// emulator's functions.invokeFunction and function-runner's pool.
const NOW = new Date('2024-06-15T02:00:00Z');
const TIMER_EVENT = { Type: 'Timer', TriggerName: 'dailyMonthlyAnalyticsSync', Time: '2024-06-15T02:00:00Z', Message: '' };
const LIMIT_MS = 15_000;
const APPIDS = [1, 2, 3, 4, 5].map(emulatedAuthorizerAppid);
const MONTHS_PER_AUTHORIZER = 24;
const LISTED = 20;
const BOUND = 64 * 1024;

const componentEnv = (emulator: Emulator) => ({ ...componentEnvironment(emulator.url), ANALYTICS_ADMIN_OPENIDS: ADMIN_OPENID });
const codesSum = (byCode: Record<string, number> | undefined) => Object.values(byCode ?? {}).reduce((sum, count) => sum + count, 0);

describe('a sync reply stays bounded when every WeChat call fails', () => {
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

  test('the timer run over 3 shards: 20 failures listed, all 120 counted, by code', async () => {
    const started = Date.now();
    pushTicket(cloud.emulator, NOW);
    seedAuthorizers(cloud.emulator, APPIDS, NOW);
    cloud.emulator.faults.failAlways(RETAIN_API, 48001);
    cloud.emulator.faults.failAlways(TREND_API, 48001);
    const result = await cloud.invoke('syncMonthlyAnalytics', { caller: TIMER, rawEvent: TIMER_EVENT, timeoutMs: LIMIT_MS });
    const reply = replyOf(result);
    // 48001 is each authorizer's own problem: the run does not fail, and every month is accounted for.
    expect(reply).toMatchObject({ ok: true, data: { fetched: 0, deferred: 0, shards: { started: 3, replied: 3, failed: 0 } } });
    const data = reply.data;
    expect(data.failed).toBe(APPIDS.length * MONTHS_PER_AUTHORIZER);
    expect(data.failures).toHaveLength(LISTED);
    expect(data.failures.length + data.failuresNotListed).toBe(data.failed);
    expect(codesSum(data.failuresByCode)).toBe(data.failed);
    expect(data.failures[0]).toMatchObject({ error: { wxErrCode: 48001 }, retryLater: false, appid: expect.stringMatching(/^wx/) });
    expect(data.authorizers.reduce((sum: number, entry: { failed: number }) => sum + entry.failed, 0)).toBe(data.failed);
    expect(Buffer.byteLength(JSON.stringify(reply))).toBeLessThan(BOUND);
    // WeChat stopped early: after its 48001, no other call of that API is made for that authorizer.
    expect(cloud.emulator.countCalls({ apiName: RETAIN_API }) + cloud.emulator.countCalls({ apiName: TREND_API })).toBeLessThan(data.failed);
    expect(Date.now() - started).toBeLessThan(20_000);
  }, 20_000);

  test('one shard of all 5 authorizers replies 20 failures and the counts', async () => {
    pushTicket(cloud.emulator, NOW);
    seedAuthorizers(cloud.emulator, APPIDS, NOW);
    cloud.emulator.faults.failAlways(RETAIN_API, 48001);
    cloud.emulator.faults.failAlways(TREND_API, 48001);
    const chain = { kind: 'function' as const, source: 'wx_trigger,scf' };
    const data = { shard: { appids: APPIDS, from: '2023-06', to: '2024-05', deadline: NOW.getTime() + 10_000 } };
    const reply = replyOf(await cloud.invoke('syncMonthlyAnalytics', { caller: chain, data, timeoutMs: LIMIT_MS }));
    expect(reply).toMatchObject({ ok: true, data: { failed: APPIDS.length * MONTHS_PER_AUTHORIZER, failuresNotListed: APPIDS.length * MONTHS_PER_AUTHORIZER - LISTED } });
    expect(reply.data.failures).toHaveLength(LISTED);
    expect(codesSum(reply.data.failuresByCode)).toBe(reply.data.failed);
    expect(Buffer.byteLength(JSON.stringify(reply))).toBeLessThan(BOUND);
  }, 20_000);
});
