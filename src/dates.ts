/**
 * Calendar months in China time (UTC+8, no daylight saving), where WeChat draws its month boundaries.
 * A month is written `YYYY-MM`; WeChat's own forms are `YYYYMM` (refDate) and `yyyymmdd` (dates).
 *
 * Built on dayjs in UTC mode only: China time is the instant shifted by +8 hours and then read as UTC,
 * so the host's time zone (and its daylight saving) never enters. `.tz()` and
 * `utcOffset(480).startOf('month')` are avoided on purpose: on a host with daylight saving they give
 * wrong month boundaries (open upstream issues).
 */
import dayjs, { Dayjs } from 'dayjs';
import customParseFormat from 'dayjs/plugin/customParseFormat';
import utc from 'dayjs/plugin/utc';

dayjs.extend(utc);
dayjs.extend(customParseFormat);

/** A calendar month such as `2024-02`. */
export type YearMonth = string;

/** The first and last day of one natural month, as WeChat wants them (`yyyymmdd`). */
export interface MonthDates {
  beginDate: string;
  endDate: string;
}

/** China's offset from UTC, in hours (no daylight saving since 1991). */
const CHINA_OFFSET_HOURS = 8;
const MONTH_FORMAT = 'YYYY-MM';

/** The first day of `month`, 00:00 UTC, as a UTC-mode dayjs. */
function startOf(month: YearMonth): Dayjs {
  return dayjs.utc(month, MONTH_FORMAT, true);
}

/** Number of days in a month; `month` is 1-12. */
export function daysInMonth(year: number, month: number): number {
  return dayjs.utc(`${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}`, MONTH_FORMAT, true).daysInMonth();
}

/** The month that `instant` falls in, on a clock in China. */
export function chinaMonthOf(instant: Date): YearMonth {
  return dayjs.utc(instant).add(CHINA_OFFSET_HOURS, 'hour').format(MONTH_FORMAT);
}

/** `month` moved by `count` months (negative goes back). */
export function addMonths(month: YearMonth, count: number): YearMonth {
  return startOf(month).add(count, 'month').format(MONTH_FORMAT);
}

/** Negative, zero or positive as `a` is before, equal to or after `b`. */
export function compareMonths(a: YearMonth, b: YearMonth): number {
  return startOf(a).diff(startOf(b), 'month');
}

/** The calendar day that `instant` falls on, on a clock in China: `YYYY-MM-DD`. */
export function chinaDayOf(instant: Date): string {
  return dayjs.utc(instant).add(CHINA_OFFSET_HOURS, 'hour').format('YYYY-MM-DD');
}

/** Every month from `from` to `to`, both included, in order; empty when `to` is before `from`. */
export function monthsBetween(from: YearMonth, to: YearMonth): YearMonth[] {
  const count = compareMonths(to, from);
  return Array.from({ length: Math.max(count + 1, 0) }, (_, index) => addMonths(from, index));
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
  return startOf(month).add(1, 'month').subtract(CHINA_OFFSET_HOURS, 'hour').valueOf();
}

/** The `yyyymmdd` pair WeChat expects for one natural month. */
export function monthDates(month: YearMonth): MonthDates {
  const first = startOf(month);
  return { beginDate: first.format('YYYYMMDD'), endDate: first.endOf('month').format('YYYYMMDD') };
}

/** WeChat's `refDate` (`YYYYMM`) for a month. */
export function refDateOf(month: YearMonth): string {
  return month.replace('-', '');
}

/** Reads `YYYY-MM` or `YYYYMM` strictly; undefined when it is not a month. */
export function parseYearMonth(text: string): YearMonth | undefined {
  if (!/^\d{4}-?\d{2}$/.test(text)) return undefined;
  const parsed = dayjs.utc(text, text.includes('-') ? MONTH_FORMAT : 'YYYYMM', true);
  return parsed.isValid() ? parsed.format(MONTH_FORMAT) : undefined;
}

/** A real calendar date written `yyyymmdd`. */
export interface CalendarDate {
  month: YearMonth;
  day: number;
}

/** Reads `yyyymmdd` strictly; undefined when it is not a real calendar date (20230229 is not, 20240229 is). */
export function parseCompactDate(text: string): CalendarDate | undefined {
  if (!/^\d{8}$/.test(text)) return undefined;
  const parsed = dayjs.utc(text, 'YYYYMMDD', true);
  return parsed.isValid() ? { month: parsed.format(MONTH_FORMAT), day: parsed.date() } : undefined;
}

/** The `count` newest complete months at `now`, oldest first. */
export function lastCompleteMonths(now: Date, count: number): YearMonth[] {
  const last = lastCompleteMonth(now);
  return monthsBetween(addMonths(last, 1 - count), last);
}
