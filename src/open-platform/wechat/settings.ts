import { ConfigurationError } from '../../errors';
import { Env, readAppid, readBaseUrl, readCollection, readSecret } from '../../config/values';

/** The third-party platform's settings (`WECHAT_TRANSPORT=component`). */
export interface ComponentSettings {
  /** `WECHAT_COMPONENT_APPID`: the third-party platform's AppID. */
  componentAppid: string;
  /** `WECHAT_COMPONENT_APPSECRET`: never logged, stored or echoed. */
  componentAppsecret: string;
  /** `WECHAT_COMPONENT_TOKEN`: the message-check token of the authorization event URL. */
  token: string;
  /** `WECHAT_COMPONENT_AES_KEY`: the 43-character EncodingAESKey. Never logged or echoed. */
  encodingAesKey: string;
  /** `WECHAT_API_BASE_URL`, as for HTTPS. */
  baseUrl: string;
  /** `WECHAT_TOKEN_COLLECTION`: tokens and the newest ticket (default `wechat_tokens`). */
  tokenCollection: string;
  /** `WECHAT_AUTHORIZER_COLLECTION`: one document per authorizer, with its sync stamp (default `wechat_authorizers`). */
  authorizerCollection: string;
}

const WHEN = 'when WECHAT_TRANSPORT is component';

/** Reads the third-party platform's variables; throws a `ConfigurationError` naming the one that is wrong. */
export function readComponentSettings(env: Env): ComponentSettings {
  const componentAppid = readAppid(env, 'WECHAT_COMPONENT_APPID', "the third-party platform's AppID", WHEN);
  const encodingAesKey = readSecret(env, 'WECHAT_COMPONENT_AES_KEY', "the platform's 43-character EncodingAESKey", WHEN);
  if (!/^[A-Za-z0-9]{43}$/.test(encodingAesKey)) {
    throw new ConfigurationError(
      'WECHAT_COMPONENT_AES_KEY',
      `Environment variable WECHAT_COMPONENT_AES_KEY must be the 43-character EncodingAESKey (letters and digits); it has ${encodingAesKey.length} characters. Copy it from the open platform console.`,
    );
  }
  return {
    componentAppid,
    componentAppsecret: readSecret(env, 'WECHAT_COMPONENT_APPSECRET', "the platform's AppSecret", WHEN),
    token: readSecret(env, 'WECHAT_COMPONENT_TOKEN', "the platform's message-check token", WHEN),
    encodingAesKey,
    baseUrl: readBaseUrl(env),
    tokenCollection: readCollection(env, 'WECHAT_TOKEN_COLLECTION', 'wechat_tokens'),
    authorizerCollection: readCollection(env, 'WECHAT_AUTHORIZER_COLLECTION', 'wechat_authorizers'),
  };
}
