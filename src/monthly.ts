import type { ArchiveStore, ArchivedMonth } from './archive';
import type { YearMonth } from './dates';
import { monthDates } from './dates';
import type { MonthOutcome, MonthSource } from './contract';
import { AnalyticsError } from './errors';
import { mapWithConcurrency } from './pool';
import type { ReportDefinition, ReportKind } from './reports/report';
import { WeChatCallError, WeChatClient } from './wechat/client';
import { fromWeChatError } from './wechat/errors';

/** One structured log line. */
export type Log = (entry: Record<string, unknown>) => void;

/** Everything the monthly pipeline needs from the outside, passed in so it can be tested without I/O. */
export interface MonthlyContext {
  client: WeChatClient;
  archive: ArchiveStore;
  now: () => Date;
  /** Epoch milliseconds by which every WeChat call should be done: a call that may not finish by then is not started. */
  deadline: number;
  /** The longest a fetch (call and write) has taken so far in this invocation; updated by the pipeline. */
  timing: { slowestFetchMs: number };
  /** WeChat calls in flight at once. */
  concurrency: number;
  /** The running cloud function, for messages that name its config.json. */
  functionName?: string;
  log: Log;
}

export type { MonthOutcome, MonthSource };

/** The result of fetching one month from WeChat and storing it. */
export type FetchResult<Data> =
  | { ok: true; data: Data; fetchedAt: Date; archived: boolean }
  | { ok: false; error: AnalyticsError };

/** Reads the stored months of a kind; a database failure is logged and reads as an empty archive. */
export async function readArchive(
  kind: ReportKind,
  months: readonly YearMonth[],
  context: MonthlyContext,
): Promise<Map<YearMonth, ArchivedMonth>> {
  try {
    return await context.archive.read(kind, months);
  } catch (error) {
    context.log({ level: 'warn', event: 'archive_read_failed', kind, error: describe(error) });
    return new Map();
  }
}

/**
 * Asks WeChat for one month, cleans the reply and stores it. Never throws: a failure comes back as a
 * typed error, and a month WeChat answered is returned even when storing it failed.
 */
export async function fetchAndArchive<Data>(
  report: ReportDefinition<Data>,
  month: YearMonth,
  context: MonthlyContext,
): Promise<FetchResult<Data>> {
  const startedAt = context.now().getTime();
  if (startedAt + context.timing.slowestFetchMs >= context.deadline) {
    return {
      ok: false,
      error: new AnalyticsError('DEADLINE_EXCEEDED', `${month} was not fetched: this call ran out of time. Call again to get it.`),
    };
  }
  const recordDuration = () => {
    context.timing.slowestFetchMs = Math.max(context.timing.slowestFetchMs, context.now().getTime() - startedAt);
  };
  let data: Data;
  try {
    data = report.normalize(await context.client.call(report.api, monthDates(month)), month);
  } catch (error) {
    recordDuration();
    if (error instanceof WeChatCallError) {
      return { ok: false, error: fromWeChatError(error, { api: report.api, month, functionName: context.functionName }) };
    }
    if (error instanceof AnalyticsError) return { ok: false, error };
    throw error;
  }
  const fetchedAt = context.now();
  let archived = true;
  try {
    await context.archive.write({ kind: report.kind, month, data, fetchedAt });
  } catch (error) {
    archived = false;
    context.log({ level: 'warn', event: 'archive_write_failed', kind: report.kind, month, error: describe(error) });
  }
  recordDuration();
  return { ok: true, data, fetchedAt, archived };
}

/**
 * Serves `months` of one kind: up-to-date months from the archive with no WeChat call, the others
 * from WeChat (at most `concurrency` at once), written through to the archive. Months that fail are
 * reported one by one; the others are still served.
 */
export async function serveMonths<Data>(
  report: ReportDefinition<Data>,
  months: readonly YearMonth[],
  context: MonthlyContext,
): Promise<MonthOutcome<Data>[]> {
  const stored = await readArchive(report.kind, months, context);
  const now = context.now();
  return mapWithConcurrency(months, context.concurrency, async (month): Promise<MonthOutcome<Data>> => {
    const archived = stored.get(month);
    if (archived && report.isUpToDate(archived.data as Data, month, now)) {
      return {
        month,
        ok: true,
        source: 'archive',
        fetchedAt: archived.fetchedAt.toISOString(),
        final: report.isFinal(archived.data as Data),
        data: archived.data as Data,
      };
    }
    const result = await fetchAndArchive(report, month, context);
    return result.ok
      ? { month, ok: true, source: 'wechat', fetchedAt: result.fetchedAt.toISOString(), final: report.isFinal(result.data), data: result.data }
      : { month, ok: false, error: result.error.toBody() };
  });
}

/** A short description of an unexpected error, for logs. */
export function describe(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  const fields = error as { errCode?: unknown; errMsg?: unknown } | null;
  if (fields && (fields.errCode !== undefined || fields.errMsg !== undefined)) return `${String(fields.errCode)} ${String(fields.errMsg)}`;
  return String(error);
}
