/**
 * The typed way to call the analytics cloud functions from the Mini Program: one function per cloud
 * function, request and reply types from the contract the functions use (`types/contract.ts`, generated
 * from `src/contract.ts`). Every failure, whether `wx.cloud.callFunction` itself failed or the function
 * replied `{ ok: false }`, is thrown as one {@link AnalyticsError} with a `code` to branch on.
 *
 * Nothing is retried here: the functions already retry WeChat's transient failures within their time
 * limit, so a failure that reaches the Mini Program is final for this call (the user refreshes).
 */
import type {
  AnalyticsFunctionName,
  AnalyticsFunctions,
  ErrorBody,
  ErrorCode,
  MonthOutcome,
  MonthlyRetention,
  MonthlyVisitTrend,
  ReportRequest,
  ServedMonth,
  SyncRequest,
  SyncSummary,
  YearMonth,
} from '../types/contract';

export type {
  ErrorCode,
  MonthOutcome,
  MonthlyRetention,
  MonthlyVisitTrend,
  ServedMonth,
  SyncFailure,
  SyncSummary,
  YearMonth,
} from '../types/contract';

/** Failures of the call itself, before any reply of the function. */
export type CallErrorCode =
  /** No connection to the cloud (`request:fail …`). */
  | 'NETWORK'
  /** The function ran past its time limit (-504003). */
  | 'FUNCTION_TIMEOUT'
  /** No function of that name in the environment (-501000): not deployed, or another environment. */
  | 'FUNCTION_NOT_FOUND'
  /**
   * The function is on a Node.js runtime older than it supports (its loader's `UnsupportedRuntimeError`):
   * it must be recreated on a newer runtime. Every call fails the same way until then.
   */
  | 'UNSUPPORTED_RUNTIME'
  /** The function crashed (-504002) or the call failed in another way. */
  | 'FUNCTION_FAILED'
  /** The function replied something that is not a reply of the contract (a version mismatch). */
  | 'BAD_REPLY';

export type AnalyticsErrorCode = ErrorCode | CallErrorCode;

/** Any failure of an analytics call. */
export class AnalyticsError extends Error {
  readonly code: AnalyticsErrorCode;
  /** The cloud function that was called. */
  readonly functionName: AnalyticsFunctionName;
  /** WeChat's errcode when the function's failure came from WeChat. */
  readonly wxErrCode?: number;
  /** `errCode` of `wx.cloud.callFunction` when the call itself failed. */
  readonly callErrCode?: number;
  /** FORBIDDEN: the OPENID the function saw, to give to an admin. */
  readonly openid?: string;
  /** syncMonthlyAnalytics: what the run did before it failed, when it says. */
  readonly summary?: SyncSummary;

  constructor(
    code: AnalyticsErrorCode,
    message: string,
    details: {
      functionName: AnalyticsFunctionName;
      wxErrCode?: number;
      callErrCode?: number;
      openid?: string;
      summary?: SyncSummary;
    },
  ) {
    super(message);
    // The Mini Program's compiler may target ES5, where subclasses of Error lose their prototype.
    Object.setPrototypeOf(this, AnalyticsError.prototype);
    this.name = 'AnalyticsError';
    this.code = code;
    this.functionName = details.functionName;
    if (details.wxErrCode !== undefined) this.wxErrCode = details.wxErrCode;
    if (details.callErrCode !== undefined) this.callErrCode = details.callErrCode;
    if (details.openid !== undefined) this.openid = details.openid;
    if (details.summary !== undefined) this.summary = details.summary;
  }
}

/** True for an {@link AnalyticsError}, also across copies of this module. */
export function isAnalyticsError(error: unknown): error is AnalyticsError {
  return error instanceof AnalyticsError || (typeof error === 'object' && error !== null && (error as Error).name === 'AnalyticsError');
}

/** Options of every call. */
export interface CallOptions {
  /**
   * For the third-party mode to come (a platform serving several Mini Programs): the AppID whose figures
   * to read. Sent only when given; today's functions refuse it (INVALID_ARGUMENT), so leave it out.
   */
  appid?: string;
}

/** A range of months, both included. */
export interface MonthRange {
  from: YearMonth;
  to: YearMonth;
}

/** One month, by any form the functions accept (`{}` is the last complete month). */
export type OneMonthRequest = Exclude<ReportRequest, MonthRange>;

const ERROR_CODES: readonly ErrorCode[] = [
  'INVALID_ARGUMENT',
  'MONTH_NOT_COMPLETE',
  'FORBIDDEN',
  'PERMISSION_NOT_DECLARED',
  'DATA_NOT_READY',
  'QUOTA_EXCEEDED',
  'UPSTREAM_ERROR',
  'DEADLINE_EXCEEDED',
  'CONFIGURATION_ERROR',
  'INTERNAL_ERROR',
];

/**
 * The OPENID a FORBIDDEN error is about: a structured `openid` field when the function gives one, else
 * the OPENID its message names (`OPENID o… is not an analytics admin`).
 */
export function forbiddenOpenid(error: ErrorBody & { openid?: unknown }): string | undefined {
  if (typeof error.openid === 'string' && error.openid) return error.openid;
  const named = /OPENID\s+([A-Za-z0-9_-]{6,})/.exec(error.message);
  return named ? named[1] : undefined;
}

/** The error of a function's `{ ok: false, error }` reply; also used for each failed month of a range. */
export function errorOfBody(functionName: AnalyticsFunctionName, body: ErrorBody, summary?: SyncSummary): AnalyticsError {
  const known = ERROR_CODES.indexOf(body.code) >= 0;
  const code: AnalyticsErrorCode = known ? body.code : 'INTERNAL_ERROR';
  const openid = code === 'FORBIDDEN' ? forbiddenOpenid(body) : undefined;
  const details: ConstructorParameters<typeof AnalyticsError>[2] = { functionName };
  if (typeof body.wxErrCode === 'number') details.wxErrCode = body.wxErrCode;
  if (openid !== undefined) details.openid = openid;
  if (summary !== undefined) details.summary = summary;
  return new AnalyticsError(code, typeof body.message === 'string' ? body.message : String(body.code), details);
}

/** The error of a failed `wx.cloud.callFunction` (`{ errCode, errMsg }`). */
export function errorOfCallFailure(functionName: AnalyticsFunctionName, failure: unknown): AnalyticsError {
  const record = (typeof failure === 'object' && failure !== null ? failure : {}) as { errCode?: unknown; errMsg?: unknown; message?: unknown };
  const errCode = typeof record.errCode === 'number' ? record.errCode : undefined;
  const errMsg = typeof record.errMsg === 'string' ? record.errMsg : typeof record.message === 'string' ? record.message : String(failure);
  let code: CallErrorCode;
  if (errCode === -504003 || /timed out/i.test(errMsg)) code = 'FUNCTION_TIMEOUT';
  else if (errCode === -501000 || /FunctionName parameter could not be found|ResourceNotFound\.Function/i.test(errMsg)) code = 'FUNCTION_NOT_FOUND';
  else if (/UnsupportedRuntimeError|needs Nodejs\d+\.\d+ or later/.test(errMsg)) code = 'UNSUPPORTED_RUNTIME';
  else if (/request:fail|network|ECONNREFUSED/i.test(errMsg)) code = 'NETWORK';
  else code = 'FUNCTION_FAILED';
  const details: ConstructorParameters<typeof AnalyticsError>[2] = { functionName };
  if (errCode !== undefined) details.callErrCode = errCode;
  return new AnalyticsError(code, errMsg, details);
}

type SuccessOf<Reply> = Extract<Reply, { ok: true }>;

/** Calls a function once and returns its `{ ok: true }` reply, or throws an {@link AnalyticsError}. */
export async function callAnalytics<Name extends AnalyticsFunctionName>(
  name: Name,
  request: AnalyticsFunctions[Name]['request'],
  options: CallOptions = {},
): Promise<SuccessOf<AnalyticsFunctions[Name]['reply']>> {
  const data: Record<string, unknown> = { ...request };
  if (options.appid !== undefined) data.appid = options.appid;
  let result: unknown;
  try {
    ({ result } = await wx.cloud.callFunction({ name, data }));
  } catch (failure) {
    throw errorOfCallFailure(name, failure);
  }
  const reply = result as { ok?: unknown; error?: ErrorBody; data?: unknown } | null | undefined;
  if (!reply || typeof reply !== 'object' || typeof reply.ok !== 'boolean') {
    throw new AnalyticsError('BAD_REPLY', `${name} replied ${JSON.stringify(result)}, which is not an analytics reply.`, { functionName: name });
  }
  if (!reply.ok) {
    const body = reply.error && typeof reply.error === 'object' ? reply.error : { code: 'INTERNAL_ERROR' as const, message: `${name} failed without saying why.` };
    const summary = name === 'syncMonthlyAnalytics' && reply.data ? (reply.data as SyncSummary) : undefined;
    throw errorOfBody(name, body, summary);
  }
  return reply as SuccessOf<AnalyticsFunctions[Name]['reply']>;
}

function oneMonth<Data>(name: AnalyticsFunctionName, reply: { data: unknown }): ServedMonth<Data> {
  if (Array.isArray(reply.data)) throw new AnalyticsError('BAD_REPLY', `${name} replied a range to a one-month request.`, { functionName: name });
  return reply as unknown as ServedMonth<Data>;
}

function range<Data>(name: AnalyticsFunctionName, reply: { data: unknown }): MonthOutcome<Data>[] {
  if (!Array.isArray(reply.data)) throw new AnalyticsError('BAD_REPLY', `${name} replied one month to a range request.`, { functionName: name });
  return reply.data as MonthOutcome<Data>[];
}

function isRange(request: ReportRequest | undefined): request is MonthRange {
  return !!request && ('from' in request || 'to' in request);
}

/** Retention of a range of months (at most 24), one outcome per month: a failed month does not hide the others. */
export function getMonthlyRetain(request: MonthRange, options?: CallOptions): Promise<MonthOutcome<MonthlyRetention>[]>;
/** Retention of one month; `{}` (the default) is the last complete month. */
export function getMonthlyRetain(request?: OneMonthRequest, options?: CallOptions): Promise<ServedMonth<MonthlyRetention>>;
export async function getMonthlyRetain(
  request: ReportRequest = {},
  options?: CallOptions,
): Promise<MonthOutcome<MonthlyRetention>[] | ServedMonth<MonthlyRetention>> {
  const reply = await callAnalytics('getMonthlyRetain', request, options);
  return isRange(request) ? range<MonthlyRetention>('getMonthlyRetain', reply) : oneMonth<MonthlyRetention>('getMonthlyRetain', reply);
}

/** Visit trend of a range of months (at most 24); a month WeChat has no figures for has `data: null`. */
export function getMonthlyVisitTrend(request: MonthRange, options?: CallOptions): Promise<MonthOutcome<MonthlyVisitTrend | null>[]>;
/** Visit trend of one month; `{}` (the default) is the last complete month. */
export function getMonthlyVisitTrend(request?: OneMonthRequest, options?: CallOptions): Promise<ServedMonth<MonthlyVisitTrend | null>>;
export async function getMonthlyVisitTrend(
  request: ReportRequest = {},
  options?: CallOptions,
): Promise<MonthOutcome<MonthlyVisitTrend | null>[] | ServedMonth<MonthlyVisitTrend | null>> {
  const reply = await callAnalytics('getMonthlyVisitTrend', request, options);
  return isRange(request)
    ? range<MonthlyVisitTrend | null>('getMonthlyVisitTrend', reply)
    : oneMonth<MonthlyVisitTrend | null>('getMonthlyVisitTrend', reply);
}

/** One sync run (an admin's backfill): `{}` the configured last months, `{ months }` or `{ from, to }` (at most 60). */
export async function syncMonthlyAnalytics(request: SyncRequest = {}, options?: CallOptions): Promise<SyncSummary> {
  const reply = await callAnalytics('syncMonthlyAnalytics', request, options);
  return reply.data;
}

/** Where a backfill stands after each run. */
export interface BackfillProgress {
  /** Runs so far. */
  runs: number;
  /** Months (of both kinds) stored or up to date. */
  done: number;
  /** Months (of both kinds) the backfill covers. */
  total: number;
  /** Months fetched from WeChat, over all runs. */
  fetched: number;
  /** The last run's summary. */
  last: SyncSummary;
}

export interface BackfillOptions extends CallOptions {
  /** Called after each run. */
  onProgress?: (progress: BackfillProgress) => void;
  /** Most runs before giving up (default 30). */
  maxRuns?: number;
  /** Runs in a row that may defer everything without doing anything (another sync holds the lock) before giving up (default 3). */
  maxIdleRuns?: number;
  /** Pause before a run that follows an idle one, in ms (default 2000). */
  idlePauseMs?: number;
}

/**
 * Calls `syncMonthlyAnalytics` again while its runs defer months (each run stops before the function's
 * time limit), reporting progress after each run. Resolves with the last progress: `last.deferred > 0`
 * when it gave up (see `maxRuns`, `maxIdleRuns`), `last.failed > 0` when months could not be stored.
 */
export async function backfill(request: SyncRequest, options: BackfillOptions = {}): Promise<BackfillProgress> {
  const { onProgress, maxRuns = 30, maxIdleRuns = 3, idlePauseMs = 2000 } = options;
  const callOptions: CallOptions = options.appid !== undefined ? { appid: options.appid } : {};
  let runs = 0;
  let fetched = 0;
  let idle = 0;
  for (;;) {
    if (idle > 0 && idlePauseMs > 0) await new Promise((resolve) => setTimeout(resolve, idlePauseMs));
    const last = await syncMonthlyAnalytics(request, callOptions);
    runs += 1;
    fetched += last.fetched;
    const total = last.fetched + last.skipped + last.failed + last.deferred;
    const progress: BackfillProgress = { runs, done: total - last.deferred, total, fetched, last };
    if (onProgress) onProgress(progress);
    idle = last.deferred > 0 && last.fetched + last.failed === 0 ? idle + 1 : 0;
    if (last.deferred === 0 || runs >= maxRuns || idle >= maxIdleRuns) return progress;
  }
}
