import type { ReportKind } from '../contract';
import type { YearMonth } from '../dates';
import type { AnalyticsApi, WeChatReply } from '../wechat/client';

export type { ReportKind };

/**
 * One kind of monthly figures: which API gives it, how to clean the reply, how to check a stored copy,
 * and when WeChat may still add to a month. A new kind is one such object (see `reports/index.ts`).
 */
export interface ReportDefinition<Data> {
  kind: ReportKind;
  api: AnalyticsApi;
  /** Cleans WeChat's reply for `month` into the shape callers get; throws `UPSTREAM_ERROR` on a reply of another shape. */
  normalize(reply: WeChatReply, month: YearMonth): Data;
  /**
   * `value` (read back from the database) as this kind's data for `month`, or `undefined` when it is not
   * exactly that shape: a stored copy is never trusted unchecked.
   */
  parseStored(value: unknown, month: YearMonth): Data | undefined;
  /** True when `data` carries figures; WeChat answers a month without any shortly after it ends. */
  hasFigures(data: Data): boolean;
  /** True when WeChat will not add to `data` any more (the trend of a month; retention with key 1). */
  isFinal(data: Data): boolean;
  /**
   * For data that is not final: the month at whose end (China time) WeChat owes the missing figures:
   * the month itself for a reply without figures, the month after it for retention's key 1.
   */
  dueMonth(data: Data, month: YearMonth): YearMonth;
}
