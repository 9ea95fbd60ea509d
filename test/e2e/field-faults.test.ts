import { ADMIN, STRANGER, TIMER, TestCloud, replyOf, startTestCloud, ARCHIVE_COLLECTION, RETAIN_API, TREND_API, useTestCloud, putDocument } from '../helpers/cloud';

// Faults met in the field, each through the built functions, the real wx-server-sdk and the emulator.
const NOW = new Date('2024-06-15T04:00:00Z');
const RETAIN = RETAIN_API;
const TREND = TREND_API;
const COLLECTION = ARCHIVE_COLLECTION;
const TIMER_EVENT = { Type: 'Timer', TriggerName: 'dailyMonthlyAnalyticsSync', Time: '2024-06-15T02:00:00Z', Message: '' };
const EMPTY_SUMMARY = { fetched: 24, skipped: 0, failed: 0, deferred: 0, failures: [] };

/** Puts a document into the archive as a careless script or another team could. */
const putArchived = (cloud: TestCloud, document: Record<string, unknown> & { _id: string }) => putDocument(cloud, COLLECTION, document);

describe('field faults, end to end', () => {
  const cloud = useTestCloud({ now: NOW });

  const documents = () => cloud.emulator.database.documents(COLLECTION);

  describe('timer runs are decided by the platform, not by the event', () => {
    test.each([
      ['the platform\'s event with an empty Message', TIMER_EVENT],
      ['a custom Message', { ...TIMER_EVENT, Message: '{"months":3}' }],
      ['the lower-case Type of other samples and any other field', { ...TIMER_EVENT, Type: 'timer', Extra: 1 }],
    ])('%s: the daily sync runs', async (_name, event) => {
      const reply = replyOf(await cloud.invoke('syncMonthlyAnalytics', { caller: TIMER, rawEvent: event }));
      expect(reply).toEqual({ ok: true, data: EMPTY_SUMMARY });
      expect(cloud.emulator.countCalls()).toBe(24);
    });
  });

  describe('a month WeChat answered without figures is not final', () => {
    test.each([
      [TREND, 'getMonthlyVisitTrend', '{"list":[]}'],
      [RETAIN, 'getMonthlyRetain', '{"ref_date":"202405","visit_uv_new":[],"visit_uv":[]}'],
      [RETAIN, 'getMonthlyRetain', '{"errcode":0,"errmsg":"ok"}'],
    ] as const)('%s %s: served with final: false, then fetched again once WeChat has the figures', async (api, name, empty) => {
      cloud.setNow(new Date('2024-05-31T16:10:00Z'));
      cloud.emulator.overrideReply(api, '2024-05', empty);
      const early = replyOf(await cloud.invoke(name, { caller: ADMIN, data: { month: '2024-05' } }));
      expect(early).toMatchObject({ ok: true, source: 'wechat', final: false });

      cloud.setNow(new Date('2024-06-01T02:00:00Z'));
      const figures =
        api === TREND
          ? '{"list":[{"ref_date":"202405","session_cnt":30,"visit_pv":90,"visit_uv":10,"visit_uv_new":4,"stay_time_session":12.5,"visit_depth":3}]}'
          : '{"ref_date":"202405","visit_uv_new":[{"key":0,"value":4}],"visit_uv":[{"key":0,"value":10}]}';
      cloud.emulator.overrideReply(api, '2024-05', figures);
      const later = replyOf(await cloud.invoke(name, { caller: ADMIN, data: { month: '2024-05' } }));
      expect(later).toMatchObject({ ok: true, source: 'wechat' });
      expect(api === TREND ? later.data.visitUv : later.data.visitUv[0].value).toBe(10);
      expect(cloud.emulator.countCalls({ apiName: api })).toBe(2);

      const again = replyOf(await cloud.invoke(name, { caller: ADMIN, data: { month: '2024-05' } }));
      expect(again).toMatchObject({ source: 'archive', data: later.data });
      expect(cloud.emulator.countCalls({ apiName: api })).toBe(2);
    });

    test('the timer fetches an empty month again on its next run', async () => {
      cloud.setNow(new Date('2024-05-31T16:10:00Z'));
      cloud.emulator.overrideReply(TREND, '2024-05', '{"list":[]}');
      replyOf(await cloud.invoke('syncMonthlyAnalytics', { caller: TIMER, rawEvent: TIMER_EVENT }));
      cloud.emulator.overrideReply(TREND, '2024-05', '{"list":[{"ref_date":"202405","visit_uv":10}]}');
      cloud.setNow(new Date('2024-06-01T02:00:00Z'));
      cloud.emulator.resetCalls();
      const next = replyOf(await cloud.invoke('syncMonthlyAnalytics', { caller: TIMER, rawEvent: TIMER_EVENT }));
      expect(next.data).toMatchObject({ fetched: 1, failed: 0 });
      expect(cloud.emulator.countCalls({ apiName: TREND })).toBe(1);
      const may = documents().find((document) => document._id === 'visitTrend_2024-05') as { data: { visitUv: number } };
      expect(may.data.visitUv).toBe(10);
    });

    test('an empty answer given in the first days is asked once more after a week, by a view, and then settles', async () => {
      cloud.setNow(new Date('2024-06-30T16:31:00Z'));
      cloud.emulator.setNow(new Date('2024-06-30T16:31:00Z'));
      cloud.emulator.overrideReply(TREND, '2024-06', '{"list":[]}');
      expect(replyOf(await cloud.invoke('getMonthlyVisitTrend', { caller: ADMIN, data: { month: '2024-06' } }))).toMatchObject({ data: null, final: false });
      cloud.setNow(new Date('2024-07-09T02:00:00Z'));
      cloud.emulator.setNow(new Date('2024-07-09T02:00:00Z'));
      cloud.emulator.overrideReply(TREND, '2024-06', '{"list":[{"ref_date":"202406","visit_uv":7}]}');
      const later = replyOf(await cloud.invoke('getMonthlyVisitTrend', { caller: ADMIN, data: { month: '2024-06' } }));
      expect(later).toMatchObject({ source: 'wechat', final: true, data: { visitUv: 7 } });
      expect(cloud.emulator.countCalls({ apiName: TREND })).toBe(2);
    });

    test('a month with no visits, answered long after it ended, costs one call only', async () => {
      // The emulator's Mini Program launched in February 2017: January has no figures.
      const first = replyOf(await cloud.invoke('getMonthlyVisitTrend', { caller: ADMIN, data: { month: '2017-01' } }));
      expect(first).toMatchObject({ ok: true, data: null, final: true, source: 'wechat' });
      const second = replyOf(await cloud.invoke('getMonthlyVisitTrend', { caller: ADMIN, data: { month: '2017-01' } }));
      expect(second).toMatchObject({ ok: true, data: null, final: true, source: 'archive' });
      expect(cloud.emulator.countCalls({ apiName: TREND })).toBe(1);
    });

    test('retention whose key 1 never arrives is not asked again on every view', async () => {
      // WeChat's own example of 2017-02 has key 0 only, years later.
      replyOf(await cloud.invoke('getMonthlyRetain', { caller: ADMIN, data: { month: '2017-02' } }));
      const again = replyOf(await cloud.invoke('getMonthlyRetain', { caller: ADMIN, data: { month: '2017-02' } }));
      expect(again).toMatchObject({ ok: true, source: 'archive', final: false, data: { complete: false } });
      expect(cloud.emulator.countCalls({ apiName: RETAIN })).toBe(1);
    });
  });

  test('a single month with WeChat slower than the time limit gets a typed reply before it', async () => {
    cloud.emulator.faults.latency(3500, RETAIN);
    const result = await cloud.invoke('getMonthlyRetain', { caller: ADMIN, data: { month: '2024-05' } });
    expect(result.timedOut).toBe(false);
    expect(replyOf(result)).toMatchObject({ ok: false, error: { code: 'DEADLINE_EXCEEDED', message: expect.stringMatching(/call again/) } });
    expect(result.durationMs).toBeGreaterThan(2400);
    expect(result.durationMs).toBeLessThan(3000);
  });

  describe('after a failure that cannot clear within the call, no other month of that API is sent', () => {
    test('45009 on a 12-month range: at most ANALYTICS_CONCURRENCY calls, every month says QUOTA_EXCEEDED', async () => {
      cloud.emulator.faults.failNext(RETAIN, 45009, 100);
      const reply = replyOf(await cloud.invoke('getMonthlyRetain', { caller: ADMIN, data: { from: '2023-06', to: '2024-05' } }));
      expect(reply).toMatchObject({ ok: false, error: { code: 'QUOTA_EXCEEDED', wxErrCode: 45009 } });
      expect(cloud.emulator.countCalls({ apiName: RETAIN })).toBeLessThanOrEqual(4);
    });

    test('45009 in the sync: at most ANALYTICS_CONCURRENCY calls per API, and the run waits for the next one', async () => {
      cloud.emulator.faults.failNext('*', 45009, 100);
      const reply = replyOf(await cloud.invoke('syncMonthlyAnalytics', { caller: TIMER, rawEvent: TIMER_EVENT }));
      expect(reply.ok).toBe(true);
      expect(reply.data).toMatchObject({ fetched: 0, failed: 24 });
      expect(cloud.emulator.countCalls()).toBeLessThanOrEqual(8);
    });
  });

  describe('the archive is checked before it is trusted', () => {
    test.each([null, {}, 'garbage', 42, { complete: true }])('retain_2024-03 with data %j is fetched again and overwritten', async (data) => {
      putArchived(cloud, { _id: 'retain_2024-03', kind: 'retain', month: '2024-03', data, fetchedAt: new Date('2024-04-02T00:00:00Z') });
      const month = replyOf(await cloud.invoke('getMonthlyRetain', { caller: ADMIN, data: { month: '2024-03' } }));
      expect(month).toMatchObject({ ok: true, source: 'wechat', data: { month: '2024-03', complete: true } });
      const stored = documents().find((document) => document._id === 'retain_2024-03') as { data: unknown };
      expect(stored.data).toEqual(month.data);
    });

    test.each(['garbage', 42, [1, 2, 3], {}])('visitTrend_2024-03 with data %j is not served; ranges and the timer are unaffected', async (data) => {
      putArchived(cloud, { _id: 'visitTrend_2024-03', kind: 'visitTrend', month: '2024-03', data, fetchedAt: new Date('2024-04-02T00:00:00Z') });
      putArchived(cloud, { _id: 'retain_2024-03', kind: 'retain', month: '2024-03', data: null, fetchedAt: 'not a date' });
      const range = replyOf(await cloud.invoke('getMonthlyVisitTrend', { caller: ADMIN, data: { from: '2024-01', to: '2024-05' } }));
      expect(range.ok).toBe(true);
      expect(range.data.every((entry: { ok: boolean; source: string }) => entry.ok && entry.source === 'wechat')).toBe(true);
      cloud.emulator.resetCalls();
      const sync = replyOf(await cloud.invoke('syncMonthlyAnalytics', { caller: TIMER, rawEvent: TIMER_EVENT }));
      expect(sync).toEqual({ ok: true, data: { fetched: 19, skipped: 5, failed: 0, deferred: 0, failures: [] } });
    });

    test.each([
      [TREND, 'getMonthlyVisitTrend', '{"list":[{"ref_date":"202301","visit_uv":5}]}'],
      [RETAIN, 'getMonthlyRetain', '{"ref_date":"202301","visit_uv_new":[{"key":0,"value":1}],"visit_uv":[{"key":0,"value":2}]}'],
      [RETAIN, 'getMonthlyRetain', '{"ref_date":"202405","visit_uv_new":[{"key":0,"value":1},{"key":0,"value":3}],"visit_uv":[]}'],
    ] as const)('%s: a reply for another month (or repeating a key) is an error, and nothing is stored: %s', async (api, name, text) => {
      cloud.emulator.overrideReply(api, '2024-05', text);
      const reply = replyOf(await cloud.invoke(name, { caller: ADMIN, data: { month: '2024-05' } }));
      expect(reply).toMatchObject({ ok: false, error: { code: 'UPSTREAM_ERROR' } });
      expect(documents()).toHaveLength(0);
    });

    test.each([
      ['no expiry', {}],
      ['an expiry that is not a number', { expiresAt: 'soon' }],
      ['an expiry a year away', { expiresAt: Date.parse('2025-06-15T04:00:00Z') }],
    ])('a sync lease with %s does not stop the sync', async (_name, fields) => {
      putArchived(cloud, { _id: 'lease_sync', kind: 'lease', holder: 'someone', ...fields });
      const reply = replyOf(await cloud.invoke('syncMonthlyAnalytics', { caller: TIMER, rawEvent: TIMER_EVENT }));
      expect(reply).toEqual({ ok: true, data: EMPTY_SUMMARY });
    });

    test('a rate that disagrees with its values, or a fetchedAt in the future, is not trusted', async () => {
      const fetched = replyOf(await cloud.invoke('getMonthlyRetain', { caller: ADMIN, data: { month: '2024-03' } }));
      const stored = documents().find((document) => document._id === 'retain_2024-03') as Record<string, any>;
      putArchived(cloud, { ...stored, _id: 'retain_2024-03', data: { ...stored.data, visitUv: stored.data.visitUv.map((point: { rate: number }) => ({ ...point, rate: 0.99 })) } });
      putArchived(cloud, { ...stored, _id: 'retain_2024-02', month: '2024-02', data: { ...stored.data, month: '2024-02', refDate: '202402' }, fetchedAt: new Date('2030-01-01T00:00:00Z') });
      cloud.emulator.resetCalls();
      const again = replyOf(await cloud.invoke('getMonthlyRetain', { caller: ADMIN, data: { from: '2024-02', to: '2024-03' } }));
      expect(again.data.map((entry: { source: string }) => entry.source)).toEqual(['wechat', 'wechat']);
      expect(again.data[1].data).toEqual(fetched.data);
    });

    test('a document with another id but a matching kind and month is never read', async () => {
      putArchived(cloud, {
        _id: 'a1b2c3',
        kind: 'visitTrend',
        month: '2024-05',
        fetchedAt: new Date('2024-06-02T00:00:00Z'),
        data: { month: '2024-05', refDate: '202405', sessionCnt: 1, visitPv: 999999999, visitUv: 1, visitUvNew: 1, stayTimeUv: null, stayTimeSession: 1, visitDepth: 1 },
      });
      const reply = replyOf(await cloud.invoke('getMonthlyVisitTrend', { caller: ADMIN, data: { month: '2024-05' } }));
      expect(reply.source).toBe('wechat');
      expect(reply.data.visitPv).not.toBe(999999999);
    });

    test('documents are written with appid and schema version; those of before (no version) are still served', async () => {
      const fetched = replyOf(await cloud.invoke('getMonthlyVisitTrend', { caller: ADMIN, data: { month: '2024-04' } }));
      const written = documents().find((document) => document._id === 'visitTrend_2024-04');
      expect(written).toMatchObject({ kind: 'visitTrend', month: '2024-04', appid: null, schemaVersion: 2, data: fetched.data });
      const { appid: _appid, schemaVersion: _version, ...before } = written as Record<string, unknown>;
      cloud.emulator.database.clear();
      putArchived(cloud, before as { _id: string });
      const served = replyOf(await cloud.invoke('getMonthlyVisitTrend', { caller: ADMIN, data: { month: '2024-04' } }));
      expect(served).toMatchObject({ source: 'archive', data: fetched.data });
    });

    test.each([
      ['another Mini Program', { appid: 'wxOtherMiniProgram01', schemaVersion: 2 }],
      ['an unknown schema version', { appid: null, schemaVersion: 99 }],
    ])('a document of %s is never served', async (_name, fields) => {
      putArchived(cloud, {
        _id: 'visitTrend_2024-05',
        kind: 'visitTrend',
        month: '2024-05',
        ...fields,
        fetchedAt: new Date('2024-06-02T00:00:00Z'),
        data: { month: '2024-05', refDate: '202405', sessionCnt: 1, visitPv: 999999999, visitUv: 1, visitUvNew: 1, stayTimeUv: null, stayTimeSession: 1, visitDepth: 1 },
      });
      const reply = replyOf(await cloud.invoke('getMonthlyVisitTrend', { caller: ADMIN, data: { month: '2024-05' } }));
      expect(reply.source).toBe('wechat');
      expect(reply.data.visitPv).not.toBe(999999999);
    });

    test.each([
      [TREND, 'getMonthlyVisitTrend', '[]'],
      [TREND, 'getMonthlyVisitTrend', '"str"'],
      [TREND, 'getMonthlyVisitTrend', '42'],
      [TREND, 'getMonthlyVisitTrend', ''],
      [RETAIN, 'getMonthlyRetain', '"str"'],
      [RETAIN, 'getMonthlyRetain', ''],
    ] as const)('%s: a reply of %s is an error, and nothing is stored', async (api, name, text) => {
      cloud.emulator.overrideReply(api, '2024-05', text);
      const reply = replyOf(await cloud.invoke(name, { caller: ADMIN, data: { month: '2024-05' } }));
      expect(reply).toMatchObject({ ok: false, error: { code: 'UPSTREAM_ERROR' } });
      expect(documents()).toHaveLength(0);
    });
  });

  describe('inputs that never cost a call', () => {
    test.each([{ month: '0000-01' }, { beginDate: '00000101', endDate: '00000131' }, { from: '0000-01', to: '0001-12' }, { month: '2016-12' }])(
      '%j is refused up front',
      async (data) => {
        const reply = replyOf(await cloud.invoke('getMonthlyRetain', { caller: ADMIN, data }));
        expect(reply).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT', message: expect.stringMatching(/from 2017-01/) } });
        expect(cloud.emulator.calls).toHaveLength(0);
      },
    );

    test('a huge input is not echoed back in full', async () => {
      const reply = replyOf(await cloud.invoke('getMonthlyRetain', { caller: ADMIN, data: { month: 'x'.repeat(1024 * 1024) } }));
      expect(reply.error.code).toBe('INVALID_ARGUMENT');
      expect(JSON.stringify(reply).length).toBeLessThan(600);
    });
  });
});

describe('field faults with a broken configuration', () => {
  let cloud: TestCloud;

  beforeAll(async () => {
    cloud = await startTestCloud({ now: NOW, env: { ANALYTICS_SYNC_MONTHS: 'abc' } });
  });
  afterAll(() => cloud.close());

  test('a timer run fails loudly', async () => {
    const result = await cloud.invoke('syncMonthlyAnalytics', { caller: TIMER, rawEvent: TIMER_EVENT });
    expect(result.failed?.errorMessage).toMatch(/CONFIGURATION_ERROR: .*ANALYTICS_SYNC_MONTHS/);
    expect(cloud.emulator.calls).toHaveLength(0);
  });

  test('a stranger learns nothing about it; an admin is told', async () => {
    const stranger = replyOf(await cloud.invoke('getMonthlyRetain', { caller: STRANGER, data: {} }));
    expect(stranger).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(JSON.stringify(stranger)).not.toMatch(/abc|ANALYTICS_SYNC_MONTHS/);
    const admin = replyOf(await cloud.invoke('getMonthlyRetain', { caller: ADMIN, data: {} }));
    // The admin is told which variable and what its value looks like, never the value (it may be a secret).
    expect(admin).toMatchObject({ ok: false, error: { code: 'CONFIGURATION_ERROR', message: expect.stringMatching(/ANALYTICS_SYNC_MONTHS.*it is 3 characters of letters \(not shown\)/) } });
    expect(JSON.stringify(admin)).not.toContain('abc');
  });
});

describe('concurrent syncs', () => {
  let cloud: TestCloud;

  beforeAll(async () => {
    cloud = await startTestCloud({ now: NOW });
  });
  afterAll(() => cloud.close());

  test('five timer runs at once make the calls of one', async () => {
    cloud.emulator.faults.latency(50);
    const results = await Promise.all(
      Array.from({ length: 5 }, () => cloud.invokeCold('syncMonthlyAnalytics', { caller: TIMER, rawEvent: TIMER_EVENT })),
    );
    const replies = results.map(replyOf);
    expect(replies.every((reply) => reply.ok)).toBe(true);
    expect(cloud.emulator.countCalls()).toBe(24);
    expect(replies.reduce((sum, reply) => sum + reply.data.fetched, 0)).toBe(24);
    expect(cloud.emulator.database.documents(COLLECTION).map((document) => document._id)).not.toContain('lease_sync');
  });
});
