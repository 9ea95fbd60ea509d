import { AnalyticsError } from './errors';
import { sleep } from './sleep';

/**
 * How a failure that may clear within seconds is tried again, for WeChat's calls (`wechat/retry.ts`)
 * and the database's (`platform/cloudbase/database-retry.ts`) alike: the one retry policy.
 */
export interface RetryPolicy {
  /** Attempts in all, the first included. */
  attempts: number;
  /** Delay before the second attempt, in ms; each later one is three times longer, with ±50 % jitter. */
  baseDelayMs: number;
  /**
   * Epoch milliseconds after which no attempt starts (the invocation's time limit, less its reply
   * margin). A function, so that one wrapper serves every invocation of an instance.
   */
  deadline: () => number;
  /** Time an attempt needs at least, in ms; a retry that could not finish before the deadline is not started. */
  minCallMs: number;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  random: () => number;
}

/** The defaults: 3 attempts, 100 ms then about 300 ms apart, each needing 200 ms. */
export const DEFAULT_RETRY_POLICY: Omit<RetryPolicy, 'deadline'> = {
  attempts: 3,
  baseDelayMs: 100,
  minCallMs: 200,
  now: () => Date.now(),
  sleep: (ms) => sleep(ms),
  random: Math.random,
};

/**
 * `work()`, tried again while it fails with an error `mayClearNow` accepts, with backoff, at most
 * `policy.attempts` times. Other errors, and the last attempt's, reach the caller as they are. When
 * the next attempt could not end before the deadline, it is not started: the failure is then one of
 * time, not of the service, and rejects with `DEADLINE_EXCEEDED` (recovery `later`, the last error as
 * its `cause`), its message saying what failed (`what(error)`) and that no time was left to try again:
 * the sync counts it as deferred, like any other call the deadline cut.
 */
export async function retrying<T>(
  work: () => Promise<T>,
  mayClearNow: (error: unknown) => boolean,
  policy: RetryPolicy,
  what: (error: unknown) => string,
): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await work();
    } catch (error) {
      if (!mayClearNow(error) || attempt >= policy.attempts) throw error;
      const delay = policy.baseDelayMs * 3 ** (attempt - 1) * (0.5 + policy.random());
      if (policy.now() + delay + policy.minCallMs > policy.deadline()) {
        throw new AnalyticsError('DEADLINE_EXCEEDED', `${what(error)}, and this call had no time left to try again; call again.`, {
          recovery: 'later',
          cause: error,
        });
      }
      await policy.sleep(delay);
    }
  }
}
