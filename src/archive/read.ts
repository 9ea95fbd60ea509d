import { ArchivedMonth, parseArchivedMonth } from './store';
import type { MonthlyContext } from './context';
import type { YearMonth } from '../dates';
import type { AnalyticsError } from '../errors';
import { fromDatabaseError } from '../platform/cloudbase/database-errors';
import { describe } from '../reply';
import type { ReportDefinition } from '../reports/report';

/**
 * What reading the archive gave: the stored months that passed the check, or why it could not be read.
 * A failed read says nothing about what is stored: its months are unknown, never missing.
 */
export type ArchiveRead<Data> = { ok: true; found: Map<YearMonth, ArchivedMonth<Data>> } | { ok: false; error: AnalyticsError };

/**
 * Reads and checks the stored months of a report (the database's retries are its adapter's, within the
 * deadline). A document that fails the check is a missing month (logged, never served, fetched again).
 * A read that failed is `ok: false` with the database's error (`UPSTREAM_ERROR`, CloudBase's code as
 * `wxErrCode`) or `DEADLINE_EXCEEDED` when the deadline cut it; it is logged.
 */
export async function readArchive<Data>(report: ReportDefinition<Data>, months: readonly YearMonth[], context: MonthlyContext): Promise<ArchiveRead<Data>> {
  let documents: Map<YearMonth, unknown>;
  try {
    documents = await context.budget.race(context.archive.read(report.kind, months, context.appid), 'The archive');
  } catch (error) {
    context.log({ level: 'warn', event: 'archive_read_failed', kind: report.kind, error: describe(error) });
    const span = months.length === 1 ? `${months[0] ?? ''}` : `${months[0] ?? ''} to ${months[months.length - 1] ?? ''}`;
    return { ok: false, error: fromDatabaseError(error, `Reading the stored ${report.kind} of ${span}`) };
  }
  const found = new Map<YearMonth, ArchivedMonth<Data>>();
  for (const [month, document] of documents) {
    const entry = parseArchivedMonth(report, month, context.appid, document, context.now().getTime());
    if (entry) found.set(month, entry);
    else context.log({ level: 'warn', event: 'archive_document_invalid', kind: report.kind, month });
  }
  return { ok: true, found };
}
