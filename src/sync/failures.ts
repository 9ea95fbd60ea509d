import type { SyncFailure, SyncSummary } from '../contract';

/**
 * How many failures a sync's reply lists (and its log line names): the first ones, and the first of
 * each kind (code, WeChat code, whether a later run may fix it) among them; the rest are counted in
 * `failuresNotListed`, and every failure in `failuresByCode`. So a reply stays far under the 6 MB a
 * synchronous reply may carry, whatever the shard size and months (a shard of 500 authorizers × 60
 * months × 2 reports all failing was about 18 MB when every failure was listed).
 */
export const MAX_LISTED_FAILURES = 20;

const kindOf = (failure: SyncFailure) => `${failure.error.code}|${failure.error.wxErrCode ?? ''}|${String(failure.retryLater)}`;

/**
 * Lists `failure` in `summary` if there is room: when the list is full, a failure of a kind not yet
 * listed takes the place of the last listed one whose kind is listed twice (so the first failure of each
 * kind stays, up to the cap, and the list stays in the order they happened); otherwise it is counted in
 * `failuresNotListed`. Does not touch `failed` or `failuresByCode`.
 */
function list(summary: SyncSummary, failure: SyncFailure): void {
  const listed = summary.failures;
  if (listed.length < MAX_LISTED_FAILURES) {
    listed.push(failure);
    return;
  }
  const kinds = listed.map(kindOf);
  if (!kinds.includes(kindOf(failure))) {
    for (let index = listed.length - 1; index >= 0; index -= 1) {
      if (kinds.indexOf(kinds[index] as string) !== index) {
        listed.splice(index, 1);
        listed.push(failure);
        summary.failuresNotListed = (summary.failuresNotListed ?? 0) + 1;
        return;
      }
    }
  }
  summary.failuresNotListed = (summary.failuresNotListed ?? 0) + 1;
}

function countCode(summary: SyncSummary, code: string, count: number): void {
  if (count === 0) return;
  const byCode = (summary.failuresByCode ??= {});
  byCode[code] = (byCode[code] ?? 0) + count;
}

/** Records one failed month in `summary`: `failed`, its code's count, and the list (see {@link MAX_LISTED_FAILURES}). */
export function recordFailure(summary: SyncSummary, failure: SyncFailure): void {
  summary.failed += 1;
  countCode(summary, failure.error.code, 1);
  list(summary, failure);
}

/**
 * Adds the failures of `part` (another summary: one authorizer's, one shard's) into `total`, keeping
 * the cap: its listed ones (through `relabel`, e.g. to name the authorizer), its unlisted count and its
 * counts by code (taken from its list when it has none). Does not touch `failed`.
 */
export function addFailures(total: SyncSummary, part: SyncSummary, relabel: (failure: SyncFailure) => SyncFailure = (failure) => failure): void {
  for (const failure of part.failures) list(total, relabel(failure));
  if (part.failuresNotListed) total.failuresNotListed = (total.failuresNotListed ?? 0) + part.failuresNotListed;
  if (part.failuresByCode) {
    for (const [code, count] of Object.entries(part.failuresByCode)) countCode(total, code, count);
  } else {
    for (const failure of part.failures) countCode(total, failure.error.code, 1);
  }
}
