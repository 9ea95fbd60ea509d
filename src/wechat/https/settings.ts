import { Env, readAppid, readBaseUrl, readCollection, readSecret } from '../../config/values';

/** The HTTPS transport's settings (`WECHAT_TRANSPORT=https`). */
export interface HttpsSettings {
  /** `WECHAT_APPID`: the Mini Program's AppID. */
  appid: string;
  /** `WECHAT_APPSECRET`: its AppSecret. Never logged, never stored, never echoed. */
  secret: string;
  /** `WECHAT_API_BASE_URL`: default `https://api.weixin.qq.com`; `http://` only for 127.0.0.1 or localhost. */
  baseUrl: string;
  /** `WECHAT_TOKEN_COLLECTION`: the database collection of shared tokens (default `wechat_tokens`). */
  tokenCollection: string;
}

/** Reads the HTTPS transport's variables; throws a `ConfigurationError` naming the one that is wrong. */
export function readHttpsSettings(env: Env): HttpsSettings {
  return {
    appid: readAppid(env, 'WECHAT_APPID', "the Mini Program's AppID", 'when WECHAT_TRANSPORT is https'),
    secret: readSecret(env, 'WECHAT_APPSECRET', "the Mini Program's AppSecret", 'when WECHAT_TRANSPORT is https'),
    baseUrl: readBaseUrl(env),
    tokenCollection: readCollection(env, 'WECHAT_TOKEN_COLLECTION', 'wechat_tokens'),
  };
}
