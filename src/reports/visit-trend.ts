import type { MonthlyVisitTrend } from '../contract';
import { YearMonth, refDateOf } from '../dates';
import { isPlainObject, toPlainNumber, unexpectedReply } from './numbers';
import type { WeChatReply } from '../wechat/client';
import type { ReportDefinition } from './report';

export type { MonthlyVisitTrend };

const FIGURES = ['sessionCnt', 'visitPv', 'visitUv', 'visitUvNew', 'stayTimeUv', 'stayTimeSession', 'visitDepth'] as const;

/**
 * Cleans a getMonthlyVisitTrend reply; `null` when WeChat's list is empty (no figures). A reply without
 * `list` (an empty body, `[]`, a number) is not WeChat's shape: an error, never "no figures".
 */
export function normalizeVisitTrend(reply: WeChatReply, month: YearMonth): MonthlyVisitTrend | null {
  const { list } = reply;
  if (!Array.isArray(list)) throw unexpectedReply(list === undefined ? 'it has no list' : 'list is not a list');
  const refDate = refDateOf(month);
  if (list.length === 0) return null;
  const entry: unknown = list.find((item: { refDate?: unknown } | null) => item?.refDate === refDate);
  if (entry === undefined) throw unexpectedReply(`its list has no entry for ${refDate}`);
  if (typeof entry !== 'object' || entry === null) throw unexpectedReply('an entry of list is not an object');
  const fields = entry as Record<string, unknown>;
  const trend: MonthlyVisitTrend = {
    month,
    refDate,
    sessionCnt: null,
    visitPv: null,
    visitUv: null,
    visitUvNew: null,
    stayTimeUv: null,
    stayTimeSession: null,
    visitDepth: null,
  };
  for (const name of FIGURES) {
    const figure = toPlainNumber(fields[name], name);
    if (figure !== null && figure < 0) throw unexpectedReply(`${name} is negative`);
    trend[name] = figure;
  }
  return trend;
}

/**
 * A stored visit trend, checked field by field: `null` (a month without figures) or the full shape.
 * `undefined` when it is neither.
 */
export function parseStoredVisitTrend(value: unknown, month: YearMonth): MonthlyVisitTrend | null | undefined {
  if (value === null) return null;
  if (!isPlainObject(value) || value.month !== month || value.refDate !== refDateOf(month)) return undefined;
  const trend: MonthlyVisitTrend = { month, refDate: refDateOf(month), sessionCnt: null, visitPv: null, visitUv: null, visitUvNew: null, stayTimeUv: null, stayTimeSession: null, visitDepth: null };
  for (const name of FIGURES) {
    const figure = value[name];
    if (figure !== null && (typeof figure !== 'number' || !Number.isFinite(figure) || figure < 0)) return undefined;
    trend[name] = figure;
  }
  return trend;
}

/** Monthly visit trend: `analysis.getMonthlyVisitTrend`. A month's trend with figures never changes. */
export const visitTrendReport: ReportDefinition<MonthlyVisitTrend | null> = {
  kind: 'visitTrend',
  api: 'analysis.getMonthlyVisitTrend',
  normalize: normalizeVisitTrend,
  parseStored: parseStoredVisitTrend,
  hasFigures: (data) => data !== null,
  isFinal: (data) => data !== null,
  dueMonth: (_data, month) => month,
};
