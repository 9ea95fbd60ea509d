import type { AuthorizerSyncSummary, ErrorBody, SyncFailure, SyncSummary } from '../../contract';
import type { YearMonth } from '../../dates';
import { AnalyticsError, echo, invalidArgument } from '../../errors';
import { MAX_SYNC_MONTHS, parseSyncRequest } from '../../request';
import type { AuthorizerRecord } from '../wechat';
import { addFailures } from '../../sync/failures';
import { APPID_PATTERN as APPID } from '../../config/values';
import { LONGEST_INVOCATION_MS } from '../../budget';

/**
 * The fan-out of the third-party sync: a timer run with more authorizers due than one invocation gets
 * through starts the same function once per shard (CloudBase's own `cloud.callFunction`), waits for
 * their replies until its own deadline, and reports the sum. Each shard walks only its authorizers,
 * stamps each one it completes, and ends by the timer run's deadline, inside the timer run's sync lease.
 */

/** What a timer run sends each shard, as `{ shard: ShardRequest }`. */
export interface ShardRequest {
  /** The shard's authorizers (AppIDs), in the order to walk them. */
  appids: string[];
  /** The months to sync, `YYYY-MM`, both included (the timer run's window). */
  from: YearMonth;
  to: YearMonth;
  /** Epoch milliseconds by which the shard's calls end: the timer run's own deadline, less the way back. */
  deadline: number;
}

/** The most authorizers one shard may be sent. */
export const MAX_SHARD_SIZE = 500;

/**
 * Splits the authorised ones of `due` (in walk order) into shards: as many as groups of `shardSize` they
 * make, at most `maxShards`, each as large as the others within one (so a remainder never makes a small
 * last shard); undefined when they fit in one invocation (or `shardSize` is 0): no fan-out. Those beyond
 * `maxShards × shardSize` wait for the next run.
 */
export function planShards(due: readonly AuthorizerRecord[], settings: { shardSize: number; maxShards: number }): string[][] | undefined {
  const appids = due.filter((record) => record.status === 'authorized').map((record) => record.authorizerAppid);
  if (settings.shardSize === 0 || appids.length <= settings.shardSize) return undefined;
  const count = Math.min(settings.maxShards, Math.ceil(appids.length / settings.shardSize));
  const taken = appids.slice(0, count * settings.shardSize);
  const shards: string[][] = [];
  for (let index = 0, start = 0; index < count; index += 1) {
    const size = Math.floor(taken.length / count) + (index < taken.length % count ? 1 : 0);
    shards.push(taken.slice(start, start + size));
    start += size;
  }
  return shards;
}

/**
 * The `deadline` a shard may be given: a time within 900 s of `now` either way. One already past (a shard
 * that started late) is a deadline all the same: the shard then defers its authorizers at once.
 * Undefined otherwise.
 */
export function shardDeadlineOf(event: unknown, now: number): number | undefined {
  const deadline = ((event as { shard?: { deadline?: unknown } } | null)?.shard as { deadline?: unknown } | undefined)?.deadline;
  return typeof deadline === 'number' && Number.isInteger(deadline) && Math.abs(deadline - now) <= LONGEST_INVOCATION_MS ? deadline : undefined;
}

/** True when `event` carries a `shard` field. */
export function hasShard(event: unknown): boolean {
  return typeof event === 'object' && event !== null && !Array.isArray(event) && 'shard' in event;
}

/**
 * Checks a shard's event `{ shard: { appids, from, to, deadline } }` (see {@link ShardRequest}): 1 to
 * 500 distinct AppIDs, a range of at most 60 complete months, a deadline within 900 s of now. Throws
 * `INVALID_ARGUMENT` otherwise. Returns the AppIDs and the months.
 */
export function parseShardRequest(event: unknown, now: Date): { appids: string[]; months: YearMonth[]; deadline: number } {
  const shard = (event as { shard?: unknown }).shard;
  if (typeof shard !== 'object' || shard === null || Array.isArray(shard)) throw invalidArgument('shard must be { appids, from, to, deadline }.');
  const { appids, from, to, deadline, ...rest } = shard as Record<string, unknown>;
  const unknown = Object.keys(rest);
  if (unknown.length > 0) throw invalidArgument(`shard has unknown fields: ${echo(unknown.join(', '))}.`);
  if (!Array.isArray(appids) || appids.length === 0 || appids.length > MAX_SHARD_SIZE || !appids.every((appid) => typeof appid === 'string' && APPID.test(appid))) {
    throw invalidArgument(`shard.appids must be 1 to ${MAX_SHARD_SIZE} Mini Program AppIDs.`);
  }
  if (new Set(appids).size !== appids.length) throw invalidArgument('shard.appids must not repeat an AppID.');
  const checkedDeadline = shardDeadlineOf(event, now.getTime());
  if (checkedDeadline === undefined) throw invalidArgument(`shard.deadline must be epoch milliseconds within 900 s of now; got ${echo(deadline)}.`);
  return { appids: appids as string[], months: parseSyncRequest({ from, to }, now, MAX_SYNC_MONTHS), deadline: checkedDeadline };
}

const isCount = (value: unknown): value is number => typeof value === 'number' && Number.isInteger(value) && value >= 0;

function isErrorBody(value: unknown): value is ErrorBody {
  const body = value as Partial<ErrorBody> | null | undefined;
  return typeof body === 'object' && body !== null && typeof body.code === 'string' && typeof body.message === 'string';
}

function isFailure(value: unknown): value is SyncFailure {
  const failure = value as Partial<SyncFailure> | null;
  return (
    typeof failure === 'object' &&
    failure !== null &&
    typeof failure.kind === 'string' &&
    typeof failure.month === 'string' &&
    typeof failure.retryLater === 'boolean' &&
    isErrorBody(failure.error)
  );
}

function isAuthorizerSummary(value: unknown): value is AuthorizerSyncSummary {
  const entry = value as Partial<AuthorizerSyncSummary> | null;
  return (
    typeof entry === 'object' &&
    entry !== null &&
    typeof entry.appid === 'string' &&
    (entry.status === 'authorized' || entry.status === 'needs_reauth' || entry.status === 'revoked') &&
    [entry.fetched, entry.skipped, entry.failed, entry.deferred].every(isCount)
  );
}

/**
 * A shard's reply (`SyncReply`, as `cloud.callFunction` gives it in `result`), checked before it is
 * added up: its summary, or `UPSTREAM_ERROR` when it is not one (a shard that failed, or something else
 * answered).
 */
export function parseShardReply(result: unknown): SyncSummary {
  const reply = result as { ok?: unknown; data?: Partial<SyncSummary>; error?: { code?: unknown; message?: unknown } } | null;
  const data = reply?.data;
  if (
    typeof reply === 'object' &&
    reply !== null &&
    typeof reply.ok === 'boolean' &&
    typeof data === 'object' &&
    data !== null &&
    [data.fetched, data.skipped, data.failed, data.deferred].every(isCount) &&
    Array.isArray(data.failures) &&
    data.failures.every(isFailure) &&
    (data.failuresNotListed === undefined || isCount(data.failuresNotListed)) &&
    (data.failuresByCode === undefined ||
      (typeof data.failuresByCode === 'object' && data.failuresByCode !== null && !Array.isArray(data.failuresByCode) && Object.values(data.failuresByCode).every(isCount))) &&
    (data.authorizers === undefined || (Array.isArray(data.authorizers) && data.authorizers.every(isAuthorizerSummary))) &&
    (data.authorizersUpToDate === undefined || isCount(data.authorizersUpToDate)) &&
    (data.stoppedBy === undefined || isErrorBody(data.stoppedBy))
  ) {
    return data as SyncSummary;
  }
  const error = typeof reply?.error?.code === 'string' ? ` (${reply.error.code}: ${String(reply.error.message).slice(0, 200)})` : '';
  throw new AnalyticsError('UPSTREAM_ERROR', `A shard of the sync replied without a summary${error}.`, { recovery: 'later' });
}

/** Adds `part` (one shard's summary, or one authorizer's) into `total`: its failures listed up to `MAX_LISTED_FAILURES`, all of them counted. */
export function addSummary(total: SyncSummary, part: SyncSummary): void {
  total.fetched += part.fetched;
  total.skipped += part.skipped;
  total.failed += part.failed;
  total.deferred += part.deferred;
  addFailures(total, part);
  total.authorizers?.push(...(part.authorizers ?? []));
  if (part.authorizersUpToDate !== undefined) total.authorizersUpToDate = (total.authorizersUpToDate ?? 0) + part.authorizersUpToDate;
  if (part.stoppedBy) total.stoppedBy ??= part.stoppedBy;
}
