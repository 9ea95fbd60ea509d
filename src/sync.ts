import type { YearMonth } from './dates';
import type { SyncFailure, SyncSummary } from './contract';
import { AnalyticsError } from './errors';
import { MonthlyContext, fetchAndArchive, readArchive } from './monthly';
import { mapWithConcurrency } from './pool';
import type { ReportDefinition, ReportKind } from './reports/report';
import { isRetryable } from './wechat/retry';

export type { SyncFailure, SyncSummary };

/** True when a later run may succeed where this one failed. */
export function canRetryLater(error: AnalyticsError): boolean {
  switch (error.code) {
    case 'DATA_NOT_READY':
    case 'QUOTA_EXCEEDED':
    case 'DEADLINE_EXCEEDED':
      return true;
    case 'UPSTREAM_ERROR':
      return error.wxErrCode === undefined || isRetryable(error.wxErrCode);
    default:
      return false;
  }
}

/**
 * Makes sure the archive holds every kind of `reports` for every month of `months`: fetches only
 * what is missing or no longer up to date, stores each month as soon as it arrives, and stops
 * starting WeChat calls at the context's deadline. Never throws for a month; see the summary.
 */
export async function syncArchive(
  reports: readonly ReportDefinition<unknown>[],
  months: readonly YearMonth[],
  context: MonthlyContext,
): Promise<SyncSummary> {
  const now = context.now();
  const jobs: { report: ReportDefinition<unknown>; month: YearMonth }[] = [];
  let skipped = 0;
  for (const report of reports) {
    const stored = await readArchive(report.kind, months, context);
    for (const month of months) {
      const archived = stored.get(month);
      if (archived && report.isUpToDate(archived.data, month, now)) skipped += 1;
      else jobs.push({ report, month });
    }
  }

  const summary: SyncSummary = { fetched: 0, skipped, failed: 0, deferred: 0, failures: [] };
  await mapWithConcurrency(jobs, context.concurrency, async ({ report, month }) => {
    const result = await fetchAndArchive(report, month, context);
    if (result.ok && result.archived) {
      summary.fetched += 1;
    } else if (!result.ok && result.error.code === 'DEADLINE_EXCEEDED') {
      summary.deferred += 1;
    } else {
      const error = result.ok
        ? new AnalyticsError('UPSTREAM_ERROR', `${month} was fetched but could not be stored; the next run tries again.`)
        : result.error;
      summary.failed += 1;
      summary.failures.push({ kind: report.kind, month, error: error.toBody(), retryLater: canRetryLater(error) });
    }
  });
  return summary;
}
