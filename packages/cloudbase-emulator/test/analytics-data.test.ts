import {
  LAUNCH_MONTH,
  monthlyAnalytics,
  PINNED_RETAIN_2017_02,
  PINNED_TREND_2017_03,
  type VisitTrendRow,
} from '../src/analytics-data';
import { chinaMonthOf, daysInMonth, formatMonth, parseCompactDate, parseMonth } from '../src/calendar';

const NOW = new Date('2031-01-15T00:00:00Z');
const SEEDS = ['wx-monthly-analytics', 'another seed', ''];

function monthsBetween(first: string, last: string): string[] {
  const months: string[] = [];
  let { year, month } = parseMonth(first);
  while (formatMonth({ year, month }) <= last) {
    months.push(formatMonth({ year, month }));
    month += 1;
    if (month === 13) {
      year += 1;
      month = 1;
    }
  }
  return months;
}

const LAUNCHED_MONTHS = monthsBetween(LAUNCH_MONTH, '2030-12');
const hasFourDecimalsAtMost = (value: number): boolean => Math.abs(value * 10000 - Math.round(value * 10000)) < 1e-6;

describe.each(SEEDS)('seed %j', (seed) => {
  test('trend rows respect visit_pv ≥ session_cnt ≥ visit_uv ≥ visit_uv_new and are realistic', () => {
    for (const month of LAUNCHED_MONTHS) {
      const { trend } = monthlyAnalytics(seed, month, NOW);
      expect(trend.list).toHaveLength(1);
      const row = trend.list[0] as VisitTrendRow;
      expect(row.ref_date).toBe(month.replace('-', ''));
      for (const count of [row.session_cnt, row.visit_pv, row.visit_uv, row.visit_uv_new]) {
        expect(Number.isSafeInteger(count)).toBe(true);
        expect(count).toBeGreaterThan(0);
      }
      expect(row.visit_pv).toBeGreaterThanOrEqual(row.session_cnt);
      expect(row.session_cnt).toBeGreaterThanOrEqual(row.visit_uv);
      expect(row.visit_uv).toBeGreaterThanOrEqual(row.visit_uv_new);
      for (const float of [row.stay_time_session, row.visit_depth, row.stay_time_uv ?? 0]) {
        expect(float).toBeGreaterThanOrEqual(0);
        expect(hasFourDecimalsAtMost(float)).toBe(true);
        expect(String(float).length).toBeLessThanOrEqual(15);
      }
      expect(row.visit_uv).toBeLessThan(10_000_000);
    }
  });

  test('retention key 0 equals the trend and key 1 never exceeds it', () => {
    for (const month of LAUNCHED_MONTHS) {
      const { trend, retain } = monthlyAnalytics(seed, month, NOW);
      const row = trend.list[0] as VisitTrendRow;
      expect(retain.ref_date).toBe(row.ref_date);
      expect(retain.visit_uv[0]).toEqual({ key: 0, value: row.visit_uv });
      expect(retain.visit_uv_new[0]).toEqual({ key: 0, value: row.visit_uv_new });
      for (const series of [retain.visit_uv, retain.visit_uv_new]) {
        const key1 = series.find((entry) => entry.key === 1);
        if (key1) expect(key1.value).toBeLessThanOrEqual(series[0]?.value ?? 0);
      }
    }
  });

  test('the same seed and month always give the same data', () => {
    for (const month of ['2017-04', '2020-02', '2024-07']) {
      expect(monthlyAnalytics(seed, month, NOW)).toEqual(monthlyAnalytics(seed, month, NOW));
    }
  });

  test('months before the launch are empty', () => {
    for (const month of ['1999-12', '2016-01', '2017-01']) {
      const data = monthlyAnalytics(seed, month, NOW);
      expect(data.launched).toBe(false);
      expect(data.trend).toEqual({ list: [] });
      expect(data.retain).toEqual({ ref_date: month.replace('-', ''), visit_uv_new: [], visit_uv: [] });
    }
  });

  test("the API pages' examples are pinned, and the other API agrees with them", () => {
    expect(monthlyAnalytics(seed, '2017-02', NOW).retain).toEqual(PINNED_RETAIN_2017_02);
    expect(monthlyAnalytics(seed, '2017-02', NOW).trend.list[0]).toMatchObject({ visit_uv: 346249, visit_uv_new: 346249 });
    expect(monthlyAnalytics(seed, '2017-03', NOW).trend).toEqual({ list: [PINNED_TREND_2017_03] });
    const retain201703 = monthlyAnalytics(seed, '2017-03', NOW).retain;
    expect(retain201703.visit_uv[0]).toEqual({ key: 0, value: 48659 });
    expect(retain201703.visit_uv_new[0]).toEqual({ key: 0, value: 6726 });
  });
});

test('the pinned examples are those of the API pages', () => {
  expect(PINNED_RETAIN_2017_02).toEqual({ ref_date: '201702', visit_uv_new: [{ key: 0, value: 346249 }], visit_uv: [{ key: 0, value: 346249 }] });
  expect(PINNED_TREND_2017_03).toEqual({
    ref_date: '201703',
    session_cnt: 126513,
    visit_pv: 426113,
    visit_uv: 48659,
    visit_uv_new: 6726,
    stay_time_session: 56.4112,
    visit_depth: 2.0189,
  });
});

test('different seeds give different histories', () => {
  const visitors = (seed: string) => monthlyAnalytics(seed, '2023-06', NOW).trend.list[0]?.visit_uv;
  expect(visitors('seed-a')).not.toBe(visitors('seed-b'));
});

test('the audience grows over the years, with seasonality', () => {
  const yearlyVisitors = (year: number) =>
    monthsBetween(`${year}-01`, `${year}-12`).reduce((sum, month) => sum + (monthlyAnalytics('growth', month, NOW).trend.list[0]?.visit_uv ?? 0), 0);
  expect(yearlyVisitors(2020)).toBeGreaterThan(yearlyVisitors(2018));
  expect(yearlyVisitors(2024)).toBeGreaterThan(yearlyVisitors(2020));
  const visitors = (month: string) => monthlyAnalytics('growth', month, NOW).trend.list[0]?.visit_uv ?? 0;
  expect(visitors('2023-08')).toBeGreaterThan(visitors('2023-02'));
});

test('stay_time_uv is sometimes absent, like in the examples', () => {
  const rows = LAUNCHED_MONTHS.map((month) => monthlyAnalytics('wx-monthly-analytics', month, NOW).trend.list[0]);
  const withStayTimeUv = rows.filter((row) => row?.stay_time_uv !== undefined).length;
  expect(withStayTimeUv).toBeGreaterThan(rows.length / 2);
  expect(withStayTimeUv).toBeLessThan(rows.length);
});

describe('retention key 1 follows the clock in China time', () => {
  const keys = (now: Date) => monthlyAnalytics('clock', '2024-03', now).retain.visit_uv.map((entry) => entry.key);

  test('absent while the following month runs, present from its end', () => {
    expect(keys(new Date('2024-04-01T00:00:00Z'))).toEqual([0]);
    expect(keys(new Date('2024-04-30T15:59:59.999Z'))).toEqual([0]);
    expect(keys(new Date('2024-04-30T16:00:00Z'))).toEqual([0, 1]);
    expect(keys(new Date('2026-01-01T00:00:00Z'))).toEqual([0, 1]);
  });

  test('key 0 does not depend on the clock', () => {
    const early = monthlyAnalytics('clock', '2024-03', new Date('2024-04-02T00:00:00Z'));
    const late = monthlyAnalytics('clock', '2024-03', new Date('2025-04-02T00:00:00Z'));
    expect(late.retain.visit_uv[0]).toEqual(early.retain.visit_uv[0]);
    expect(late.trend).toEqual(early.trend);
  });

  test('the pinned 2017-02 example keeps key 0 alone whatever the clock', () => {
    expect(monthlyAnalytics('clock', '2017-02', new Date('2030-01-01T00:00:00Z')).retain.visit_uv).toHaveLength(1);
  });
});

describe('calendar helpers', () => {
  test('China month boundaries are at 16:00 UTC', () => {
    expect(chinaMonthOf(new Date('2023-12-31T15:59:59Z'))).toEqual({ year: 2023, month: 12 });
    expect(chinaMonthOf(new Date('2023-12-31T16:00:00Z'))).toEqual({ year: 2024, month: 1 });
  });

  test('compact dates must be real days', () => {
    expect(parseCompactDate('20240229')).toEqual({ year: 2024, month: 2, day: 29 });
    expect(parseCompactDate('20230229')).toBeUndefined();
    expect(parseCompactDate('2024031')).toBeUndefined();
    expect(parseCompactDate('20241301')).toBeUndefined();
    expect(parseCompactDate('20240100')).toBeUndefined();
    expect(daysInMonth({ year: 2100, month: 2 })).toBe(28);
  });

  test('months must be YYYY-MM', () => {
    expect(() => monthlyAnalytics('x', '2024-13', NOW)).toThrow(RangeError);
    expect(() => monthlyAnalytics('x', '202401', NOW)).toThrow(RangeError);
  });
});
