import { AnalyticsError } from './errors';

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
  /** How the timer's sync fans out over several invocations of itself (third-party mode). */
  fanOut: FanOutSettings;
  /** `WECHAT_TRANSPORT`: how WeChat is reached: `cloud` (default, the cloud call) or `https` (an access_token). */
  transport: WeChatTransport;
  /** Settings of the HTTPS transport; present when `transport` is `https`. */
  https?: HttpsSettings;
  /** Settings of the third-party transport; present when `transport` is `component`. */
  component?: ComponentSettings;
  /**
   * Admins limited to some Mini Programs (third-party mode): `OPENID@wxAPPID1|wxAPPID2` entries of
   * `ANALYTICS_ADMIN_OPENIDS`. An admin listed without `@` may read every authorizer.
   */
  adminScopes: ReadonlyMap<string, ReadonlySet<string>>;
}

/** How the third-party sync shares a timer run's authorizers among invocations of the sync function. */
export interface FanOutSettings {
  /**
   * `ANALYTICS_SYNC_SHARD_SIZE`: authorizers per invocation (default 20, at most 500). A timer run with
   * more authorizers due than this starts one invocation per shard; 0 never fans out.
   */
  shardSize: number;
  /** `ANALYTICS_SYNC_MAX_SHARDS`: invocations one timer run starts at most (default 50, at most 100). */
  maxShards: number;
}

/** The third-party transport's settings. */
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
export const WECHAT_TRANSPORTS = ['cloud', 'https', 'component'] as const;
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
    adminScopes: readAdminScopes(env),
    collection,
    syncMonths: readInteger(env, 'ANALYTICS_SYNC_MONTHS', 12, 1, 60),
    concurrency: readInteger(env, 'ANALYTICS_CONCURRENCY', 4, 1, 10),
    fanOut: {
      shardSize: readInteger(env, 'ANALYTICS_SYNC_SHARD_SIZE', 20, 0, 500),
      maxShards: readInteger(env, 'ANALYTICS_SYNC_MAX_SHARDS', 50, 1, 100),
    },
    ...readTransport(env),
  };
}

/**
 * `ANALYTICS_ADMIN_OPENIDS` alone (comma-separated; blanks ignored). Never throws, so that a caller can
 * be refused before anything about a broken configuration is said to them.
 */
export function readAdminOpenids(env: Readonly<Record<string, string | undefined>>): ReadonlySet<string> {
  return new Set(adminEntries(env).map((entry) => entry.openid));
}

function adminEntries(env: Readonly<Record<string, string | undefined>>): { openid: string; appids?: string[] }[] {
  return (env[ADMIN_OPENIDS_VARIABLE] ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry) => {
      const at = entry.indexOf('@');
      if (at < 0) return { openid: entry };
      return { openid: entry.slice(0, at).trim(), appids: entry.slice(at + 1).split('|').map((appid) => appid.trim()).filter(Boolean) };
    })
    .filter((entry) => entry.openid !== '');
}

/**
 * The admins of `ANALYTICS_ADMIN_OPENIDS` written `OPENID@wxAPPID1|wxAPPID2`: each limited to those Mini
 * Programs (third-party mode). An OPENID listed both bare and scoped may read every Mini Program.
 */
export function readAdminScopes(env: Readonly<Record<string, string | undefined>>): ReadonlyMap<string, ReadonlySet<string>> {
  const entries = adminEntries(env);
  const unrestricted = new Set(entries.filter((entry) => !entry.appids).map((entry) => entry.openid));
  const scopes = new Map<string, Set<string>>();
  for (const entry of entries) {
    if (!entry.appids || unrestricted.has(entry.openid)) continue;
    const scope = scopes.get(entry.openid) ?? new Set<string>();
    for (const appid of entry.appids) scope.add(appid);
    scopes.set(entry.openid, scope);
  }
  return scopes;
}

function readTransport(env: Readonly<Record<string, string | undefined>>): Pick<AnalyticsConfig, 'transport' | 'https' | 'component'> {
  const transport = readChoice(env, 'WECHAT_TRANSPORT', WECHAT_TRANSPORTS);
  if (transport === 'cloud') return { transport };
  if (transport === 'component') return { transport, component: readComponent(env) };
  const appid = (env.WECHAT_APPID ?? '').trim();
  if (!/^wx[0-9a-zA-Z]{16}$/.test(appid)) throw configurationError('WECHAT_APPID', "the Mini Program's AppID (wx and 16 characters) when WECHAT_TRANSPORT is https", appid);
  const secret = (env.WECHAT_APPSECRET ?? '').trim();
  if (secret === '') {
    throw new AnalyticsError(
      'CONFIGURATION_ERROR',
      "Environment variable WECHAT_APPSECRET must be the Mini Program's AppSecret when WECHAT_TRANSPORT is https; it is empty. Set it in the cloud function's configuration.",
    );
  }
  return { transport, https: { appid, secret, baseUrl: readBaseUrl(env), tokenCollection: readCollection(env, 'WECHAT_TOKEN_COLLECTION', 'wechat_tokens') } };
}

function readSecret(env: Readonly<Record<string, string | undefined>>, name: string, what: string): string {
  const value = (env[name] ?? '').trim();
  if (value === '') {
    throw new AnalyticsError(
      'CONFIGURATION_ERROR',
      `Environment variable ${name} must be ${what} when WECHAT_TRANSPORT is ${env.WECHAT_TRANSPORT}; it is empty. Set it in the cloud function's configuration.`,
    );
  }
  return value;
}

function readComponent(env: Readonly<Record<string, string | undefined>>): ComponentSettings {
  const componentAppid = (env.WECHAT_COMPONENT_APPID ?? '').trim();
  if (!/^wx[0-9a-zA-Z]{16}$/.test(componentAppid)) {
    throw configurationError('WECHAT_COMPONENT_APPID', "the third-party platform's AppID (wx and 16 characters) when WECHAT_TRANSPORT is component", componentAppid);
  }
  const encodingAesKey = readSecret(env, 'WECHAT_COMPONENT_AES_KEY', "the platform's 43-character EncodingAESKey");
  if (!/^[A-Za-z0-9]{43}$/.test(encodingAesKey)) {
    throw new AnalyticsError(
      'CONFIGURATION_ERROR',
      `Environment variable WECHAT_COMPONENT_AES_KEY must be the 43-character EncodingAESKey (letters and digits); it has ${encodingAesKey.length} characters. Copy it from the open platform console.`,
    );
  }
  return {
    componentAppid,
    componentAppsecret: readSecret(env, 'WECHAT_COMPONENT_APPSECRET', "the platform's AppSecret"),
    token: readSecret(env, 'WECHAT_COMPONENT_TOKEN', "the platform's message-check token"),
    encodingAesKey,
    baseUrl: readBaseUrl(env),
    tokenCollection: readCollection(env, 'WECHAT_TOKEN_COLLECTION', 'wechat_tokens'),
    authorizerCollection: readCollection(env, 'WECHAT_AUTHORIZER_COLLECTION', 'wechat_authorizers'),
  };
}

function readCollection(env: Readonly<Record<string, string | undefined>>, name: string, fallback: string): string {
  const collection = (env[name] ?? '').trim() || fallback;
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(collection)) throw configurationError(name, 'letters, digits, _ and - (at most 64)', collection);
  return collection;
}

function readBaseUrl(env: Readonly<Record<string, string | undefined>>): string {
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
  return url.toString();
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
  // Decimal digits only: Number() would also take 0x4, 1e1, 0b10 and ' 4 '.
  const value = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw configurationError(name, `a whole number from ${min} to ${max}`, text);
  }
  return value;
}

/** What a value is made of, in words: `hex digits`, `letters and digits`, `letters, digits and other characters`. */
function characterClasses(value: string): string {
  if (/^[0-9a-f]+$/i.test(value) && /[a-f]/i.test(value) && /\d/.test(value)) return 'hex digits';
  const classes = [
    /[A-Za-z]/.test(value) ? 'letters' : '',
    /\d/.test(value) ? 'digits' : '',
    /\s/.test(value) ? 'spaces' : '',
    /[^A-Za-z\d\s]/.test(value) ? 'other characters' : '',
  ].filter(Boolean);
  return classes.length < 2 ? (classes[0] ?? 'nothing') : `${classes.slice(0, -1).join(', ')} and ${classes.at(-1)}`;
}

/**
 * A wrong value described without being quoted: its length, what it is made of and, for something that
 * looks like an address, its scheme. A value that does not have its variable's shape may be another
 * variable's (an AppSecret pasted into WECHAT_APPID, the two swapped), and a configuration error reaches
 * the log of every caller and the reply of an admin: so no value is ever echoed.
 */
export function describeValue(value: string): string {
  if (value === '') return 'empty';
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(value)?.[1];
  const start = scheme === undefined ? '' : `, starting ${scheme}://`;
  return `${value.length} character${value.length === 1 ? '' : 's'} of ${characterClasses(value)}${start} (not shown)`;
}

function configurationError(name: string, expected: string, got: string): AnalyticsError {
  return new AnalyticsError(
    'CONFIGURATION_ERROR',
    `Environment variable ${name} must be ${expected}; it is ${describeValue(got)}. Fix it in the cloud function's configuration.`,
  );
}
