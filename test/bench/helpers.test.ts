import { DEFAULT_COLD_RUNS, parseBenchArgs } from '../../scripts/bench';
import { type ColdRun, type RuntimeColdResults, roundOrder } from '../../scripts/bench/cold';
import { monthDatesUpTo } from '../../scripts/bench/months';
import { RUNTIME_TABLE_HEADERS, buildFigures, buildRuntimeRows, runtimeRatios, worstRuntime } from '../../scripts/bench/report';
import { pairedDifferences, quantile, summarize } from '../../scripts/bench/stats';
import { formatBytes, formatNumber, renderMarkdownTable, renderTable } from '../../scripts/bench/table';

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

  test('renders any columns in the order of its headers', () => {
    expect(renderMarkdownTable({ b: 'B', a: 'A' }, [{ b: '2', a: '1' }])).toBe('| B | A |\n| --- | --- |\n| 2 | 1 |');
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

describe('bench rounds', () => {
  test('every round runs each pair of runtime and variant once, in an order that moves each round', () => {
    const runtimes = ['16', '18', '20', '22', '24'];
    const variants = ['baseline', 'archived', 'fetched', 'node', 'post'];
    const rounds = [0, 1, 2].map((round) => roundOrder(runtimes, variants, round).map(({ runtime, variant }) => `${runtime}/${variant}`));
    for (const order of rounds) {
      expect(order).toHaveLength(25);
      expect(new Set(order).size).toBe(25);
    }
    expect(rounds[0]).not.toEqual(rounds[1]);
    // A runtime's runs do not come one after another: consecutive pairs change runtime.
    const first = roundOrder(runtimes, variants, 0);
    expect(first.slice(1).filter((pair, index) => pair.runtime === first[index]?.runtime)).toHaveLength(0);
    expect(roundOrder(['only'], ['one'], 4)).toEqual([{ runtime: 'only', variant: 'one' }]);
    expect(roundOrder([], variants, 0)).toEqual([]);
  });

  test('reads --runs and --cold-only', () => {
    expect(parseBenchArgs([])).toEqual({ coldRuns: DEFAULT_COLD_RUNS, coldOnly: false });
    expect(parseBenchArgs(['--runs', '5', '--cold-only'])).toEqual({ coldRuns: 5, coldOnly: true });
    expect(() => parseBenchArgs(['--runs', '2'])).toThrow('at least 3');
    expect(() => parseBenchArgs(['--runs', 'x'])).toThrow('whole number');
    expect(() => parseBenchArgs(['--fast'])).toThrow();
  });
});

describe('bench runtime table', () => {
  const run = (wallMs: number, loadMs: number, rssMiB: number): ColdRun => ({ durationMs: wallMs - 20, wallMs, loadMs, maxRssBytes: rssMiB * 1024 * 1024, wechatCalls: 0 });
  const runtime = (name: string, ours: number, fetched: number, rss: number): RuntimeColdResults => ({
    runtime: name,
    version: `${name.slice(6)}.0`,
    baseline: [run(200, 150, 80), run(200, 150, 80), run(200, 150, 80)],
    oursArchived: [run(ours, 40, rss), run(ours, 40, rss), run(ours, 40, rss)],
    oursFetched: [run(fetched, 40, rss), run(fetched, 40, rss), run(fetched, 40, rss)],
    floorNode: [run(30, 0.3, 40), run(30, 0.3, 40), run(30, 0.3, 40)],
    floorPost: [run(40, 1, 42), run(40, 1, 42), run(40, 1, 42)],
  });
  const cold = [runtime('Nodejs16.13', 70, 76, 60), runtime('Nodejs24.11', 78, 90, 66)];

  test('ratios are ours over the baseline on the same runtime, and the worst runtime decides', () => {
    const ratios = runtimeRatios(cold);
    expect(ratios.map((ratio) => [ratio.runtime, ratio.archived, ratio.fetched, ratio.memory])).toEqual([
      ['Nodejs16.13', 0.35, 0.38, 0.75],
      ['Nodejs24.11', 0.39, 0.45, 0.825],
    ]);
    expect(worstRuntime(ratios, (ratio) => ratio.fetched).runtime).toBe('Nodejs24.11');
    expect(() => worstRuntime([], (ratio) => ratio.fetched)).toThrow('no runtime');
  });

  test('a row per runtime, and the targets are judged on the worst', () => {
    const rows = buildRuntimeRows(cold);
    expect(rows.map((row) => row.met)).toEqual(['cold yes (0.380 ×); RSS yes (0.750 ×)', 'cold NO (0.450 ×); RSS NO (0.825 ×)']);
    expect(renderMarkdownTable(RUNTIME_TABLE_HEADERS, rows).split('\n')).toHaveLength(4);
    const sizes = { ours: [], baseline: { name: 'baseline', files: [], dependencies: [], installed: { bytes: 0, files: 0, packages: 0 }, unneeded: [] } };
    const figures = buildFigures({ cold, defaultRuntime: 'Nodejs20.19', sizes });
    const missed = figures.filter((figure) => figure.targetMet === false).map((figure) => figure.what);
    expect(missed).toEqual([
      expect.stringContaining('month not archived (1 WeChat call): new process to first reply, on the worst runtime (Nodejs24.11'),
      expect.stringContaining('Peak RSS of a cold invocation'),
    ]);
  });
});
