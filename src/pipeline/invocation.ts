import { CallerContext, Principal, authorize, isTimerChain, isTimerRun } from '../access';
import { MonthlyContext, createInstanceState } from '../archive/read-through';
import type { ArchiveStore } from '../archive/store';
import { InvocationContext, TimeBudget, createTimeBudget } from '../budget';
import { ADMIN_OPENIDS_VARIABLE, AnalyticsConfig, readAdminOpenids, readConfig } from '../config';
import type { FailureReply } from '../contract';
import { AnalyticsError } from '../errors';
import { createCloudArchive } from '../platform/cloudbase/archive';
import { createCloudComponentState } from '../open-platform/cloudbase/component-state';
import { createCloudTokenStore } from '../platform/cloudbase/token-store';
import { Log, TimerRunFailed, failureReply } from '../reply';
import { Tenancy, createTenancy } from '../tenancy';
import { WeChatTransport, createWeChatTransport } from '../wechat/factory';
import { DEFAULT_RETRY, withRetry } from '../wechat/retry';
import { Instance, InstanceDependencies, createInstance } from './instance';

/** What a report or sync function needs from the outside (see {@link InstanceDependencies}). */
export interface HandlerDependencies extends InstanceDependencies {
  /** Stands in for the cloud database archive. */
  archive?: ArchiveStore;
}

/** What sets one kind of function's invocations apart. */
export interface RunOptions {
  /** Also serve runs that a timer run started (`cloud.callFunction`): the sync's shards. */
  acceptTimerChain?: boolean;
  /** An earlier deadline (epoch ms) for this caller, e.g. a shard's, which must end before its timer run. */
  notAfter?: (caller: CallerContext, startedAt: number) => number | undefined;
}

/** One invocation, once its caller, configuration and time are checked. */
export interface Invocation {
  /** What the platform says of the caller (never the event). */
  caller: CallerContext;
  principal: Principal;
  config: AnalyticsConfig;
  budget: TimeBudget;
  monthly: MonthlyContext;
  /** True for a timer run, or (with `acceptTimerChain`) a run a timer run started. */
  timer: boolean;
  log: Log;
  /** Whom the functions serve: the environment's own Mini Program, or a platform's authorizers. */
  tenancy: Tenancy;
}

/** The pipeline of the report and sync functions: {@link AnalyticsRuntime.run} is every invocation's. */
export interface AnalyticsRuntime {
  readonly instance: Instance;
  /**
   * Runs one invocation: reads the configuration (once per instance), checks the caller, sets the time
   * budget and the log with the request id, then `work`; whatever it throws becomes the reply here, the
   * one place where errors become replies. A timer run whose reply would be `ok: false` fails instead
   * (see {@link TimerRunFailed}), so that the platform's monitoring shows it.
   */
  run<Reply extends { ok: boolean }>(context: InvocationContext | undefined, work: (invocation: Invocation) => Promise<Reply>, options?: RunOptions): Promise<Reply | FailureReply>;
}

/** The {@link AnalyticsRuntime} of one function instance. */
export function createAnalyticsRuntime(dependencies: HandlerDependencies): AnalyticsRuntime {
  const instance = createInstance(dependencies);
  const shared = createInstanceState();
  let config: AnalyticsConfig | undefined;
  let transport: WeChatTransport | undefined;
  let archive = dependencies.archive;
  let tenancy: Tenancy | undefined;

  /** The configuration, read once; a broken one is told to admins (and fails a timer run), any other caller is refused as if it were fine. */
  function configuration(caller: CallerContext, log: Log): AnalyticsConfig {
    try {
      return (config ??= readConfig(instance.env));
    } catch (error) {
      if (error instanceof AnalyticsError) {
        log({ level: 'error', event: 'configuration_error', error: error.message });
        if (!isTimerRun(caller)) authorize(caller, { adminOpenids: readAdminOpenids(instance.env) });
      }
      throw error;
    }
  }

  function begin(caller: CallerContext, context: InvocationContext | undefined, startedAt: number, log: Log, options: RunOptions): Invocation {
    const current = configuration(caller, log);
    // With no admin configured every caller is refused alike; only the log says why.
    if (current.adminOpenids.size === 0) log({ level: 'warn', event: 'no_admins_configured', detail: `${ADMIN_OPENIDS_VARIABLE} is empty` });
    const principal = authorize(caller, current, options.acceptTimerChain);
    const now = () => instance.now().getTime();
    const database = instance.database;
    archive ??= createCloudArchive(database(), current.collection);
    transport ??= createWeChatTransport(current, {
      cloud: instance.cloud,
      tokenStore: (collection) => createCloudTokenStore(database(), collection),
      componentState: (tokens, authorizers) => createCloudComponentState(database(), tokens, authorizers),
      now,
    });
    tenancy ??= createTenancy(current, {
      componentState: (tokens, authorizers) => createCloudComponentState(database(), tokens, authorizers),
      authorizerList: transport.authorizerList,
    });
    const budget = createTimeBudget(context, startedAt, now, options.notAfter?.(caller, startedAt));
    const client = withRetry(transport.client, { ...DEFAULT_RETRY, budget });
    const timer = isTimerRun(caller) || (options.acceptTimerChain === true && isTimerChain(caller));
    const monthly: MonthlyContext = {
      client,
      archive,
      appid: null,
      now: instance.now,
      budget,
      timing: { slowestFetchMs: 0 },
      stopped: new Map(),
      instance: shared,
      concurrency: current.concurrency,
      functionName: context?.function_name,
      log,
    };
    return { caller, principal, config: current, budget, monthly, timer, log, tenancy };
  }

  return {
    instance,
    async run(context, work, options = {}) {
      const startedAt = instance.now().getTime();
      const log = instance.logFor(context);
      const caller = instance.cloud.getWXContext();
      let reply;
      let invocation: Invocation | undefined;
      let untrack: (() => void) | undefined;
      try {
        invocation = begin(caller, context, startedAt, log, options);
        untrack = instance.track(invocation.budget);
        reply = await work(invocation);
      } catch (error) {
        reply = failureReply(error, log);
      } finally {
        untrack?.();
        invocation?.budget.end();
      }
      // A shard replies its failure to the timer run that started it, which adds it up and fails.
      if (!reply.ok && isTimerRun(caller)) {
        const failure = reply as FailureReply;
        log({ level: 'error', event: 'timer_run_failed', error: failure.error.code, message: failure.error.message });
        throw new TimerRunFailed({ ok: false, error: failure.error });
      }
      return reply;
    },
  };
}
