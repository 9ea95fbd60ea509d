/** Turns the functions' replies into what the page shows: pure functions, no wx API. */
import type { MonthOutcome, MonthlyRetention, MonthlyVisitTrend, RetentionPoint, YearMonth } from '../../types/contract';
import { errorOfBody } from '../../services/analytics';
import { ErrorView, errorView } from './errors';
import { chinaDateTime } from './months';

/** One figure of a month with its change from the month before. */
export interface FigureView {
  key: string;
  label: string;
  /** Formatted value with its unit, '—' when WeChat left it out. */
  value: string;
  /** '+3.2%', '−1.0%', '0.0%' or '' when there is nothing to compare with. */
  change: string;
  /** 'up' | 'down' | 'flat' | 'none' (a CSS class). */
  trend: 'up' | 'down' | 'flat' | 'none';
}

export interface RetentionRowView {
  label: string;
  month: string;
  nextMonth: string;
  rate: string;
}

export interface MonthView {
  month: YearMonth;
  /** 'ok' | 'empty' (WeChat has no figures) | 'failed'. */
  visits: 'ok' | 'empty' | 'failed';
  figures: FigureView[];
  visitsError: ErrorView | null;
  visitsOrigin: string;
  retention: 'ok' | 'failed';
  retentionRows: RetentionRowView[];
  /** 'Complete' or what is still missing. */
  retentionStatus: string;
  complete: boolean;
  retentionError: ErrorView | null;
  retentionOrigin: string;
}

export interface BarView {
  month: YearMonth;
  /** Short label: 'May' or 'Jan 24'. */
  label: string;
  /** Heights in % of the chart, one per series; 0 for a month without figures. */
  visitors: number;
  newVisitors: number;
  sessions: number;
  /** 'ok' | 'empty' | 'failed': a bar-less month says why. */
  status: 'ok' | 'empty' | 'failed';
}

export interface ChartView {
  bars: BarView[];
  /** The value of the top line, formatted. */
  scaleTop: string;
  scaleMiddle: string;
}

export interface PageView {
  months: MonthView[];
  chart: ChartView;
  /** Months of the range, and how many failed or had no figures. */
  failedMonths: number;
  emptyMonths: number;
  /** True when no month of the range has visit figures. */
  noFigures: boolean;
}

const MONTH_NAMES = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** 1234567 → '1,234,567'. */
export function formatCount(value: number): string {
  const rounded = Math.round(value);
  const digits = String(Math.abs(rounded));
  let grouped = '';
  for (let index = 0; index < digits.length; index++) {
    if (index > 0 && (digits.length - index) % 3 === 0) grouped += ',';
    grouped += digits[index];
  }
  return rounded < 0 ? `-${grouped}` : grouped;
}

/** Seconds as '56.4 s' or '2 min 05 s'. */
export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const minutes = Math.floor(seconds / 60);
  const rest = Math.round(seconds - minutes * 60);
  return `${minutes} min ${rest < 10 ? '0' : ''}${rest} s`;
}

export function formatRate(rate: number | null): string {
  return rate === null ? '—' : `${(rate * 100).toFixed(1)}%`;
}

/** The change from `before` to `now` as a signed percentage. */
export function change(now: number | null, before: number | null | undefined): Pick<FigureView, 'change' | 'trend'> {
  if (now === null || before === null || before === undefined || before === 0) return { change: '', trend: 'none' };
  const percent = ((now - before) / before) * 100;
  const text = `${Math.abs(percent).toFixed(1)}%`;
  if (text === '0.0%') return { change: '0.0%', trend: 'flat' };
  return percent > 0 ? { change: `+${text}`, trend: 'up' } : { change: `−${text}`, trend: 'down' };
}

const FIGURES: { key: keyof Omit<MonthlyVisitTrend, 'month' | 'refDate'>; label: string; format: (value: number) => string }[] = [
  { key: 'visitUv', label: 'Visitors', format: formatCount },
  { key: 'visitUvNew', label: 'New visitors', format: formatCount },
  { key: 'sessionCnt', label: 'Sessions', format: formatCount },
  { key: 'visitPv', label: 'Page views', format: formatCount },
  { key: 'stayTimeUv', label: 'Stay per visitor', format: formatDuration },
  { key: 'stayTimeSession', label: 'Stay per session', format: formatDuration },
  { key: 'visitDepth', label: 'Depth per session', format: (value) => `${value.toFixed(2)} pages` },
];

function origin(entry: { source: 'archive' | 'wechat'; fetchedAt: string; final: boolean }): string {
  const where = entry.source === 'archive' ? 'Archive' : 'WeChat, this call';
  return `${where} · fetched ${chinaDateTime(entry.fetchedAt)}${entry.final ? '' : ' · may still change'}`;
}

function shortLabel(month: YearMonth, index: number): string {
  const [year, monthOfYear] = month.split('-');
  const name = MONTH_NAMES[Number(monthOfYear) - 1] ?? month;
  return index === 0 || monthOfYear === '01' ? `${name} ${year?.slice(2)}` : name;
}

function retentionRow(label: string, points: RetentionPoint[]): RetentionRowView {
  const key0 = points.find((point) => point.key === 0);
  const key1 = points.find((point) => point.key === 1);
  return {
    label,
    month: key0 ? formatCount(key0.value) : '—',
    nextMonth: key1 ? formatCount(key1.value) : 'not yet',
    rate: key1 ? formatRate(key1.rate) : '—',
  };
}

/**
 * The page's view of a range: `trend` and `retain` are the two functions' range replies (in month order);
 * `before` is the visit trend of the month before the range, when known, for the first month's changes.
 */
export function pageView(
  trend: MonthOutcome<MonthlyVisitTrend | null>[],
  retain: MonthOutcome<MonthlyRetention>[],
  before?: MonthlyVisitTrend | null,
): PageView {
  const retainByMonth: Record<string, MonthOutcome<MonthlyRetention>> = {};
  for (const entry of retain) retainByMonth[entry.month] = entry;
  const trendByMonth: Record<string, MonthOutcome<MonthlyVisitTrend | null>> = {};
  for (const entry of trend) trendByMonth[entry.month] = entry;
  // The months of the range: the visit trend's, or the retention's when the visit trend failed as a whole.
  const monthList = (trend.length > 0 ? trend : retain).map((entry) => entry.month);
  const months: MonthView[] = [];
  let previous: MonthlyVisitTrend | null | undefined = before;
  let failedMonths = 0;
  let emptyMonths = 0;
  for (const month of monthList) {
    const entry = trendByMonth[month];
    const view: MonthView = {
      month,
      visits: 'failed',
      figures: [],
      visitsError: null,
      visitsOrigin: '',
      retention: 'failed',
      retentionRows: [],
      retentionStatus: '',
      complete: false,
      retentionError: null,
      retentionOrigin: '',
    };
    if (entry && entry.ok) {
      const figures = entry.data;
      view.visits = figures ? 'ok' : 'empty';
      view.visitsOrigin = origin(entry);
      if (figures) {
        view.figures = FIGURES.map(({ key, label, format }) => {
          const value = figures[key];
          return { key, label, value: value === null ? '—' : format(value), ...change(value, previous ? previous[key] : undefined) };
        });
      } else {
        emptyMonths += 1;
      }
      previous = figures;
    } else {
      failedMonths += 1;
      if (entry) view.visitsError = errorView(errorOfBody('getMonthlyVisitTrend', entry.error));
      previous = undefined;
    }
    const retained = retainByMonth[month];
    if (retained && retained.ok) {
      view.retention = 'ok';
      view.retentionRows = [retentionRow('New visitors', retained.data.visitUvNew), retentionRow('All visitors', retained.data.visitUv)];
      view.complete = retained.data.complete;
      view.retentionStatus = retained.data.complete ? 'Complete' : 'Waiting for next month\'s figures (key 1)';
      view.retentionOrigin = origin(retained);
    } else if (retained) {
      view.retentionError = errorView(errorOfBody('getMonthlyRetain', retained.error));
    }
    months.push(view);
  }
  return { months, chart: chartView(monthList.map((month) => trendByMonth[month] ?? { month, ok: false, error: { code: 'INTERNAL_ERROR', message: '' } })), failedMonths, emptyMonths, noFigures: months.every((month) => month.visits !== 'ok') };
}

/** Grouped bars of visitors, new visitors and sessions, scaled to the largest value of the range. */
export function chartView(trend: MonthOutcome<MonthlyVisitTrend | null>[]): ChartView {
  let max = 0;
  for (const entry of trend) {
    if (entry.ok && entry.data) max = Math.max(max, entry.data.visitUv ?? 0, entry.data.visitUvNew ?? 0, entry.data.sessionCnt ?? 0);
  }
  const top = niceCeiling(max);
  const height = (value: number | null | undefined) => (top > 0 && value ? Math.round((value / top) * 1000) / 10 : 0);
  return {
    bars: trend.map((entry, index) => ({
      month: entry.month,
      label: shortLabel(entry.month, index),
      visitors: entry.ok && entry.data ? height(entry.data.visitUv) : 0,
      newVisitors: entry.ok && entry.data ? height(entry.data.visitUvNew) : 0,
      sessions: entry.ok && entry.data ? height(entry.data.sessionCnt) : 0,
      status: entry.ok ? (entry.data ? 'ok' : 'empty') : 'failed',
    })),
    scaleTop: top > 0 ? formatCompact(top) : '',
    scaleMiddle: top > 0 ? formatCompact(top / 2) : '',
  };
}

/** The smallest 1, 2 or 5 × 10^n at or above `value`. */
export function niceCeiling(value: number): number {
  if (value <= 0) return 0;
  const power = Math.pow(10, Math.floor(Math.log10(value)));
  for (const step of [1, 2, 5, 10]) if (step * power >= value) return step * power;
  return 10 * power;
}

/** 150000 → '150k', 2500000 → '2.5M'. */
export function formatCompact(value: number): string {
  if (value >= 1e6) return `${trim(value / 1e6)}M`;
  if (value >= 1e3) return `${trim(value / 1e3)}k`;
  return trim(value);
}

function trim(value: number): string {
  return String(Math.round(value * 10) / 10);
}
