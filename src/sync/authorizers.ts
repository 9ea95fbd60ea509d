import type { MonthlyContext } from '../archive/read-through';
import type { AuthorizerSyncSummary, SyncSummary } from '../contract';
import type { YearMonth } from '../dates';
import type { ReportDefinition } from '../reports/report';
import type { AuthorizerRecord, ComponentState } from '../wechat/component';
import { syncArchive } from './sync';

/** `authorizers` in a fair order: those after `cursor` first, then from the start (a ring). */
export function afterCursor(authorizers: readonly AuthorizerRecord[], cursor: string | undefined): AuthorizerRecord[] {
  if (cursor === undefined) return [...authorizers];
  const next = authorizers.findIndex((authorizer) => authorizer.authorizerAppid > cursor);
  return next < 0 ? [...authorizers] : [...authorizers.slice(next), ...authorizers.slice(0, next)];
}

/**
 * The sync of a third-party platform: every authorised Mini Program's months, one authorizer after the
 * other, each with its own archive key and its own stopped APIs (one authorizer's 61007 or quota never
 * blocks another's months), within the invocation's time. The walk goes on where the last run stopped
 * (a cursor in the database, moved past each authorizer completed), so that every authorizer gets its
 * turn however many there are. Authorizers that must authorise again, or revoked, are listed, not asked.
 *
 * @param only - an authorizer to sync alone (an admin's backfill); the cursor is then left as it is
 */
export async function syncAuthorizers(
  reports: readonly ReportDefinition<unknown>[],
  months: readonly YearMonth[],
  base: MonthlyContext,
  state: ComponentState,
  only?: string,
): Promise<SyncSummary> {
  const summary: SyncSummary = { fetched: 0, skipped: 0, failed: 0, deferred: 0, failures: [], authorizers: [] };
  const all = await base.budget.race(state.listAuthorizers(), 'The list of authorizers');
  const chosen = only === undefined ? afterCursor(all, await base.budget.race(state.readCursor(), 'The sync cursor')) : all.filter((record) => record.authorizerAppid === only);
  const perAuthorizer = months.length * reports.length;
  for (const authorizer of chosen) {
    const entry: AuthorizerSyncSummary = { appid: authorizer.authorizerAppid, status: authorizer.status, fetched: 0, skipped: 0, failed: 0, deferred: 0 };
    summary.authorizers?.push(entry);
    if (authorizer.status !== 'authorized') continue;
    if (base.now().getTime() + base.timing.slowestFetchMs >= base.budget.deadline) {
      entry.deferred = perAuthorizer;
      summary.deferred += perAuthorizer;
      continue;
    }
    const result = await syncArchive(reports, months, { ...base, appid: authorizer.authorizerAppid, stopped: new Map() });
    Object.assign(entry, { fetched: result.fetched, skipped: result.skipped, failed: result.failed, deferred: result.deferred });
    summary.fetched += result.fetched;
    summary.skipped += result.skipped;
    summary.failed += result.failed;
    summary.deferred += result.deferred;
    summary.failures.push(...result.failures.map((failure) => ({ ...failure, appid: authorizer.authorizerAppid })));
    if (only === undefined && result.deferred === 0) await base.budget.race(state.writeCursor(authorizer.authorizerAppid), 'The sync cursor').catch(() => undefined);
  }
  return summary;
}
