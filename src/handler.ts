import { CallerContext, Principal, authorize } from './access';
import { ArchiveStore, CloudDatabase, createCloudArchive } from './archive';
import { AnalyticsConfig, readConfig } from './config';
import { monthsBetween } from './dates';
import type { FailureReply, MonthReply, RangeReply, SyncReply } from './contract';
import { AnalyticsError } from './errors';
import { Log, MonthlyContext, describe, serveMonths } from './monthly';
import type { ReportDefinition } from './reports/report';
import { parseRequest, parseSyncRequest } from './request';
import { syncArchive } from './sync';
import { CloudOpenApi, createCloudClient } from './wechat/cloud-client';
import { DEFAULT_RETRY, withRetry } from './wechat/retry';

/** The part of `wx-server-sdk` (after `cloud.init`) that the functions use. */
export interface CloudSdk extends CloudOpenApi {
  getWXContext(): CallerContext;
  database(): CloudDatabase;
}

/** What the platform passes as the second argument of `main`. */
export interface InvocationContext {
  function_name?: string;
  time_limit_in_ms?: number;
  getRemainingTimeInMillis?: () => number;
}

/** What a handler needs from the outside. Only `cloud` is required; the rest default to the runtime's. */
export interface HandlerDependencies {
  cloud: CloudSdk;
  env?: Readonly<Record<string, string | undefined>>;
  now?: () => Date;
  log?: Log;
  /** Stands in for the cloud database archive. */
  archive?: ArchiveStore;
}

/** The default time limit of a cloud function. */
const DEFAULT_TIME_LIMIT_MS = 3000;
/** Time kept back at the end of an invocation to store results and reply. */
const REPLY_MARGIN_MS = 400;

const logToConsole: Log = (entry) => console.log(JSON.stringify(entry));

/** Turns any failure into the reply a caller sees; unexpected ones are logged and not exposed. */
export function failureReply(error: unknown, log: Log): FailureReply {
  if (error instanceof AnalyticsError) return { ok: false, error: error.toBody() };
  log({ level: 'error', event: 'unexpected_error', error: describe(error), stack: error instanceof Error ? error.stack : undefined });
  return {
    ok: false,
    error: { code: 'INTERNAL_ERROR', message: 'The analytics function failed unexpectedly; its log has the details.' },
  };
}

/** Epoch milliseconds after which an invocation that started at `startedAt` starts no new WeChat call. */
export function deadlineOf(context: InvocationContext | undefined, startedAt: number): number {
  const remaining =
    typeof context?.getRemainingTimeInMillis === 'function'
      ? context.getRemainingTimeInMillis()
      : typeof context?.time_limit_in_ms === 'number'
        ? context.time_limit_in_ms
        : DEFAULT_TIME_LIMIT_MS;
  return startedAt + Math.max(remaining - REPLY_MARGIN_MS, 0);
}

interface Invocation {
  principal: Principal;
  config: AnalyticsConfig;
  monthly: MonthlyContext;
}

function createRuntime(dependencies: HandlerDependencies) {
  const now = dependencies.now ?? (() => new Date());
  const log = dependencies.log ?? logToConsole;
  let config: AnalyticsConfig | undefined;
  let archive = dependencies.archive;
  const cloudClient = createCloudClient(dependencies.cloud);

  /** Reads configuration (once), then checks the caller, before anything reaches WeChat. */
  function begin(context: InvocationContext | undefined): Invocation {
    const startedAt = now().getTime();
    config ??= readConfig(dependencies.env ?? process.env);
    const principal = authorize(dependencies.cloud.getWXContext(), config);
    archive ??= createCloudArchive(dependencies.cloud.database(), config.collection);
    const deadline = deadlineOf(context, startedAt);
    const client = withRetry(cloudClient, { ...DEFAULT_RETRY, deadline, now: () => now().getTime() });
    const functionName = context?.function_name;
    return {
      principal,
      config,
      monthly: { client, archive, now, deadline, timing: { slowestFetchMs: 0 }, concurrency: config.concurrency, functionName, log },
    };
  }

  return { now, log, begin };
}

/**
 * The `main` of a function that serves one kind of figures: `{}`, `{ month }`, `{ beginDate, endDate }`
 * or `{ begin_date, end_date }` for one month, `{ from, to }` for a range. Never throws.
 */
export function createReportHandler<Data>(report: ReportDefinition<Data>, dependencies: HandlerDependencies) {
  const runtime = createRuntime(dependencies);
  return async function main(event: unknown, context?: InvocationContext): Promise<MonthReply<Data> | RangeReply<Data>> {
    try {
      const { monthly } = runtime.begin(context);
      const request = parseRequest(event, runtime.now());
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
    } catch (error) {
      return failureReply(error, runtime.log);
    }
  };
}

/**
 * The `main` of the sync function: keeps the archive up to date for the configured months (timer),
 * or for `{ months }` / `{ from, to }` (an admin's backfill). A timer run that hits an error another
 * run cannot fix ends as a failed invocation, so that the platform's monitoring shows it.
 */
export function createSyncHandler(reports: readonly ReportDefinition<unknown>[], dependencies: HandlerDependencies) {
  const runtime = createRuntime(dependencies);
  return async function main(event: unknown, context?: InvocationContext): Promise<SyncReply> {
    let invocation: Invocation;
    let months: string[];
    try {
      invocation = runtime.begin(context);
      months = parseSyncRequest(event, runtime.now(), invocation.config.syncMonths);
    } catch (error) {
      return failureReply(error, runtime.log);
    }
    const startedAt = Date.now();
    const summary = await syncArchive(reports, months, invocation.monthly);
    const permanent = summary.failures.find((failure) => !failure.retryLater);
    runtime.log({
      level: permanent ? 'error' : summary.failed > 0 ? 'warn' : 'info',
      event: 'sync',
      caller: invocation.principal.kind,
      from: months[0],
      to: months[months.length - 1],
      fetched: summary.fetched,
      skipped: summary.skipped,
      failed: summary.failed,
      deferred: summary.deferred,
      failures: summary.failures.map((failure) => `${failure.kind} ${failure.month}: ${failure.error.code}`),
      durationMs: Date.now() - startedAt,
    });
    if (!permanent) return { ok: true, data: summary };
    if (invocation.principal.kind === 'timer') {
      throw new Error(`Sync failed for ${permanent.kind} ${permanent.month}: ${permanent.error.code}: ${permanent.error.message}`);
    }
    return { ok: false, error: permanent.error, data: summary };
  };
}
