/**
 * Calendar months in China time (UTC+8, no daylight saving), where WeChat draws its month boundaries.
 * A month is written `YYYY-MM`; WeChat's own forms are `YYYYMM` (refDate) and `yyyymmdd` (dates).
 *
 * Built on dayjs in UTC mode only: China time is the instant shifted by +8 hours and then read as UTC,
 * so the host's time zone (and its daylight saving) never enters. `.tz()` and
 * `utcOffset(480).startOf('month')` are avoided on purpose: on a host with daylight saving they give
 * wrong month boundaries (open upstream issues).
 *
 * Parsing is strict without dayjs's `customParseFormat` plugin (a millisecond of a cold start, and a
 * format compiled on every parse): a regular expression admits only the written shape, dayjs reads the
 * digits, and it must read back the same year, month and day (`2024-13` and `20230229` roll over, and
 * `0050` reads as 1950, so they do not). Months already checked are compared and moved as month numbers
 * (year × 12 + month): the functions do that on every call.
 *
 * A warm instance asks about the same few months on every call, so what dayjs answered is kept: whether
 * a text is a month, when a month ends, and which instants the current China month spans.
 */
import dayjs, { Dayjs } from 'dayjs';
import utc from 'dayjs/plugin/utc';

dayjs.extend(utc);

/** A calendar month such as `2024-02`. */
export type YearMonth = string;

/** The first and last day of one natural month, as WeChat wants them (`yyyymmdd`). */
export interface MonthDates {
  beginDate: string;
  endDate: string;
}

/** China's offset from UTC, in hours (no daylight saving since 1991). */
const CHINA_OFFSET_HOURS = 8;

/** Months (or month texts) whose answers are kept, at most; beyond that they are computed every time. */
const REMEMBERED_MONTHS = 1000;

/** `compute` whose answers are kept, for {@link REMEMBERED_MONTHS} keys. */
function remembered<Value extends number | boolean>(compute: (key: string) => Value): (key: string) => Value {
  const answers = new Map<string, Value>();
  return (key) => {
    let answer = answers.get(key);
    if (answer === undefined) {
      answer = compute(key);
      if (answers.size < REMEMBERED_MONTHS) answers.set(key, answer);
    }
    return answer;
  };
}

/** The first day of a checked `month`, 00:00 UTC, as a UTC-mode dayjs. */
function startOf(month: YearMonth): Dayjs {
  return dayjs.utc(`${month}-01`);
}

/** Months since year 0 of a checked `month`, so that month arithmetic is integer arithmetic. */
function ordinal(month: YearMonth): number {
  return Number(month.slice(0, 4)) * 12 + Number(month.slice(5, 7)) - 1;
}

function fromOrdinal(value: number): YearMonth {
  return `${String(Math.floor(value / 12)).padStart(4, '0')}-${String((value % 12) + 1).padStart(2, '0')}`;
}

/** Number of days in a month; `month` is 1-12. */
export function daysInMonth(year: number, month: number): number {
  return startOf(`${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}`).daysInMonth();
}

/** The China month asked for last, and the instants it spans (epoch ms, `to` excluded). */
let currentMonth: { month: YearMonth; from: number; to: number } | undefined;

/** The month that `instant` falls in, on a clock in China. */
export function chinaMonthOf(instant: Date): YearMonth {
  const time = instant.getTime();
  if (currentMonth && time >= currentMonth.from && time < currentMonth.to) return currentMonth.month;
  const china = dayjs.utc(instant).add(CHINA_OFFSET_HOURS, 'hour');
  const month = fromOrdinal(china.year() * 12 + china.month());
  currentMonth = { month, from: monthEndsAt(addMonths(month, -1)), to: monthEndsAt(month) };
  return month;
}

/** `month` moved by `count` months (negative goes back). */
export function addMonths(month: YearMonth, count: number): YearMonth {
  return fromOrdinal(ordinal(month) + count);
}

/** Negative, zero or positive as `a` is before, equal to or after `b`. */
export function compareMonths(a: YearMonth, b: YearMonth): number {
  return ordinal(a) - ordinal(b);
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
export const monthEndsAt: (month: YearMonth) => number = remembered((month) =>
  startOf(addMonths(month, 1)).subtract(CHINA_OFFSET_HOURS, 'hour').valueOf(),
);

/** The `yyyymmdd` pair WeChat expects for one natural month. */
export function monthDates(month: YearMonth): MonthDates {
  const compact = refDateOf(month);
  return { beginDate: `${compact}01`, endDate: `${compact}${String(startOf(month).daysInMonth()).padStart(2, '0')}` };
}

/** WeChat's `refDate` (`YYYYMM`) for a month. */
export function refDateOf(month: YearMonth): string {
  return month.replace('-', '');
}

/** Reads `YYYY-MM` or `YYYYMM` strictly; undefined when it is not a month. */
export function parseYearMonth(text: string): YearMonth | undefined {
  const match = /^(\d{4})-?(\d{2})$/.exec(text);
  if (!match) return undefined;
  const month = `${match[1]}-${match[2]}`;
  return isRealMonth(month) ? month : undefined;
}

/** True when dayjs reads `YYYY-MM` back as that same year and month. */
const isRealMonth = remembered((month) => {
  const parsed = startOf(month);
  return parsed.year() === Number(month.slice(0, 4)) && parsed.month() + 1 === Number(month.slice(5, 7));
});

/** A real calendar date written `yyyymmdd`. */
export interface CalendarDate {
  month: YearMonth;
  day: number;
}

/** Reads `yyyymmdd` strictly; undefined when it is not a real calendar date (20230229 is not, 20240229 is). */
export function parseCompactDate(text: string): CalendarDate | undefined {
  const match = /^(\d{4})(\d{2})(\d{2})$/.exec(text);
  if (!match) return undefined;
  const parsed = dayjs.utc(`${match[1]}-${match[2]}-${match[3]}`);
  const same = parsed.year() === Number(match[1]) && parsed.month() + 1 === Number(match[2]) && parsed.date() === Number(match[3]);
  return same ? { month: `${match[1]}-${match[2]}`, day: parsed.date() } : undefined;
}

/** The `count` newest complete months at `now`, oldest first. */
export function lastCompleteMonths(now: Date, count: number): YearMonth[] {
  const last = lastCompleteMonth(now);
  return monthsBetween(addMonths(last, 1 - count), last);
}
