/** A calendar month, `month` from 1 to 12. */
export interface CalendarMonth {
  year: number;
  month: number;
}

const CHINA_UTC_OFFSET_MS = 8 * 60 * 60 * 1000;

/**
 * Parses `'YYYY-MM'`.
 * @throws RangeError when the text is not a month in that form.
 */
export function parseMonth(text: string): CalendarMonth {
  const match = /^(\d{4})-(\d{2})$/.exec(text);
  const year = Number(match?.[1]);
  const month = Number(match?.[2]);
  if (!match || month < 1 || month > 12) {
    throw new RangeError(`expected a month as 'YYYY-MM', got ${JSON.stringify(text)}`);
  }
  return { year, month };
}

/** Formats as `'YYYY-MM'`. */
export function formatMonth({ year, month }: CalendarMonth): string {
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}`;
}

/** Formats as WeChat's `ref_date` for a month, `'YYYYMM'`. */
export function refDate({ year, month }: CalendarMonth): string {
  return `${String(year).padStart(4, '0')}${String(month).padStart(2, '0')}`;
}

/** A month as a single increasing number, so that consecutive months differ by 1. */
export function monthOrdinal({ year, month }: CalendarMonth): number {
  return year * 12 + (month - 1);
}

/** Number of days in the month. */
export function daysInMonth({ year, month }: CalendarMonth): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** The month `instant` falls in on a clock in China time (UTC+8, no daylight saving). */
export function chinaMonthOf(instant: Date): CalendarMonth {
  const shifted = new Date(instant.getTime() + CHINA_UTC_OFFSET_MS);
  return { year: shifted.getUTCFullYear(), month: shifted.getUTCMonth() + 1 };
}

/**
 * Parses a WeChat `yyyymmdd` date; `undefined` unless it names a real calendar day.
 */
export function parseCompactDate(text: string): { year: number; month: number; day: number } | undefined {
  const match = /^(\d{4})(\d{2})(\d{2})$/.exec(text);
  if (!match) return undefined;
  const year = Number(match[1]);
  const month = Number(match[2]);
  const day = Number(match[3]);
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysInMonth({ year, month })) return undefined;
  return { year, month, day };
}
