import { YearMonth, isRetentionFinal, refDateOf } from '../dates';
import { toPlainNumber, unexpectedReply } from '../normalize';
import type { WeChatReply } from '../wechat/client';
import type { MonthlyRetention, RetentionPoint } from '../contract';
import type { ReportDefinition } from './report';

export type { MonthlyRetention, RetentionPoint };

/** Cleans `visit_uv_new` / `visit_uv`: plain numbers, sorted by key, with rates. */
export function normalizeRetentionSeries(raw: unknown, field: string): RetentionPoint[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw unexpectedReply(`${field} is not a list`);
  const points = raw.map((item: unknown, index) => {
    if (typeof item !== 'object' || item === null) throw unexpectedReply(`${field}[${index}] is not an object`);
    const { key, value } = item as { key?: unknown; value?: unknown };
    const keyNumber = toPlainNumber(key, `${field}[${index}].key`);
    const valueNumber = toPlainNumber(value, `${field}[${index}].value`);
    if (keyNumber === null || valueNumber === null) throw unexpectedReply(`${field}[${index}] has no key or value`);
    return { key: keyNumber, value: valueNumber };
  });
  points.sort((a, b) => a.key - b.key);
  const base = points.find((point) => point.key === 0)?.value;
  return points.map((point) => ({
    ...point,
    rate: base === undefined || base === 0 ? null : point.key === 0 ? 1 : point.value / base,
  }));
}

/** Cleans a getMonthlyRetain reply. */
export function normalizeRetention(reply: WeChatReply, month: YearMonth): MonthlyRetention {
  const visitUvNew = normalizeRetentionSeries(reply.visitUvNew, 'visitUvNew');
  const visitUv = normalizeRetentionSeries(reply.visitUv, 'visitUv');
  const hasKeyOne = (series: RetentionPoint[]) => series.some((point) => point.key === 1);
  return { month, refDate: refDateOf(month), visitUvNew, visitUv, complete: hasKeyOne(visitUvNew) && hasKeyOne(visitUv) };
}

/** Monthly retention: `analysis.getMonthlyRetain`. */
export const retainReport: ReportDefinition<MonthlyRetention> = {
  kind: 'retain',
  api: 'analysis.getMonthlyRetain',
  normalize: normalizeRetention,
  isUpToDate: (data, month, now) =>
    data.complete || (data.visitUv.length === 0 && data.visitUvNew.length === 0) || !isRetentionFinal(month, now),
  isFinal: (data) => data.complete,
};
