import type { ErrorCode } from '../contract';
import type { YearMonth } from '../dates';
import type { Recovery, Scope } from '../errors';
import type { AnalyticsApi } from './client';

/** Where a failed call happened, for messages that say what to do. */
export interface CallSite {
  api: AnalyticsApi;
  month: YearMonth;
  functionName?: string;
}

/** How one WeChat, platform or transport code is handled: the caller's code, when it may clear, its reach, and what to say. */
export interface ErrorRule {
  code: ErrorCode;
  recovery: Recovery;
  scope: Scope;
  message: (site: CallSite, detail: string) => string;
}

/** A failure worth retrying at once (busy, a hiccup): `what` says what happened; the message says to try again in a minute. */
export function retryNow(what: string): ErrorRule {
  return {
    code: 'UPSTREAM_ERROR',
    recovery: 'now',
    scope: 'month',
    message: (site) => `${what} while asking ${site.api} for ${site.month}, even after retries; try again in a minute.`,
  };
}
