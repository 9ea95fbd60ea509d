import { AnalyticsError } from '../../src/errors';
import { addSummary, parseShardReply, parseShardRequest, planShards, shardDeadlineOf } from '../../src/open-platform/sync/fan-out';
import type { SyncSummary } from '../../src/contract';
import type { AuthorizerRecord } from '../../src/open-platform/wechat';

const NOW = new Date('2024-06-15T02:00:00Z');
const appid = (index: number) => `wx${index.toString(16).padStart(16, '0')}`;
const record = (index: number, status: AuthorizerRecord['status'] = 'authorized'): AuthorizerRecord => ({
  authorizerAppid: appid(index),
  refreshToken: 'refreshtoken@@@x',
  funcs: [18],
  status,
  problem: null,
  updatedAt: 0,
});
const codeOf = (work: () => unknown): string => {
  try {
    work();
  } catch (error) {
    if (error instanceof AnalyticsError) return `${error.code}: ${error.message}`;
    throw error;
  }
  return 'no error';
};

describe('planShards', () => {
  test('no fan-out while the authorised fit in one invocation, or when it is off', () => {
    const due = [1, 2, 3].map((index) => record(index));
    expect(planShards(due, { shardSize: 3, maxShards: 5 })).toBeUndefined();
    expect(planShards([...due, record(4, 'revoked')], { shardSize: 3, maxShards: 5 })).toBeUndefined();
    expect(planShards(due, { shardSize: 0, maxShards: 5 })).toBeUndefined();
  });

  test('shards of the authorised only, in walk order, at most maxShards', () => {
    const due = [record(1), record(2, 'needs_reauth'), record(3), record(4), record(5), record(6), record(7), record(8)];
    // 7 authorised in groups of 3: three shards of 3, 2 and 2, never a last one of 1.
    expect(planShards(due, { shardSize: 3, maxShards: 5 })).toEqual([
      [appid(1), appid(3), appid(4)],
      [appid(5), appid(6)],
      [appid(7), appid(8)],
    ]);
    expect(planShards(due, { shardSize: 2, maxShards: 5 })).toEqual([
      [appid(1), appid(3)],
      [appid(4), appid(5)],
      [appid(6), appid(7)],
      [appid(8)],
    ]);
    expect(planShards(due, { shardSize: 2, maxShards: 2 })).toEqual([
      [appid(1), appid(3)],
      [appid(4), appid(5)],
    ]);
  });
});

describe('a shard request', () => {
  const deadline = NOW.getTime() + 2_000;
  const shard = (fields: Record<string, unknown>) => ({ shard: { appids: [appid(1), appid(2)], from: '2023-06', to: '2024-05', deadline, ...fields } });

  test('gives the AppIDs, every month of the range and the deadline', () => {
    const parsed = parseShardRequest(shard({}), NOW);
    expect(parsed.appids).toEqual([appid(1), appid(2)]);
    expect(parsed.months).toHaveLength(12);
    expect(parsed.months[0]).toBe('2023-06');
    expect(parsed.months[11]).toBe('2024-05');
    expect(parsed.deadline).toBe(deadline);
  });

  test.each([
    ['no shard', { shard: 'x' }, /shard must be/],
    ['unknown fields', shard({ openid: 'oAdmin' }), /unknown fields/],
    ['no AppID', shard({ appids: [] }), /appids/],
    ['not AppIDs', shard({ appids: ['wx1'] }), /appids/],
    ['too many', shard({ appids: Array.from({ length: 501 }, (_, index) => appid(index)) }), /appids/],
    ['a repeated AppID', shard({ appids: [appid(1), appid(1)] }), /repeat/],
    ['a deadline more than 900 s ago', shard({ deadline: NOW.getTime() - 900_001 }), /deadline/],
    ['a deadline beyond 900 s', shard({ deadline: NOW.getTime() + 900_001 }), /deadline/],
    ['a deadline as text', shard({ deadline: String(deadline) }), /deadline/],
    ['more than 60 months', shard({ from: '2019-01' }), /INVALID_ARGUMENT/],
  ])('refuses %s with INVALID_ARGUMENT', (_name, event, message) => {
    const outcome = codeOf(() => parseShardRequest(event, NOW));
    expect(outcome).toMatch(/^INVALID_ARGUMENT/);
    expect(outcome).toMatch(message);
  });

  test('a month not yet complete is refused as any request for it is', () => {
    expect(codeOf(() => parseShardRequest(shard({ to: '2024-06' }), NOW))).toMatch(/^MONTH_NOT_COMPLETE/);
  });

  test('a deadline already past is kept (the shard then ends at once); only one within 900 s narrows the budget', () => {
    expect(parseShardRequest(shard({ deadline: NOW.getTime() - 50 }), NOW).deadline).toBe(NOW.getTime() - 50);
    expect(shardDeadlineOf(shard({}), NOW.getTime())).toBe(deadline);
    expect(shardDeadlineOf(shard({ deadline: NOW.getTime() + 900_001 }), NOW.getTime())).toBeUndefined();
    expect(shardDeadlineOf({}, NOW.getTime())).toBeUndefined();
    expect(shardDeadlineOf(null, NOW.getTime())).toBeUndefined();
  });
});

describe('a shard reply', () => {
  const summary = (fields: Partial<SyncSummary> = {}): SyncSummary => ({
    fetched: 3,
    skipped: 21,
    failed: 0,
    deferred: 0,
    failures: [],
    authorizers: [{ appid: appid(1), status: 'authorized', fetched: 3, skipped: 21, failed: 0, deferred: 0 }],
    authorizersUpToDate: 1,
    ...fields,
  });

  test('a summary, also from a reply that failed with one', () => {
    expect(parseShardReply({ ok: true, data: summary() })).toEqual(summary());
    const failure = { kind: 'retain', month: '2024-05', appid: appid(1), error: { code: 'CONFIGURATION_ERROR', message: 'm' }, retryLater: false };
    expect(parseShardReply({ ok: false, error: failure.error, data: summary({ failed: 1, failures: [failure as never] }) }).failures).toHaveLength(1);
  });

  test.each([
    ['nothing', undefined],
    ['a failure without a summary', { ok: false, error: { code: 'INVALID_ARGUMENT', message: 'shard.appids must be…' } }],
    ['a negative count', { ok: true, data: summary({ fetched: -1 }) }],
    ['a count as text', { ok: true, data: { ...summary(), skipped: '21' } }],
    ['a broken failure', { ok: true, data: summary({ failures: [{ kind: 'retain' } as never] }) }],
    ['a broken authorizer entry', { ok: true, data: summary({ authorizers: [{ appid: appid(1), status: 'lost' } as never] }) }],
  ])('%s is an UPSTREAM_ERROR', (_name, reply) => {
    expect(codeOf(() => parseShardReply(reply))).toMatch(/^UPSTREAM_ERROR/);
  });

  test('the error of a failed shard is named', () => {
    expect(codeOf(() => parseShardReply({ ok: false, error: { code: 'INVALID_ARGUMENT', message: 'shard.appids must be…' } }))).toMatch(/INVALID_ARGUMENT: shard.appids/);
  });

  test('summaries add up', () => {
    const total: SyncSummary = { fetched: 1, skipped: 0, failed: 0, deferred: 24, failures: [], authorizers: [], authorizersUpToDate: 5 };
    addSummary(total, summary());
    addSummary(total, summary({ authorizersUpToDate: undefined }));
    expect(total).toMatchObject({ fetched: 7, skipped: 42, deferred: 24, authorizersUpToDate: 6 });
    expect(total.authorizers).toHaveLength(2);
  });
});
