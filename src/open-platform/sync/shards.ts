import type { MonthlyContext } from '../../archive/read-through';
import type { AuthorizerSyncSummary, SyncSummary } from '../../contract';
import type { YearMonth } from '../../dates';
import { AnalyticsError } from '../../errors';
import { describe } from '../../reply';
import type { AuthorizerRecord } from '../wechat';
import { type ShardRequest, addSummary, parseShardReply } from './fan-out';

/** How the timer's daily walk fans out (see `fan-out.ts`); without it, one invocation walks them all. */
export interface FanOut {
  shardSize: number;
  maxShards: number;
  /** Starts one shard (`cloud.callFunction` of this same function) and gives its `result`. */
  invoke(request: ShardRequest): Promise<unknown>;
}

/** What a run says of an authorizer it handed on, or had no time for: all its months deferred. */
export function deferredEntry(appid: string, deferred: number): AuthorizerSyncSummary {
  return { appid, status: 'authorized', fetched: 0, skipped: 0, failed: 0, deferred };
}

/**
 * The timer run's side of the fan-out: starts every shard at once, adds up the replies that arrive by
 * its deadline, and counts as deferred the authorizers of shards that did not reply in time, and of
 * those beyond the last shard (the next run takes them first). Authorizers not authorised are listed.
 */
export async function runShards(
  shards: readonly string[][],
  chosen: readonly AuthorizerRecord[],
  months: readonly YearMonth[],
  perAuthorizer: number,
  base: MonthlyContext,
  fanOut: FanOut,
  summary: SyncSummary,
): Promise<void> {
  const inShards = new Set(shards.flat());
  for (const record of chosen) {
    if (inShards.has(record.authorizerAppid)) continue;
    const beyond = record.status === 'authorized';
    summary.authorizers?.push({ appid: record.authorizerAppid, status: record.status, fetched: 0, skipped: 0, failed: 0, deferred: beyond ? perAuthorizer : 0 });
    if (beyond) summary.deferred += perAuthorizer;
  }
  const from = months[0];
  const to = months[months.length - 1];
  if (from === undefined || to === undefined) return; // no month to sync: no shard to start
  const tally = { started: shards.length, replied: 0, failed: 0 };
  summary.shards = tally;
  const deadline = base.budget.childDeadline();
  await Promise.all(
    shards.map(async (appids, index) => {
      try {
        const result = await base.budget.race(fanOut.invoke({ appids, from, to, deadline }), `The reply of shard ${index + 1} of ${shards.length}`);
        addSummary(summary, parseShardReply(result));
        tally.replied += 1;
      } catch (error) {
        const late = error instanceof AnalyticsError && error.code === 'DEADLINE_EXCEEDED';
        if (!late) tally.failed += 1;
        summary.deferred += appids.length * perAuthorizer;
        for (const appid of appids) summary.authorizers?.push(deferredEntry(appid, perAuthorizer));
        base.log({ level: late ? 'warn' : 'error', event: late ? 'sync_shard_late' : 'sync_shard_failed', shard: index + 1, of: shards.length, authorizers: appids.length, error: describe(error) });
      }
    }),
  );
}
