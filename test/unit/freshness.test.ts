import { awaitsPublication, freshness, PUBLICATION_WINDOW_MS, RECHECK_INTERVAL_MS } from '../../src/reports/freshness';
import { normalizeRetention, retainReport } from '../../src/reports/retain';
import { normalizeVisitTrend, visitTrendReport } from '../../src/reports/visit-trend';

const at = (iso: string) => Date.parse(iso);
// May 2024 ends at 2024-05-31T16:00:00Z (midnight in China).
const MAY_ENDS = at('2024-05-31T16:00:00Z');
const JUNE_ENDS = at('2024-06-30T16:00:00Z');
const DAY = 24 * 60 * 60 * 1000;

const emptyTrend = normalizeVisitTrend({ list: [] }, '2024-05');
const trend = normalizeVisitTrend({ list: [{ refDate: '202405', visitUv: 10 }] }, '2024-05');
const emptyRetention = normalizeRetention({}, '2024-05');
const keyZero = normalizeRetention({ visitUv: [{ key: 0, value: 9 }], visitUvNew: [{ key: 0, value: 3 }] }, '2024-05');
const complete = normalizeRetention(
  { visitUv: [{ key: 0, value: 9 }, { key: 1, value: 2 }], visitUvNew: [{ key: 0, value: 3 }, { key: 1, value: 1 }] },
  '2024-05',
);

describe('freshness: when a stored month is asked again', () => {
  test('final figures are never asked again', () => {
    expect(freshness(visitTrendReport, { data: trend, month: '2024-05', fetchedAt: MAY_ENDS + 1000 }, at('2030-01-01T00:00:00Z'), 'view')).toEqual({ fetch: false, final: true });
    expect(freshness(retainReport, { data: complete, month: '2024-05', fetchedAt: JUNE_ENDS + 1000 }, at('2030-01-01T00:00:00Z'), 'sync')).toEqual({ fetch: false, final: true });
  });

  test('an empty answer at 00:10 on 1 June is asked again by views and the sync, at most every 10 minutes by views', () => {
    const stored = { data: emptyTrend, month: '2024-05', fetchedAt: at('2024-05-31T16:10:00Z') };
    expect(freshness(visitTrendReport, stored, at('2024-06-01T02:00:00Z'), 'view')).toEqual({ fetch: true, final: false });
    expect(freshness(visitTrendReport, stored, at('2024-05-31T16:15:00Z'), 'view')).toEqual({ fetch: false, final: false });
    expect(freshness(visitTrendReport, stored, stored.fetchedAt + RECHECK_INTERVAL_MS, 'view').fetch).toBe(true);
    expect(freshness(visitTrendReport, stored, at('2024-05-31T16:15:00Z'), 'sync')).toEqual({ fetch: true, final: false });
    const retention = { data: emptyRetention, month: '2024-05', fetchedAt: at('2024-05-31T16:10:00Z') };
    expect(freshness(retainReport, retention, at('2024-06-01T02:00:00Z'), 'view')).toEqual({ fetch: true, final: false });
  });

  test('an empty answer given inside the 7 days is asked once more after them, by views too, and that answer settles it', () => {
    const stored = { data: emptyTrend, month: '2024-05', fetchedAt: MAY_ENDS + DAY };
    const later = MAY_ENDS + PUBLICATION_WINDOW_MS + 1;
    expect(freshness(visitTrendReport, stored, later, 'view')).toEqual({ fetch: true, final: false });
    expect(freshness(visitTrendReport, stored, later, 'sync')).toEqual({ fetch: true, final: false });
    expect(freshness(visitTrendReport, { ...stored, fetchedAt: later }, later + DAY, 'view')).toEqual({ fetch: false, final: true });
  });

  test('a month answered empty 7 days or more after it ended is final: it had no visits, and costs no call again', () => {
    const launchedLater = { data: emptyTrend, month: '2024-05', fetchedAt: MAY_ENDS + PUBLICATION_WINDOW_MS };
    expect(freshness(visitTrendReport, launchedLater, at('2030-01-01T00:00:00Z'), 'view')).toEqual({ fetch: false, final: true });
    expect(freshness(visitTrendReport, launchedLater, at('2030-01-01T00:00:00Z'), 'sync')).toEqual({ fetch: false, final: true });
    const oneMsEarlier = { ...launchedLater, fetchedAt: launchedLater.fetchedAt - 1 };
    expect(freshness(visitTrendReport, oneMsEarlier, at('2030-01-01T00:00:00Z'), 'sync').fetch).toBe(true);
  });

  test('retention with key 0 is served until the following month ends, then asked again; views give up after 7 days', () => {
    const stored = { data: keyZero, month: '2024-05', fetchedAt: MAY_ENDS + DAY };
    expect(freshness(retainReport, stored, JUNE_ENDS - 1, 'view')).toEqual({ fetch: false, final: false });
    expect(freshness(retainReport, stored, JUNE_ENDS - 1, 'sync')).toEqual({ fetch: false, final: false });
    expect(freshness(retainReport, stored, JUNE_ENDS + 60_000, 'view')).toEqual({ fetch: true, final: false });
    // A key 1 that never arrives (WeChat's own 2017-02 example): views stop asking, the timer keeps asking.
    const stale = { ...stored, fetchedAt: JUNE_ENDS + 8 * DAY };
    expect(freshness(retainReport, stale, JUNE_ENDS + 30 * DAY, 'view')).toEqual({ fetch: false, final: false });
    expect(freshness(retainReport, stale, JUNE_ENDS + 30 * DAY, 'sync')).toEqual({ fetch: true, final: false });
  });
});

describe('awaitsPublication: what WeChat may still publish within its window', () => {
  test('an empty answer, or retention without its due key 1, within 7 days of being due; nothing final or not yet due', () => {
    expect(awaitsPublication(visitTrendReport, { data: emptyTrend, month: '2024-05' }, MAY_ENDS + DAY)).toBe(true);
    expect(awaitsPublication(visitTrendReport, { data: emptyTrend, month: '2024-05' }, MAY_ENDS + PUBLICATION_WINDOW_MS)).toBe(false);
    expect(awaitsPublication(visitTrendReport, { data: trend, month: '2024-05' }, MAY_ENDS + DAY)).toBe(false);
    // Key 1 of May's retention is due when June ends.
    expect(awaitsPublication(retainReport, { data: keyZero, month: '2024-05' }, MAY_ENDS + DAY)).toBe(false);
    expect(awaitsPublication(retainReport, { data: keyZero, month: '2024-05' }, JUNE_ENDS + DAY)).toBe(true);
    expect(awaitsPublication(retainReport, { data: keyZero, month: '2024-05' }, JUNE_ENDS + PUBLICATION_WINDOW_MS)).toBe(false);
    expect(awaitsPublication(retainReport, { data: complete, month: '2024-05' }, JUNE_ENDS + DAY)).toBe(false);
  });
});
