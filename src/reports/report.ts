import type { YearMonth } from '../dates';
import type { AnalyticsApi, WeChatReply } from '../wechat/client';

import type { ReportKind } from '../contract';

export type { ReportKind };

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
  /** True when WeChat will not change `data` any more (see `ServedMonth.final` in the contract). */
  isFinal(data: Data): boolean;
}
