import { performance } from 'perf_hooks';
import { ADMIN, MONTH, NOW, RETAIN_API, TREND_API, expectThat, replyOf, type Lab } from './lab';
import { monthDatesUpTo } from './months';

/** The last twelve complete months at {@link NOW}. */
export const DASHBOARD_RANGE = { from: '2023-06', to: '2024-05' };

/** One dashboard load: wall time seen by the caller and WeChat calls made. */
export interface DashboardRun {
  wallMs: number;
  wechatCalls: number;
}

export interface DashboardResults {
  /** Both range calls at once, the archive empty (nothing stored yet). */
  oursEmpty: DashboardRun[];
  /** The same calls again, every month now archived. */
  oursWarm: DashboardRun[];
  /** The baseline has no range and no archive: 12 months × 2 kinds, one call each, in sequence. */
  baseline: DashboardRun[];
}

type RangeReply = { ok?: boolean; data?: { ok: boolean; source?: string }[] };

/** The `beginDate`/`endDate` of each month of {@link DASHBOARD_RANGE}. */
export const DASHBOARD_MONTHS = monthDatesUpTo(MONTH, 12);

/**
 * A 12-month dashboard through warm instances of getMonthlyRetain and getMonthlyVisitTrend: one
 * `{ from, to }` call each, both at once, first with an empty archive then again; and the baseline's way,
 * 24 one-month calls (its one API stands in for both kinds: same wire, same cost) in one warm process.
 * The emulator adds no latency here; one uncounted round first loads every module.
 */
export async function measureDashboard(lab: Lab, runs: number): Promise<DashboardResults> {
  const retain = await lab.startWarm('getMonthlyRetain');
  const trend = await lab.startWarm('getMonthlyVisitTrend');
  const baseline = await lab.startWarm('baseline');
  const results: DashboardResults = { oursEmpty: [], oursWarm: [], baseline: [] };
  const loadOurs = async (expectedSource: string): Promise<DashboardRun> => {
    lab.emulator.resetCalls();
    const startedAt = performance.now();
    const replies = await Promise.all(
      [retain, trend].map(async (instance) => replyOf(await instance.invoke({ caller: ADMIN, data: { ...DASHBOARD_RANGE }, now: NOW }), 'dashboard range call') as RangeReply),
    );
    const wallMs = performance.now() - startedAt;
    for (const reply of replies) {
      expectThat(reply.ok === true && reply.data?.length === 12, `a range call replied ${JSON.stringify(reply).slice(0, 200)}`);
      expectThat(reply.data.every((month) => month.ok && month.source === expectedSource), `every month comes from ${expectedSource}`);
    }
    return { wallMs, wechatCalls: lab.emulator.countCalls({ apiName: RETAIN_API }) + lab.emulator.countCalls({ apiName: TREND_API }) };
  };
  const loadBaseline = async (): Promise<DashboardRun> => {
    lab.emulator.resetCalls();
    const startedAt = performance.now();
    for (const dates of [...DASHBOARD_MONTHS, ...DASHBOARD_MONTHS]) {
      const reply = replyOf(await baseline.invoke({ caller: ADMIN, data: { ...dates }, now: NOW }), 'baseline month call') as { errMsg?: string };
      expectThat(reply.errMsg === `openapi.${RETAIN_API}:ok`, `the baseline replied ${JSON.stringify(reply)}`);
    }
    return { wallMs: performance.now() - startedAt, wechatCalls: lab.emulator.countCalls({ apiName: RETAIN_API }) };
  };
  try {
    for (let round = -1; round < runs; round += 1) {
      lab.emulator.database.clear();
      const empty = await loadOurs('wechat');
      const warm = await loadOurs('archive');
      const base = await loadBaseline();
      if (round < 0) continue;
      results.oursEmpty.push(empty);
      results.oursWarm.push(warm);
      results.baseline.push(base);
    }
    return results;
  } finally {
    await Promise.all([retain.close(), trend.close(), baseline.close()]);
  }
}
