import type { MonthDates } from '../dates';

/** The analytics open APIs this project calls, by their cloud-call names. */
export type AnalyticsApi = 'analysis.getMonthlyRetain' | 'analysis.getMonthlyVisitTrend';

/** WeChat's reply to one call, keys in camelCase, before normalisation. */
export type WeChatReply = Record<string, unknown>;

/**
 * The one interface the core uses to reach WeChat. The cloud-call transport implements it over
 * `wx-server-sdk`; an HTTPS transport (`access_token`, `authorizer_access_token`) can implement it too.
 */
export interface WeChatClient {
  /** Asks `api` for one natural month. Rejects with a {@link WeChatCallError}. */
  call(api: AnalyticsApi, dates: MonthDates): Promise<WeChatReply>;
}

/** A failed WeChat call, with WeChat's or the platform's numeric code. */
export class WeChatCallError extends Error {
  override readonly name = 'WeChatCallError';

  constructor(
    readonly errCode: number,
    message: string,
  ) {
    super(message);
  }
}
