import type { MonthlyContext } from '../../archive/read-through';
import type { AuthorizerSyncSummary, SyncFailure, SyncSummary } from '../../contract';
import { type YearMonth, chinaDayOf } from '../../dates';
import { AnalyticsError } from '../../errors';
import { describe } from '../../reply';
import type { ReportDefinition } from '../../reports/report';
import type { AuthorizerRecord, ComponentState } from '../wechat';
import { MIN_SHARD_MS, SHARD_REPLY_MARGIN_MS } from '../../budget';
import { addSummary, planShards } from './fan-out';
import { FanOut, deferredEntry, runShards } from './shards';

export type { FanOut };
import { syncArchive } from '../../sync/sync';
import { bindAppid } from '../../wechat/client';

/** How soon (ms) an authorizer with a month WeChat may still publish is due again the same day: 1 hour. */
export const RECHECK_AFTER_MS = 60 * 60 * 1000;



/** How a sync walks the authorizers. */
export type AuthorizerWalk =
  /**
   * The timer's daily walk: authorizers already completed on this China-time day are left out, the rest
   * go least recently synced first (never synced first), and each one completed is stamped.
   */
  | { kind: 'daily' }
  /** Exactly these authorizers, in this order, stamped as in the daily walk (one shard of a fanned-out timer run). */
  | { kind: 'shard'; appids: readonly string[] }
  /** One authorizer (an admin's backfill): no stamp, since its months are not the daily window. */
  | { kind: 'one'; appid: string }
  /** Every authorizer in AppID order (an unrestricted admin's backfill): no stamp. */
  | { kind: 'all' };

/**
 * The daily walk's order: every authorizer not completed on the China-time day of `now`, least recently
 * synced first (never synced first, then by AppID), and how many were left out as done today (stamped
 * on this day, and not due for a recheck: see {@link RECHECK_AFTER_MS}). A stamp
 * on another day counts as not done, and one in the future as never synced; it is replaced when the
 * authorizer is done.
 */
export function dailyOrder(authorizers: readonly AuthorizerRecord[], now: Date): { due: AuthorizerRecord[]; upToDate: number } {
  const today = chinaDayOf(now);
  const doneToday = (record: AuthorizerRecord) =>
    record.status === 'authorized' &&
    record.syncedAt !== undefined &&
    chinaDayOf(new Date(record.syncedAt)) === today &&
    (record.recheckAt === undefined || now.getTime() < record.recheckAt);
  const due = authorizers.filter((record) => !doneToday(record));
  // A stamp in the future (a clock gone wrong, a broken document) counts as never synced: first in line.
  const key = (record: AuthorizerRecord) => (record.syncedAt === undefined || record.syncedAt > now.getTime() ? 0 : record.syncedAt);
  due.sort((a, b) => key(a) - key(b) || (a.authorizerAppid < b.authorizerAppid ? -1 : a.authorizerAppid > b.authorizerAppid ? 1 : 0));
  return { due, upToDate: authorizers.length - due.length };
}

/** The authorizers a walk covers, in order, and how many it left out as already done today. */
async function choose(walk: AuthorizerWalk, state: ComponentState, base: MonthlyContext): Promise<{ chosen: AuthorizerRecord[]; upToDate: number }> {
  if (walk.kind === 'shard') {
    // An authorizer removed since the shard was planned is simply not synced.
    const present = await base.budget.race(state.readAuthorizers(walk.appids), 'The authorizers of this shard');
    const order = new Map(walk.appids.map((appid, index) => [appid, index]));
    present.sort((a, b) => (order.get(a.authorizerAppid) ?? 0) - (order.get(b.authorizerAppid) ?? 0));
    const { due, upToDate } = dailyOrder(present, base.now());
    return { chosen: due, upToDate };
  }
  const unreadable: string[] = [];
  const all = await base.budget.race(state.listAuthorizers((id) => unreadable.push(id)), 'The list of authorizers');
  if (unreadable.length > 0) {
    // Never synced until its document is fixed (or the Mini Program authorises again): say so each run.
    base.log({ level: 'warn', event: 'authorizer_unreadable', count: unreadable.length, ids: unreadable.slice(0, 20) });
  }
  if (walk.kind === 'daily') {
    const { due, upToDate } = dailyOrder(all, base.now());
    return { chosen: due, upToDate };
  }
  return { chosen: walk.kind === 'one' ? all.filter((record) => record.authorizerAppid === walk.appid) : all, upToDate: 0 };
}

/**
 * The sync of a third-party platform: every authorised Mini Program's months, one authorizer after the
 * other, each with its own archive key and its own stopped APIs (one authorizer's 61007 or quota never
 * blocks another's months), within the invocation's time. The timer's walk goes on where the last run
 * stopped: each authorizer completed (nothing deferred) is stamped in the database, and the next run
 * takes the least recently synced first and leaves out those done on the same China-time day, so that
 * every authorizer gets its turn however many there are and no run re-reads what another finished.
 * Authorizers that must authorise again, or revoked, are listed, not asked.
 */
export async function syncAuthorizers(
  reports: readonly ReportDefinition<unknown>[],
  months: readonly YearMonth[],
  base: MonthlyContext,
  state: ComponentState,
  walk: AuthorizerWalk,
  fanOut?: FanOut,
): Promise<SyncSummary> {
  const summary: SyncSummary = { fetched: 0, skipped: 0, failed: 0, deferred: 0, failures: [], authorizers: [] };
  const perAuthorizer = months.length * reports.length;
  let picked: Awaited<ReturnType<typeof choose>>;
  try {
    picked = await choose(walk, state, base);
  } catch (error) {
    // A shard whose time ran out before its authorizers arrived did nothing: all of them are deferred
    // (the timer run's next run takes them), which is not a failure.
    if (walk.kind !== 'shard' || !(error instanceof AnalyticsError) || error.code !== 'DEADLINE_EXCEEDED') throw error;
    base.log({ level: 'warn', event: 'sync_shard_out_of_time', authorizers: walk.appids.length });
    summary.deferred = walk.appids.length * perAuthorizer;
    for (const appid of walk.appids) summary.authorizers?.push(deferredEntry(appid, perAuthorizer));
    return summary;
  }
  const { chosen, upToDate } = picked;
  // The timer's walks (daily, or a shard of it) skip and stamp; an admin's backfill does neither.
  const stamps = walk.kind === 'daily' || walk.kind === 'shard';
  if (stamps) summary.authorizersUpToDate = upToDate;
  const shards = walk.kind === 'daily' && fanOut ? planShards(chosen, fanOut) : undefined;
  if (shards && fanOut) {
    if (base.budget.remaining() - SHARD_REPLY_MARGIN_MS >= MIN_SHARD_MS) {
      await runShards(shards, chosen, months, perAuthorizer, base, fanOut, summary);
      return summary;
    }
    // Too little time left for a shard to do anything: this run walks what it can itself.
    base.log({
      level: 'warn',
      event: 'sync_fan_out_skipped',
      detail: `under ${MIN_SHARD_MS + SHARD_REPLY_MARGIN_MS} ms were left to start shards; this run walks the authorizers itself. Give the function a time limit of 3 s or more.`,
    });
  }
  await walkInOrder(chosen, reports, months, base, state, stamps, summary);
  return summary;
}


/**
 * Walks `chosen` one authorizer after the other into `summary`: each with its own archive key and stopped
 * APIs; an authorizer there is no time for, or that comes after a failure of the platform's or the
 * database's, is deferred; each one completed for the day is stamped when `stamps`.
 */
async function walkInOrder(
  chosen: readonly AuthorizerRecord[],
  reports: readonly ReportDefinition<unknown>[],
  months: readonly YearMonth[],
  base: MonthlyContext,
  state: ComponentState,
  stamps: boolean,
  summary: SyncSummary,
): Promise<void> {
  const perAuthorizer = months.length * reports.length;
  // Stamped with the run's start: the months window is the one of that China-time day.
  const runStartedAt = base.budget.startedAt;
  let stopped = false;
  for (const authorizer of chosen) {
    const entry: AuthorizerSyncSummary = { appid: authorizer.authorizerAppid, status: authorizer.status, fetched: 0, skipped: 0, failed: 0, deferred: 0 };
    summary.authorizers?.push(entry);
    if (authorizer.status !== 'authorized') continue;
    if (stopped || !base.budget.canStart(base.timing.slowestFetchMs)) {
      entry.deferred = perAuthorizer;
      summary.deferred += perAuthorizer;
      continue;
    }
    const observed = { awaitingPublication: 0 };
    const appid = authorizer.authorizerAppid;
    const result = await syncArchive(reports, months, { ...base, appid, client: bindAppid(base.client, appid), stopped: new Map() }, observed);
    Object.assign(entry, { fetched: result.fetched, skipped: result.skipped, failed: result.failed, deferred: result.deferred });
    addSummary(summary, { ...result, failures: result.failures.map((failure) => ({ ...failure, appid: authorizer.authorizerAppid })) });
    // Judged on the authorizer's own list, which keeps the first failure of each kind (see `failures.ts`).
    if (result.stoppedBy || result.failures.some(isPlatformFailure)) {
      // The platform's own problem (its ticket, its secret) or the database's: every other authorizer would fail alike.
      // The walk stops here; the rest wait for a run after it is fixed, and the run fails (see the handler).
      stopped = true;
      continue;
    }
    if (stamps && isDoneForToday(result)) {
      // A lost stamp costs one more look at this authorizer's archive on the next run, nothing else.
      // A month WeChat may still publish today brings the authorizer back within the hour, not tomorrow.
      const recheckAt = observed.awaitingPublication > 0 ? runStartedAt + RECHECK_AFTER_MS : undefined;
      await base.budget.race(state.markSynced(authorizer.authorizerAppid, runStartedAt, recheckAt), 'The sync stamp').catch((error: unknown) => {
        base.log({ level: 'warn', event: 'sync_stamp_failed', appid: authorizer.authorizerAppid, error: describe(error) });
      });
    }
  }
}

/**
 * Failures that are the third-party platform's, not one authorizer's: its ticket (61005, 61006, or none
 * pushed yet), its IP allowlist (61004) or its configuration. They fail the run.
 */
export function isPlatformFailure(failure: SyncFailure): boolean {
  return failure.error.code === 'CONFIGURATION_ERROR' || (failure.error.wxErrCode !== undefined && PLATFORM_CODES.has(failure.error.wxErrCode));
}

/** WeChat's codes about the platform itself (source: the open platform's error codes). */
const PLATFORM_CODES: ReadonlySet<number> = new Set([61004, 61005, 61006]);

/**
 * Whether an authorizer's sync is complete for the day: nothing deferred, and nothing failed that a
 * later run of the day could get (a quota resets only at midnight; a problem that never clears, such as
 * 48001, is not retried either).
 */
function isDoneForToday(result: SyncSummary): boolean {
  return result.deferred === 0 && result.failures.every((failure) => !failure.retryLater || failure.error.code === 'QUOTA_EXCEEDED');
}
