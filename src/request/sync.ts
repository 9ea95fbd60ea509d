import { EARLIEST_MONTH, YearMonth, compareMonths, lastCompleteMonths, monthsBetween } from '../dates';
import { echo, invalidArgument } from '../errors';
import { parseRequest, readFields } from './month';

/** The most months one sync or backfill call may cover. */
export const MAX_SYNC_MONTHS = 60;

const SYNC_FORMS = "send {} to sync the configured number of months, { months: 24 } or { from: '2023-01', to: '2024-12' }";

/**
 * Checks the event of a sync run and says which months it covers: the `defaultMonths` newest complete
 * months for a timer run or `{}`, the `months` newest for `{ months }`, or `{ from, to }`.
 */
export function parseSyncRequest(event: unknown, now: Date, defaultMonths: number): YearMonth[] {
  const fields = readFields(event, ['months', 'from', 'to'] as const, SYNC_FORMS);
  if (fields.months !== undefined) {
    if (fields.from !== undefined || fields.to !== undefined) {
      throw invalidArgument(`months cannot be combined with from/to: ${SYNC_FORMS}.`);
    }
    const count = fields.months;
    if (typeof count !== 'number' || !Number.isInteger(count) || count < 1 || count > MAX_SYNC_MONTHS) {
      throw invalidArgument(`months must be a whole number from 1 to ${MAX_SYNC_MONTHS}; got ${echo(count)}.`);
    }
    return availableMonths(lastCompleteMonths(now, count));
  }
  if (fields.from !== undefined || fields.to !== undefined) {
    const range = parseRequest({ from: fields.from, to: fields.to }, now, MAX_SYNC_MONTHS);
    return range.kind === 'range' ? monthsBetween(range.from, range.to) : [range.month];
  }
  return defaultSyncMonths(now, defaultMonths);
}

/** The `count` newest complete months at `now` from 2017-01 on: what a timer run keeps up to date. */
export function defaultSyncMonths(now: Date, count: number): YearMonth[] {
  return availableMonths(lastCompleteMonths(now, count));
}

function availableMonths(months: YearMonth[]): YearMonth[] {
  return months.filter((month) => compareMonths(month, EARLIEST_MONTH) >= 0);
}
