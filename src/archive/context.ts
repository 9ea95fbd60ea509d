import type { ArchiveOwner, ArchiveStore } from './store';
import type { TimeBudget } from '../budget';
import type { MonthSource } from '../contract';
import type { AnalyticsError } from '../errors';
import type { Log } from '../reply';
import type { AnalyticsApi, WeChatClient } from '../wechat/client';

/** State shared by every invocation of one function instance. */
export interface InstanceState {
  /** Fetches under way, by `<appid>_<kind>_<month>`: concurrent requests for a month share one WeChat call. */
  inflight: Map<string, Promise<FetchResult<unknown>>>;
}

/** A fresh {@link InstanceState}. */
export function createInstanceState(): InstanceState {
  return { inflight: new Map() };
}

/** Everything the monthly pipeline needs from the outside, passed in so it can be tested without I/O. */
export interface MonthlyContext {
  client: WeChatClient;
  archive: ArchiveStore;
  /** Whose months: `null` for the environment's own Mini Program. */
  appid: ArchiveOwner;
  now: () => Date;
  /** The invocation's time: no WeChat or database call runs past its deadline. */
  budget: TimeBudget;
  /** The longest a fetch (call and write) has taken so far in this invocation; updated by the pipeline. */
  timing: { slowestFetchMs: number };
  /**
   * APIs that failed in this invocation with an error that every month would meet (a missing
   * permission, the quota): no new call is started for them; their months report that error.
   */
  stopped: Map<AnalyticsApi, AnalyticsError>;
  /** Shared by the invocations of one instance. */
  instance: InstanceState;
  /** WeChat calls in flight at once. */
  concurrency: number;
  /** The running cloud function, for messages that name its config.json. */
  functionName?: string;
  log: Log;
}

/**
 * The result of fetching one month from WeChat and storing it. `archived: false` when the write
 * failed, `archiveError` saying why (the database's error, or `DEADLINE_EXCEEDED` when the deadline cut it).
 */
export type FetchResult<Data> =
  | { ok: true; data: Data; fetchedAt: Date; archived: boolean; archiveError?: AnalyticsError; source: MonthSource }
  | { ok: false; error: AnalyticsError };
