import { DEFAULT_RETRY_POLICY, RetryPolicy, retrying } from '../retry';
import { WeChatCallError, WeChatClient } from './client';
import { isRetryableNow } from './errors';

/** The retry of WeChat calls: {@link RetryPolicy} with the invocation's deadline as epoch ms. */
export interface RetryOptions extends Omit<RetryPolicy, 'deadline'> {
  /** Epoch milliseconds after which no attempt starts (the invocation's time limit, less a margin). */
  deadline: number;
}

export const DEFAULT_RETRY: Omit<RetryOptions, 'deadline'> = DEFAULT_RETRY_POLICY;

const mayClearNow = (error: unknown) => error instanceof WeChatCallError && isRetryableNow(error.errCode);

/**
 * Wraps a client so that failures the error table marks `now` (busy, gateway hiccups) are tried again
 * with backoff, never past the deadline (see {@link retrying}). Other failures (quota, data not ready,
 * permissions, bad dates) go straight to the caller. A retry the deadline left no room for rejects
 * with `DEADLINE_EXCEEDED` (an `AnalyticsError`) instead of the last `WeChatCallError`.
 */
export function withRetry(client: WeChatClient, options: RetryOptions): WeChatClient {
  const policy: RetryPolicy = { ...options, deadline: () => options.deadline };
  return {
    call: (api, dates, callOptions) =>
      retrying(() => client.call(api, dates, callOptions), mayClearNow, policy, (error) =>
        `The call to ${api} failed (${(error as WeChatCallError).errCode})`,
      ),
  };
}
