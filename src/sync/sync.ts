import { MonthlyContext, fetchAndArchive, plan, readArchive } from '../archive/read-through';
import { fromDatabaseError, isDatabaseError } from '../platform/cloudbase/database-errors';
import type { SyncFailure, SyncSummary } from '../contract';
import type { YearMonth } from '../dates';
import { AnalyticsError } from '../errors';
import { mapWithConcurrency } from '../pool';
import { describe } from '../reply';
import { awaitsPublication } from '../reports/freshness';
import type { ReportDefinition } from '../reports/report';
import { recordFailure } from './failures';
import { RELEASE_GRACE_MS } from '../budget';

export type { SyncFailure, SyncSummary };

/** The lease that keeps two sync runs of one environment from asking WeChat for the same months. */
export const SYNC_LEASE = 'sync';

/**
 * True when a later run may succeed where this one failed (see the error table). An authorizer that must
 * authorise again is its own problem, not the run's: a later run succeeds once it has.
 */
export function canRetryLater(error: AnalyticsError): boolean {
  return error.recovery !== 'never' || error.code === 'AUTHORIZATION_REQUIRED';
}

/** A month the sync still had to do. */
interface Pending {
  kind: ReportDefinition<unknown>['kind'];
  month: YearMonth;
}

/**
 * The run stops at `error` for the months `pending`: the deadline defers them; a failure of the
 * database fails them all with its error, and stops the run (`stoppedBy`): what is stored could not be
 * known, and what WeChat would answer could not be stored.
 */
function haltAt(summary: SyncSummary, error: AnalyticsError, pending: readonly Pending[]): void {
  if (error.code === 'DEADLINE_EXCEEDED') {
    summary.deferred += pending.length;
    return;
  }
  const body = error.toBody();
  summary.stoppedBy ??= body;
  for (const { kind, month } of pending) recordFailure(summary, { kind, month, error: body, retryLater: canRetryLater(error) });
}

/**
 * Makes sure the archive holds every kind of `reports` for every month of `months`: fetches only
 * what is missing or not final (see `reports/freshness.ts`), stores each month as soon as it arrives,
 * and starts no WeChat call that could not end by the deadline. Never throws for a month; see the
 * summary (its failures listed up to `MAX_LISTED_FAILURES`, all of them counted).
 * A database failure (after the adapter's retries) stops the run: when the archive cannot be read, no
 * month is asked of WeChat; when a month cannot be stored, no further one is; the months left fail with
 * the database's error and `stoppedBy` says so. Whatever the deadline cuts (a call, a write, a read)
 * is deferred, never failed.
 * `observed.awaitingPublication` counts the months fetched whose figures WeChat may still publish
 * within their window (see `awaitsPublication`).
 */
export async function syncArchive(
  reports: readonly ReportDefinition<unknown>[],
  months: readonly YearMonth[],
  context: MonthlyContext,
  observed?: { awaitingPublication: number },
): Promise<SyncSummary> {
  const now = context.now();
  const summary: SyncSummary = { fetched: 0, skipped: 0, failed: 0, deferred: 0, failures: [] };
  const jobs: { report: ReportDefinition<unknown>; month: YearMonth; stored?: Parameters<typeof fetchAndArchive>[3] }[] = [];
  for (const [index, report] of reports.entries()) {
    const read = await readArchive(report, months, context);
    if (!read.ok) {
      const unread = reports.slice(index).flatMap(({ kind }) => months.map((month) => ({ kind, month })));
      haltAt(summary, read.error, [...jobs.map(({ report: { kind }, month }) => ({ kind, month })), ...unread]);
      return summary;
    }
    for (const step of plan(report, months, read.found, now, 'sync')) {
      if (step.serve) summary.skipped += 1;
      else jobs.push({ report, month: step.month, stored: step.stored });
    }
  }

  let halted: AnalyticsError | undefined;
  await mapWithConcurrency(jobs, context.concurrency, async ({ report, month, stored }) => {
    if (halted) return haltAt(summary, halted, [{ kind: report.kind, month }]);
    const result = await fetchAndArchive(report, month, context, stored);
    if (result.ok && result.source === 'archive') {
      summary.skipped += 1;
    } else if (result.ok && result.archived) {
      summary.fetched += 1;
      if (observed && awaitsPublication(report, { data: result.data, month }, context.now().getTime())) observed.awaitingPublication += 1;
    } else {
      const error = result.ok
        ? (result.archiveError ?? new AnalyticsError('UPSTREAM_ERROR', `${month} was fetched but could not be stored; the next run tries again.`, { recovery: 'later' }))
        : result.error;
      // A database error stops the run (no further WeChat call): it is the database's, whichever month met it.
      if (isDatabaseError(error)) halted ??= error;
      haltOrRecord(summary, error, { kind: report.kind, month });
    }
  });
  return summary;
}

/** One month that did not end stored: deferred when the deadline cut it, else a failure (stopping the run when the database's). */
function haltOrRecord(summary: SyncSummary, error: AnalyticsError, pending: Pending): void {
  if (error.code === 'DEADLINE_EXCEEDED' || isDatabaseError(error)) return haltAt(summary, error, [pending]);
  recordFailure(summary, { kind: pending.kind, month: pending.month, error: error.toBody(), retryLater: canRetryLater(error) });
}

/**
 * Runs a sync (`work`: {@link syncArchive}, or the walk over authorizers) under the environment's sync lease, so that concurrent runs (a timer firing
 * twice, two admins' backfills, several instances) do not multiply WeChat calls. A run that cannot take
 * the lease makes no call and reports its `monthsToDo` as deferred: call again once the other run ends. The
 * lease lasts until the invocation's deadline plus the reply margin, and is given back at the end.
 */
export async function syncUnderLease(
  work: () => Promise<SyncSummary>,
  monthsToDo: number,
  context: MonthlyContext,
  holder: string,
  leaseUntil: number,
): Promise<SyncSummary> {
  let taken: boolean;
  try {
    taken = await context.budget.race(context.archive.acquireLease(SYNC_LEASE, holder, leaseUntil, context.now().getTime()), 'The sync lease');
  } catch (error) {
    // Without the database no month could be stored: no WeChat call is spent, and the run says so
    // (a timer run fails, so that monitoring shows it).
    context.log({ level: 'error', event: 'sync_lease_failed', error: describe(error) });
    // A write that failed may have been applied: the lease is given back (only if it is this run's), so
    // that the platform's retry does not find it and defer as if another run held it.
    await giveBack(context, holder);
    const failure = fromDatabaseError(error, 'Taking the sync lease');
    if (failure.code === 'DEADLINE_EXCEEDED') return { fetched: 0, skipped: 0, failed: 0, deferred: monthsToDo, failures: [] };
    throw new AnalyticsError(failure.code, `${failure.message} No month was fetched: none could have been stored.`, {
      wxErrCode: failure.wxErrCode,
      recovery: failure.recovery,
      cause: error,
    });
  }
  if (!taken) {
    context.log({ level: 'info', event: 'sync_lease_held', detail: 'another sync run is under way; this one makes no call' });
    return { fetched: 0, skipped: 0, failed: 0, deferred: monthsToDo, failures: [] };
  }
  try {
    return await work();
  } finally {
    await giveBack(context, holder);
  }
}

/**
 * Gives the sync lease back if `holder` holds it, even when the work ran to the deadline: within part
 * of the reply margin, after which the lease simply runs out at its expiry. A failure is logged.
 */
async function giveBack(context: MonthlyContext, holder: string): Promise<void> {
  await withinMs(context.archive.releaseLease(SYNC_LEASE, holder), Math.max(context.budget.remaining(), RELEASE_GRACE_MS), 'The sync lease').catch((error: unknown) => {
    context.log({ level: 'warn', event: 'sync_lease_release_failed', error: describe(error) });
  });
}


/** `work`, or a DEADLINE_EXCEEDED rejection after `ms` milliseconds. */
function withinMs<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new AnalyticsError('DEADLINE_EXCEEDED', `${what} did not arrive in time.`, { recovery: 'later' })), ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}
