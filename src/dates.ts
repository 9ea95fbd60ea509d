/**
 * Calendar months in China time (UTC+8, no daylight saving), where WeChat draws its month boundaries.
 * A month is written `YYYY-MM`; WeChat's own forms are `YYYYMM` (refDate) and `yyyymmdd` (dates).
 */

/** A calendar month such as `2024-02`. */
export type YearMonth = string;

/** The first and last day of one natural month, as WeChat wants them (`yyyymmdd`). */
export interface MonthDates {
  beginDate: string;
  endDate: string;
}

const CHINA_OFFSET_MS = 8 * 60 * 60 * 1000;

/** Months since year 0, so that month arithmetic is integer arithmetic. */
function ordinal(month: YearMonth): number {
  return Number(month.slice(0, 4)) * 12 + Number(month.slice(5, 7)) - 1;
}

function fromOrdinal(value: number): YearMonth {
  const year = Math.floor(value / 12);
  const month = (value % 12) + 1;
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}`;
}

/** Number of days in a month; `month` is 1-12. */
export function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** The month that `instant` falls in, on a clock in China. */
export function chinaMonthOf(instant: Date): YearMonth {
  const china = new Date(instant.getTime() + CHINA_OFFSET_MS);
  return fromOrdinal(china.getUTCFullYear() * 12 + china.getUTCMonth());
}

/** `month` moved by `count` months (negative goes back). */
export function addMonths(month: YearMonth, count: number): YearMonth {
  return fromOrdinal(ordinal(month) + count);
}

/** Negative, zero or positive as `a` is before, equal to or after `b`. */
export function compareMonths(a: YearMonth, b: YearMonth): number {
  return ordinal(a) - ordinal(b);
}

/** Every month from `from` to `to`, both included, in order; empty when `to` is before `from`. */
export function monthsBetween(from: YearMonth, to: YearMonth): YearMonth[] {
  const months: YearMonth[] = [];
  for (let value = ordinal(from); value <= ordinal(to); value += 1) months.push(fromOrdinal(value));
  return months;
}

/** The newest month WeChat has data for at `now`: the one before the current China-time month. */
export function lastCompleteMonth(now: Date): YearMonth {
  return addMonths(chinaMonthOf(now), -1);
}

/** True when `month` has ended in China time at `now`. */
export function isMonthComplete(month: YearMonth, now: Date): boolean {
  return compareMonths(month, chinaMonthOf(now)) < 0;
}

/**
 * True when a month's retention can no longer change: the month after it has ended too, so WeChat
 * reports key 1 (one month later).
 */
export function isRetentionFinal(month: YearMonth, now: Date): boolean {
  return isMonthComplete(addMonths(month, 1), now);
}

/**
 * The first month WeChat has analytics for: Mini Programs launched on 9 January 2017, and WeChat answers
 * 61501 for any month before it.
 */
export const EARLIEST_MONTH: YearMonth = '2017-01';

/** Epoch milliseconds at which `month` ends: midnight China time (UTC+8) starting the month after it. */
export function monthEndsAt(month: YearMonth): number {
  const next = ordinal(month) + 1;
  return Date.UTC(Math.floor(next / 12), next % 12, 1) - CHINA_OFFSET_MS;
}

/** The `yyyymmdd` pair WeChat expects for one natural month. */
export function monthDates(month: YearMonth): MonthDates {
  const year = Number(month.slice(0, 4));
  const monthNumber = Number(month.slice(5, 7));
  const compact = month.replace('-', '');
  return {
    beginDate: `${compact}01`,
    endDate: `${compact}${String(daysInMonth(year, monthNumber)).padStart(2, '0')}`,
  };
}

/** WeChat's `refDate` (`YYYYMM`) for a month. */
export function refDateOf(month: YearMonth): string {
  return month.replace('-', '');
}

/** Reads `YYYY-MM` or `YYYYMM`; undefined when it is not a month. */
export function parseYearMonth(text: string): YearMonth | undefined {
  const match = /^(\d{4})-?(\d{2})$/.exec(text);
  if (!match) return undefined;
  const month = Number(match[2]);
  if (month < 1 || month > 12) return undefined;
  return `${match[1]}-${match[2]}`;
}

/** A real calendar date written `yyyymmdd`. */
export interface CalendarDate {
  month: YearMonth;
  day: number;
}

/** Reads `yyyymmdd`; undefined when it is not a real calendar date (20230229 is not, 20240229 is). */
export function parseCompactDate(text: string): CalendarDate | undefined {
  const match = /^(\d{4})(\d{2})(\d{2})$/.exec(text);
  if (!match) return undefined;
  const year = Number(match[1]);
  const month = Number(match[2]);
  const day = Number(match[3]);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  return { month: `${match[1]}-${match[2]}`, day };
}

/** The `count` newest complete months at `now`, oldest first. */
export function lastCompleteMonths(now: Date, count: number): YearMonth[] {
  const last = lastCompleteMonth(now);
  return monthsBetween(addMonths(last, 1 - count), last);
}
