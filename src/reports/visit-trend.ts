import { YearMonth, refDateOf } from '../dates';
import { toPlainNumber, unexpectedReply } from '../normalize';
import type { WeChatReply } from '../wechat/client';
import type { MonthlyVisitTrend } from '../contract';
import type { ReportDefinition } from './report';

export type { MonthlyVisitTrend };

const FIGURES = ['sessionCnt', 'visitPv', 'visitUv', 'visitUvNew', 'stayTimeUv', 'stayTimeSession', 'visitDepth'] as const;

/** Cleans a getMonthlyVisitTrend reply; `null` when WeChat's list is empty. */
export function normalizeVisitTrend(reply: WeChatReply, month: YearMonth): MonthlyVisitTrend | null {
  const { list } = reply;
  if (list === undefined || list === null) return null;
  if (!Array.isArray(list)) throw unexpectedReply('list is not a list');
  const refDate = refDateOf(month);
  const entry: unknown = list.find((item: { refDate?: unknown } | null) => item?.refDate === refDate) ?? list[0];
  if (entry === undefined) return null;
  if (typeof entry !== 'object' || entry === null) throw unexpectedReply('list[0] is not an object');
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
  for (const name of FIGURES) trend[name] = toPlainNumber(fields[name], name);
  return trend;
}

/** Monthly visit trend: `analysis.getMonthlyVisitTrend`. A complete month's trend does not change. */
export const visitTrendReport: ReportDefinition<MonthlyVisitTrend | null> = {
  kind: 'visitTrend',
  api: 'analysis.getMonthlyVisitTrend',
  normalize: normalizeVisitTrend,
  isUpToDate: () => true,
  isFinal: (data) => data !== null,
};
