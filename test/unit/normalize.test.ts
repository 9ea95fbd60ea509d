import JSONbig from 'json-bigint';
import { AnalyticsError } from '../../src/errors';
import { toPlainNumber } from '../../src/reports/numbers';
import { withPlainNumbers } from '../../src/wechat/cloud/numbers';
import { normalizeRetention, retainReport } from '../../src/reports/retain';
import { normalizeVisitTrend, visitTrendReport } from '../../src/reports/visit-trend';
import { SEEDS_RETAIN, SEEDS_RETAIN_REPLY, SEEDS_TREND, SEEDS_TREND_ROW } from '../fixtures/seeds';

/** What the cloud transport hands over: wx-server-sdk's json-bigint parse and field-by-field camelCase copy, then withPlainNumbers. */
function sdkCopy(jsonText: string): Record<string, unknown> {
  const copy = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(copy);
    if (value !== null && typeof value === 'object') {
      return Object.fromEntries(
        Object.entries(value).map(([key, inner]) => [key.replace(/_(\w)/g, (_m, c: string) => c.toUpperCase()), copy(inner)]),
      );
    }
    return value;
  };
  return copy(JSONbig.parse(jsonText)) as Record<string, unknown>;
}

const asDeliveredBySdk = (jsonText: string) => withPlainNumbers(sdkCopy(jsonText)) as Record<string, unknown>;

describe('toPlainNumber', () => {
  test('passes numbers and numeric strings; the cloud transport turns BigNumber copies into numbers', () => {
    expect(toPlainNumber(42, 'x')).toBe(42);
    expect(toPlainNumber('56.4112', 'x')).toBe(56.4112);
    const text = '{"a": 56.411234567890123, "b": 12345678901234567890, "c": -0.000012345678901234567, "d": 1234567890123456}';
    expect(sdkCopy(text).a).not.toEqual(expect.any(Number));
    const reply = asDeliveredBySdk(text);
    expect(toPlainNumber(reply.a, 'a')).toBeCloseTo(56.411234567890123, 12);
    expect(toPlainNumber(reply.b, 'b')).toBe(12345678901234567890);
    expect(toPlainNumber(reply.c, 'c')).toBeCloseTo(-0.000012345678901234567, 18);
    expect(toPlainNumber(reply.d, 'd')).toBe(1234567890123456);
    expect(withPlainNumbers(JSONbig.parse('{"a": 123456789012345678}'))).toEqual({ a: 123456789012345678 });
    expect(withPlainNumbers({ s: 1, e: 0, c: [5] })).toBe(5);
    expect(withPlainNumbers({ s: 1, e: 0, c: [5], other: 1 })).toEqual({ s: 1, e: 0, c: [5], other: 1 });
  });

  test('missing is null; anything else is an unexpected reply', () => {
    expect(toPlainNumber(undefined, 'x')).toBeNull();
    expect(toPlainNumber(null, 'x')).toBeNull();
    expect(() => toPlainNumber('abc', 'visitPv')).toThrow(/visitPv is "abc"/);
    expect(() => toPlainNumber({ a: 1 }, 'x')).toThrow(AnalyticsError);
    expect(() => toPlainNumber(true, 'x')).toThrow(AnalyticsError);
  });
});

describe('retention', () => {
  test('the seed\'s cloud-call example', () => {
    expect(normalizeRetention(SEEDS_RETAIN_REPLY, '2017-02')).toEqual(SEEDS_RETAIN);
  });

  test('sorts by key, computes rates and completeness', () => {
    const reply = {
      visitUvNew: [
        { key: 1, value: 250 },
        { key: 0, value: 1000 },
      ],
      visitUv: [
        { key: 0, value: 4000 },
        { key: 1, value: 1000 },
      ],
    };
    const data = normalizeRetention(reply, '2024-01');
    expect(data.visitUvNew).toEqual([
      { key: 0, value: 1000, rate: 1 },
      { key: 1, value: 250, rate: 0.25 },
    ]);
    expect(data.visitUv[1]).toEqual({ key: 1, value: 1000, rate: 0.25 });
    expect(data.complete).toBe(true);
  });

  test('rate is null when key 0 is 0 or missing; missing series are empty', () => {
    expect(normalizeRetention({ visitUv: [{ key: 0, value: 0 }, { key: 1, value: 0 }] }, '2024-01').visitUv).toEqual([
      { key: 0, value: 0, rate: null },
      { key: 1, value: 0, rate: null },
    ]);
    const onlyKeyOne = normalizeRetention({ visitUvNew: [{ key: 1, value: 5 }] }, '2024-01');
    expect(onlyKeyOne.visitUvNew).toEqual([{ key: 1, value: 5, rate: null }]);
    expect(onlyKeyOne.visitUv).toEqual([]);
    expect(onlyKeyOne.complete).toBe(false);
  });

  test('big numbers arrive as plain numbers', () => {
    const reply = asDeliveredBySdk('{"visit_uv": [{"key": 0, "value": 12345678901234567}], "visit_uv_new": []}');
    expect(normalizeRetention(reply, '2024-01').visitUv[0]?.value).toBe(12345678901234567);
  });

  test('a reply of another shape is an upstream error', () => {
    expect(() => normalizeRetention({ visitUv: 'x' }, '2024-01')).toThrow(/visitUv is not a list/);
    expect(() => normalizeRetention({ visitUv: [{ key: 0 }] }, '2024-01')).toThrow(/no key or value/);
  });

  test('a reply without series is a month without figures, not final', () => {
    for (const reply of [{}, { refDate: '202405', visitUvNew: [], visitUv: [] }]) {
      const data = normalizeRetention(reply, '2024-05');
      expect(data).toEqual({ month: '2024-05', refDate: '202405', visitUvNew: [], visitUv: [], complete: false });
      expect(retainReport.hasFigures(data)).toBe(false);
      expect(retainReport.isFinal(data)).toBe(false);
      expect(retainReport.dueMonth(data, '2024-05')).toBe('2024-05');
    }
    const partial = normalizeRetention({ visitUv: [{ key: 0, value: 9 }], visitUvNew: [{ key: 0, value: 3 }] }, '2024-05');
    expect(retainReport.dueMonth(partial, '2024-05')).toBe('2024-06');
  });
});

describe('visit trend', () => {
  test('the seed\'s example, without stayTimeUv', () => {
    expect(normalizeVisitTrend({ list: [SEEDS_TREND_ROW] }, '2017-03')).toEqual(SEEDS_TREND);
  });

  test('an empty list is null data', () => {
    expect(normalizeVisitTrend({ list: [] }, '2017-03')).toBeNull();
    expect(() => normalizeVisitTrend({}, '2017-03')).toThrow(/unexpected shape: it has no list/);
    expect(visitTrendReport.hasFigures(null)).toBe(false);
    expect(visitTrendReport.isFinal(null)).toBe(false);
  });

  test('long floats become plain numbers', () => {
    const reply = asDeliveredBySdk('{"list": [{"ref_date": "202401", "stay_time_session": 56.411234567890123, "visit_pv": 10}]}');
    const data = normalizeVisitTrend(reply, '2024-01');
    expect(typeof data?.stayTimeSession).toBe('number');
    expect(data?.stayTimeSession).toBeCloseTo(56.411234567890123, 12);
    expect(data?.visitPv).toBe(10);
    expect(data?.sessionCnt).toBeNull();
  });

  test('picks the entry of the month asked for', () => {
    const reply = { list: [{ refDate: '202312', visitPv: 1 }, { refDate: '202401', visitPv: 2 }] };
    expect(normalizeVisitTrend(reply, '2024-01')?.visitPv).toBe(2);
  });
});
