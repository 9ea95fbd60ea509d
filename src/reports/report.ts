import type { YearMonth } from '../dates';
import type { AnalyticsApi, WeChatReply } from '../wechat/client';

/** The kinds of monthly figures the project keeps. */
export type ReportKind = 'retain' | 'visitTrend';

/** One kind of monthly figures: which API gives it, how to clean the reply, when a month is final. */
export interface ReportDefinition<Data> {
  kind: ReportKind;
  api: AnalyticsApi;
  /** Cleans WeChat's reply for `month` into the shape callers get. */
  normalize(reply: WeChatReply, month: YearMonth): Data;
  /**
   * True when asking WeChat again at `now` could not give anything newer than `data`, so a stored
   * copy can be served without a call. Retention is not, once the following month has ended and key 1
   * is still missing.
   */
  isUpToDate(data: Data, month: YearMonth, now: Date): boolean;
}
