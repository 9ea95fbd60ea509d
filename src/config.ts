import { AnalyticsError, echo } from './errors';

/** Settings of the analytics functions, from the function's environment variables. */
export interface AnalyticsConfig {
  /** `ANALYTICS_ADMIN_OPENIDS`: the OPENIDs allowed to read analytics (comma-separated). */
  adminOpenids: ReadonlySet<string>;
  /** `ANALYTICS_COLLECTION`: the database collection that archives months (default `analytics_monthly`). */
  collection: string;
  /** `ANALYTICS_SYNC_MONTHS`: how many complete months the sync keeps (default 12, at most 60). */
  syncMonths: number;
  /** `ANALYTICS_CONCURRENCY`: WeChat calls in flight at once (default 4, at most 10). */
  concurrency: number;
  /** `WECHAT_TRANSPORT`: how WeChat is reached: `cloud` (default, the cloud call) or `https` (an access_token). */
  transport: WeChatTransport;
  /** Settings of the HTTPS transport; present when `transport` is `https`. */
  https?: HttpsSettings;
}

/** The HTTPS transport's settings. */
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

/** The ways to reach WeChat that this version supports. */
export const WECHAT_TRANSPORTS = ['cloud', 'https'] as const;
export type WeChatTransport = (typeof WECHAT_TRANSPORTS)[number];

export const ADMIN_OPENIDS_VARIABLE = 'ANALYTICS_ADMIN_OPENIDS';

/**
 * Reads and checks the configuration once. Throws a `CONFIGURATION_ERROR` that names the variable
 * and the accepted values when one is wrong.
 */
export function readConfig(env: Readonly<Record<string, string | undefined>>): AnalyticsConfig {
  const collection = (env.ANALYTICS_COLLECTION ?? '').trim() || 'analytics_monthly';
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(collection)) {
    throw configurationError('ANALYTICS_COLLECTION', 'letters, digits, _ and - (at most 64)', collection);
  }
  return {
    adminOpenids: readAdminOpenids(env),
    collection,
    syncMonths: readInteger(env, 'ANALYTICS_SYNC_MONTHS', 12, 1, 60),
    concurrency: readInteger(env, 'ANALYTICS_CONCURRENCY', 4, 1, 10),
    ...readTransport(env),
  };
}

/**
 * `ANALYTICS_ADMIN_OPENIDS` alone (comma-separated; blanks ignored). Never throws, so that a caller can
 * be refused before anything about a broken configuration is said to them.
 */
export function readAdminOpenids(env: Readonly<Record<string, string | undefined>>): ReadonlySet<string> {
  return new Set(
    (env[ADMIN_OPENIDS_VARIABLE] ?? '')
      .split(',')
      .map((openid) => openid.trim())
      .filter(Boolean),
  );
}

function readTransport(env: Readonly<Record<string, string | undefined>>): Pick<AnalyticsConfig, 'transport' | 'https'> {
  const transport = readChoice(env, 'WECHAT_TRANSPORT', WECHAT_TRANSPORTS);
  if (transport === 'cloud') return { transport };
  const appid = (env.WECHAT_APPID ?? '').trim();
  if (!/^wx[0-9a-zA-Z]{16}$/.test(appid)) throw configurationError('WECHAT_APPID', "the Mini Program's AppID (wx and 16 characters) when WECHAT_TRANSPORT is https", appid);
  const secret = (env.WECHAT_APPSECRET ?? '').trim();
  if (secret === '') {
    throw new AnalyticsError(
      'CONFIGURATION_ERROR',
      "Environment variable WECHAT_APPSECRET must be the Mini Program's AppSecret when WECHAT_TRANSPORT is https; it is empty. Set it in the cloud function's configuration.",
    );
  }
  const baseUrl = (env.WECHAT_API_BASE_URL ?? '').trim() || 'https://api.weixin.qq.com';
  let url: URL | undefined;
  try {
    url = new URL(baseUrl);
  } catch {
    url = undefined;
  }
  const local = url !== undefined && ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
  if (!url || !(url.protocol === 'https:' || (url.protocol === 'http:' && local)) || url.username || url.password) {
    throw configurationError('WECHAT_API_BASE_URL', 'an https:// URL (http:// only for 127.0.0.1 or localhost)', baseUrl);
  }
  const tokenCollection = (env.WECHAT_TOKEN_COLLECTION ?? '').trim() || 'wechat_tokens';
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(tokenCollection)) {
    throw configurationError('WECHAT_TOKEN_COLLECTION', 'letters, digits, _ and - (at most 64)', tokenCollection);
  }
  return { transport, https: { appid, secret, baseUrl: url.toString(), tokenCollection } };
}

function readChoice<Choice extends string>(
  env: Readonly<Record<string, string | undefined>>,
  name: string,
  choices: readonly [Choice, ...Choice[]],
): Choice {
  const text = (env[name] ?? '').trim();
  if (text === '') return choices[0];
  const choice = choices.find((candidate) => candidate === text);
  if (!choice) throw configurationError(name, `one of ${choices.join(', ')}`, text);
  return choice;
}

function readInteger(
  env: Readonly<Record<string, string | undefined>>,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const text = (env[name] ?? '').trim();
  if (text === '') return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw configurationError(name, `a whole number from ${min} to ${max}`, text);
  }
  return value;
}

function configurationError(name: string, expected: string, got: string): AnalyticsError {
  return new AnalyticsError(
    'CONFIGURATION_ERROR',
    `Environment variable ${name} must be ${expected}; it is ${echo(got)}. Fix it in the cloud function's configuration.`,
  );
}
