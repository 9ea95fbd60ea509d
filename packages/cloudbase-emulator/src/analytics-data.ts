import { chinaMonthOf, formatMonth, monthOrdinal, parseMonth, refDate, type CalendarMonth } from './calendar';

/** One row of `getMonthlyVisitTrend`'s `list`, in WeChat's snake_case. */
export interface VisitTrendRow {
  ref_date: string;
  session_cnt: number;
  visit_pv: number;
  visit_uv: number;
  visit_uv_new: number;
  stay_time_uv?: number;
  stay_time_session: number;
  visit_depth: number;
}

/** WeChat's `getMonthlyVisitTrend` reply. */
export interface MonthlyVisitTrendReply {
  list: VisitTrendRow[];
}

/** One retention value: `key` 0 is the month itself, 1 is one month later. */
export interface RetentionEntry {
  key: number;
  value: number;
}

/** WeChat's `getMonthlyRetain` reply. */
export interface MonthlyRetainReply {
  ref_date: string;
  visit_uv_new: RetentionEntry[];
  visit_uv: RetentionEntry[];
}

/** Both replies for one month. */
export interface MonthlyAnalytics {
  month: string;
  launched: boolean;
  trend: MonthlyVisitTrendReply;
  retain: MonthlyRetainReply;
}

/**
 * The emulated Mini Program's first month with data. It is the month of the API pages' examples, so the
 * pinned example replies (2017-02 retention, 2017-03 trend) belong to a continuous history: in the launch
 * month every visitor is new (visit_uv = visit_uv_new = 346249, as the retention example shows).
 */
export const LAUNCH_MONTH = '2017-02';

/** The getMonthlyRetain HTTPS example of the API page, served verbatim for 2017-02 whatever the clock. */
export const PINNED_RETAIN_2017_02: MonthlyRetainReply = {
  ref_date: '201702',
  visit_uv_new: [{ key: 0, value: 346249 }],
  visit_uv: [{ key: 0, value: 346249 }],
};

/** The getMonthlyVisitTrend example of the API page, served verbatim for 2017-03 (it has no stay_time_uv). */
export const PINNED_TREND_2017_03: VisitTrendRow = {
  ref_date: '201703',
  session_cnt: 126513,
  visit_pv: 426113,
  visit_uv: 48659,
  visit_uv_new: 6726,
  stay_time_session: 56.4112,
  visit_depth: 2.0189,
};

const LAUNCH = parseMonth(LAUNCH_MONTH);
const SEASONALITY_BY_MONTH = [0.94, 0.88, 0.97, 1.0, 1.02, 0.99, 1.08, 1.1, 0.98, 1.04, 1.06, 1.03];

/** 32-bit string hash (MurmurHash3-style mixing), the seed of {@link mulberry32}. */
export function hashSeed(text: string): number {
  let h = 1779033703 ^ text.length;
  for (let i = 0; i < text.length; i++) {
    h = Math.imul(h ^ text.charCodeAt(i), 3432918353);
    h = (h << 13) | (h >>> 19);
  }
  h = Math.imul(h ^ (h >>> 16), 2246822507);
  h = Math.imul(h ^ (h >>> 13), 3266489909);
  return (h ^ (h >>> 16)) >>> 0;
}

/** A small deterministic PRNG returning floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const round4 = (value: number): number => Math.round(value * 10000) / 10000;

interface GrowthProfile {
  capacity: number;
  monthlyRate: number;
}

function growthProfile(seed: string): GrowthProfile {
  const random = mulberry32(hashSeed(`${seed}#growth`));
  return { capacity: 1.6e6 + random() * 2.4e6, monthlyRate: 0.03 + random() * 0.02 };
}

interface MonthDraws {
  uvNoise: number;
  newShareNoise: number;
  sessionsPerUserNoise: number;
  pagesPerSessionNoise: number;
  visitDepth: number;
  staySessionNoise: number;
  reportsStayTimeUv: boolean;
  retainedUvShare: number;
  retainedNewShare: number;
}

function drawMonth(seed: string, month: CalendarMonth): MonthDraws {
  const random = mulberry32(hashSeed(`${seed}|${formatMonth(month)}`));
  return {
    uvNoise: 1 + (random() - 0.5) * 0.08,
    newShareNoise: 1 + (random() - 0.5) * 0.3,
    sessionsPerUserNoise: (random() - 0.5) * 0.4,
    pagesPerSessionNoise: (random() - 0.5) * 0.8,
    visitDepth: 1.7 + random() * 0.7,
    staySessionNoise: (random() - 0.5) * 12,
    reportsStayTimeUv: random() >= 0.3,
    retainedUvShare: 0.25 + random() * 0.15,
    retainedNewShare: 0.1 + random() * 0.12,
  };
}

function trendRow(seed: string, month: CalendarMonth, monthsSinceLaunch: number, draws: MonthDraws): VisitTrendRow {
  if (monthsSinceLaunch === 1) return { ...PINNED_TREND_2017_03 };
  const t = monthsSinceLaunch;
  const season = SEASONALITY_BY_MONTH[month.month - 1] ?? 1;
  let visitUv: number;
  let visitUvNew: number;
  if (t === 0) {
    visitUv = PINNED_RETAIN_2017_02.visit_uv[0]?.value ?? 0;
    visitUvNew = visitUv;
  } else {
    const { capacity, monthlyRate } = growthProfile(seed);
    const firstMonthUv = PINNED_TREND_2017_03.visit_uv;
    const logistic = capacity / (1 + (capacity / firstMonthUv - 1) * Math.exp(-monthlyRate * (t - 1)));
    visitUv = Math.max(1, Math.round(logistic * season * draws.uvNoise));
    const newShare = (0.07 + 0.13 * Math.exp(-t / 30)) * season * draws.newShareNoise;
    visitUvNew = Math.min(visitUv, Math.round(visitUv * Math.min(0.9, Math.max(0.02, newShare))));
  }
  const sessionsPerUser = Math.max(1.05, 2 + 0.9 * (1 - Math.exp(-t / 30)) + draws.sessionsPerUserNoise);
  const sessionCnt = Math.max(visitUv, Math.round(visitUv * sessionsPerUser));
  const pagesPerSession = Math.max(1.1, 3 + 0.3 * (1 - Math.exp(-t / 50)) + draws.pagesPerSessionNoise);
  const visitPv = Math.max(sessionCnt, Math.round(sessionCnt * pagesPerSession));
  const staySession = 45 + 25 * (1 - Math.exp(-t / 40)) + draws.staySessionNoise;
  const row: VisitTrendRow = {
    ref_date: refDate(month),
    session_cnt: sessionCnt,
    visit_pv: visitPv,
    visit_uv: visitUv,
    visit_uv_new: visitUvNew,
    stay_time_session: round4(staySession),
    visit_depth: round4(draws.visitDepth),
  };
  if (draws.reportsStayTimeUv) row.stay_time_uv = round4((staySession * sessionCnt) / visitUv);
  return row;
}

/**
 * The deterministic analytics of one month of the emulated Mini Program: both WeChat replies, in snake_case.
 *
 * Pure: the result depends only on `seed`, `month` and, for retention key 1, `now`. Key 0 of the retention
 * equals the same month's trend `visit_uv_new` / `visit_uv`; key 1 appears once the following month has
 * ended in China time at `now`, and never exceeds key 0. Months before {@link LAUNCH_MONTH} have an empty
 * `list` and empty retention arrays. The API pages' examples are pinned: 2017-02 retention is served verbatim
 * (key 0 only, whatever `now` is) and 2017-03 trend is served verbatim; the other fields of those months are
 * generated consistently with them. Whether the month may be queried at `now` is the caller's concern.
 *
 * @param seed - data seed; different seeds give different histories
 * @param month - `'YYYY-MM'`
 * @param now - the clock, used only to decide whether retention key 1 exists
 * @throws RangeError when `month` is not `'YYYY-MM'`
 */
export function monthlyAnalytics(seed: string, month: string, now: Date): MonthlyAnalytics {
  const calendarMonth = parseMonth(month);
  const ref = refDate(calendarMonth);
  const monthsSinceLaunch = monthOrdinal(calendarMonth) - monthOrdinal(LAUNCH);
  if (monthsSinceLaunch < 0) {
    return { month, launched: false, trend: { list: [] }, retain: { ref_date: ref, visit_uv_new: [], visit_uv: [] } };
  }
  const draws = drawMonth(seed, calendarMonth);
  const row = trendRow(seed, calendarMonth, monthsSinceLaunch, draws);
  let retain: MonthlyRetainReply;
  if (monthsSinceLaunch === 0) {
    retain = structuredClone(PINNED_RETAIN_2017_02);
  } else {
    retain = {
      ref_date: ref,
      visit_uv_new: [{ key: 0, value: row.visit_uv_new }],
      visit_uv: [{ key: 0, value: row.visit_uv }],
    };
    const followingMonthEnded = monthOrdinal(chinaMonthOf(now)) >= monthOrdinal(calendarMonth) + 2;
    if (followingMonthEnded) {
      retain.visit_uv_new.push({ key: 1, value: Math.min(row.visit_uv_new, Math.round(row.visit_uv_new * draws.retainedNewShare)) });
      retain.visit_uv.push({ key: 1, value: Math.min(row.visit_uv, Math.round(row.visit_uv * draws.retainedUvShare)) });
    }
  }
  return { month, launched: true, trend: { list: [row] }, retain };
}
