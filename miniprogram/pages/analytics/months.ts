/** Month arithmetic in China time (UTC+8, no daylight saving), where WeChat's months begin and end. */
import type { YearMonth } from '../../types/contract';

const CHINA_OFFSET_MS = 8 * 60 * 60 * 1000;

/** The first month the picker offers: WeChat's monthly analytics start in 2017. */
export const FIRST_MONTH: YearMonth = '2017-01';
/** The most months one report call may ask for. */
export const MAX_RANGE_MONTHS = 24;
/** The months the page shows by default. */
export const DEFAULT_MONTHS = 12;

function pad(value: number, width = 2): string {
  let text = String(value);
  while (text.length < width) text = `0${text}`;
  return text;
}

/** `2024-05` → 2024 * 12 + 4. */
export function monthIndex(month: YearMonth): number {
  const [year, monthOfYear] = month.split('-').map(Number);
  return (year ?? 0) * 12 + (monthOfYear ?? 1) - 1;
}

export function monthOfIndex(index: number): YearMonth {
  return `${Math.floor(index / 12)}-${pad((index % 12) + 1)}`;
}

export function addMonths(month: YearMonth, count: number): YearMonth {
  return monthOfIndex(monthIndex(month) + count);
}

/** Months from `from` to `to`, both included (1 when equal). */
export function monthsBetween(from: YearMonth, to: YearMonth): number {
  return monthIndex(to) - monthIndex(from) + 1;
}

/** The newest month that has ended in China time at `now`: the newest month WeChat has figures for. */
export function lastCompleteMonth(now: Date): YearMonth {
  const china = new Date(now.getTime() + CHINA_OFFSET_MS);
  return addMonths(`${china.getUTCFullYear()}-${pad(china.getUTCMonth() + 1)}`, -1);
}

/** The default range: the last {@link DEFAULT_MONTHS} complete months. */
export function defaultRange(now: Date): { from: YearMonth; to: YearMonth } {
  const to = lastCompleteMonth(now);
  return { from: addMonths(to, -(DEFAULT_MONTHS - 1)), to };
}

/**
 * The range after the user picked `changed` for one end: the other end moves so that the range is in
 * order, within [FIRST_MONTH, newest] and at most {@link MAX_RANGE_MONTHS} long.
 */
export function pickRange(
  current: { from: YearMonth; to: YearMonth },
  end: 'from' | 'to',
  changed: YearMonth,
  newest: YearMonth,
): { from: YearMonth; to: YearMonth } {
  const clamp = (month: YearMonth) => monthOfIndex(Math.min(Math.max(monthIndex(month), monthIndex(FIRST_MONTH)), monthIndex(newest)));
  const picked = clamp(changed);
  let from = end === 'from' ? picked : current.from;
  let to = end === 'to' ? picked : current.to;
  if (monthIndex(from) > monthIndex(to)) {
    if (end === 'from') to = from;
    else from = to;
  }
  if (monthsBetween(from, to) > MAX_RANGE_MONTHS) {
    if (end === 'from') to = addMonths(from, MAX_RANGE_MONTHS - 1);
    else from = addMonths(to, -(MAX_RANGE_MONTHS - 1));
  }
  return { from: clamp(from), to: clamp(to) };
}

/** An ISO instant as `2024-06-02 10:00` in China time. */
export function chinaDateTime(iso: string): string {
  const time = Date.parse(iso);
  if (Number.isNaN(time)) return iso;
  const china = new Date(time + CHINA_OFFSET_MS);
  return `${china.getUTCFullYear()}-${pad(china.getUTCMonth() + 1)}-${pad(china.getUTCDate())} ${pad(china.getUTCHours())}:${pad(china.getUTCMinutes())}`;
}
