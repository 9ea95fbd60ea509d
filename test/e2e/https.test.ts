import { httpsEnvironment } from '../../scripts/emulator-environment';
import { EMULATOR_APPID, EMULATOR_APP_SECRET } from '@wx-monthly-analytics/cloudbase-emulator';
import { ADMIN, TIMER, TestCloud, replyOf, startTestCloud, putDocument } from '../helpers/cloud';

// The HTTPS transport end to end: the built functions, the runner, the real wx-server-sdk (for the
// database) and the emulator's token and datacube endpoints.
const NOW = new Date('2024-06-15T02:00:00Z');
const RETAIN = 'analysis.getMonthlyRetain';
const STABLE_TOKEN = 'cgi-bin/stable_token';
const TIMER_EVENT = { Type: 'Timer', TriggerName: 'dailyMonthlyAnalyticsSync', Time: '2024-06-15T02:00:00Z', Message: '' };

const httpsEnv = (overrides: Record<string, string> = {}) => (emulator: { url: string }) => ({ ...httpsEnvironment(emulator.url), ...overrides });

/** Everything a function printed or replied, to prove no secret or token ever leaves it. */
const output: string[] = [];
function record<T extends { logs: string[]; reply: unknown; failed?: unknown }>(result: T): T {
  output.push(...result.logs, JSON.stringify(result.reply ?? null), JSON.stringify(result.failed ?? null));
  return result;
}

describe('HTTPS transport, end to end', () => {
  let https: TestCloud;
  let cloud: TestCloud;
  const issuedTokens = new Set<string>();

  beforeAll(async () => {
    [https, cloud] = await Promise.all([startTestCloud({ now: NOW, env: httpsEnv() }), startTestCloud({ now: NOW })]);
  });
  afterAll(async () => {
    await Promise.all([https.close(), cloud.close()]);
  });
  beforeEach(() => {
    https.reset(NOW);
    cloud.reset(NOW);
  });
  afterEach(() => {
    const token = https.emulator.tokens.current();
    if (token) issuedTokens.add(token);
  });

  test('both functions and the sync answer as the cloud call does, with no cloud call', async () => {
    for (const [name, data] of [
      ['getMonthlyRetain', { month: '2024-04' }],
      ['getMonthlyVisitTrend', { from: '2024-01', to: '2024-05' }],
    ] as const) {
      const overHttps = replyOf(record(await https.invoke(name, { caller: ADMIN, data })));
      const overCloud = replyOf(await cloud.invoke(name, { caller: ADMIN, data }));
      const strip = (reply: { data: unknown }) => JSON.parse(JSON.stringify(reply.data, (key, value) => (key === 'fetchedAt' ? undefined : value)));
      expect(overHttps.ok).toBe(true);
      expect(strip(overHttps)).toEqual(strip(overCloud));
    }
    const sync = replyOf(record(await https.invoke('syncMonthlyAnalytics', { caller: TIMER, rawEvent: TIMER_EVENT })));
    expect(sync).toMatchObject({ ok: true, data: { failed: 0 } });
    expect(https.emulator.countCalls({ transport: 'cloud' })).toBe(0);
    expect(https.emulator.countCalls({ apiName: STABLE_TOKEN })).toBe(1);
  });

  test('20 concurrent cold calls make one token request', async () => {
    // Twenty processes starting at once on a small machine: a time limit of 10 s (settable in the console)
    // keeps the point of the test on the token, not on how fast twenty cold starts share two cores.
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, index) =>
        https.invokeCold('getMonthlyRetain', { caller: ADMIN, timeoutMs: 10_000, data: { month: `2023-${String((index % 12) + 1).padStart(2, '0')}` } }),
      ),
    );
    results.forEach(record);
    expect(results.map((result) => replyOf(result).ok || replyOf(result).error.code)).toEqual(Array(20).fill(true));
    expect(https.emulator.countCalls({ apiName: STABLE_TOKEN })).toBe(1);
  }, 30_000);

  test('a token expiring mid-run is replaced once', async () => {
    replyOf(record(await https.invoke('getMonthlyRetain', { caller: ADMIN, data: { month: '2024-01' } })));
    https.setNow(new Date(NOW.getTime() + 7200 * 1000 - 30 * 1000));
    https.emulator.setNow(new Date(NOW.getTime() + 7200 * 1000 - 30 * 1000));
    const reply = replyOf(record(await https.invoke('getMonthlyVisitTrend', { caller: ADMIN, data: { from: '2024-01', to: '2024-05' } })));
    expect(reply.data.every((entry: { ok: boolean }) => entry.ok)).toBe(true);
    expect(https.emulator.countCalls({ apiName: STABLE_TOKEN })).toBe(2);
  });

  test('a token refused once (another service force-refreshed it): one refresh, then success', async () => {
    replyOf(record(await https.invoke('getMonthlyRetain', { caller: ADMIN, data: { month: '2024-01' } })));
    const token = https.emulator.tokens.current();
    expect(token && https.emulator.tokens.invalidate(token)).toBe(true);
    https.emulator.resetCalls();
    const reply = replyOf(record(await https.invoke('getMonthlyRetain', { caller: ADMIN, data: { month: '2024-02' } })));
    expect(reply).toMatchObject({ ok: true, source: 'wechat' });
    expect(https.emulator.countCalls({ apiName: RETAIN })).toBe(2);
    expect(https.emulator.countCalls({ apiName: STABLE_TOKEN })).toBe(1);
  });

  test('a token refused twice: a clear error after 2 datacube calls and 1 refresh', async () => {
    replyOf(record(await https.invoke('getMonthlyRetain', { caller: ADMIN, data: { month: '2024-01' } })));
    https.emulator.resetCalls();
    https.emulator.faults.failNext(RETAIN, 40001, 2);
    const reply = replyOf(record(await https.invoke('getMonthlyRetain', { caller: ADMIN, data: { month: '2024-02' } })));
    expect(reply).toMatchObject({ ok: false, error: { code: 'UPSTREAM_ERROR', message: expect.stringMatching(/rejected the access_token twice/) } });
    expect(https.emulator.countCalls({ apiName: RETAIN })).toBe(2);
    expect(https.emulator.countCalls({ apiName: STABLE_TOKEN })).toBe(1);
  });

  test('the time limit holds with a slow token endpoint', async () => {
    https.emulator.faults.latency(3500, STABLE_TOKEN);
    const result = record(await https.invokeCold('getMonthlyRetain', { caller: ADMIN, data: { month: '2024-03' } }));
    expect(result.timedOut).toBe(false);
    expect(replyOf(result)).toMatchObject({ ok: false, error: { code: 'DEADLINE_EXCEEDED' } });
  });

  test('a datacube request cut at the deadline is out of time, not a failure: a view replies DEADLINE_EXCEEDED, the sync defers', async () => {
    https.emulator.faults.latency(3500, RETAIN);
    const view = record(await https.invoke('getMonthlyRetain', { caller: ADMIN, data: { month: '2024-03' } }));
    expect(view.timedOut).toBe(false);
    expect(replyOf(view)).toMatchObject({ ok: false, error: { code: 'DEADLINE_EXCEEDED' } });
    const sync = replyOf(record(await https.invoke('syncMonthlyAnalytics', { caller: TIMER })));
    expect(sync.data.failed).toBe(0);
    expect(sync.data.deferred).toBeGreaterThan(0);
  });

  test.each([
    ['no leaseUntil', { token: 'stale', expiresAt: 0, leaseHolder: null, failure: null }],
    ['a leaseUntil that is not a number', { token: 'stale', expiresAt: 0, leaseHolder: 'x', leaseUntil: 'x', failure: null }],
    ['a lease far in the future', { token: null, expiresAt: 0, leaseHolder: 'x', leaseUntil: 9e15, failure: null }],
    ['a token that is not a string', { token: 12345, expiresAt: 0, leaseHolder: null, leaseUntil: 0, failure: null }],
  ])('a token document with %s does not block the transport', async (_name, fields) => {
    putDocument(https, 'wechat_tokens', { _id: `access_token_${EMULATOR_APPID}`, kind: 'token', ...fields });
    const result = record(await https.invokeCold('getMonthlyRetain', { caller: ADMIN, data: { month: '2024-02' } }));
    expect(replyOf(result)).toMatchObject({ ok: true, source: 'wechat' });
    expect(https.emulator.countCalls({ apiName: STABLE_TOKEN })).toBe(1);
    expect(result.logs.join('\n')).not.toMatch(/MaxListenersExceededWarning/);
  });

  test('waiting for another instance\'s lease polls without leaking abort listeners', async () => {
    putDocument(https, 'wechat_tokens', { _id: `access_token_${EMULATOR_APPID}`, kind: 'token', token: null, expiresAt: 0, leaseHolder: 'other', leaseUntil: NOW.getTime() + 1500, failure: null });
    const result = record(await https.invokeCold('getMonthlyRetain', { caller: ADMIN, data: { month: '2024-02' } }));
    expect(replyOf(result)).toMatchObject({ ok: true });
    expect(result.logs.join('\n')).not.toMatch(/MaxListenersExceededWarning/);
  });

  test('no secret or token appears in any output of this suite', () => {
    expect(output.length).toBeGreaterThan(20);
    const text = output.join('\n');
    expect(text).not.toContain(EMULATOR_APP_SECRET);
    for (const token of issuedTokens) expect(text).not.toContain(token);
  });
});

describe('HTTPS transport with wrong credentials', () => {
  let https: TestCloud;

  afterEach(() => https.close());

  test('a wrong secret is a CONFIGURATION_ERROR, and the token endpoint is not asked again within a minute', async () => {
    https = await startTestCloud({ now: NOW, env: httpsEnv({ WECHAT_APPSECRET: 'not-the-secret' }) });
    const first = replyOf(await https.invoke('getMonthlyRetain', { caller: ADMIN, data: { month: '2024-01' } }));
    expect(first).toMatchObject({ ok: false, error: { code: 'CONFIGURATION_ERROR', wxErrCode: 40125, message: expect.stringMatching(/WECHAT_APPSECRET/) } });
    expect(JSON.stringify(first)).not.toContain('not-the-secret');
    const again = replyOf(await https.invokeCold('getMonthlyVisitTrend', { caller: ADMIN, data: { month: '2024-01' } }));
    expect(again.error.code).toBe('CONFIGURATION_ERROR');
    expect(https.emulator.countCalls({ apiName: STABLE_TOKEN })).toBe(1);
    https.setNow(new Date(NOW.getTime() + 61_000));
    https.emulator.setNow(new Date(NOW.getTime() + 61_000));
    replyOf(await https.invoke('getMonthlyRetain', { caller: ADMIN, data: { month: '2024-01' } }));
    expect(https.emulator.countCalls({ apiName: STABLE_TOKEN })).toBe(2);
  });

  test('the AppID and the AppSecret swapped: the error describes the value and never quotes it, in the reply or the log', async () => {
    https = await startTestCloud({ now: NOW, env: httpsEnv({ WECHAT_APPID: EMULATOR_APP_SECRET, WECHAT_APPSECRET: EMULATOR_APPID }) });
    const result = await https.invoke('getMonthlyRetain', { caller: ADMIN, data: { month: '2024-01' } });
    expect(replyOf(result)).toMatchObject({
      ok: false,
      error: { code: 'CONFIGURATION_ERROR', message: expect.stringContaining(`WECHAT_APPID must be the Mini Program's AppID`) },
    });
    expect(replyOf(result).error.message).toContain(`it is ${EMULATOR_APP_SECRET.length} characters of `);
    const everything = JSON.stringify(result.reply) + result.logs.join('\n');
    expect(everything).not.toContain(EMULATOR_APP_SECRET);
    expect(https.emulator.calls).toHaveLength(0);
  });

  test('40164 says which IP to allowlist and how', async () => {
    https = await startTestCloud({ now: NOW, env: httpsEnv() });
    https.emulator.tokens.rejectIp('203.0.113.7');
    const reply = replyOf(await https.invoke('getMonthlyRetain', { caller: ADMIN, data: { month: '2024-01' } }));
    expect(reply).toMatchObject({ ok: false, error: { code: 'CONFIGURATION_ERROR', wxErrCode: 40164, message: expect.stringMatching(/203\.0\.113\.7.*固定出口 IP/) } });
  });

  test('a timer run with a wrong secret fails loudly', async () => {
    https = await startTestCloud({ now: NOW, env: httpsEnv({ WECHAT_APPSECRET: 'not-the-secret' }) });
    const result = await https.invoke('syncMonthlyAnalytics', { caller: TIMER, rawEvent: TIMER_EVENT });
    expect(result.failed?.errorMessage).toMatch(/CONFIGURATION_ERROR/);
    expect(result.failed?.errorMessage).not.toContain('not-the-secret');
  });
});
