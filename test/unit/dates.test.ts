import {
  addMonths,
  chinaDayOf,
  chinaMonthOf,
  daysInMonth,
  isMonthComplete,
  isRetentionFinal,
  lastCompleteMonth,
  lastCompleteMonths,
  monthDates,
  monthEndsAt,
  monthsBetween,
  parseCompactDate,
  parseYearMonth,
} from '../../src/dates';

describe('dates', () => {
  test('days in month follow leap years', () => {
    expect(daysInMonth(2024, 2)).toBe(29);
    expect(daysInMonth(2023, 2)).toBe(28);
    expect(daysInMonth(1900, 2)).toBe(28);
    expect(daysInMonth(2000, 2)).toBe(29);
    expect(daysInMonth(2024, 4)).toBe(30);
    expect(daysInMonth(2024, 12)).toBe(31);
  });

  test('month dates are the first and the last day', () => {
    expect(monthDates('2024-02')).toEqual({ beginDate: '20240201', endDate: '20240229' });
    expect(monthDates('2023-02')).toEqual({ beginDate: '20230201', endDate: '20230228' });
    expect(monthDates('2017-03')).toEqual({ beginDate: '20170301', endDate: '20170331' });
    expect(monthDates('2024-11')).toEqual({ beginDate: '20241101', endDate: '20241130' });
  });

  test('the month boundary is China time, not the UTC runtime clock', () => {
    // 00:30 on 1 March in China is 16:30 UTC on 29 February.
    const justAfterMidnightInChina = new Date('2024-02-29T16:30:00Z');
    expect(chinaMonthOf(justAfterMidnightInChina)).toBe('2024-03');
    expect(lastCompleteMonth(justAfterMidnightInChina)).toBe('2024-02');
    // 23:59 on 29 February in China is 15:59 UTC.
    expect(lastCompleteMonth(new Date('2024-02-29T15:59:59Z'))).toBe('2024-01');
    expect(lastCompleteMonth(new Date('2025-01-01T00:00:00+08:00'))).toBe('2024-12');
  });

  test('a month is complete once it has ended in China', () => {
    const now = new Date('2024-03-10T00:00:00Z');
    expect(isMonthComplete('2024-02', now)).toBe(true);
    expect(isMonthComplete('2024-03', now)).toBe(false);
    expect(isMonthComplete('2024-04', now)).toBe(false);
  });

  test('retention is final once the following month has ended', () => {
    const now = new Date('2024-03-10T00:00:00Z');
    expect(isRetentionFinal('2024-01', now)).toBe(true);
    expect(isRetentionFinal('2024-02', now)).toBe(false);
  });

  test('month arithmetic crosses years', () => {
    expect(addMonths('2024-01', -1)).toBe('2023-12');
    expect(addMonths('2023-12', 1)).toBe('2024-01');
    expect(addMonths('2024-05', -24)).toBe('2022-05');
    expect(monthsBetween('2023-11', '2024-02')).toEqual(['2023-11', '2023-12', '2024-01', '2024-02']);
    expect(monthsBetween('2024-02', '2024-01')).toEqual([]);
    expect(lastCompleteMonths(new Date('2024-02-10T00:00:00Z'), 3)).toEqual(['2023-11', '2023-12', '2024-01']);
  });

  test('parses months in both forms and refuses impossible ones', () => {
    expect(parseYearMonth('2024-02')).toBe('2024-02');
    expect(parseYearMonth('202402')).toBe('2024-02');
    expect(parseYearMonth('2024-13')).toBeUndefined();
    expect(parseYearMonth('2024-00')).toBeUndefined();
    expect(parseYearMonth('2024-2')).toBeUndefined();
    expect(parseYearMonth('24-02')).toBeUndefined();
  });

  test('parses only real calendar dates', () => {
    expect(parseCompactDate('20240229')).toEqual({ month: '2024-02', day: 29 });
    expect(parseCompactDate('20230229')).toBeUndefined();
    expect(parseCompactDate('20240431')).toBeUndefined();
    expect(parseCompactDate('20241301')).toBeUndefined();
    expect(parseCompactDate('2024-02-01')).toBeUndefined();
    expect(parseCompactDate('20240200')).toBeUndefined();
  });
});

describe('dates do not depend on the host time zone (run under UTC, America/New_York and Asia/Shanghai)', () => {
  test('month boundaries in China time around daylight-saving changes elsewhere', () => {
    // New York moves its clocks on 2024-03-10 and 2024-11-03; Europe on 2024-03-31 and 2024-10-27.
    expect(chinaMonthOf(new Date('2024-03-31T15:59:59.999Z'))).toBe('2024-03');
    expect(chinaMonthOf(new Date('2024-03-31T16:00:00.000Z'))).toBe('2024-04');
    expect(chinaMonthOf(new Date('2024-10-31T16:00:00.000Z'))).toBe('2024-11');
    expect(chinaMonthOf(new Date('2024-11-03T06:30:00.000Z'))).toBe('2024-11');
    expect(chinaDayOf(new Date('2024-03-09T15:59:59.999Z'))).toBe('2024-03-09');
    expect(chinaDayOf(new Date('2024-03-09T16:00:00.000Z'))).toBe('2024-03-10');
    expect(chinaDayOf(new Date('2024-11-03T06:30:00.000Z'))).toBe('2024-11-03');
    expect(new Date(monthEndsAt('2024-02')).toISOString()).toBe('2024-02-29T16:00:00.000Z');
    expect(new Date(monthEndsAt('2024-10')).toISOString()).toBe('2024-10-31T16:00:00.000Z');
    expect(new Date(monthEndsAt('2024-12')).toISOString()).toBe('2024-12-31T16:00:00.000Z');
    expect(monthDates('2024-03')).toEqual({ beginDate: '20240301', endDate: '20240331' });
    expect(monthDates('2024-11')).toEqual({ beginDate: '20241101', endDate: '20241130' });
    expect(monthsBetween('2024-02', '2024-04')).toEqual(['2024-02', '2024-03', '2024-04']);
    expect(lastCompleteMonth(new Date('2024-11-03T06:30:00Z'))).toBe('2024-10');
  });

  test('strict parsing refuses what is not a real month or date', () => {
    for (const text of ['2024-13', '2024-00', '2024-1', '24-01', '2024/01', ' 2024-01', '2024-01x']) expect(parseYearMonth(text)).toBeUndefined();
    for (const text of ['20230229', '20240431', '2024011', '2024-01-01', '20240100']) expect(parseCompactDate(text)).toBeUndefined();
    expect(parseCompactDate('20240229')).toEqual({ month: '2024-02', day: 29 });
  });
});
