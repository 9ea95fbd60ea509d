import { ArchiveOwner, ArchiveStore, ArchivedMonth, parseArchivedMonth } from './store';
import type { TimeBudget } from '../budget';
import type { MonthOutcome, MonthSource } from '../contract';
import type { YearMonth } from '../dates';
import { monthDates } from '../dates';
import { AnalyticsError } from '../errors';
import { mapWithConcurrency } from '../pool';
import { Log, describe } from '../reply';
import { Asker, freshness } from '../reports/freshness';
import type { ReportDefinition, ReportKind } from '../reports/report';
import type { AnalyticsApi } from '../wechat/client';
import { WeChatCallError, WeChatClient } from '../wechat/client';
import { fromWeChatError } from '../wechat/errors';

export type { Log, MonthOutcome, MonthSource };


/** State shared by every invocation of one function instance. */
export interface InstanceState {
  /** Fetches under way, by `<appid>_<kind>_<month>`: concurrent requests for a month share one WeChat call. */
  inflight: Map<string, Promise<FetchResult<unknown>>>;
}

/** A fresh {@link InstanceState}. */
export function createInstanceState(): InstanceState {
  return { inflight: new Map() };
}

/** Everything the monthly pipeline needs from the outside, passed in so it can be tested without I/O. */
export interface MonthlyContext {
  client: WeChatClient;
  archive: ArchiveStore;
  /** Whose months: `null` for the environment's own Mini Program. */
  appid: ArchiveOwner;
  now: () => Date;
  /** The invocation's time: no WeChat or database call runs past its deadline. */
  budget: TimeBudget;
  /** The longest a fetch (call and write) has taken so far in this invocation; updated by the pipeline. */
  timing: { slowestFetchMs: number };
  /**
   * APIs that failed in this invocation with an error that every month would meet (a missing
   * permission, the quota): no new call is started for them; their months report that error.
   */
  stopped: Map<AnalyticsApi, AnalyticsError>;
  /** Shared by the invocations of one instance. */
  instance: InstanceState;
  /** WeChat calls in flight at once. */
  concurrency: number;
  /** The running cloud function, for messages that name its config.json. */
  functionName?: string;
  log: Log;
}

/** The result of fetching one month from WeChat and storing it. */
export type FetchResult<Data> =
  | { ok: true; data: Data; fetchedAt: Date; archived: boolean; source: MonthSource }
  | { ok: false; error: AnalyticsError };

/**
 * Reads and checks the stored months of a report. A database failure reads as an empty archive, and a
 * document that fails the check as a missing month; both are logged, neither is served.
 */
export async function readArchive<Data>(
  report: ReportDefinition<Data>,
  months: readonly YearMonth[],
  context: MonthlyContext,
): Promise<Map<YearMonth, ArchivedMonth<Data>>> {
  let documents: Map<YearMonth, unknown>;
  try {
    documents = await context.budget.race(context.archive.read(report.kind, months, context.appid), 'The archive');
  } catch (error) {
    context.log({ level: 'warn', event: 'archive_read_failed', kind: report.kind, error: describe(error) });
    return new Map();
  }
  const found = new Map<YearMonth, ArchivedMonth<Data>>();
  for (const [month, document] of documents) {
    const entry = parseArchivedMonth(report, month, context.appid, document, context.now().getTime());
    if (entry) found.set(month, entry);
    else context.log({ level: 'warn', event: 'archive_document_invalid', kind: report.kind, month });
  }
  return found;
}

/**
 * Asks WeChat for one month, cleans the reply and stores it. Never throws: a failure comes back as a
 * typed error, and a month WeChat answered is returned even when storing it failed.
 * - No call is started for an API stopped in this invocation, nor when the slowest fetch so far would
 *   end after the deadline (`DEADLINE_EXCEEDED`); the call and the write are cut at the deadline.
 * - Concurrent fetches of the same month in one instance share one call.
 * - A reply without figures never replaces stored figures: `previous` is served instead.
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
  if (startedAt + context.timing.slowestFetchMs >= context.budget.deadline) return { ok: false, error: outOfTime(month) };
  const fetching = fetchOnce(report, month, context, previous).finally(() => {
    context.instance.inflight.delete(key);
    context.timing.slowestFetchMs = Math.max(context.timing.slowestFetchMs, context.now().getTime() - startedAt);
  });
  context.instance.inflight.set(key, fetching as Promise<FetchResult<unknown>>);
  const result = await fetching;
  if (!result.ok && result.error.scope === 'api') context.stopped.set(report.api, result.error);
  return result;
}

function outOfTime(month: YearMonth): AnalyticsError {
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
    const reply = await context.budget.race(context.client.call(report.api, monthDates(month), { signal: context.budget.signal, appid: context.appid }), `WeChat's answer for ${month}`);
    data = report.normalize(reply, month);
  } catch (error) {
    if (error instanceof WeChatCallError) {
      // A request cut at the deadline (its signal aborted) did not fail: it ran out of time.
      if (context.budget.remaining() <= 0) return { ok: false, error: outOfTime(month) };
      return { ok: false, error: fromWeChatError(error, { api: report.api, month, functionName: context.functionName }) };
    }
    return failed(error);
  }
  if (previous && !report.hasFigures(data) && report.hasFigures(previous.data)) {
    context.log({ level: 'warn', event: 'empty_reply_kept_stored', kind: report.kind, month });
    return { ok: true, data: previous.data, fetchedAt: previous.fetchedAt, archived: true, source: 'archive' };
  }
  const fetchedAt = context.now();
  let archived = true;
  try {
    await context.budget.race(context.archive.write({ kind: report.kind, month, appid: context.appid, data, fetchedAt }), `The archive's answer for ${month}`);
  } catch (error) {
    archived = false;
    context.log({ level: 'warn', event: 'archive_write_failed', kind: report.kind, month, error: describe(error) });
  }
  return { ok: true, data, fetchedAt, archived, source: 'wechat' };
}

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
 * Serves `months` of one kind: months the archive holds up to date with no WeChat call, the others
 * from WeChat (at most `concurrency` at once), written through to the archive. Months that fail are
 * reported one by one; the others are still served.
 */
export async function serveMonths<Data>(
  report: ReportDefinition<Data>,
  months: readonly YearMonth[],
  context: MonthlyContext,
): Promise<MonthOutcome<Data>[]> {
  const stored = await readArchive(report, months, context);
  const steps = plan(report, months, stored, context.now(), 'view');
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

export type { ReportKind };
