import {
  EARLIEST_MONTH,
  YearMonth,
  compareMonths,
  daysInMonth,
  isMonthComplete,
  lastCompleteMonth,
  monthsBetween,
  parseCompactDate,
  parseYearMonth,
} from '../dates';
import { AnalyticsError, echo, invalidArgument } from '../errors';

/** What a caller asked for, once checked. */
export type AnalyticsRequest =
  | { kind: 'month'; month: YearMonth }
  | { kind: 'range'; from: YearMonth; to: YearMonth };

/** The most months one range call may ask for. */
export const MAX_RANGE_MONTHS = 24;

/** Fields the platform adds to an event; they say nothing about the request and grant nothing. */
export const PLATFORM_FIELDS: ReadonlySet<string> = new Set(['userInfo', 'Type', 'TriggerName', 'Time', 'Message']);

const REQUEST_FIELDS = ['month', 'beginDate', 'endDate', 'begin_date', 'end_date', 'from', 'to'] as const;
type RequestField = (typeof REQUEST_FIELDS)[number];

const FORMS =
  "send {} for the last complete month, { month: '2024-05' }, { beginDate: '20240501', endDate: '20240531' } " +
  "or { from: '2024-01', to: '2024-06' }";

/**
 * Checks a cloud function event and says which month or months it asks for. Everything is checked
 * here, before any WeChat call: types, real calendar dates, whole natural months, complete months
 * (China time at `now`) and conflicting fields.
 */
export function parseRequest(event: unknown, now: Date, maxRangeMonths = MAX_RANGE_MONTHS): AnalyticsRequest {
  const fields = readFields(event, REQUEST_FIELDS);
  const given = REQUEST_FIELDS.filter((name) => fields[name] !== undefined);
  const has = (name: RequestField) => given.includes(name);

  if (has('from') || has('to')) {
    rejectCombination(given, ['from', 'to']);
    return checkRange(requireMonth(fields, 'from'), requireMonth(fields, 'to'), now, maxRangeMonths);
  }
  if (has('month')) {
    rejectCombination(given, ['month']);
    return { kind: 'month', month: checkComplete(requireMonth(fields, 'month'), now) };
  }
  const camel = has('beginDate') || has('endDate');
  const snake = has('begin_date') || has('end_date');
  if (camel && snake) {
    throw invalidArgument('Send either beginDate/endDate or begin_date/end_date, not both.');
  }
  if (camel) return { kind: 'month', month: checkComplete(monthOfDates(fields, 'beginDate', 'endDate'), now) };
  if (snake) return { kind: 'month', month: checkComplete(monthOfDates(fields, 'begin_date', 'end_date'), now) };
  const last = lastCompleteMonth(now);
  // A clock before February 2017 (a wrong one) has no complete month with analytics: never ask WeChat for one before them.
  if (compareMonths(last, EARLIEST_MONTH) < 0) throw beforeAnalytics(`the last complete month (${last}, by this function's clock)`);
  return { kind: 'month', month: last };
}

/**
 * The event's own fields, once it is known to be an object whose fields are all `allowed` or added
 * by the platform.
 */
export function readFields<Name extends string>(
  event: unknown,
  allowed: readonly Name[],
  forms = FORMS,
): Partial<Record<Name, unknown>> {
  if (event === undefined || event === null) return {};
  if (typeof event !== 'object' || Array.isArray(event)) {
    throw invalidArgument(`The call data must be an object: ${forms}.`);
  }
  const unknown = Object.keys(event).filter(
    (name) => !PLATFORM_FIELDS.has(name) && !(allowed as readonly string[]).includes(name),
  );
  if (unknown.length > 0) {
    const names = unknown.slice(0, 5).map((name) => echo(name)).join(', ') + (unknown.length > 5 ? ` and ${unknown.length - 5} more` : '');
    throw invalidArgument(`Unknown field${unknown.length > 1 ? 's' : ''} ${names}: ${forms}.`);
  }
  return event as Partial<Record<Name, unknown>>;
}

function rejectCombination(given: RequestField[], allowed: RequestField[]): void {
  const extra = given.filter((name) => !allowed.includes(name));
  if (extra.length > 0) {
    throw invalidArgument(`${allowed.join('/')} cannot be combined with ${extra.join(', ')}: ${FORMS}.`);
  }
}

function requireString(fields: Partial<Record<RequestField, unknown>>, name: RequestField): string {
  const value = fields[name];
  if (typeof value !== 'string') {
    throw invalidArgument(`${name} must be a string, got ${value === undefined ? 'nothing' : typeof value}.`);
  }
  return value;
}

function requireMonth(fields: Partial<Record<RequestField, unknown>>, name: RequestField): YearMonth {
  const text = requireString(fields, name);
  refuseEarlyYear(text);
  const month = parseYearMonth(text);
  if (!month) throw invalidArgument(`${name} must be a month written YYYY-MM or YYYYMM, such as '2024-05'; got ${echo(text)}.`);
  return checkAvailable(month);
}

function requireDate(fields: Partial<Record<RequestField, unknown>>, name: RequestField) {
  const text = requireString(fields, name);
  refuseEarlyYear(text);
  const date = parseCompactDate(text);
  if (!date) throw invalidArgument(`${name} must be a real calendar date written yyyymmdd, such as '20240501'; got ${echo(text)}.`);
  checkAvailable(date.month);
  return date;
}

function monthOfDates(
  fields: Partial<Record<RequestField, unknown>>,
  beginName: RequestField,
  endName: RequestField,
): YearMonth {
  const begin = requireDate(fields, beginName);
  const end = requireDate(fields, endName);
  if (begin.day !== 1) throw invalidArgument(`${beginName} must be the first day of a month.`);
  if (end.month !== begin.month) {
    throw invalidArgument(`${beginName} and ${endName} must be in the same month: WeChat answers one natural month per call.`);
  }
  const lastDay = daysInMonth(Number(end.month.slice(0, 4)), Number(end.month.slice(5, 7)));
  if (end.day !== lastDay) {
    throw invalidArgument(`${endName} must be the last day of the month (${end.month.replace('-', '')}${lastDay}).`);
  }
  return begin.month;
}

/** Refuses a month or date written with a year before 2017 (`0000-01`, `00000101`) before it is parsed. */
function refuseEarlyYear(text: string): void {
  const year = /^(\d{4})(?:-?\d{2}|\d{4})$/.exec(text)?.[1];
  if (year !== undefined && year < EARLIEST_MONTH.slice(0, 4)) throw beforeAnalytics(echo(text));
}

function beforeAnalytics(what: string): AnalyticsError {
  return invalidArgument(`WeChat has analytics from ${EARLIEST_MONTH} on (Mini Programs launched in January 2017); ${what} is before that.`);
}

/** Refuses months before WeChat has any analytics, which WeChat would answer with 61501 at the cost of a call. */
function checkAvailable(month: YearMonth): YearMonth {
  if (compareMonths(month, EARLIEST_MONTH) < 0) throw beforeAnalytics(month);
  return month;
}

function checkComplete(month: YearMonth, now: Date): YearMonth {
  if (!isMonthComplete(month, now)) {
    throw new AnalyticsError(
      'MONTH_NOT_COMPLETE',
      `${month} has not ended yet in China time; the newest month with data is ${lastCompleteMonth(now)}.`,
    );
  }
  return month;
}

function checkRange(from: YearMonth, to: YearMonth, now: Date, maxMonths: number): AnalyticsRequest {
  if (compareMonths(from, to) > 0) throw invalidArgument(`from (${from}) must not be after to (${to}).`);
  const count = monthsBetween(from, to).length;
  if (count > maxMonths) {
    throw invalidArgument(`A range may cover at most ${maxMonths} months; ${from} to ${to} is ${count}.`);
  }
  checkComplete(to, now);
  return { kind: 'range', from, to };
}
