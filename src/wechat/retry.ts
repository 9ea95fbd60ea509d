import type { TimeBudget } from '../budget';
import { DEFAULT_RETRY_POLICY, RetryPolicy, retrying } from '../retry';
import { WeChatCallError, WeChatClient } from './client';
import { isRetryableNow } from './errors';

/** The retry of WeChat calls: {@link RetryPolicy}, its deadline and clock the invocation's budget's. */
export interface RetryOptions extends Omit<RetryPolicy, 'deadline' | 'now'> {
  /** The invocation's time: no attempt starts that could not end by its deadline. */
  budget: Pick<TimeBudget, 'deadline' | 'now'>;
}

export const DEFAULT_RETRY: Omit<RetryOptions, 'budget'> = DEFAULT_RETRY_POLICY;

const mayClearNow = (error: unknown) => error instanceof WeChatCallError && isRetryableNow(error.errCode);

/**
 * Wraps a client so that failures the error table marks `now` (busy, gateway hiccups) are tried again
 * with backoff, never past the deadline (see {@link retrying}). Other failures (quota, data not ready,
 * permissions, bad dates) go straight to the caller. A retry the deadline left no room for rejects
 * with `DEADLINE_EXCEEDED` (an `AnalyticsError`) instead of the last `WeChatCallError`.
 */
export function withRetry(client: WeChatClient, options: RetryOptions): WeChatClient {
  const policy: RetryPolicy = { ...options, deadline: () => options.budget.deadline, now: () => options.budget.now() };
  return {
    call: (api, dates, callOptions) =>
      retrying(() => client.call(api, dates, callOptions), mayClearNow, policy, (error) =>
        `The call to ${api} failed (${(error as WeChatCallError).errCode})`,
      ),
  };
}
