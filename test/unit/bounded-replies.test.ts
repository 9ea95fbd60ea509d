import type { AuthorizerSyncSummary, SyncFailure, SyncSummary } from '../../src/contract';
import { addSummary, MAX_SHARD_SIZE, parseShardReply } from '../../src/open-platform/sync/fan-out';
import { MAX_LISTED_FAILURES, recordFailure } from '../../src/sync/failures';
import { isPlatformFailure } from '../../src/open-platform/sync/authorizers';
import { MAX_SYNC_MONTHS } from '../../src/request';

// A sync's reply lists at most MAX_LISTED_FAILURES failures and counts the rest, so that a shard's reply
// (and the timer run's sum of them) stays far under the 6 MB a synchronous reply may carry.
const SIX_MB = 6 * 1024 * 1024;
const BOUND = 64 * 1024;
const appid = (index: number) => `wx${index.toString(16).padStart(16, '0')}`;
const months = Array.from({ length: MAX_SYNC_MONTHS }, (_, index) => `${2019 + Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, '0')}`);
const KINDS = ['retain', 'visitTrend'] as const;
// About as long as the error table's 48001 message.
const MESSAGE = `This Mini Program may not use the API (48001): ${'the data analysis APIs need a verified Mini Program; '.repeat(5)}`;
const failure = (kind: string, month: string, wxErrCode = 48001, code = 'PERMISSION_DENIED', retryLater = false): SyncFailure =>
  ({ kind, month, error: { code, message: MESSAGE, wxErrCode }, retryLater }) as SyncFailure;
const empty = (): SyncSummary => ({ fetched: 0, skipped: 0, failed: 0, deferred: 0, failures: [] });
const sizeOf = (value: unknown) => Buffer.byteLength(JSON.stringify(value), 'utf8');
const codesSum = (summary: SyncSummary) => Object.values(summary.failuresByCode ?? {}).reduce((sum, count) => sum + count, 0);

/** One authorizer's sync where every month of both reports failed, as `syncArchive` records it. */
function authorizerRun(): SyncSummary {
  const summary = empty();
  for (const kind of KINDS) for (const month of months) recordFailure(summary, failure(kind, month));
  return summary;
}

/** A shard's summary: `size` authorizers walked as `syncAuthorizers` does, all failing. */
function shardSummary(size: number, offset = 0): SyncSummary {
  const summary: SyncSummary = { ...empty(), authorizers: [], authorizersUpToDate: 0 };
  for (let index = 0; index < size; index += 1) {
    const id = appid(offset + index);
    const result = authorizerRun();
    const entry: AuthorizerSyncSummary = { appid: id, status: 'authorized', fetched: 0, skipped: 0, failed: result.failed, deferred: 0 };
    summary.authorizers?.push(entry);
    addSummary(summary, { ...result, failures: result.failures.map((item) => ({ ...item, appid: id })) });
  }
  return summary;
}

describe('bounded sync replies', () => {
  test('one authorizer: 120 failures, 20 listed, all counted', () => {
    const run = authorizerRun();
    expect(run.failed).toBe(MAX_SYNC_MONTHS * KINDS.length);
    expect(run.failures).toHaveLength(MAX_LISTED_FAILURES);
    expect(run.failuresNotListed).toBe(run.failed - MAX_LISTED_FAILURES);
    expect(run.failuresByCode).toEqual({ PERMISSION_DENIED: run.failed });
    // The first ones, in order.
    expect(run.failures.map((item) => item.month)).toEqual(months.slice(0, MAX_LISTED_FAILURES));
  });

  test(`a shard of ${MAX_SHARD_SIZE} authorizers × ${MAX_SYNC_MONTHS} months × 2 reports all failing replies far under 6 MB`, () => {
    const summary = shardSummary(MAX_SHARD_SIZE);
    const reply = { ok: true, data: summary };
    const size = sizeOf(reply);
    expect(size).toBeLessThan(BOUND);
    expect(size).toBeLessThan(SIX_MB / 50);
    expect(summary.failed).toBe(MAX_SHARD_SIZE * MAX_SYNC_MONTHS * KINDS.length);
    expect(summary.failures).toHaveLength(MAX_LISTED_FAILURES);
    expect(summary.failures.length + (summary.failuresNotListed ?? 0)).toBe(summary.failed);
    expect(codesSum(summary)).toBe(summary.failed);
    expect(summary.failures.every((item) => item.appid === appid(0))).toBe(true);
    // Nothing the timer run needs is lost: the reply still reads as a summary, its counts intact.
    const parsed = parseShardReply(JSON.parse(JSON.stringify(reply)));
    expect(parsed).toMatchObject({ failed: summary.failed, failuresNotListed: summary.failuresNotListed, failuresByCode: summary.failuresByCode });
    expect(parsed.authorizers?.reduce((sum, entry) => sum + entry.failed, 0)).toBe(summary.failed);
  });

  test("the timer run's sum of shards keeps the same bound on its failures", () => {
    const shard = JSON.parse(JSON.stringify({ ok: true, data: shardSummary(MAX_SHARD_SIZE) })) as unknown;
    const total: SyncSummary = { ...empty(), authorizers: [], authorizersUpToDate: 0 };
    const shards = 20;
    for (let index = 0; index < shards; index += 1) addSummary(total, parseShardReply(shard));
    expect(total.failed).toBe(shards * MAX_SHARD_SIZE * MAX_SYNC_MONTHS * KINDS.length);
    expect(total.failures).toHaveLength(MAX_LISTED_FAILURES);
    expect(total.failures.length + (total.failuresNotListed ?? 0)).toBe(total.failed);
    expect(codesSum(total)).toBe(total.failed);
    // The failures' part of the reply does not grow with the shards (the authorizers' list is one short entry each).
    expect(sizeOf({ ...total, authorizers: undefined })).toBeLessThan(BOUND / 4);
  });

  test('the first failure of each kind stays listed, so a platform failure after many others still fails the run', () => {
    const summary = empty();
    for (let index = 0; index < 100; index += 1) recordFailure(summary, failure('retain', months[index % months.length] as string));
    recordFailure(summary, failure('retain', '2024-01', 61503, 'DATA_NOT_READY', true));
    recordFailure(summary, failure('visitTrend', '2024-02', 61005, 'UPSTREAM_ERROR', false));
    expect(summary.failures).toHaveLength(MAX_LISTED_FAILURES);
    expect(summary.failuresNotListed).toBe(summary.failed - MAX_LISTED_FAILURES);
    expect(summary.failures.find(isPlatformFailure)?.error.wxErrCode).toBe(61005);
    expect(summary.failures.slice(-2).map((item) => item.error.wxErrCode)).toEqual([61503, 61005]);
    expect(summary.failures.some((item) => item.retryLater)).toBe(true);
    expect(summary.failuresByCode).toEqual({ PERMISSION_DENIED: 100, DATA_NOT_READY: 1, UPSTREAM_ERROR: 1 });
    // And through a merge (one authorizer's summary into a run's) as well.
    const total = empty();
    addSummary(total, authorizerRun());
    addSummary(total, summary);
    expect(total.failures.find(isPlatformFailure)?.error.wxErrCode).toBe(61005);
    expect(total.failures.length + (total.failuresNotListed ?? 0)).toBe(total.failed);
  });

  test('a shard reply with broken counts is not a summary', () => {
    const data = { ...empty(), failuresNotListed: -1 };
    expect(() => parseShardReply({ ok: true, data })).toThrow(/without a summary/);
    expect(() => parseShardReply({ ok: true, data: { ...empty(), failuresByCode: { X: '3' } } })).toThrow(/without a summary/);
    expect(() => parseShardReply({ ok: true, data: { ...empty(), failuresByCode: [1] } })).toThrow(/without a summary/);
  });

  test('an older summary without counts adds its listed failures by code', () => {
    const total = empty();
    addSummary(total, { ...empty(), failed: 2, failures: [failure('retain', '2024-01'), failure('retain', '2024-02', 61503, 'DATA_NOT_READY', true)] });
    expect(total.failuresByCode).toEqual({ PERMISSION_DENIED: 1, DATA_NOT_READY: 1 });
  });
});
