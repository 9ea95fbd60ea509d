import { AnalyticsError } from '../../src/errors';
import { parseRequest, parseSyncRequest } from '../../src/request';

const now = new Date('2024-03-15T04:00:00Z');

function rejection(event: unknown, at = now): AnalyticsError {
  try {
    parseRequest(event, at);
  } catch (error) {
    if (error instanceof AnalyticsError) return error;
    throw error;
  }
  throw new Error(`accepted ${JSON.stringify(event)}`);
}

describe('parseRequest', () => {
  test('{} is the last complete month in China time', () => {
    expect(parseRequest({}, now)).toEqual({ kind: 'month', month: '2024-02' });
    expect(parseRequest(undefined, now)).toEqual({ kind: 'month', month: '2024-02' });
    expect(parseRequest({}, new Date('2024-02-29T16:30:00Z'))).toEqual({ kind: 'month', month: '2024-02' });
  });

  test('accepts the month in both forms and the seeds\' date names', () => {
    expect(parseRequest({ month: '2024-02' }, now)).toEqual({ kind: 'month', month: '2024-02' });
    expect(parseRequest({ month: '202402' }, now)).toEqual({ kind: 'month', month: '2024-02' });
    expect(parseRequest({ beginDate: '20240201', endDate: '20240229' }, now)).toEqual({ kind: 'month', month: '2024-02' });
    expect(parseRequest({ begin_date: '20230201', end_date: '20230228' }, now)).toEqual({ kind: 'month', month: '2023-02' });
    expect(parseRequest({ from: '2023-01', to: '202402' }, now)).toEqual({ kind: 'range', from: '2023-01', to: '2024-02' });
  });

  test('ignores the fields the platform adds, and grants nothing for them', () => {
    const event = { month: '2024-01', userInfo: { appId: 'wx1', openId: 'o1' }, Type: 'Timer', TriggerName: 't', Time: 'x' };
    expect(parseRequest(event, now)).toEqual({ kind: 'month', month: '2024-01' });
  });

  test.each([
    [{ beginDate: '20230229', endDate: '20230331' }, /real calendar date/],
    [{ beginDate: '20240202', endDate: '20240229' }, /first day/],
    [{ beginDate: '20240201', endDate: '20240228' }, /last day of the month \(20240229\)/],
    [{ beginDate: '20240101', endDate: '20240229' }, /same month/],
    [{ beginDate: '20240201' }, /endDate must be a string, got nothing/],
    [{ beginDate: 20240201, endDate: '20240229' }, /beginDate must be a string, got number/],
    [{ month: '2024-13' }, /YYYY-MM/],
    [{ month: 202402 }, /month must be a string/],
    [{ month: '2024-02', beginDate: '20240201', endDate: '20240229' }, /cannot be combined/],
    [{ beginDate: '20240201', end_date: '20240229' }, /not both/],
    [{ from: '2024-02', to: '2024-01' }, /must not be after/],
    [{ from: '2022-01', to: '2024-01' }, /at most 24 months/],
    [{ from: '2024-01' }, /to must be a string/],
    [{ moth: '2024-02' }, /Unknown field 'moth'/],
    ['2024-02', /must be an object/],
    [[1], /must be an object/],
  ])('rejects %j', (event, message) => {
    const error = rejection(event);
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.message).toMatch(message);
  });

  test('refuses a month that has not ended in China', () => {
    const error = rejection({ month: '2024-03' });
    expect(error.code).toBe('MONTH_NOT_COMPLETE');
    expect(error.message).toContain('2024-02');
    expect(rejection({ beginDate: '20240301', endDate: '20240331' }).code).toBe('MONTH_NOT_COMPLETE');
    expect(rejection({ from: '2024-01', to: '2024-03' }).code).toBe('MONTH_NOT_COMPLETE');
    // 23:00 on 29 February in China: February is not over.
    expect(rejection({ month: '2024-02' }, new Date('2024-02-29T15:00:00Z')).code).toBe('MONTH_NOT_COMPLETE');
  });
});

describe('parseSyncRequest', () => {
  test('a timer run covers the configured months', () => {
    const months = parseSyncRequest({ Type: 'Timer', TriggerName: 'daily', Time: '2024-03-15T10:00:00Z' }, now, 3);
    expect(months).toEqual(['2023-12', '2024-01', '2024-02']);
  });

  test('an admin can backfill by count or by range', () => {
    expect(parseSyncRequest({ months: 2 }, now, 12)).toEqual(['2024-01', '2024-02']);
    expect(parseSyncRequest({ from: '2023-11', to: '2024-01' }, now, 12)).toEqual(['2023-11', '2023-12', '2024-01']);
    expect(parseSyncRequest({ from: '2020-01', to: '2024-02' }, now, 12)).toHaveLength(50);
  });

  test.each([[{ months: 0 }], [{ months: 61 }], [{ months: '12' }], [{ months: 2, from: '2024-01', to: '2024-01' }], [{ month: '2024-01' }]])(
    'rejects %j',
    (event) => {
      expect(() => parseSyncRequest(event, now, 12)).toThrow(AnalyticsError);
    },
  );
});

describe('{} on a clock before WeChat had analytics', () => {
  test('is refused, never a month before 2017-01', () => {
    expect(() => parseRequest({}, new Date('2017-01-20T04:00:00Z'))).toThrow(/WeChat has analytics from 2017-01 on .*the last complete month \(2016-12, by this function's clock\) is before that/);
    expect(parseRequest({}, new Date('2017-02-01T04:00:00Z'))).toEqual({ kind: 'month', month: '2017-01' });
  });
});
