import type { ArchivedMonth } from './store';
import type { MonthlyContext } from './context';
import { fetchAndArchive } from './fetch';
import { readArchive } from './read';
import type { MonthOutcome, MonthSource } from '../contract';
import type { YearMonth } from '../dates';
import { AnalyticsError } from '../errors';
import { mapWithConcurrency } from '../pool';
import type { Log } from '../reply';
import { Asker, freshness } from '../reports/freshness';
import type { ReportDefinition, ReportKind } from '../reports/report';

export type { ArchiveRead } from './read';
export type { FetchResult, InstanceState, MonthlyContext } from './context';
export { createInstanceState } from './context';
export { fetchAndArchive, outOfTime } from './fetch';
export { readArchive } from './read';
export type { Log, MonthOutcome, MonthSource, ReportKind };

/** The stored months of `months` that `asker` would serve without a call, and the others. */
export function plan<Data>(
  report: ReportDefinition<Data>,
  months: readonly YearMonth[],
  stored: Map<YearMonth, ArchivedMonth<Data>>,
  now: Date,
  asker: Asker,
): { month: YearMonth; stored?: ArchivedMonth<Data>; serve?: { final: boolean } }[] {
  return months.map((month) => {
    const entry = stored.get(month);
    if (!entry) return { month };
    const verdict = freshness(report, { data: entry.data, month, fetchedAt: entry.fetchedAt.getTime() }, now.getTime(), asker);
    return verdict.fetch ? { month, stored: entry } : { month, stored: entry, serve: { final: verdict.final } };
  });
}

/** Whether a month just fetched is final (see {@link freshness}). */
export function isFinalNow<Data>(report: ReportDefinition<Data>, month: YearMonth, data: Data, fetchedAt: Date): boolean {
  return freshness(report, { data, month, fetchedAt: fetchedAt.getTime() }, fetchedAt.getTime(), 'sync').final;
}

/**
 * A view's error for months whose archive could not be read: WeChat is not asked for them (they may be
 * stored, final, and asking would spend its quota on every view while the database fails, and could
 * never safely be written over what could not be read).
 */
function unreadMonths(error: AnalyticsError): AnalyticsError {
  if (error.code === 'DEADLINE_EXCEEDED') return error;
  return new AnalyticsError(error.code, `${error.message} WeChat was not asked instead: these months may be stored, and asking would spend its quota.`, {
    wxErrCode: error.wxErrCode,
    recovery: error.recovery,
    scope: error.scope,
    cause: error,
  });
}

/**
 * Serves `months` of one kind: months the archive holds up to date with no WeChat call, the others
 * from WeChat (at most `concurrency` at once), written through to the archive. Months that fail are
 * reported one by one; the others are still served. When the archive cannot be read (after the
 * database's retries), every month reports the database's error and no WeChat call is made.
 */
export async function serveMonths<Data>(report: ReportDefinition<Data>, months: readonly YearMonth[], context: MonthlyContext): Promise<MonthOutcome<Data>[]> {
  const read = await readArchive(report, months, context);
  if (!read.ok) {
    const body = unreadMonths(read.error).toBody();
    return months.map((month) => ({ month, ok: false, error: body }));
  }
  const steps = plan(report, months, read.found, context.now(), 'view');
  return mapWithConcurrency(steps, context.concurrency, async (step): Promise<MonthOutcome<Data>> => {
    const { month } = step;
    if (step.stored && step.serve) {
      return { month, ok: true, source: 'archive', fetchedAt: step.stored.fetchedAt.toISOString(), final: step.serve.final, data: step.stored.data };
    }
    const result = await fetchAndArchive(report, month, context, step.stored);
    if (!result.ok) return { month, ok: false, error: result.error.toBody() };
    return {
      month,
      ok: true,
      source: result.source,
      fetchedAt: result.fetchedAt.toISOString(),
      final: isFinalNow(report, month, result.data, result.fetchedAt),
      data: result.data,
    };
  });
}
