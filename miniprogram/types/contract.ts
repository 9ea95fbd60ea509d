// Generated from src/contract.ts by `npm run miniprogram:types`: do not edit.
// The Mini Program and the cloud functions share these types; `npm test` fails when this copy is stale.
/**
 * The contract between the cloud functions and their callers: what each function accepts as call
 * data and what it replies. This module is self-contained (no imports) so that the Mini Program can
 * use the very same types (a generated copy lives in `miniprogram/`; CI checks that it is current).
 */

/** A month, `YYYY-MM`, in China time (UTC+8). */
export type YearMonth = string;

/** Stable codes a caller can branch on. */
export type ErrorCode =
  | 'INVALID_ARGUMENT'
  | 'MONTH_NOT_COMPLETE'
  | 'FORBIDDEN'
  | 'PERMISSION_NOT_DECLARED'
  | 'DATA_NOT_READY'
  | 'QUOTA_EXCEEDED'
  | 'UPSTREAM_ERROR'
  | 'DEADLINE_EXCEEDED'
  | 'CONFIGURATION_ERROR'
  | 'AUTHORIZATION_REQUIRED'
  | 'INTERNAL_ERROR';

/** The error half of every reply: what the caller sees. */
export interface ErrorBody {
  code: ErrorCode;
  /** What happened and what to do about it. */
  message: string;
  /** WeChat's `errcode` (or CloudBase's or the cloud-call gateway's negative code) when one of them answered it. */
  wxErrCode?: number;
  /**
   * Over HTTPS (the `https` and third-party transports), a failure of the transport itself, which no
   * WeChat code names: the connection failed, WeChat answered HTTP 5xx or a body that is not its JSON,
   * or refused the access_token twice, right after a refresh. Absent otherwise.
   */
  transport?: TransportFailure;
}

/** How a call over HTTPS failed when WeChat gave no code (see {@link ErrorBody.transport}). */
export type TransportFailure = 'connection_failed' | 'server_error' | 'bad_reply' | 'token_rejected_twice';

/** A failed call, as the caller sees it. */
export interface FailureReply {
  ok: false;
  error: ErrorBody;
}

/** The kinds of monthly figures the functions keep. */
export type ReportKind = 'retain' | 'visitTrend';

/** Where a month's figures came from: the cloud database archive, or WeChat during this call. */
export type MonthSource = 'archive' | 'wechat';

/** One retention figure: `key` months after the month, its `value` (users), and `value` over the key-0 value. */
export interface RetentionPoint {
  key: number;
  value: number;
  /** 0–1; `null` when the key-0 value is 0 or missing. */
  rate: number | null;
}

/** A month's retention, cleaned (`getMonthlyRetain`). */
export interface MonthlyRetention {
  month: YearMonth;
  /** WeChat's `ref_date`: the month as `YYYYMM`. */
  refDate: string;
  visitUvNew: RetentionPoint[];
  visitUv: RetentionPoint[];
  /** True when both series have key 1, which WeChat adds once the following month has ended. */
  complete: boolean;
}

/** A month's visit trend, cleaned (`getMonthlyVisitTrend`); a figure WeChat left out is `null`. */
export interface MonthlyVisitTrend {
  month: YearMonth;
  refDate: string;
  /** Sessions. */
  sessionCnt: number | null;
  /** Page views. */
  visitPv: number | null;
  /** Visitors. */
  visitUv: number | null;
  /** New visitors. */
  visitUvNew: number | null;
  /** Average stay per visitor, in seconds. */
  stayTimeUv: number | null;
  /** Average stay per session, in seconds. */
  stayTimeSession: number | null;
  /** Average pages per session. */
  visitDepth: number | null;
}

/**
 * The figures of one month as served.
 * - `source`, `fetchedAt` (ISO 8601, UTC): where they came from and when WeChat gave them.
 * - `final`: true when WeChat will not change them any more (a visit trend with figures, or a month that
 *   had no visits at all; retention with key 1). False for a month WeChat answered with no figures
 *   shortly after it ended, or retention still waiting for key 1: ask again later for the final figures.
 */
export interface ServedMonth<Data> {
  data: Data;
  source: MonthSource;
  fetchedAt: string;
  final: boolean;
}

/** One month of a range reply: its figures, or why it could not be had. */
export type MonthOutcome<Data> =
  | ({ month: YearMonth; ok: true } & ServedMonth<Data>)
  | { month: YearMonth; ok: false; error: ErrorBody };

/** The reply to a one-month call. */
export type MonthReply<Data> = ({ ok: true } & ServedMonth<Data>) | FailureReply;

/** The reply to a range call: one entry per month, in order; `ok: false` only when every month failed. */
export type RangeReply<Data> = { ok: true; data: MonthOutcome<Data>[] } | FailureReply;

/** A month that a sync run could not store, and why. */
export interface SyncFailure {
  kind: ReportKind;
  month: YearMonth;
  /** The authorizer whose month it is (third-party mode). */
  appid?: string;
  error: ErrorBody;
  /** False when another run cannot fix it (a missing permission, say): a timer run then fails. */
  retryLater: boolean;
}

/** What one sync run did. */
export interface SyncSummary {
  /** Months fetched from WeChat and stored. */
  fetched: number;
  /** Months already stored and up to date: no WeChat call. */
  skipped: number;
  /** Months tried that could not be stored. */
  failed: number;
  /** Months not tried because the run's time ran out (or another run holds the sync): call again. */
  deferred: number;
  /**
   * The failed months, capped so that a reply stays far under the 6 MB a synchronous reply may carry
   * whatever the shard size and months: at most 20 (`MAX_LISTED_FAILURES`, the same cap as the sync's
   * log line), the first ones, keeping the first failure of each kind (error code, WeChat code,
   * `retryLater`). The others are counted in `failuresNotListed`; `failed` counts them all.
   */
  failures: SyncFailure[];
  /** The failed months not in `failures` (the cap); absent when every one is listed. `failures.length` plus this is `failed`. */
  failuresNotListed?: number;
  /** Every failed month, listed or not, counted by its error code (`ErrorBody.code`); absent when none failed. */
  failuresByCode?: Record<string, number>;
  /** Third-party mode: what the run did for each authorizer it reached, in order. */
  authorizers?: AuthorizerSyncSummary[];
  /**
   * Third-party mode, timer runs: authorizers whose months an earlier run completed on the same
   * China-time day; not read again, and not in `authorizers`.
   */
  authorizersUpToDate?: number;
  /**
   * Third-party mode, a timer run that fanned out: the invocations it started (one per shard of
   * authorizers), how many replied in time (their figures are in this summary) and how many failed.
   */
  shards?: { started: number; replied: number; failed: number };
  /**
   * The failure that stopped the run before it was done, when there was one: the cloud database could
   * not be read or written (after retries), so no further month was asked of WeChat (what it would
   * answer could not be stored, and what is stored could not be known). The months it left are counted
   * in `failed` with this error, and the run fails (`ok: false`, this as its `error`).
   */
  stoppedBy?: ErrorBody;
  /**
   * Third-party mode: the reconciliation of the stored authorizers with WeChat's list
   * (`api_get_authorizer_list`), when this run made one: the timer's at most once a China-time day, or
   * an admin's `{ reconcile: true }`. Absent when none was due.
   */
  reconciliation?: ReconciliationSummary;
}

/**
 * What a reconciliation did (counts of authorizers): `listed` by WeChat, `added` (a lost authorisation
 * recovered), `refreshed` (given the listed refresh token), `revoked` (no longer listed; their archived
 * months stay). `complete: false` when the list could not be read whole: nothing was revoked then.
 * `error` when it failed.
 */
export interface ReconciliationSummary {
  listed: number;
  added: number;
  refreshed: number;
  revoked: number;
  complete: boolean;
  error?: ErrorBody;
}

/** What one sync run did for one authorizer (third-party mode). */
export interface AuthorizerSyncSummary {
  appid: string;
  /** `authorized`, or why its months were not asked for (it must authorise again, or revoked). */
  status: 'authorized' | 'needs_reauth' | 'revoked';
  fetched: number;
  skipped: number;
  failed: number;
  deferred: number;
}

/** The reply to a sync call. */
export type SyncReply = { ok: true; data: SyncSummary } | (FailureReply & { data?: SyncSummary });

/**
 * Call data of `getMonthlyRetain` and `getMonthlyVisitTrend`: `{}` for the last complete month,
 * one month, WeChat's own date pair, or a range of at most 24 months.
 */
export type ReportRequest = (
  | Record<string, never>
  | { month: string }
  | { beginDate: string; endDate: string }
  | { begin_date: string; end_date: string }
  | { from: string; to: string }
) & {
  /** Third-party mode only (required there, refused otherwise): the authorizer's AppID. */
  appid?: string;
};

/** Call data of `syncMonthlyAnalytics` (an admin's backfill; the timer sends none). */
export type SyncRequest = (Record<string, never> | { months: number } | { from: string; to: string }) & {
  /** Third-party mode only: sync this authorizer alone. */
  appid?: string;
};

/** Every cloud function of the project: its call data and its reply. */
export interface AnalyticsFunctions {
  getMonthlyRetain: { request: ReportRequest; reply: MonthReply<MonthlyRetention> | RangeReply<MonthlyRetention> };
  getMonthlyVisitTrend: {
    request: ReportRequest;
    reply: MonthReply<MonthlyVisitTrend | null> | RangeReply<MonthlyVisitTrend | null>;
  };
  syncMonthlyAnalytics: { request: SyncRequest; reply: SyncReply };
}

/** The names of the cloud functions. */
export type AnalyticsFunctionName = keyof AnalyticsFunctions;
