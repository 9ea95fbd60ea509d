import { fetchAndArchive } from '../../src/archive/read-through';
import type { CloudDatabase } from '../../src/platform/cloudbase/archive';
import { fromDatabaseError, isDatabaseError, isDuplicateId, mayClearNow } from '../../src/platform/cloudbase/database-errors';
import { withDatabaseRetry } from '../../src/platform/cloudbase/database-retry';
import { DEFAULT_RETRY_POLICY, RetryPolicy } from '../../src/retry';
import { visitTrendReport } from '../../src/reports/visit-trend';
import { parseFailureMark } from '../../src/sync/failure-mark';
import { fakeRetryClock, memoryArchive, scriptedClient, testContext } from '../helpers/fakes';

const cloudBaseError = (errCode: number, errMsg = `failed with ${errCode}`) => Object.assign(new Error(errMsg), { errCode, errMsg });

/** A database whose every `get` answers from `answers` in turn (an Error rejects); counts requests. */
function scriptedDatabase(answers: unknown[]) {
  const requests: string[] = [];
  const command = { in: (values: unknown[]) => ({ in: values }) };
  const next = async (what: string) => {
    requests.push(what);
    const answer = answers.shift();
    if (answer instanceof Error) throw answer;
    return answer;
  };
  const db = {
    command,
    createCollection: () => next('createCollection'),
    collection: () => ({
      add: () => next('add'),
      where: () => ({ limit: () => ({ get: () => next('get') }), update: () => next('update'), remove: () => next('remove') }),
      doc: () => ({ set: () => next('set') }),
    }),
  } as unknown as CloudDatabase;
  return { db, requests, command };
}

function policy(overrides: Partial<RetryPolicy> = {}) {
  const { slept, ...clock } = fakeRetryClock();
  const options: RetryPolicy = { ...DEFAULT_RETRY_POLICY, deadline: () => 2600, ...clock, ...overrides };
  return { options, slept };
}

describe('the database retry (withDatabaseRetry)', () => {
  test.each([-501001, -501002, -501003, -501004, -502001])('retries %i with backoff, through the builders, until it answers', async (code) => {
    const { db, requests } = scriptedDatabase([cloudBaseError(code), cloudBaseError(code), { data: [{ _id: 'a' }] }]);
    const { options, slept } = policy();
    await expect(withDatabaseRetry(db, options).collection('c').where({ _id: 'a' }).limit(1).get()).resolves.toEqual({ data: [{ _id: 'a' }] });
    expect(requests).toEqual(['get', 'get', 'get']);
    expect(slept).toEqual([100, 300]);
  });

  test.each([-502002, -502003, -502004, -502005, -501005, -501007])('never retries %i, which does not clear by itself', async (code) => {
    const { db, requests } = scriptedDatabase([cloudBaseError(code)]);
    await expect(withDatabaseRetry(db, policy().options).collection('c').add({ data: {} })).rejects.toMatchObject({ errCode: code });
    expect(requests).toEqual(['add']);
  });

  test('a duplicate _id (-502001 with E11000) and an existing collection are answers, not retried', async () => {
    const duplicate = cloudBaseError(-502001, 'collection.add:fail -502001 database request fail. E11000 duplicate key error: _id "x"');
    const exists = cloudBaseError(-501001, '[ResourceUnavailable.ResourceExist] Table exist.');
    expect(isDuplicateId(duplicate)).toBe(true);
    expect(mayClearNow(duplicate)).toBe(false);
    expect(mayClearNow(exists)).toBe(false);
    const { db, requests } = scriptedDatabase([duplicate, exists]);
    const wrapped = withDatabaseRetry(db, policy().options);
    await expect(wrapped.collection('c').add({ data: {} })).rejects.toBe(duplicate);
    await expect(wrapped.createCollection('c')).rejects.toBe(exists);
    expect(requests).toEqual(['add', 'createCollection']);
  });

  test("a retry the deadline leaves no room for is not started: DEADLINE_EXCEEDED, the database's error as its cause", async () => {
    const failure = cloudBaseError(-502001);
    const { db, requests } = scriptedDatabase([failure]);
    const { options, slept } = policy({ deadline: () => 250 });
    const error = await withDatabaseRetry(db, options).collection('c').doc('a').set({ data: {} }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'DEADLINE_EXCEEDED', recovery: 'later' });
    expect((error as { cause?: unknown }).cause).toBe(failure);
    expect(requests).toEqual(['set']);
    expect(slept).toEqual([]);
  });

  test('the query commands pass through untouched', () => {
    const { db, command } = scriptedDatabase([]);
    expect(withDatabaseRetry(db, policy().options).command).toBe(command);
  });
});

describe('database errors as the caller sees them (fromDatabaseError)', () => {
  test("-501003: CloudBase's, the environment's quota, may clear later; marked as the database's", () => {
    const error = fromDatabaseError(cloudBaseError(-501003), 'Reading the stored retain of 2024-05');
    expect(error).toMatchObject({ code: 'UPSTREAM_ERROR', wxErrCode: -501003, recovery: 'later', scope: 'api' });
    expect(error.message).toBe(
      "Reading the stored retain of 2024-05 failed in CloudBase's database (-501003), even after retries; the environment's request quota is used up: check its usage and plan in the CloudBase console, and try again in a few minutes.",
    );
    expect(isDatabaseError(error)).toBe(true);
  });

  test('-502003 never clears: recovery never, what to check', () => {
    const error = fromDatabaseError(cloudBaseError(-502003), 'Storing retain 2024-05');
    expect(error).toMatchObject({ wxErrCode: -502003, recovery: 'never' });
    expect(error.message).toMatch(/check the environment's database in the CloudBase console/);
    expect(error.message).not.toMatch(/even after retries/);
  });

  test('an error with no code of CloudBase is still the database\'s, and a typed error passes as it is', () => {
    const unknown = fromDatabaseError(new TypeError('socket hang up'), 'Taking the sync lease');
    expect(unknown).toMatchObject({ code: 'UPSTREAM_ERROR', recovery: 'later' });
    expect(unknown.wxErrCode).toBeUndefined();
    const deadline = fromDatabaseError(unknown, 'again');
    expect(deadline).toBe(unknown);
  });
});

describe('a reply without figures over stored figures', () => {
  test('stored after this call read the archive: the write keeps them, and they are served', async () => {
    const archive = memoryArchive();
    const figures = { month: '2024-04', refDate: '202404', sessionCnt: 1, visitPv: 2, visitUv: 3, visitUvNew: 1, stayTimeUv: 4, stayTimeSession: 5, visitDepth: 1.5 };
    archive.documents.set('visitTrend_2024-04', {
      _id: 'visitTrend_2024-04', kind: 'visitTrend', month: '2024-04', appid: null, schemaVersion: 2, figures: true, data: figures, fetchedAt: new Date('2024-05-02T00:00:00Z'),
    });
    const wechat = scriptedClient(() => ({ list: [] }));
    const context = testContext({ client: wechat.client, archive: archive.store });
    // No `previous`: as when the document was written between this call's read and its write.
    const result = await fetchAndArchive(visitTrendReport, '2024-04', context);
    expect(result).toMatchObject({ ok: true, source: 'archive', data: figures });
    expect(archive.documents.get('visitTrend_2024-04')).toMatchObject({ figures: true, data: figures });
    expect(archive.state.writes).toBe(0);
  });
});

describe('failure marks (parseFailureMark)', () => {
  test('reads what the functions write, and nothing else', () => {
    const error = { code: 'UPSTREAM_ERROR', message: 'm', wxErrCode: 48001 };
    expect(parseFailureMark({ error, at: 1, until: 2 })).toEqual({ error, at: 1, until: 2 });
    expect(parseFailureMark({ error: { ...error, code: 'NOT_A_CODE' }, at: 1, until: 2 })).toBeUndefined();
    expect(parseFailureMark({ error, at: '1', until: 2 })).toBeUndefined();
    expect(parseFailureMark({ error: { ...error, wxErrCode: '48001' }, at: 1, until: 2 })).toBeUndefined();
    expect(parseFailureMark(null)).toBeUndefined();
  });
});
