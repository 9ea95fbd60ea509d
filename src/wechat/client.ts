import type { MonthDates } from '../dates';

/** The analytics open APIs this project calls, by their cloud-call names. */
export type AnalyticsApi = 'analysis.getMonthlyRetain' | 'analysis.getMonthlyVisitTrend';

/** WeChat's reply to one call, keys in camelCase, before normalisation. */
export type WeChatReply = Record<string, unknown>;

/** Per-call options. */
export interface CallOptions {
  /** Aborted at the invocation's deadline: a transport that can cancel its request does. */
  signal?: AbortSignal;
  /**
   * Whose figures: `null` or absent for the environment's own Mini Program; an authorizer's AppID for the
   * third-party transport (which requires it).
   */
  appid?: string | null;
}

/**
 * The one interface the core uses to reach WeChat, whatever the transport: the cloud call over
 * `wx-server-sdk` (`cloud/`), HTTPS with an `access_token` (`https/`). Replies are plain JSON with
 * camelCase keys and without `errcode`/`errmsg`, so the core cannot tell the transports apart.
 */
export interface WeChatClient {
  /** Asks `api` for one natural month. Rejects with a {@link WeChatCallError} (or a typed `AnalyticsError`). */
  call(api: AnalyticsApi, dates: MonthDates, options?: CallOptions): Promise<WeChatReply>;
}

/**
 * WeChat as one Mini Program of a transport that serves many (the third-party platform's): every call
 * carries `appid`, so that whoever holds the bound client need not (a tenant's `client`).
 */
export function bindAppid(client: WeChatClient, appid: string): WeChatClient {
  return { call: (api, dates, options) => client.call(api, dates, { ...options, appid }) };
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
