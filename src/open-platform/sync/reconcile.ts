import type { TimeBudget } from '../../budget';
import { chinaDayOf } from '../../dates';
import type { Log } from '../../reply';
import type { AuthorizerListApi, AuthorizerRecord, ComponentState, ListedAuthorizer } from '../wechat';
import { RECONCILE_CLOCK_MARGIN_MS, applyChanges, failure, isDeadline, planChanges } from './reconcile-plan';

export { RECONCILE_CLOCK_MARGIN_MS };


/** What one reconciliation did (counts of authorizers; WeChat's terms). */
export interface ReconcileSummary {
  /** Readable entries of WeChat's list that were read (all of them when `complete`). */
  listed: number;
  /** `total_count` of the last page read; 0 when no page was. */
  totalCount: number;
  /** Stored as `authorized` from the list: unknown to the store, or revoked by an older event. */
  added: number;
  /** Given the listed refresh token and `authorized` again (their stored one was unusable: 61023, or none). */
  refreshed: number;
  /** Marked `revoked`: no longer listed. Only ever on a complete list. */
  revoked: number;
  /** Writes that changed nothing: a newer push (or another write) was stored first, and wins. */
  superseded: number;
  /** Unlisted authorizers left as they are because their record changed too recently (see {@link RECONCILE_CLOCK_MARGIN_MS}). */
  keptAsRecent: number;
  /** Entries of the list left out: no valid AppID, refresh token or `auth_time`. */
  unreadableEntries: number;
  /** The whole list was read consistently and every change was attempted: only then is the run stamped. */
  complete: boolean;
  /** Why not `complete`, for the log (no token in it). */
  incomplete?: string;
  /**
   * What kept it from being `complete`: the time running out (`deadline`), WeChat's list failing
   * (`wechat`, its code in `wxErrCode`), the database failing a write (`database`), or the list itself
   * changing while it was read (`list`).
   */
  stoppedBy?: 'deadline' | 'wechat' | 'database' | 'list';
  /** WeChat's code when its list call failed. */
  wxErrCode?: number;
}

export interface ReconcileOptions {
  componentAppid: string;
  api: AuthorizerListApi;
  state: ComponentState;
  /** No call runs past its deadline. */
  budget: TimeBudget;
  now: () => Date;
  log: Log;
}


/**
 * Brings the stored authorizers in line with WeChat's `api_get_authorizer_list` (pushes can be lost): adds
 * the listed ones the store lacks (`authorized`, `eventCreateTime` = `auth_time` in Unix seconds, `funcs`
 * `[]`: the list does not give permission sets; the first datacube call tells, 61007 marking it
 * `needs_reauth`, and a retried `authorized` push stores them), through the ordered write, so a newer push
 * wins; gives a stored one with an unusable refresh token the listed one (compare-and-set on the version
 * read); and, only when the whole list was read consistently, marks `revoked` the `authorized` /
 * `needs_reauth` ones no longer listed, unless their record was written after the list was started (less
 * {@link RECONCILE_CLOCK_MARGIN_MS}) or changes before the write. Logs one line; never a refresh token.
 * @returns the summary; a failed or cut page, or a write that failed, makes it not `complete`.
 * @throws a database error reading the stored authorizers (the time running out is an incomplete summary).
 */
export async function reconcileAuthorizers(options: ReconcileOptions): Promise<ReconcileSummary> {
  const { api, state, budget } = options;
  const listStartedAt = options.now().getTime();
  const read: ListedAuthorizer[] = [];
  let open = true;
  const summary: ReconcileSummary = { listed: 0, totalCount: 0, added: 0, refreshed: 0, revoked: 0, superseded: 0, keptAsRecent: 0, unreadableEntries: 0, complete: false };
  const unreadableAppids: string[] = [];
  try {
    const keep = (page: readonly ListedAuthorizer[]) => {
      if (open) read.push(...page); // a page that arrives after the race was lost is not used
    };
    const list = await budget.race(api.getAuthorizerList(budget.signal, keep), "WeChat's list of authorizers");
    Object.assign(summary, { totalCount: list.totalCount, unreadableEntries: list.unreadableEntries });
    unreadableAppids.push(...list.unreadableAppids);
    if (list.consistent) summary.complete = true;
    else Object.assign(summary, { incomplete: 'the list changed while it was read, or named entries without an AppID: nothing is revoked', stoppedBy: 'list' });
  } catch (error) {
    summary.incomplete = `the list was not read to its end (${failure(error)}): nothing is revoked`;
    summary.stoppedBy = isDeadline(error) ? 'deadline' : 'wechat';
    const code = (error as { errCode?: unknown; wxErrCode?: unknown } | null)?.errCode ?? (error as { wxErrCode?: unknown } | null)?.wxErrCode;
    if (typeof code === 'number') summary.wxErrCode = code;
  }
  open = false;
  summary.listed = read.length;

  const stored = new Map<string, AuthorizerRecord>();
  let unreadableStored = 0;
  if (read.length > 0 || summary.complete) {
    try {
      for (const record of await budget.race(state.listAuthorizers(() => (unreadableStored += 1)), 'The stored authorizers')) stored.set(record.authorizerAppid, record);
    } catch (error) {
      if (!isDeadline(error)) throw error;
      read.length = 0; // nothing can be compared: no change at all
      Object.assign(summary, { complete: false, incomplete: 'the time ran out before the stored authorizers were read', stoppedBy: 'deadline' });
    }
  }
  const changes = planChanges({ read, stored, unreadableAppids, listStartedAt, at: options.now().getTime(), state, summary });
  await applyChanges(changes, summary, budget);
  options.log({ level: summary.complete ? 'info' : 'warn', event: 'authorizers_reconciled', ...summary, ...(unreadableStored > 0 ? { unreadableStored } : {}) });
  return summary;
}

/** What {@link reconcileIfDue} did: nothing (already reconciled on this China-time day), or a run. */
export type ReconcileRun = { ran: false; reconciledAt: number } | { ran: true; summary: ReconcileSummary; stamped: boolean };

/**
 * The timer's reconciliation: at most once per China-time day, judged by the stamp
 * `reconcile_<componentAppid>` (the epoch ms at which the last complete run started), unless `force`
 * (an admin's demand). The stamp is written only after a complete run ({@link reconcileAuthorizers});
 * a failure to write it is logged and said (`stamped: false`): the next run reconciles again, harmlessly.
 * @throws the database's error reading the stamp (a failure is never "never reconciled"), and what
 *   {@link reconcileAuthorizers} throws.
 */
export async function reconcileIfDue(options: ReconcileOptions & { force?: boolean }): Promise<ReconcileRun> {
  const startedAt = options.now().getTime();
  if (!options.force) {
    const last = await options.budget.race(options.state.readReconciledAt(options.componentAppid), 'The last reconciliation stamp');
    // A stamp a little ahead (another instance's clock) counts; one further ahead is a clock gone wrong: reconciled again.
    if (last !== undefined && last <= startedAt + RECONCILE_CLOCK_MARGIN_MS && chinaDayOf(new Date(last)) === chinaDayOf(new Date(startedAt))) {
      return { ran: false, reconciledAt: last };
    }
  }
  const summary = await reconcileAuthorizers(options);
  if (!summary.complete) return { ran: true, summary, stamped: false };
  try {
    await options.budget.race(options.state.writeReconciledAt(options.componentAppid, startedAt), 'Storing the reconciliation stamp');
    return { ran: true, summary, stamped: true };
  } catch (error) {
    options.log({ level: 'warn', event: 'reconcile_stamp_failed', error: failure(error) });
    return { ran: true, summary, stamped: false };
  }
}
