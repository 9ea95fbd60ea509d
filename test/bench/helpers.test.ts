import { monthDatesUpTo } from '../../scripts/bench/months';
import { pairedDifferences, quantile, summarize } from '../../scripts/bench/stats';
import { formatBytes, formatNumber, renderTable } from '../../scripts/bench/table';

describe('bench statistics', () => {
  test('quantiles interpolate between ranks', () => {
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantile([10], 0.9)).toBe(10);
    expect(quantile([0, 10], 0.1)).toBeCloseTo(1);
    expect(() => quantile([], 0.5)).toThrow('empty');
  });

  test('a summary does not depend on the order of the samples', () => {
    expect(summarize([5, 1, 4, 2, 3])).toEqual({ runs: 5, median: 3, min: 1, max: 5, p10: 1.4, p90: 4.6 });
  });

  test('paired differences need series of the same length', () => {
    expect(pairedDifferences([3, 5], [1, 1])).toEqual([2, 4]);
    expect(() => pairedDifferences([1], [1, 2])).toThrow('length');
  });
});

describe('bench table', () => {
  test('renders a markdown table and escapes pipes', () => {
    const table = renderTable([{ what: 'a | b', ours: '1 ms', baseline: '2 ms', floor: '0.5 ms', target: '≤ 0.5 ×', met: 'yes' }]);
    expect(table.split('\n')).toEqual([
      '| what | ours | baseline | floor | target | met? |',
      '| --- | --- | --- | --- | --- | --- |',
      '| a \\| b | 1 ms | 2 ms | 0.5 ms | ≤ 0.5 × | yes |',
    ]);
  });

  test('formats numbers and sizes', () => {
    expect(formatNumber(1.234, 2)).toBe('1.23');
    expect(formatNumber(Number.NaN)).toBe('n/a');
    expect(formatBytes(512)).toBe('0.5 KiB');
    expect(formatBytes(2.5 * 1024 * 1024)).toBe('2.5 MiB');
  });
});

describe('bench months', () => {
  test('lists whole natural months, leap years included', () => {
    const months = monthDatesUpTo('2024-05', 24);
    expect(months).toHaveLength(24);
    expect(months[0]).toEqual({ beginDate: '20220601', endDate: '20220630' });
    expect(months).toContainEqual({ beginDate: '20240201', endDate: '20240229' });
    expect(months).toContainEqual({ beginDate: '20230201', endDate: '20230228' });
    expect(months[23]).toEqual({ beginDate: '20240501', endDate: '20240531' });
  });
});
