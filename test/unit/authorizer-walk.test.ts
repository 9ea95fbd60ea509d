import { dailyOrder } from '../../src/open-platform/sync/authorizers';
import type { AuthorizerRecord } from '../../src/open-platform/wechat';

// 10:00 on 2024-06-15 in China.
const NOW = new Date('2024-06-15T02:00:00Z');
const record = (authorizerAppid: string, syncedAt?: number, status: AuthorizerRecord['status'] = 'authorized'): AuthorizerRecord => ({
  authorizerAppid,
  refreshToken: 'refreshtoken@@@x',
  funcs: [18],
  status,
  problem: null,
  updatedAt: 0,
  ...(syncedAt === undefined ? {} : { syncedAt }),
});
const appids = (records: AuthorizerRecord[]) => records.map((entry) => entry.authorizerAppid);

describe('the daily walk over authorizers', () => {
  test('never synced first (by AppID), then the least recently synced', () => {
    const { due, upToDate } = dailyOrder(
      [record('wxc', Date.parse('2024-06-13T02:00:00Z')), record('wxb'), record('wxd', Date.parse('2024-06-12T02:00:00Z')), record('wxa')],
      NOW,
    );
    expect(appids(due)).toEqual(['wxa', 'wxb', 'wxd', 'wxc']);
    expect(upToDate).toBe(0);
  });

  test('authorizers completed on the same China-time day are left out and counted', () => {
    const earlierToday = Date.parse('2024-06-14T16:30:00Z'); // 00:30 on the 15th in China
    const yesterdayInChina = Date.parse('2024-06-14T15:59:00Z'); // 23:59 on the 14th in China
    const { due, upToDate } = dailyOrder([record('wxa', earlierToday), record('wxb', yesterdayInChina)], NOW);
    expect(appids(due)).toEqual(['wxb']);
    expect(upToDate).toBe(1);
  });

  test('a stamp in the future counts as never synced: first in line, never starved', () => {
    const { due } = dailyOrder([record('wxb', Date.parse('2024-06-14T02:00:00Z')), record('wxa', Date.parse('2099-01-01T00:00:00Z'))], NOW);
    expect(appids(due)).toEqual(['wxa', 'wxb']);
  });

  test('an authorizer stamped today with a recheck time is due again once that time has come', () => {
    const today = Date.parse('2024-06-15T01:00:00Z');
    const recheck = (recheckAt: number) => ({ ...record('wxa', today), recheckAt });
    expect(appids(dailyOrder([recheck(NOW.getTime())], NOW).due)).toEqual(['wxa']);
    expect(dailyOrder([recheck(NOW.getTime() + 1)], NOW)).toEqual({ due: [], upToDate: 1 });
  });

  test('authorizers that must authorise again, or revoked, are always listed', () => {
    const today = Date.parse('2024-06-15T01:00:00Z');
    const { due, upToDate } = dailyOrder([record('wxa', today, 'needs_reauth'), record('wxb', today, 'revoked'), record('wxc', today)], NOW);
    expect(appids(due)).toEqual(['wxa', 'wxb']);
    expect(upToDate).toBe(1);
  });
});
