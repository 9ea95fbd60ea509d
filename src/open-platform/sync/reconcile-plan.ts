import type { TimeBudget } from '../../budget';
import { type AuthorizerRecord, type ComponentState, type ListedAuthorizer, isOlderPush } from '../wechat';
import { AnalyticsError } from '../../errors';
import { describe } from '../../reply';
import type { ReconcileSummary } from './reconcile';

/**
 * How long (ms) before the list was read a stored authorizer must have been last written for its absence
 * from the list to revoke it: a write within this margin may be a push the list does not show yet, or
 * come from an instance whose clock is a little ahead. It is revoked on a later day, if still unlisted.
 */
export const RECONCILE_CLOCK_MARGIN_MS = 60_000;

/** An error for the log: its description and WeChat's or CloudBase's code. */
export const failure = (error: unknown) => {
  const code = (error as { errCode?: unknown; code?: unknown } | null)?.errCode ?? (error as { code?: unknown } | null)?.code;
  return code === undefined ? describe(error) : `${String(code)}: ${describe(error)}`;
};
export const isDeadline = (error: unknown) => error instanceof AnalyticsError && error.code === 'DEADLINE_EXCEEDED';


/** One write of a reconciliation, and the count of the summary it adds to when it applies. */
export interface Change {
  what: 'added' | 'refreshed' | 'revoked';
  run: () => Promise<boolean>;
}

const needsToken = (record: AuthorizerRecord) => record.status !== 'revoked' && (record.refreshToken === '' || (record.status === 'needs_reauth' && record.problem === 61023));

/**
 * The writes that bring the stored authorizers in line with the list `read` (see
 * `reconcileAuthorizers` for the rules): adds and refreshes from any list read; revocations only from a
 * complete one (`summary.complete`), never of a record written after the list was started (less
 * {@link RECONCILE_CLOCK_MARGIN_MS}). Counts the entries left alone in `summary` (`superseded`, `keptAsRecent`).
 */
export function planChanges(input: {
  read: readonly ListedAuthorizer[];
  stored: ReadonlyMap<string, AuthorizerRecord>;
  unreadableAppids: readonly string[];
  /** When reading the list started, epoch ms. */
  listStartedAt: number;
  /** The writes' `updatedAt`, epoch ms. */
  at: number;
  state: ComponentState;
  summary: ReconcileSummary;
}): Change[] {
  const { read, stored, state, summary, at, listStartedAt } = input;
  const changes: Change[] = [];
  for (const entry of read) {
    const known = stored.get(entry.authorizerAppid);
    if (known?.status === 'revoked' && isOlderPush(entry.authTime, known.eventCreateTime)) {
      summary.superseded += 1; // revoked by a later event than this authorisation: it stays revoked
    } else if (!known || known.status === 'revoked') {
      const record = { authorizerAppid: entry.authorizerAppid, refreshToken: entry.refreshToken, funcs: [], status: 'authorized' as const, problem: null, updatedAt: at, eventCreateTime: entry.authTime };
      changes.push({ what: 'added', run: async () => (await state.storeAuthorization(record)) === 'stored' });
    } else if (needsToken(known) && known.refreshToken !== entry.refreshToken) {
      const fields = { refreshToken: entry.refreshToken, status: 'authorized' as const, problem: null, updatedAt: at };
      changes.push({ what: 'refreshed', run: () => state.updateAuthorizerIfUnchanged(known, fields) });
    }
  }
  if (!summary.complete) return changes;
  const listed = new Set([...read.map((entry) => entry.authorizerAppid), ...input.unreadableAppids]);
  const listSecond = Math.floor(listStartedAt / 1000);
  for (const record of stored.values()) {
    if (record.status === 'revoked' || listed.has(record.authorizerAppid)) continue;
    const recent = record.updatedAt > listStartedAt - RECONCILE_CLOCK_MARGIN_MS || (record.eventCreateTime ?? 0) * 1000 > listStartedAt - RECONCILE_CLOCK_MARGIN_MS;
    if (recent) {
      summary.keptAsRecent += 1;
      continue;
    }
    // Ordered after every push the list reflects (those created before it was read), and never before the stored one.
    const fields = { status: 'revoked' as const, problem: null, updatedAt: at, eventCreateTime: Math.max(listSecond, record.eventCreateTime ?? 0) };
    changes.push({ what: 'revoked', run: () => state.updateAuthorizerIfUnchanged(record, fields) });
  }
  return changes;
}

/**
 * Makes the `changes` one after the other within `budget`, counting each in `summary` (one that did
 * not apply is `superseded`). The deadline stops them (not `complete`); a write that failed makes the
 * run not `complete`, and the others are still made.
 */
export async function applyChanges(changes: readonly Change[], summary: ReconcileSummary, budget: TimeBudget): Promise<void> {
  let failedWrites = 0;
  let firstFailure: string | undefined;
  for (const [index, change] of changes.entries()) {
    try {
      if (await budget.race(change.run(), 'Storing a reconciled authorizer')) summary[change.what] += 1;
      else summary.superseded += 1;
    } catch (error) {
      if (isDeadline(error)) {
        Object.assign(summary, { complete: false, incomplete: `the time ran out after ${index} of ${changes.length} changes`, stoppedBy: 'deadline' });
        return;
      }
      failedWrites += 1;
      firstFailure ??= failure(error);
    }
  }
  if (failedWrites > 0 && summary.complete) {
    Object.assign(summary, { complete: false, incomplete: `${failedWrites} of ${changes.length} changes failed (first: ${firstFailure ?? ''})`, stoppedBy: 'database' });
  }
}
