import { readConfig } from '../../src/config';
import { fromWeChatError } from '../../src/wechat/errors';
import { WeChatCallError } from '../../src/wechat/client';
import { toCloudShape } from '../../src/wechat/https/camel';
import { createHttpsClient } from '../../src/wechat/https/client';
import { HTTPS_TOKEN_REJECTED_TWICE } from '../../src/wechat/https/errors';
import type { JsonHttpClient, JsonReply } from '../../src/wechat/https/http';

const dates = { beginDate: '20240501', endDate: '20240531' };

function scriptedHttp(replies: JsonReply[]) {
  const requests: { path: string; token: string | undefined; body: unknown }[] = [];
  const http: JsonHttpClient = {
    async post(path, query, body) {
      requests.push({ path, token: query.access_token, body });
      const reply = replies.shift();
      if (!reply) throw new Error('no more replies');
      return reply;
    },
  };
  return { http, requests };
}

function tokens() {
  const state = { refreshes: 0, current: 'token-1' };
  return {
    state,
    cache: {
      get: async () => state.current,
      refreshAfter: async (failed: string) => {
        state.refreshes += 1;
        if (failed === state.current) state.current = `token-${state.refreshes + 1}`;
        return state.current;
      },
    },
  };
}

const TREND = { list: [{ ref_date: '202405', visit_uv: 10, visit_uv_new: 4, stay_time_session: 12.5 }] };

describe('the HTTPS transport', () => {
  test('posts snake_case dates with the token and answers in the cloud call\'s shape', async () => {
    const { http, requests } = scriptedHttp([{ errcode: 0, errmsg: 'ok', ...TREND }]);
    const reply = await createHttpsClient(http, tokens().cache).call('analysis.getMonthlyVisitTrend', dates);
    expect(requests).toEqual([{ path: '/datacube/getweanalysisappidmonthlyvisittrend', token: 'token-1', body: { begin_date: '20240501', end_date: '20240531' } }]);
    expect(reply).toEqual({ list: [{ refDate: '202405', visitUv: 10, visitUvNew: 4, stayTimeSession: 12.5 }] });
  });

  test.each([40001, 42001, 40014])('%i once: one refresh, then success with the new token', async (code) => {
    const { http, requests } = scriptedHttp([{ errcode: code, errmsg: 'stale rid: 1' }, TREND]);
    const { cache, state } = tokens();
    await createHttpsClient(http, cache).call('analysis.getMonthlyRetain', dates);
    expect(state.refreshes).toBe(1);
    expect(requests.map((request) => request.token)).toEqual(['token-1', 'token-2']);
  });

  test('40001 twice: a clear error, two datacube calls and one refresh, never a loop', async () => {
    const { http, requests } = scriptedHttp([{ errcode: 40001, errmsg: 'a' }, { errcode: 40001, errmsg: 'b rid: 9' }, TREND]);
    const { cache, state } = tokens();
    const failure = await createHttpsClient(http, cache).call('analysis.getMonthlyRetain', dates).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(WeChatCallError);
    expect((failure as WeChatCallError).errCode).toBe(HTTPS_TOKEN_REJECTED_TWICE);
    expect(requests).toHaveLength(2);
    expect(state.refreshes).toBe(1);
    const typed = fromWeChatError(failure as WeChatCallError, { api: 'analysis.getMonthlyRetain', month: '2024-05' });
    expect(typed).toMatchObject({ code: 'UPSTREAM_ERROR', recovery: 'never', scope: 'api' });
    expect(typed.message).toMatch(/rejected the access_token twice.*Likely causes/);
  });

  test('other WeChat errors keep their code', async () => {
    const { http } = scriptedHttp([{ errcode: 45009, errmsg: 'reach max api daily quota limit rid: 2' }]);
    await expect(createHttpsClient(http, tokens().cache).call('analysis.getMonthlyRetain', dates)).rejects.toMatchObject({ errCode: 45009 });
  });

  test('keys are camelCased exactly as wx-server-sdk does, recursively', () => {
    expect(toCloudShape({ errcode: 0, errmsg: 'ok', ref_date: '202405', visit_uv_new: [{ key: 0, value: 1 }], a_b_c: { d_e: 1 } })).toEqual({
      refDate: '202405',
      visitUvNew: [{ key: 0, value: 1 }],
      aBC: { dE: 1 },
    });
  });
});

describe('HTTPS configuration', () => {
  const base = { WECHAT_TRANSPORT: 'https', WECHAT_APPID: 'wx0123456789abcdef', WECHAT_APPSECRET: 'the-secret-value' };

  test('reads the variables with their defaults', () => {
    expect(readConfig(base)).toMatchObject({
      transport: 'https',
      https: { appid: 'wx0123456789abcdef', secret: 'the-secret-value', baseUrl: 'https://api.weixin.qq.com/', tokenCollection: 'wechat_tokens' },
    });
    expect(readConfig({ ...base, WECHAT_API_BASE_URL: 'http://127.0.0.1:8080' }).https?.baseUrl).toBe('http://127.0.0.1:8080/');
  });

  test.each([
    [{ WECHAT_APPID: '' }, /WECHAT_APPID/],
    [{ WECHAT_APPSECRET: '' }, /WECHAT_APPSECRET .* it is empty/],
    [{ WECHAT_API_BASE_URL: 'http://api.weixin.qq.com' }, /WECHAT_API_BASE_URL must be an https:\/\/ URL/],
    [{ WECHAT_API_BASE_URL: 'not a url' }, /WECHAT_API_BASE_URL/],
    [{ WECHAT_TRANSPORT: 'carrier-pigeon' }, /WECHAT_TRANSPORT must be one of cloud, https/],
  ])('%j is a CONFIGURATION_ERROR naming the variable, never echoing the secret', (override, message) => {
    let error: unknown;
    try {
      readConfig({ ...base, ...override });
    } catch (caught) {
      error = caught;
    }
    expect(error).toMatchObject({ code: 'CONFIGURATION_ERROR', message: expect.stringMatching(message) });
    expect((error as Error).message).not.toContain('the-secret-value');
  });
});
