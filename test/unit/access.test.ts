import { authorize } from '../../src/access';
import { readConfig } from '../../src/config';
import { AnalyticsError, ConfigurationError } from '../../src/errors';

const admins = { adminOpenids: new Set(['oAdmin1', 'oAdmin2']) };

function refusal(context: { OPENID?: string; SOURCE?: string }, config = admins): AnalyticsError {
  try {
    authorize(context, config);
  } catch (error) {
    if (error instanceof AnalyticsError) return error;
    throw error;
  }
  throw new Error('authorized');
}

function refusal2(context: { OPENID?: string; SOURCE?: string }): string {
  try {
    authorize(context, admins, true);
  } catch (error) {
    if (error instanceof AnalyticsError) return error.code;
    throw error;
  }
  return 'authorized';
}

describe('authorize', () => {
  test('serves a listed admin and the timer', () => {
    expect(authorize({ OPENID: 'oAdmin2', SOURCE: 'wx_client' }, admins)).toEqual({ kind: 'admin', openid: 'oAdmin2' });
    expect(authorize({ SOURCE: 'wx_trigger' }, admins)).toEqual({ kind: 'timer' });
    expect(authorize({ SOURCE: 'wx_trigger' }, { adminOpenids: new Set() })).toEqual({ kind: 'timer' });
  });

  test('refuses a user who is not listed, and tells the OPENID to add', () => {
    const error = refusal({ OPENID: 'oStranger', SOURCE: 'wx_client' });
    expect(error.code).toBe('FORBIDDEN');
    expect(error.message).toContain('oStranger');
    expect(error.message).toContain('ANALYTICS_ADMIN_OPENIDS');
  });

  test('an empty list refuses every user as any non-admin is refused, saying nothing of the configuration', () => {
    const error = refusal({ OPENID: 'oAdmin1', SOURCE: 'wx_client' }, { adminOpenids: new Set() });
    expect(error.code).toBe('FORBIDDEN');
    expect(error.message).toBe(refusal({ OPENID: 'oAdmin1', SOURCE: 'wx_client' }, { adminOpenids: new Set(['oOther']) }).message);
    expect(error.message).toMatch(/add it to ANALYTICS_ADMIN_OPENIDS/);
  });

  test('callers without an OPENID other than the timer are refused', () => {
    expect(refusal({ SOURCE: 'scf' }).code).toBe('FORBIDDEN');
    expect(refusal({ SOURCE: 'wx_trigger,scf' }).code).toBe('FORBIDDEN');
  });

  test('only the sync accepts a run its own timer run started (its fan-out shards), and only from that chain', () => {
    expect(authorize({ SOURCE: 'wx_trigger,scf' }, admins, true)).toEqual({ kind: 'timer' });
    for (const SOURCE of ['scf', 'wx_client,scf', 'wx_http,scf', 'wx_trigger,scf,scf', 'scf,wx_trigger', 'wx_trigger, scf']) {
      expect(refusal2({ SOURCE })).toBe('FORBIDDEN');
    }
    // A Mini Program user's chain carries its OPENID: served as that user, never as the timer.
    expect(() => authorize({ OPENID: 'oStranger', SOURCE: 'wx_trigger,scf' }, admins, true)).toThrow(/not an analytics admin/);
    expect(refusal({}).code).toBe('FORBIDDEN');
  });

  test('a user is judged by the OPENID even when the source says timer', () => {
    expect(refusal({ OPENID: 'oStranger', SOURCE: 'wx_trigger' }).code).toBe('FORBIDDEN');
  });
});

describe('readConfig', () => {
  test('defaults', () => {
    const config = readConfig({});
    expect(config.adminOpenids.size).toBe(0);
    expect(config.collection).toBe('analytics_monthly');
    expect(config.syncMonths).toBe(12);
    expect(config.concurrency).toBe(4);
  });

  test('a configuration error names its variable as a field, for a reply that names nothing else', () => {
    const error = (() => {
      try {
        readConfig({ WECHAT_TRANSPORT: 'https', WECHAT_APPID: 'wx0123456789abcdef', WECHAT_APPSECRET: ' ' });
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error).toMatchObject({ code: 'CONFIGURATION_ERROR', variable: 'WECHAT_APPSECRET', recovery: 'never' });
  });

  test('whole numbers up to each upper bound are taken', () => {
    const config = readConfig({ ANALYTICS_SYNC_MONTHS: '60', ANALYTICS_CONCURRENCY: '10', ANALYTICS_SYNC_SHARD_SIZE: '500', ANALYTICS_SYNC_MAX_SHARDS: '100' });
    expect([config.syncMonths, config.concurrency, config.fanOut.shardSize, config.fanOut.maxShards]).toEqual([60, 10, 500, 100]);
  });

  test('reads a comma-separated admin list, ignoring blanks', () => {
    const config = readConfig({ ANALYTICS_ADMIN_OPENIDS: ' oA, ,oB,, ', ANALYTICS_SYNC_MONTHS: '24', ANALYTICS_COLLECTION: 'stats' });
    expect([...config.adminOpenids]).toEqual(['oA', 'oB']);
    expect(config.syncMonths).toBe(24);
    expect(config.collection).toBe('stats');
  });

  test.each([
    [{ ANALYTICS_SYNC_MONTHS: 'twelve' }, /ANALYTICS_SYNC_MONTHS must be a whole number from 1 to 60; it is 6 characters of letters \(not shown\)/],
    [{ ANALYTICS_SYNC_MONTHS: '0' }, /ANALYTICS_SYNC_MONTHS/],
    [{ ANALYTICS_CONCURRENCY: '2.5' }, /ANALYTICS_CONCURRENCY/],
    // The upper bound of each whole-number variable, one past it.
    [{ ANALYTICS_SYNC_MONTHS: '61' }, /ANALYTICS_SYNC_MONTHS must be a whole number from 1 to 60/],
    [{ ANALYTICS_CONCURRENCY: '11' }, /ANALYTICS_CONCURRENCY must be a whole number from 1 to 10/],
    [{ ANALYTICS_SYNC_SHARD_SIZE: '501' }, /ANALYTICS_SYNC_SHARD_SIZE must be a whole number from 0 to 500/],
    [{ ANALYTICS_SYNC_MAX_SHARDS: '101' }, /ANALYTICS_SYNC_MAX_SHARDS must be a whole number from 1 to 100/],
    // Number() would read these as 4, 10 and 2.
    [{ ANALYTICS_CONCURRENCY: '0x4' }, /ANALYTICS_CONCURRENCY must be a whole number/],
    [{ ANALYTICS_CONCURRENCY: '1e1' }, /ANALYTICS_CONCURRENCY must be a whole number/],
    [{ ANALYTICS_CONCURRENCY: '0b10' }, /ANALYTICS_CONCURRENCY must be a whole number/],
    [{ ANALYTICS_COLLECTION: 'a b' }, /ANALYTICS_COLLECTION/],
    [{ WECHAT_TRANSPORT: 'https', WECHAT_APPID: '0123456789abcdef0123456789abcdef', WECHAT_APPSECRET: 'x' }, /WECHAT_APPID .*; it is 32 characters of hex digits \(not shown\)/],
    [{ WECHAT_TRANSPORT: 'https', WECHAT_APPID: 'wx0123456789abcdef', WECHAT_APPSECRET: 'x', WECHAT_API_BASE_URL: 'http://api.example.com' }, /WECHAT_API_BASE_URL .*; it is 22 characters of letters and other characters, starting http:\/\/ \(not shown\)/],
    [{ WECHAT_TRANSPORT: 'htps' }, /WECHAT_TRANSPORT must be one of cloud, https, component; it is 4 characters of letters \(not shown\)/],
  ])('a wrong value is a configuration error that says what to set: %j', (env, message) => {
    expect(() => readConfig(env)).toThrow(message);
    // The wrong value itself is never in the message: it may be another variable's, a secret.
    const wrong = Object.entries(env).find(([name]) => message.source.startsWith(name))?.[1];
    if (wrong !== undefined && wrong.length > 1) expect(() => readConfig(env)).not.toThrow(wrong);
    try {
      readConfig(env);
    } catch (error) {
      expect((error as AnalyticsError).code).toBe('CONFIGURATION_ERROR');
    }
  });
});
