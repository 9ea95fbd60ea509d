import type { ArchivedMonth } from './store';
import type { FetchResult, MonthlyContext } from './context';
import { readArchive } from './read';
import { monthDates, type YearMonth } from '../dates';
import { AnalyticsError } from '../errors';
import { fromDatabaseError } from '../platform/cloudbase/database-errors';
import { describe } from '../reply';
import type { ReportDefinition } from '../reports/report';
import { WeChatCallError } from '../wechat/client';
import { fromWeChatError } from '../wechat/errors';

/**
 * Asks WeChat for one month, cleans the reply and stores it. Never throws: a failure comes back as a
 * typed error, and a month WeChat answered is returned even when storing it failed (`archived: false`,
 * with the reason in `archiveError`: `DEADLINE_EXCEEDED` when the deadline cut the write).
 * - No call is started for an API stopped in this invocation, nor when the slowest fetch so far would
 *   end after the deadline (`DEADLINE_EXCEEDED`); the call and the write are cut at the deadline.
 * - Concurrent fetches of the same month in one instance share one call.
 * - A reply without figures never replaces stored figures: the write itself is conditional (see
 *   `ArchiveStore.write`), and the stored figures are served instead.
 */
export async function fetchAndArchive<Data>(
  report: ReportDefinition<Data>,
  month: YearMonth,
  context: MonthlyContext,
  previous?: ArchivedMonth<Data>,
): Promise<FetchResult<Data>> {
  const stoppedBy = context.stopped.get(report.api);
  if (stoppedBy) return { ok: false, error: stoppedBy };
  const key = `${context.appid ?? ''}_${report.kind}_${month}`;
  const shared = context.instance.inflight.get(key) as Promise<FetchResult<Data>> | undefined;
  if (shared) return context.budget.race(shared, `WeChat's answer for ${month}`).catch((error: unknown) => failed(error));

  const startedAt = context.now().getTime();
  if (!context.budget.canStart(context.timing.slowestFetchMs)) return { ok: false, error: outOfTime(month) };
  const fetching = fetchOnce(report, month, context, previous).finally(() => {
    context.instance.inflight.delete(key);
    context.timing.slowestFetchMs = Math.max(context.timing.slowestFetchMs, context.now().getTime() - startedAt);
  });
  context.instance.inflight.set(key, fetching as Promise<FetchResult<unknown>>);
  const result = await fetching;
  if (!result.ok && result.error.scope === 'api') context.stopped.set(report.api, result.error);
  return result;
}

/** `DEADLINE_EXCEEDED` for a month no call could be made for in time. */
export function outOfTime(month: YearMonth): AnalyticsError {
  return new AnalyticsError('DEADLINE_EXCEEDED', `${month} was not fetched: this call ran out of time. Call again to get it.`, { recovery: 'later' });
}

function failed(error: unknown): FetchResult<never> {
  if (error instanceof AnalyticsError) return { ok: false, error };
  throw error;
}

async function fetchOnce<Data>(
  report: ReportDefinition<Data>,
  month: YearMonth,
  context: MonthlyContext,
  previous: ArchivedMonth<Data> | undefined,
): Promise<FetchResult<Data>> {
  let data: Data;
  try {
    const reply = await context.budget.race(context.client.call(report.api, monthDates(month), { signal: context.budget.signal }), `WeChat's answer for ${month}`);
    data = report.normalize(reply, month);
  } catch (error) {
    if (error instanceof WeChatCallError) {
      // A request cut at the deadline (its signal aborted) did not fail: it ran out of time.
      if (context.budget.remaining() <= 0) return { ok: false, error: outOfTime(month) };
      return { ok: false, error: fromWeChatError(error, { api: report.api, month, functionName: context.functionName }) };
    }
    return failed(error);
  }
  const figures = report.hasFigures(data);
  if (previous && !figures && report.hasFigures(previous.data)) return keptStored(report, month, context, previous);
  const fetchedAt = context.now();
  // Over a stored document without figures, the write applies only if it is still the one read.
  const expected = previous && !report.hasFigures(previous.data) ? { fetchedAt: previous.fetchedAt } : undefined;
  try {
    const written = await context.budget.race(
      context.archive.write({ kind: report.kind, month, appid: context.appid, data, fetchedAt, figures }, expected),
      `The archive's answer for ${month}`,
    );
    if (written === 'kept') return keptStored(report, month, context);
  } catch (error) {
    const archiveError = fromDatabaseError(error, `Storing ${report.kind} ${month}`);
    context.log({ level: 'warn', event: 'archive_write_failed', kind: report.kind, month, error: describe(error) });
    return { ok: true, data, fetchedAt, archived: false, archiveError, source: 'wechat' };
  }
  return { ok: true, data, fetchedAt, archived: true, source: 'wechat' };
}

/**
 * WeChat answered without figures where figures are stored: the stored month is served (read again
 * when the write found it, since it was stored after this call's read), and nothing is written.
 */
async function keptStored<Data>(
  report: ReportDefinition<Data>,
  month: YearMonth,
  context: MonthlyContext,
  previous?: ArchivedMonth<Data>,
): Promise<FetchResult<Data>> {
  context.log({ level: 'warn', event: 'empty_reply_kept_stored', kind: report.kind, month });
  let stored = previous;
  if (!stored) {
    const read = await readArchive(report, [month], context);
    if (!read.ok) return { ok: false, error: read.error };
    stored = read.found.get(month);
  }
  if (!stored) {
    const error = new AnalyticsError('UPSTREAM_ERROR', `${month} has a stored document that could not be read, and WeChat answered without figures: nothing was changed; report it if it lasts.`, {
      recovery: 'later',
    });
    return { ok: false, error };
  }
  return { ok: true, data: stored.data, fetchedAt: stored.fetchedAt, archived: true, source: 'archive' };
}
