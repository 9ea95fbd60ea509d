import { isTimerChain } from '../access';
import type { InvocationContext } from '../budget';
import type { SyncReply } from '../contract';
import { AnalyticsError } from '../errors';
import { HandlerDependencies, Invocation, createAnalyticsRuntime } from '../pipeline/invocation';
import type { ReportDefinition } from '../reports/report';
import { defaultSyncMonths, parseSyncRequest } from '../request';
import { failedFast, liveFailureMark } from '../sync/failure-mark';
import { shardDeadlineOf } from '../open-platform/sync/fan-out';
import { syncUnderLease } from '../sync/sync';
import type { SyncPlan } from '../tenancy';
import { syncReply } from './sync-reply';

/** The sync function's name, when the platform's context does not give it. */
const SYNC_FUNCTION_NAME = 'syncMonthlyAnalytics';

/** A timer run's failure mark (`sync/failure-mark.ts`): a reply when it decides the run, else undefined. */
async function honourMark(invocation: Invocation, functionName: string, deferred: number): Promise<SyncReply | undefined> {
  const { monthly, budget, log } = invocation;
  const mark = await liveFailureMark(monthly.archive, functionName, monthly.now().getTime(), budget).catch((error: unknown) => {
    // Cut by the deadline: nothing was done, and the next run does it.
    if (error instanceof AnalyticsError && error.code === 'DEADLINE_EXCEEDED') return 'deferred' as const;
    throw error;
  });
  if (mark === 'deferred') return { ok: true, data: { fetched: 0, skipped: 0, failed: 0, deferred, failures: [] } };
  if (!mark) return undefined;
  log({ level: 'error', event: 'timer_run_failed_fast', error: mark.error.code, markedAt: mark.at, until: mark.until });
  return { ok: false, error: failedFast(mark) };
}

/** One sync invocation: a request only the tenancy serves (a shard, a reconciliation), or a timer run or an admin's backfill under the sync lease. */
async function syncWork(invocation: Invocation, event: unknown, base: Omit<SyncPlan, 'months' | 'monthly' | 'timer' | 'caller'>, functionName: string): Promise<SyncReply> {
  const { caller, principal, config, monthly, tenancy, timer } = invocation;
  const now = monthly.now();
  const { tenant, rest } = tenancy.tenantFor(timer ? {} : event, principal, monthly.client, false);
  const plan = { ...base, monthly, timer, caller };
  const trigger = timer && event && typeof event === 'object' ? (event as { TriggerName?: unknown }).TriggerName : undefined;
  const special = await tenancy.special(plan, event, rest, tenant);
  if (special && 'reply' in special) return special.reply;
  if (special) return syncReply(invocation, { ...special.shard, shardRun: true, functionName, trigger });
  const months = timer ? defaultSyncMonths(now, config.syncMonths) : parseSyncRequest(rest, now, config.syncMonths);
  if (timer) {
    const decided = await honourMark(invocation, functionName, months.length * base.reports.length);
    if (decided) return decided;
  }
  const work = () => tenancy.sync({ ...plan, months }, tenant);
  const summary = await syncUnderLease(work, months.length * base.reports.length, monthly, base.holder, invocation.budget.leaseUntil());
  return syncReply(invocation, { summary, months, shardRun: false, functionName, trigger });
}

/**
 * The `main` of the sync function: keeps the archive up to date for the configured months (timer),
 * or for `{ months }` / `{ from, to }` (an admin's backfill); in third-party mode also a shard of a
 * fanned-out timer run, and an admin's `{ reconcile: true }` (see the tenancy, `src/tenancy/`). A timer
 * run ignores its event (the trigger's name, time and custom message). A timer run that hits an error
 * another run cannot fix ends as a failed invocation, so that the platform's monitoring shows it.
 */
export function createSyncHandler(reports: readonly ReportDefinition<unknown>[], dependencies: HandlerDependencies) {
  const runtime = createAnalyticsRuntime(dependencies);
  return async function main(event: unknown, context?: InvocationContext): Promise<SyncReply> {
    const functionName = context?.function_name ?? SYNC_FUNCTION_NAME;
    const work = (invocation: Invocation) =>
      syncWork(
        invocation,
        event,
        {
          reports,
          holder: context?.request_id ?? `${invocation.monthly.now().getTime()}-${Math.random().toString(36).slice(2)}`,
          // The SDK would give up after 15 s; a shard of a longer run answers by this run's deadline.
          callShard: async (data, timeout) => (await dependencies.cloud.callFunction({ name: functionName, data, timeout })).result,
        },
        functionName,
      );
    return runtime.run(context, work, {
      acceptTimerChain: true,
      notAfter: (caller, startedAt) => (isTimerChain(caller) ? shardDeadlineOf(event, startedAt) : undefined),
    });
  };
}
