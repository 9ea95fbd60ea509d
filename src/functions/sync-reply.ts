import type { ErrorBody, SyncFailure, SyncReply, SyncSummary, YearMonth } from '../contract';
import { AnalyticsError } from '../errors';
import type { Invocation } from '../pipeline/invocation';
import { clearFailureMark, markFailure } from '../sync/failure-mark';
import { MAX_LISTED_FAILURES } from '../sync/failures';

/** What a sync run did, for its one log line and its reply. */
export interface SyncOutcome {
  summary: SyncSummary;
  months: readonly YearMonth[];
  /** One of the shards of a fanned-out timer run. */
  shardRun: boolean;
  /** The name of the failure mark (the function's). */
  functionName: string;
  /** The event's `TriggerName`, for a timer run. */
  trigger?: unknown;
}

function logSync(invocation: Invocation, outcome: SyncOutcome, permanent: SyncFailure | undefined): void {
  const { summary, months } = outcome;
  invocation.log({
    level: permanent || summary.stoppedBy ? 'error' : summary.failed > 0 ? 'warn' : 'info',
    event: 'sync',
    caller: invocation.principal.kind,
    trigger: outcome.trigger,
    from: months[0],
    to: months[months.length - 1],
    fetched: summary.fetched,
    skipped: summary.skipped,
    failed: summary.failed,
    deferred: summary.deferred,
    // One log line stays readable however many months failed: the first 20, and how many in all.
    failures: summary.failures.slice(0, MAX_LISTED_FAILURES).map((failure) => `${failure.appid ? `${failure.appid} ` : ''}${failure.kind} ${failure.month}: ${failure.error.code}`),
    failuresNotListed: summary.failuresNotListed,
    failuresByCode: summary.failuresByCode,
    authorizers: summary.authorizers?.length,
    authorizersUpToDate: summary.authorizersUpToDate,
    shards: summary.shards,
    stoppedBy: summary.stoppedBy?.code,
    reconciliation: summary.reconciliation,
    shard: outcome.shardRun ? true : undefined,
    authorizersNeedingReauth: summary.authorizers?.filter((entry) => entry.status === 'needs_reauth').map((entry) => entry.appid),
    durationMs: invocation.monthly.now().getTime() - invocation.budget.startedAt,
  });
}

/**
 * Logs a sync run and gives its reply: `ok: false` with the error that stopped it (`stoppedBy`), a
 * failure that is ours, or failed shards; else `ok: true`. Sets or clears the failure mark
 * (`sync/failure-mark.ts`): a timer run failed for a reason that never clears by itself marks it; an
 * admin's backfill without such a failure clears it.
 */
export async function syncReply(invocation: Invocation, outcome: SyncOutcome): Promise<SyncReply> {
  const { summary, functionName } = outcome;
  const { archive } = invocation.monthly;
  // A failure that is ours fails the run (the tenancy says which: for a platform, its own, not one authorizer's).
  const permanent = invocation.tenancy.permanentFailure(summary);
  logSync(invocation, outcome, permanent);
  if (summary.stoppedBy) return { ok: false, error: summary.stoppedBy, data: summary };
  if (!invocation.timer && !permanent && summary.failures.every((failure) => failure.retryLater)) {
    await clearFailureMark(archive, functionName, invocation.budget, invocation.log);
  }
  if (permanent) {
    // Marked only when it cannot clear by itself (48001, a missing permission, the IP allowlist); a ticket WeChat pushes again is not.
    if (invocation.timer && !outcome.shardRun && !permanent.retryLater) {
      await markFailure(archive, functionName, permanent.error, invocation.budget.startedAt, invocation.budget, invocation.log);
    }
    return { ok: false, error: permanent.error, data: summary };
  }
  if (summary.shards && summary.shards.failed > 0) return { ok: false, error: shardsFailed(summary.shards), data: summary };
  return { ok: true, data: summary };
}

function shardsFailed(shards: NonNullable<SyncSummary['shards']>): ErrorBody {
  return new AnalyticsError(
    'UPSTREAM_ERROR',
    `${shards.failed} of the ${shards.started} shard invocations of this function failed; their Mini Programs are synced by the next run. Their logs say why.`,
    { recovery: 'later' },
  ).toBody();
}
