import { randomUUID } from 'crypto';
import { WeChatCallError, WeChatClient } from '../../wechat/client';
import { createHttpsClient } from '../../wechat/https/client';
import { HTTPS_BAD_BODY, STALE_TOKEN_CODES } from '../../wechat/https/errors';
import { JsonHttpClient, JsonReply, createJsonHttpClient } from '../../wechat/https/http';
import { SharedTokenCache, TokenStore } from '../../wechat/https/token-cache';
import { type AuthorizerList, type ListedAuthorizer, readAuthorizerList } from './authorizer-list';
import { REAUTHORIZE_CODES } from './errors';
import { errcodeOf, tokenEndpointError, tokenOf } from './token-endpoints';
import type { AuthorizerRecord, ComponentState } from './state';
import { sleep } from '../../sleep';

export type { AuthorizerRecord, ComponentState, OrderedWrite } from './state';
export { isOlderPush } from './state';
export type { AuthorizerList, ListedAuthorizer } from './authorizer-list';

/** The platform's own credentials (from its `ComponentSettings`, `settings.ts`). */
export interface ComponentCredentials {
  componentAppid: string;
  /** Never logged, stored or echoed. */
  componentAppsecret: string;
}

export interface ComponentTransportOptions extends ComponentCredentials {
  baseUrl: string;
  tokens: TokenStore;
  state: ComponentState;
  now: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** What the platform can do beyond the datacube calls. */
export interface ComponentApi {
  /** Exchanges an authorization code for the authorizer's refresh token and granted permission sets (`api_query_auth`). */
  queryAuth(authorizationCode: string, signal?: AbortSignal): Promise<{ authorizerAppid: string; refreshToken: string; funcs: number[] }>;
}

/** The platform's view of its authorizers, as WeChat lists them (the reconciliation's source). */
export interface AuthorizerListApi {
  /**
   * Every authorizer WeChat lists (`api_get_authorizer_list`, 500 a page: see `authorizer-list.ts`), with
   * each page's readable entries given to `onPage` as it arrives. Entries without a valid AppID, refresh
   * token or `auth_time` (Unix seconds) are left out and counted.
   * @throws a typed error for a failed page (a configuration error for 61004/40013…, else
   *   WeChatCallError with WeChat's errcode, or -700003 for a page not of the documented shape), or once
   *   `signal` aborts: never a shorter list.
   */
  getAuthorizerList(signal?: AbortSignal, onPage?: (entries: readonly ListedAuthorizer[]) => void): Promise<AuthorizerList>;
}

/**
 * The third-party transport: the datacube calls with each authorizer's `authorizer_access_token`.
 * - `component_access_token` from the newest pushed ticket (`api_component_token`; each request mints a
 *   new token, so the lease of the shared token cache is what keeps instances from invalidating each other);
 * - `authorizer_access_token` per authorizer from its refresh token (`api_authorizer_token`), persisting a
 *   rotated refresh token; a stale component token is refreshed once;
 * - 61003, 61007, 61023 mark the authorizer `needs_reauth` and give `AUTHORIZATION_REQUIRED`.
 */
export function createComponentTransport(options: ComponentTransportOptions): { client: WeChatClient; api: ComponentApi & AuthorizerListApi } {
  const http: JsonHttpClient = createJsonHttpClient(options.baseUrl);
  const holder = randomUUID();
  const cacheOptions = { now: options.now, sleep: options.sleep ?? sleep, holder };
  const { componentAppid, componentAppsecret } = options;

  const componentTokens = new SharedTokenCache(
    `component_access_token_${componentAppid}`,
    options.tokens,
    {
      async fetch(signal) {
        const ticket = await options.state.readTicket(componentAppid);
        if (!ticket) throw new WeChatCallError(61006, 'no component_verify_ticket has been pushed yet');
        const reply = await http.post(
          '/cgi-bin/component/api_component_token',
          {},
          { component_appid: componentAppid, component_appsecret: componentAppsecret, component_verify_ticket: ticket.ticket },
          signal,
        );
        if (errcodeOf(reply) !== 0) throw tokenEndpointError('api_component_token', reply);
        return tokenOf(reply, 'component_access_token');
      },
    },
    cacheOptions,
  );

  /** Calls a component endpoint with the component token, refreshing it once if WeChat says it is stale. */
  async function withComponentToken(path: string, body: Record<string, unknown>, signal?: AbortSignal): Promise<JsonReply> {
    const token = await componentTokens.get(signal);
    let reply = await http.post(path, { component_access_token: token }, body, signal);
    if (STALE_TOKEN_CODES.has(errcodeOf(reply))) {
      reply = await http.post(path, { component_access_token: await componentTokens.refreshAfter(token, signal) }, body, signal);
    }
    return reply;
  }

  async function markNeedsReauth(record: AuthorizerRecord, problem: number): Promise<void> {
    await options.state.updateAuthorizer(record, { status: 'needs_reauth', problem, updatedAt: options.now() }).catch(() => undefined);
  }

  const authorizerCaches = new Map<string, SharedTokenCache>();
  function authorizerTokens(authorizerAppid: string): SharedTokenCache {
    let cache = authorizerCaches.get(authorizerAppid);
    if (!cache) {
      cache = new SharedTokenCache(
        `authorizer_access_token_${authorizerAppid}`,
        options.tokens,
        {
          async fetch(signal) {
            const record = await options.state.readAuthorizer(authorizerAppid);
            if (!record || record.status === 'revoked') throw new WeChatCallError(61003, 'the Mini Program has not authorised this platform');
            const reply = await withComponentToken(
              '/cgi-bin/component/api_authorizer_token',
              { component_appid: componentAppid, authorizer_appid: authorizerAppid, authorizer_refresh_token: record.refreshToken },
              signal,
            );
            const errcode = errcodeOf(reply);
            if (errcode !== 0) {
              if (REAUTHORIZE_CODES.has(errcode)) await markNeedsReauth(record, errcode);
              throw tokenEndpointError('api_authorizer_token', reply);
            }
            const rotated = reply.authorizer_refresh_token;
            if (typeof rotated === 'string' && rotated !== '' && rotated !== record.refreshToken) {
              await options.state.updateAuthorizer(record, { refreshToken: rotated, updatedAt: options.now() });
            }
            return tokenOf(reply, 'authorizer_access_token');
          },
        },
        { ...cacheOptions, failureMs: 0 },
      );
      authorizerCaches.set(authorizerAppid, cache);
    }
    return cache;
  }

  const client: WeChatClient = {
    async call(api, dates, callOptions) {
      const authorizerAppid = callOptions?.appid;
      if (!authorizerAppid) throw new Error('the third-party transport needs the authorizer AppID of each call');
      const datacube = createHttpsClient(http, authorizerTokens(authorizerAppid));
      try {
        return await datacube.call(api, dates, callOptions);
      } catch (error) {
        if (error instanceof WeChatCallError && REAUTHORIZE_CODES.has(error.errCode)) {
          const record = await options.state.readAuthorizer(authorizerAppid).catch(() => undefined);
          if (record && record.status === 'authorized') await markNeedsReauth(record, error.errCode);
        }
        throw error;
      }
    },
  };

  const api: ComponentApi & AuthorizerListApi = {
    async queryAuth(authorizationCode, signal) {
      const reply = await withComponentToken('/cgi-bin/component/api_query_auth', { component_appid: componentAppid, authorization_code: authorizationCode }, signal);
      if (errcodeOf(reply) !== 0) throw tokenEndpointError('api_query_auth', reply);
      const info = reply.authorization_info as Record<string, unknown> | undefined;
      const authorizerAppid = info?.authorizer_appid;
      const refreshToken = info?.authorizer_refresh_token;
      const funcInfo = info?.func_info;
      if (typeof authorizerAppid !== 'string' || typeof refreshToken !== 'string' || !Array.isArray(funcInfo)) {
        throw new WeChatCallError(HTTPS_BAD_BODY, 'api_query_auth answered without authorization_info');
      }
      const funcs = funcInfo
        .map((entry: unknown) => Number((entry as { funcscope_category?: { id?: unknown } } | null)?.funcscope_category?.id))
        .filter((id) => Number.isInteger(id));
      return { authorizerAppid, refreshToken, funcs };
    },
    getAuthorizerList(signal, onPage) {
      const post = async (page: { offset: number; count: number }, pageSignal?: AbortSignal) => {
        const reply = await withComponentToken('/cgi-bin/component/api_get_authorizer_list', { component_appid: componentAppid, ...page }, pageSignal);
        if (errcodeOf(reply) !== 0) throw tokenEndpointError('api_get_authorizer_list', reply);
        return reply;
      };
      return readAuthorizerList(post, signal, onPage);
    },
  };

  return { client, api };
}
