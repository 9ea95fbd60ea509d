import type { MonthlyRetention, RetentionPoint } from '../contract';
import { YearMonth, addMonths, refDateOf } from '../dates';
import { isPlainObject, toPlainNumber, unexpectedReply } from './numbers';
import type { WeChatReply } from '../wechat/client';
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
    if (!Number.isInteger(keyNumber) || keyNumber < 0 || valueNumber < 0) throw unexpectedReply(`${field}[${index}] has a negative or fractional key, or a negative value`);
    return { key: keyNumber, value: valueNumber };
  });
  points.sort((a, b) => a.key - b.key);
  if (points.some((point, index) => index > 0 && points[index - 1]?.key === point.key)) throw unexpectedReply(`${field} repeats a key`);
  const base = points.find((point) => point.key === 0)?.value;
  return points.map((point) => ({ ...point, rate: rateOf(point.key, point.value, base) }));
}

/** The rate of a point: its value against key 0's (`base`); 1 for key 0; `null` when there is no base or it is 0. */
function rateOf(key: number, value: number, base: number | undefined): number | null {
  return base === undefined || base === 0 ? null : key === 0 ? 1 : value / base;
}

/**
 * True when `series` (keys already checked whole and not negative, numbers finite) is exactly what
 * {@link normalizeRetentionSeries} makes of its own keys and values: in key order, no key twice, no
 * negative value, and each rate the one its value gives.
 */
function isNormalizedSeries(series: readonly RetentionPoint[]): boolean {
  const base = series.find((point) => point.key === 0)?.value;
  for (let index = 0; index < series.length; index += 1) {
    const point = series[index] as RetentionPoint;
    const previous = series[index - 1];
    if (point.value < 0 || (previous !== undefined && previous.key >= point.key)) return false;
    if (point.rate !== rateOf(point.key, point.value, base)) return false;
  }
  return true;
}

const hasKeyOne = (series: RetentionPoint[]) => series.some((point) => point.key === 1);

/**
 * Cleans a getMonthlyRetain reply. A reply with no series (`{}`, or empty `visit_uv_new`/`visit_uv`)
 * gives empty series: a month without figures.
 */
export function normalizeRetention(reply: WeChatReply, month: YearMonth): MonthlyRetention {
  if (reply.refDate !== undefined && reply.refDate !== refDateOf(month)) {
    throw unexpectedReply(`its ref_date is ${JSON.stringify(reply.refDate).slice(0, 20)}, not ${refDateOf(month)}`);
  }
  const visitUvNew = normalizeRetentionSeries(reply.visitUvNew, 'visitUvNew');
  const visitUv = normalizeRetentionSeries(reply.visitUv, 'visitUv');
  return { month, refDate: refDateOf(month), visitUvNew, visitUv, complete: hasKeyOne(visitUvNew) && hasKeyOne(visitUv) };
}

function parseSeries(value: unknown): RetentionPoint[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const points: RetentionPoint[] = [];
  for (const item of value) {
    if (!isPlainObject(item)) return undefined;
    const { key, value: count, rate } = item;
    if (typeof key !== 'number' || !Number.isInteger(key) || key < 0) return undefined;
    if (typeof count !== 'number' || !Number.isFinite(count)) return undefined;
    if (rate !== null && (typeof rate !== 'number' || !Number.isFinite(rate))) return undefined;
    points.push({ key, value: count, rate });
  }
  return points;
}

/** A stored retention month, checked field by field; `undefined` when it is not exactly that shape. */
export function parseStoredRetention(value: unknown, month: YearMonth): MonthlyRetention | undefined {
  if (!isPlainObject(value) || value.month !== month || value.refDate !== refDateOf(month)) return undefined;
  const visitUvNew = parseSeries(value.visitUvNew);
  const visitUv = parseSeries(value.visitUv);
  if (!visitUvNew || !visitUv) return undefined;
  const complete = hasKeyOne(visitUvNew) && hasKeyOne(visitUv);
  if (value.complete !== complete) return undefined;
  // The rates must be the ones the values give: a stored copy that disagrees with itself is not trusted.
  if (!isNormalizedSeries(visitUvNew) || !isNormalizedSeries(visitUv)) return undefined;
  return { month, refDate: refDateOf(month), visitUvNew, visitUv, complete };
}

/** Monthly retention: `analysis.getMonthlyRetain`. Key 1 is due once the following month has ended. */
export const retainReport: ReportDefinition<MonthlyRetention> = {
  kind: 'retain',
  api: 'analysis.getMonthlyRetain',
  normalize: normalizeRetention,
  parseStored: parseStoredRetention,
  hasFigures: (data) => data.visitUv.length > 0 || data.visitUvNew.length > 0,
  isFinal: (data) => data.complete,
  dueMonth: (data, month) => (data.visitUv.length > 0 || data.visitUvNew.length > 0 ? addMonths(month, 1) : month),
};
