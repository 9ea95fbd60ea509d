import { isTimerChain } from '../access';
import { InvocationContext, REPLY_MARGIN_MS } from '../budget';
import type { SyncReply, SyncSummary } from '../contract';
import type { YearMonth } from '../dates';
import { AnalyticsError, echo, invalidArgument } from '../errors';
import { HandlerDependencies, Invocation, createAnalyticsRuntime } from '../pipeline/invocation';
import type { ReportDefinition } from '../reports/report';
import { PLATFORM_FIELDS, defaultSyncMonths, parseSyncRequest } from '../request';
import { FanOut, syncAuthorizers } from '../sync/authorizers';
import { failedFast, liveFailureMark } from '../sync/failure-mark';
import { hasShard, parseShardRequest, shardDeadlineOf } from '../sync/fan-out';
import { reconciliationStep } from '../sync/reconcile-run';
import { syncArchive, syncUnderLease } from '../sync/sync';
import { syncReply } from './sync-reply';
import { takeAppid } from './tenant';

/** The sync function's name, when the platform's context does not give it. */
const SYNC_FUNCTION_NAME = 'syncMonthlyAnalytics';

/** One sync invocation: what every branch of it needs. */
interface SyncRun {
  invocation: Invocation;
  event: unknown;
  reports: readonly ReportDefinition<unknown>[];
  /** This run, as a lease holder. */
  holder: string;
  functionName: string;
  /** Starts one shard of a fanned-out timer run (`cloud.callFunction` of this function). */
  callFunction: HandlerDependencies['cloud']['callFunction'];
}

/** True for an admin's `{ reconcile: true }` (nothing else in it); `reconcile` with anything else is refused. */
function isReconcileRequest(event: unknown): boolean {
  if (typeof event !== 'object' || event === null || !('reconcile' in event)) return false;
  const { reconcile, ...others } = event as Record<string, unknown>;
  const more = Object.keys(others).some((field) => !PLATFORM_FIELDS.has(field));
  if (reconcile !== true || more) throw invalidArgument(`Send { reconcile: true } alone to reconcile the authorizers with WeChat's list; got reconcile ${echo(reconcile)}${more ? ' with other fields' : ''}.`);
  return true;
}

/** The reconciliation with WeChat's list of authorizers (`sync/reconcile.ts`): the timer's once a China-time day, an admin's now (`force`). */
function reconcile(run: SyncRun, force: boolean) {
  const { componentState: state, authorizerList, config, budget, log } = run.invocation;
  return state && authorizerList && config.component
    ? reconciliationStep({ componentAppid: config.component.componentAppid, api: authorizerList, state, budget, now: run.invocation.monthly.now, log, force })
    : Promise.resolve(undefined);
}

async function reconcileNow(run: SyncRun, appid: string | null): Promise<SyncReply> {
  const { monthly, budget, componentState } = run.invocation;
  if (!componentState) throw invalidArgument('{ reconcile: true } is for the third-party mode (WECHAT_TRANSPORT=component).');
  if (appid !== null) throw invalidArgument('{ reconcile: true } reconciles every authorizer of the platform: send it without appid.');
  const work = async (): Promise<SyncSummary> => ({ fetched: 0, skipped: 0, failed: 0, deferred: 0, failures: [], reconciliation: await reconcile(run, true) });
  const reconciled = await syncUnderLease(work, 0, monthly, run.holder, budget.deadline + REPLY_MARGIN_MS);
  const error = reconciled.reconciliation?.error;
  return error ? { ok: false, error, data: reconciled } : { ok: true, data: reconciled };
}

/** A timer run's failure mark (`sync/failure-mark.ts`): a reply when it decides the run, else undefined. */
async function honourMark(run: SyncRun, deferred: number): Promise<SyncReply | undefined> {
  const { monthly, budget, log } = run.invocation;
  const mark = await liveFailureMark(monthly.archive, run.functionName, monthly.now().getTime(), budget).catch((error: unknown) => {
    // Cut by the deadline: nothing was done, and the next run does it.
    if (error instanceof AnalyticsError && error.code === 'DEADLINE_EXCEEDED') return 'deferred' as const;
    throw error;
  });
  if (mark === 'deferred') return { ok: true, data: { fetched: 0, skipped: 0, failed: 0, deferred, failures: [] } };
  if (!mark) return undefined;
  log({ level: 'error', event: 'timer_run_failed_fast', error: mark.error.code, markedAt: mark.at, until: mark.until });
  return { ok: false, error: failedFast(mark) };
}

/** The walk of a timer run or an admin's backfill, under the sync lease. */
async function walkUnderLease(run: SyncRun, months: YearMonth[], appid: string | null): Promise<SyncSummary> {
  const { monthly, budget, config, componentState: state, timer } = run.invocation;
  const fanOut: FanOut | undefined =
    timer && state
      ? {
          ...config.fanOut,
          // The SDK would give up after 15 s; a shard of a longer run answers by this run's deadline.
          invoke: async (request) =>
            (await run.callFunction({ name: run.functionName, data: { shard: request }, timeout: Math.max(budget.remaining(), 0) + REPLY_MARGIN_MS })).result,
        }
      : undefined;
  const walk = state
    ? async () => {
        // Before the walk, so that an authorisation it recovers is synced in this very run.
        const reconciliation = timer ? await reconcile(run, false) : undefined;
        const walked = await syncAuthorizers(run.reports, months, monthly, state, appid !== null ? { kind: 'one', appid } : timer ? { kind: 'daily' } : { kind: 'all' }, fanOut);
        return reconciliation ? { ...walked, reconciliation } : walked;
      }
    : () => syncArchive(run.reports, months, monthly);
  return syncUnderLease(walk, months.length * run.reports.length, monthly, run.holder, budget.deadline + REPLY_MARGIN_MS);
}

async function syncWork(run: SyncRun): Promise<SyncReply> {
  const { invocation, event } = run;
  const { caller, principal, config, monthly, componentState: state, timer } = invocation;
  const now = monthly.now();
  // One of the shards a timer run started (see sync/fan-out.ts): its event says which authorizers.
  const shardRun = timer && hasShard(event) && isTimerChain(caller);
  const { appid, rest } = takeAppid(timer ? {} : event, config, principal, false);
  if (appid === null && principal.kind === 'admin' && config.transport === 'component' && config.adminScopes.has(principal.openid)) {
    throw invalidArgument('This admin may sync only its own Mini Programs: send { appid } with the backfill.');
  }
  if (!timer && isReconcileRequest(rest)) return reconcileNow(run, appid);
  const trigger = timer && event && typeof event === 'object' ? (event as { TriggerName?: unknown }).TriggerName : undefined;
  if (shardRun) {
    if (!state) throw invalidArgument('A shard run is part of the third-party sync (WECHAT_TRANSPORT=component).');
    const shard = parseShardRequest(event, now);
    // It runs inside the lease of the timer run that started it, and ends before that run does.
    const summary = await syncAuthorizers(run.reports, shard.months, monthly, state, { kind: 'shard', appids: shard.appids });
    return syncReply(invocation, { summary, months: shard.months, shardRun, functionName: run.functionName, trigger });
  }
  const months = timer ? defaultSyncMonths(now, config.syncMonths) : parseSyncRequest(rest, now, config.syncMonths);
  if (timer) {
    const decided = await honourMark(run, months.length * run.reports.length);
    if (decided) return decided;
  }
  const summary = await walkUnderLease(run, months, appid);
  return syncReply(invocation, { summary, months, shardRun, functionName: run.functionName, trigger });
}

/**
 * The `main` of the sync function: keeps the archive up to date for the configured months (timer),
 * or for `{ months }` / `{ from, to }` (an admin's backfill); in third-party mode also a shard of a
 * fanned-out timer run, and an admin's `{ reconcile: true }`. A timer run ignores its event (the
 * trigger's name, time and custom message). A timer run that hits an error another run cannot fix ends
 * as a failed invocation, so that the platform's monitoring shows it.
 */
export function createSyncHandler(reports: readonly ReportDefinition<unknown>[], dependencies: HandlerDependencies) {
  const runtime = createAnalyticsRuntime(dependencies);
  return async function main(event: unknown, context?: InvocationContext): Promise<SyncReply> {
    const work = (invocation: Invocation) =>
      syncWork({
        invocation,
        event,
        reports,
        holder: context?.request_id ?? `${invocation.monthly.now().getTime()}-${Math.random().toString(36).slice(2)}`,
        functionName: context?.function_name ?? SYNC_FUNCTION_NAME,
        callFunction: (options) => dependencies.cloud.callFunction(options),
      });
    return runtime.run(context, work, {
      acceptTimerChain: true,
      notAfter: (caller, startedAt) => (isTimerChain(caller) ? shardDeadlineOf(event, startedAt) : undefined),
    });
  };
}
