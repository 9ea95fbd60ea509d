import { randomUUID } from 'crypto';
import type { WeChatClient } from '../client';
import { createHttpsClient, stableTokenSource } from './client';
import { createJsonHttpClient } from './http';
import { SharedTokenCache, TokenStore } from './token-cache';
import { sleep } from '../../sleep';

export type { TokenRecord, TokenStore } from './token-cache';

/** What the HTTPS transport needs: the Mini Program's credentials, WeChat's base URL and the shared token store. */
export interface HttpsTransportOptions {
  appid: string;
  secret: string;
  /** `https://api.weixin.qq.com` in production. */
  baseUrl: string;
  store: TokenStore;
  /** Epoch ms. */
  now: () => number;
}

/** The document id of a Mini Program's access_token in the token store. */
export function accessTokenId(appid: string): string {
  return `access_token_${appid}`;
}

/**
 * The HTTPS transport with the Mini Program's own `access_token` from `stable_token`, cached in this
 * instance's memory in front of one shared document (see `token-cache.ts`). Build it once per instance.
 */
export function createHttpsTransport(options: HttpsTransportOptions): WeChatClient {
  const http = createJsonHttpClient(options.baseUrl);
  const tokens = new SharedTokenCache(accessTokenId(options.appid), options.store, stableTokenSource(http, options.appid, options.secret), {
    now: options.now,
    sleep,
    holder: randomUUID(),
  });
  return createHttpsClient(http, tokens);
}
