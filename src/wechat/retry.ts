import { WeChatCallError, WeChatClient } from './client';
import { isRetryableNow } from './errors';

export interface RetryOptions {
  /** Attempts in all, the first included. */
  attempts: number;
  /** Delay before the second attempt; each later one is three times longer, with ±50% jitter. */
  baseDelayMs: number;
  /** Epoch milliseconds after which no attempt starts (the invocation's time limit, less a margin). */
  deadline: number;
  /** Time a call needs at least; a retry that could not finish before `deadline` is not started. */
  minCallMs: number;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  random: () => number;
}

export const DEFAULT_RETRY: Omit<RetryOptions, 'deadline'> = {
  attempts: 3,
  baseDelayMs: 100,
  minCallMs: 200,
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  random: Math.random,
};

/**
 * Wraps a client so that failures the error table marks `now` (busy, gateway hiccups) are tried again
 * with backoff, never past the deadline. Other failures (quota, data not ready, permissions, bad dates) go straight to the caller.
 */
export function withRetry(client: WeChatClient, options: RetryOptions): WeChatClient {
  return {
    async call(api, dates, callOptions) {
      for (let attempt = 1; ; attempt += 1) {
        try {
          return await client.call(api, dates, callOptions);
        } catch (error) {
          if (!(error instanceof WeChatCallError) || !isRetryableNow(error.errCode) || attempt >= options.attempts) throw error;
          const delay = options.baseDelayMs * 3 ** (attempt - 1) * (0.5 + options.random());
          if (options.now() + delay + options.minCallMs > options.deadline) throw error;
          await options.sleep(delay);
        }
      }
    },
  };
}
