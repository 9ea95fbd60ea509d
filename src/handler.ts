import { CallerContext, Principal, authorize, authorizeAppid, isTimerChain, isTimerRun } from './access';
import { InstanceState, MonthlyContext, createInstanceState, serveMonths } from './archive/read-through';
import type { ArchiveStore } from './archive/store';
import { InvocationContext, REPLY_MARGIN_MS, TimeBudget, createDeadlinesInFlight, createTimeBudget } from './budget';
import { ADMIN_OPENIDS_VARIABLE, AnalyticsConfig, readAdminOpenids, readConfig } from './config';
import type { FailureReply, MonthReply, RangeReply, SyncReply, SyncSummary } from './contract';
import { YearMonth, monthsBetween } from './dates';
import { AnalyticsError, echo, invalidArgument } from './errors';
import { createCloudArchive } from './platform/cloudbase/archive';
import { createCloudComponentState } from './platform/cloudbase/component-state';
import { createCloudTokenStore } from './platform/cloudbase/token-store';
import type { CloudDatabase } from './platform/cloudbase/archive';
import { withDatabaseRetry } from './platform/cloudbase/database-retry';
import { DEFAULT_RETRY_POLICY } from './retry';
import type { CloudSdk } from './platform/cloudbase/sdk';
import { Log, TimerRunFailed, failureReply } from './reply';
import type { ReportDefinition } from './reports/report';
import { AnalyticsRequest, PLATFORM_FIELDS, defaultSyncMonths, parseRequest, parseSyncRequest } from './request';
import { FanOut, isPlatformFailure, syncAuthorizers } from './sync/authorizers';
import { hasShard, parseShardRequest, shardDeadlineOf } from './sync/fan-out';
import { syncArchive, syncUnderLease } from './sync/sync';
import { WeChatTransport, createWeChatTransport } from './wechat/factory';
import type { AuthorizerListApi } from './wechat/component';
import { reconciliationStep } from './sync/reconcile-run';
import { clearFailureMark, failedFast, liveFailureMark, markFailure } from './sync/failure-mark';
import { DEFAULT_RETRY, withRetry } from './wechat/retry';
import { MAX_LISTED_FAILURES } from './sync/failures';

export type { CloudSdk, InvocationContext };
export { TimerRunFailed, failureReply };

/** What a handler needs from the outside. Only `cloud` is required; the rest default to the runtime's. */
export interface HandlerDependencies {
  cloud: CloudSdk;
  env?: Readonly<Record<string, string | undefined>>;
  now?: () => Date;
  log?: Log;
  /** Stands in for the cloud database archive. */
  archive?: ArchiveStore;
}

/** What sets one kind of function's invocations apart. */
interface RunOptions {
  /** Also serve runs that a timer run started (`cloud.callFunction`): the sync's shards. */
  acceptTimerChain?: boolean;
  /** An earlier deadline (epoch ms) for this caller, e.g. a shard's, which must end before its timer run. */
  notAfter?: (caller: CallerContext, startedAt: number) => number | undefined;
}

const logToConsole: Log = (entry) => console.log(JSON.stringify(entry));

/** Epoch milliseconds after which an invocation that started at `startedAt` starts no new WeChat call. */
export function deadlineOf(context: InvocationContext | undefined, startedAt: number): number {
  return createTimeBudget(context, startedAt, () => startedAt).deadline;
}

interface Invocation {
  /** What the platform says of the caller (never the event). */
  caller: CallerContext;
  principal: Principal;
  config: AnalyticsConfig;
  budget: TimeBudget;
  monthly: MonthlyContext;
  /** Third-party mode: WeChat's list of the platform's authorizers. */
  authorizerList?: AuthorizerListApi;
}

function createRuntime(dependencies: HandlerDependencies) {
  const now = dependencies.now ?? (() => new Date());
  const baseLog = dependencies.log ?? logToConsole;
  const env = dependencies.env ?? process.env;
  const instance: InstanceState = createInstanceState();
  let config: AnalyticsConfig | undefined;
  let transport: WeChatTransport | undefined;
  let archive = dependencies.archive;
  const deadlines = createDeadlinesInFlight();
  let db: CloudDatabase | undefined;
  /** The environment's database, its requests retried within the deadlines of the invocations in flight. */
  const database = (): CloudDatabase =>
    (db ??= withDatabaseRetry(dependencies.cloud.database(), { ...DEFAULT_RETRY_POLICY, deadline: deadlines.earliest, now: () => now().getTime() }));

  /** Every log line of an invocation carries its request id. */
  const logFor = (context: InvocationContext | undefined): Log =>
    context?.request_id ? (entry) => baseLog({ requestId: context.request_id, ...entry }) : baseLog;

  /**
   * Reads the configuration (once per instance), checks the caller and sets the time budget, before
   * anything reaches WeChat. A broken configuration is told to admins (and fails a timer run); any
   * other caller is refused as if it were fine, and the detail goes to the log.
   */
  function begin(caller: CallerContext, context: InvocationContext | undefined, startedAt: number, log: Log, options: RunOptions): Invocation {
    let current: AnalyticsConfig;
    try {
      current = config ??= readConfig(env);
    } catch (error) {
      if (error instanceof AnalyticsError) {
        log({ level: 'error', event: 'configuration_error', error: error.message });
        if (!isTimerRun(caller)) authorize(caller, { adminOpenids: readAdminOpenids(env) });
      }
      throw error;
    }
    // With no admin configured every caller is refused alike; only the log says why.
    if (current.adminOpenids.size === 0) log({ level: 'warn', event: 'no_admins_configured', detail: `${ADMIN_OPENIDS_VARIABLE} is empty` });
    const principal = authorize(caller, current, options.acceptTimerChain);
    archive ??= createCloudArchive(database(), current.collection);
    const budget = createTimeBudget(context, startedAt, () => now().getTime(), options.notAfter?.(caller, startedAt));
    transport ??= createWeChatTransport(current, {
      cloud: dependencies.cloud,
      tokenStore: (collection) => createCloudTokenStore(database(), collection),
      componentState: (tokens, authorizers) => createCloudComponentState(database(), tokens, authorizers),
      now: () => now().getTime(),
    });
    const client = withRetry(transport.client, { ...DEFAULT_RETRY, deadline: budget.deadline, now: () => now().getTime() });
    return {
      caller,
      principal,
      config: current,
      budget,
      authorizerList: transport.authorizerList,
      monthly: {
        client,
        archive,
        appid: null,
        now,
        budget,
        timing: { slowestFetchMs: 0 },
        stopped: new Map(),
        instance,
        concurrency: current.concurrency,
        functionName: context?.function_name,
        log,
      },
    };
  }

  /**
   * Runs one invocation: `work` gets the checked invocation; whatever it throws becomes the reply here,
   * the one place where errors become replies. A timer run whose reply would be `ok: false` fails
   * instead (see {@link TimerRunFailed}).
   */
  async function run<Reply extends { ok: boolean }>(
    context: InvocationContext | undefined,
    work: (invocation: Invocation, timer: boolean, log: Log) => Promise<Reply>,
    options: RunOptions = {},
  ): Promise<Reply | FailureReply> {
    const startedAt = now().getTime();
    const log = logFor(context);
    const caller = dependencies.cloud.getWXContext();
    const timer = isTimerRun(caller) || (options.acceptTimerChain === true && isTimerChain(caller));
    let reply: Reply | FailureReply;
    let invocation: Invocation | undefined;
    let untrack: (() => void) | undefined;
    try {
      invocation = begin(caller, context, startedAt, log, options);
      untrack = deadlines.track(invocation.budget.deadline);
      reply = await work(invocation, timer, log);
    } catch (error) {
      reply = failureReply(error, log);
    } finally {
      untrack?.();
      invocation?.budget.end();
    }
    // A shard replies its failure to the timer run that started it, which adds it up and fails.
    if (timer && !reply.ok && isTimerRun(caller)) {
      const failure = reply as FailureReply;
      log({ level: 'error', event: 'timer_run_failed', error: failure.error.code, message: failure.error.message });
      throw new TimerRunFailed({ ok: false, error: failure.error });
    }
    return reply;
  }

  /** The third-party platform's state, in component mode. */
  const componentState = (current: AnalyticsConfig) =>
    current.component
      ? createCloudComponentState(database(), current.component.tokenCollection, current.component.authorizerCollection)
      : undefined;

  return { now, run, componentState };
}

/** How many failures the sync's log line names. */

/** True for an admin's `{ reconcile: true }` (nothing else in it); `reconcile` with anything else is refused. */
function isReconcileRequest(event: unknown): boolean {
  if (typeof event !== 'object' || event === null || !('reconcile' in event)) return false;
  const { reconcile, ...others } = event as Record<string, unknown>;
  if (reconcile !== true || Object.keys(others).some((field) => !PLATFORM_FIELDS.has(field))) {
    throw invalidArgument(`Send { reconcile: true } alone to reconcile the authorizers with WeChat's list; got reconcile ${echo(reconcile)}${Object.keys(others).some((field) => !PLATFORM_FIELDS.has(field)) ? ' with other fields' : ''}.`);
  }
  return true;
}

/** The sync function's name, when the platform's context does not give it. */
const SYNC_FUNCTION_NAME = 'syncMonthlyAnalytics';

const APPID = /^wx[0-9a-zA-Z]{16}$/;

/**
 * Splits `appid` off the call data. In third-party mode it names the authorizer (required when
 * `required`); in the other modes the environment's own Mini Program is served and `appid` is refused.
 */
function takeAppid(event: unknown, config: AnalyticsConfig, required: boolean): { appid: string | null; rest: unknown } {
  if (typeof event !== 'object' || event === null || Array.isArray(event)) {
    if (required) throw invalidArgument("Send { appid: 'wx…' } with the call: this platform serves many Mini Programs.");
    return { appid: null, rest: event };
  }
  const { appid, ...rest } = event as Record<string, unknown>;
  if (appid === undefined) {
    if (required) throw invalidArgument("Send { appid: 'wx…' } with the call: this platform serves many Mini Programs.");
    return { appid: null, rest };
  }
  if (config.transport !== 'component') {
    throw invalidArgument('appid is only for the third-party mode (WECHAT_TRANSPORT=component); this function serves its own Mini Program.');
  }
  if (typeof appid !== 'string' || !APPID.test(appid)) throw invalidArgument(`appid must be a Mini Program AppID (wx and 16 characters); got ${echo(appid)}.`);
  return { appid, rest };
}

/**
 * The `main` of a function that serves one kind of figures: `{}`, `{ month }`, `{ beginDate, endDate }`
 * or `{ begin_date, end_date }` for one month, `{ from, to }` for a range (see `contract.ts`). Never
 * throws for a caller; replies before the invocation's time limit.
 */
export function createReportHandler<Data>(report: ReportDefinition<Data>, dependencies: HandlerDependencies) {
  const runtime = createRuntime(dependencies);
  return async function main(event: unknown, context?: InvocationContext): Promise<MonthReply<Data> | RangeReply<Data>> {
    return runtime.run(context, async ({ principal, config, monthly: base }, timer): Promise<MonthReply<Data> | RangeReply<Data>> => {
      // A timer run is decided by the platform: whatever its event carries, it asks for the last month.
      const { appid, rest } = takeAppid(timer ? {} : event, config, config.transport === 'component');
      if (appid !== null) authorizeAppid(principal, appid, config);
      const monthly = { ...base, appid };
      const request: AnalyticsRequest = parseRequest(rest, runtime.now());
      if (request.kind === 'month') {
        const [outcome] = await serveMonths(report, [request.month], monthly);
        if (!outcome) throw new Error('serveMonths returned no month');
        return outcome.ok
          ? { ok: true, data: outcome.data, source: outcome.source, fetchedAt: outcome.fetchedAt, final: outcome.final }
          : { ok: false, error: outcome.error };
      }
      const outcomes = await serveMonths(report, monthsBetween(request.from, request.to), monthly);
      const firstFailure = outcomes.find((outcome) => !outcome.ok);
      if (firstFailure && !firstFailure.ok && outcomes.every((outcome) => !outcome.ok)) {
        return { ok: false, error: firstFailure.error };
      }
      return { ok: true, data: outcomes };
    });
  };
}

/**
 * The `main` of the sync function: keeps the archive up to date for the configured months (timer),
 * or for `{ months }` / `{ from, to }` (an admin's backfill). A timer run ignores its event (the
 * trigger's name, time and custom message). A timer run that hits an error another run cannot fix ends
 * as a failed invocation, so that the platform's monitoring shows it.
 */
export function createSyncHandler(reports: readonly ReportDefinition<unknown>[], dependencies: HandlerDependencies) {
  const runtime = createRuntime(dependencies);
  return async function main(event: unknown, context?: InvocationContext): Promise<SyncReply> {
    const work = async ({ caller, principal, config, budget, monthly, authorizerList }: Invocation, timer: boolean, log: Log): Promise<SyncReply> => {
      const now = runtime.now();
      const state = runtime.componentState(config);
      // One of the shards a timer run started (see sync/fan-out.ts): its event says which authorizers.
      const shardRun = timer && hasShard(event) && isTimerChain(caller);
      const { appid, rest } = takeAppid(timer ? {} : event, config, false);
      if (appid !== null) authorizeAppid(principal, appid, config);
      if (appid === null && principal.kind === 'admin' && config.transport === 'component' && config.adminScopes.has(principal.openid)) {
        throw invalidArgument('This admin may sync only its own Mini Programs: send { appid } with the backfill.');
      }
      const holder = context?.request_id ?? `${now.getTime()}-${Math.random().toString(36).slice(2)}`;
      const functionName = context?.function_name ?? SYNC_FUNCTION_NAME;
      // The reconciliation with WeChat's list of authorizers (sync/reconcile.ts): once a China-time day by the timer, now on an admin's demand.
      const reconcile = (force: boolean) =>
        state && authorizerList && config.component
          ? reconciliationStep({ componentAppid: config.component.componentAppid, api: authorizerList, state, budget, now: runtime.now, log, force })
          : Promise.resolve(undefined);
      if (!timer && isReconcileRequest(rest)) {
        if (!state) throw invalidArgument('{ reconcile: true } is for the third-party mode (WECHAT_TRANSPORT=component).');
        if (appid !== null) throw invalidArgument('{ reconcile: true } reconciles every authorizer of the platform: send it without appid.');
        const reconciled = await syncUnderLease(
          async () => ({ fetched: 0, skipped: 0, failed: 0, deferred: 0, failures: [], reconciliation: await reconcile(true) }),
          0,
          monthly,
          holder,
          budget.deadline + REPLY_MARGIN_MS,
        );
        const error = reconciled.reconciliation?.error;
        return error ? { ok: false, error, data: reconciled } : { ok: true, data: reconciled };
      }
      let months: YearMonth[];
      let summary: SyncSummary;
      if (shardRun) {
        if (!state) throw invalidArgument('A shard run is part of the third-party sync (WECHAT_TRANSPORT=component).');
        const shard = parseShardRequest(event, now);
        months = shard.months;
        // It runs inside the lease of the timer run that started it, and ends before that run does.
        summary = await syncAuthorizers(reports, months, monthly, state, { kind: 'shard', appids: shard.appids });
      } else {
        months = timer ? defaultSyncMonths(now, config.syncMonths) : parseSyncRequest(rest, now, config.syncMonths);
        if (timer) {
          // A retry of a run that failed for a reason no run fixes by itself fails at once (sync/failure-mark.ts).
          const mark = await liveFailureMark(monthly.archive, functionName, now.getTime(), budget).catch((error: unknown) => {
            // Cut by the deadline: nothing was done, and the next run does it.
            if (error instanceof AnalyticsError && error.code === 'DEADLINE_EXCEEDED') return 'deferred' as const;
            throw error;
          });
          if (mark === 'deferred') return { ok: true, data: { fetched: 0, skipped: 0, failed: 0, deferred: months.length * reports.length, failures: [] } };
          if (mark) {
            log({ level: 'error', event: 'timer_run_failed_fast', error: mark.error.code, markedAt: mark.at, until: mark.until });
            return { ok: false, error: failedFast(mark) };
          }
        }

        const fanOut: FanOut | undefined =
          timer && state
            ? {
                ...config.fanOut,
                // The SDK would give up after 15 s; a shard of a longer run answers by this run's deadline.
                invoke: async (request) =>
                  (await dependencies.cloud.callFunction({ name: functionName, data: { shard: request }, timeout: Math.max(budget.remaining(), 0) + REPLY_MARGIN_MS })).result,
              }
            : undefined;
        const walk = state
          ? async () => {
              // Before the walk, so that an authorisation it recovers is synced in this very run.
              const reconciliation = timer ? await reconcile(false) : undefined;
              const walked = await syncAuthorizers(reports, months, monthly, state, appid !== null ? { kind: 'one', appid } : timer ? { kind: 'daily' } : { kind: 'all' }, fanOut);
              return reconciliation ? { ...walked, reconciliation } : walked;
            }
          : () => syncArchive(reports, months, monthly);
        summary = await syncUnderLease(walk, months.length * reports.length, monthly, holder, budget.deadline + REPLY_MARGIN_MS);
      }
      // A failure that is ours fails the run: one no later run can fix, or, in third-party mode, one of
      // the platform's own (its ticket, its configuration). An authorizer's own problems (48001, a
      // revoked authorisation, its quota) are in the summary, not a failed run.
      const permanent = summary.failures.find((failure) => (state ? isPlatformFailure(failure) : !failure.retryLater));
      log({
        level: permanent || summary.stoppedBy ? 'error' : summary.failed > 0 ? 'warn' : 'info',
        event: 'sync',
        caller: principal.kind,
        trigger: timer && event && typeof event === 'object' ? (event as { TriggerName?: unknown }).TriggerName : undefined,
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
        shard: shardRun ? true : undefined,
        authorizersNeedingReauth: summary.authorizers?.filter((entry) => entry.status === 'needs_reauth').map((entry) => entry.appid),
        durationMs: runtime.now().getTime() - budget.startedAt,
      });
      if (summary.stoppedBy) return { ok: false, error: summary.stoppedBy, data: summary };
      // An admin's backfill without a failure that never clears proves a marked failure gone.
      if (!timer && !permanent && summary.failures.every((failure) => failure.retryLater)) await clearFailureMark(monthly.archive, functionName, budget, log);
      if (permanent) {
        // Marked only when it cannot clear by itself (48001, a missing permission, the IP allowlist); a ticket WeChat pushes again is not.
        if (timer && !shardRun && !permanent.retryLater) await markFailure(monthly.archive, functionName, permanent.error, budget.startedAt, budget, log);
        return { ok: false, error: permanent.error, data: summary };
      }
      if (summary.shards && summary.shards.failed > 0) {
        const error = new AnalyticsError(
          'UPSTREAM_ERROR',
          `${summary.shards.failed} of the ${summary.shards.started} shard invocations of this function failed; their Mini Programs are synced by the next run. Their logs say why.`,
          { recovery: 'later' },
        );
        return { ok: false, error: error.toBody(), data: summary };
      }
      return { ok: true, data: summary };
    };
    return runtime.run(context, work, {
      acceptTimerChain: true,
      notAfter: (caller, startedAt) => (isTimerChain(caller) ? shardDeadlineOf(event, startedAt) : undefined),
    });
  };
}
