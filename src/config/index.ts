import type { ComponentSettings } from '../open-platform/wechat/settings';
import { readComponentSettings } from '../open-platform/wechat/settings';
import type { HttpsSettings } from '../wechat/https/settings';
import { readHttpsSettings } from '../wechat/https/settings';
import { ADMIN_OPENIDS_VARIABLE, readAdminOpenids, readAdminScopes } from './admins';
import { Env, configurationError, readChoice, readInteger } from './values';

export type { ComponentSettings, Env, HttpsSettings };
export { ADMIN_OPENIDS_VARIABLE, readAdminOpenids, readAdminScopes };
export { describeValue } from './values';

/** How the timer's sync shares a timer run's authorizers among invocations of the sync function (third-party mode). */
export interface FanOutSettings {
  /**
   * `ANALYTICS_SYNC_SHARD_SIZE`: authorizers per invocation (default 20, at most 500). A timer run with
   * more authorizers due than this starts one invocation per shard; 0 never fans out.
   */
  shardSize: number;
  /** `ANALYTICS_SYNC_MAX_SHARDS`: invocations one timer run starts at most (default 50, at most 100). */
  maxShards: number;
}

/** The settings every mode has. */
interface CommonConfig {
  /** `ANALYTICS_ADMIN_OPENIDS`: the OPENIDs allowed to read analytics (comma-separated). */
  adminOpenids: ReadonlySet<string>;
  /**
   * Admins limited to some Mini Programs (third-party mode): `OPENID@wxAPPID1|wxAPPID2` entries of
   * `ANALYTICS_ADMIN_OPENIDS`. An admin listed without `@` may read every authorizer.
   */
  adminScopes: ReadonlyMap<string, ReadonlySet<string>>;
  /** `ANALYTICS_COLLECTION`: the database collection that archives months (default `analytics_monthly`). */
  collection: string;
  /** `ANALYTICS_SYNC_MONTHS`: how many complete months the sync keeps (default 12, at most 60). */
  syncMonths: number;
  /** `ANALYTICS_CONCURRENCY`: WeChat calls in flight at once (default 4, at most 10). */
  concurrency: number;
  /** How the timer's sync fans out over several invocations of itself (third-party mode). */
  fanOut: FanOutSettings;
}

/**
 * Settings of the analytics functions, from the function's environment variables: the settings every
 * mode has, and one of the modes of `WECHAT_TRANSPORT` with its own settings.
 * - `cloud` (default): the environment's own Mini Program, by the cloud call;
 * - `https`: the environment's own Mini Program, by HTTPS with an access_token (`https`);
 * - `component`: the Mini Programs that authorised a third-party platform (`component`).
 */
export type AnalyticsConfig = CommonConfig &
  (
    | { transport: 'cloud'; https?: undefined; component?: undefined }
    | { transport: 'https'; https: HttpsSettings; component?: undefined }
    | { transport: 'component'; component: ComponentSettings; https?: undefined }
  );

/** The ways to reach WeChat that this version supports. */
export const WECHAT_TRANSPORTS = ['cloud', 'https', 'component'] as const;
export type WeChatTransport = (typeof WECHAT_TRANSPORTS)[number];

function readMode(env: Env): Pick<AnalyticsConfig, 'transport' | 'https' | 'component'> {
  const transport = readChoice(env, 'WECHAT_TRANSPORT', WECHAT_TRANSPORTS);
  switch (transport) {
    case 'cloud':
      return { transport };
    case 'https':
      return { transport, https: readHttpsSettings(env) };
    case 'component':
      return { transport, component: readComponentSettings(env) };
  }
}

/**
 * Reads and checks the configuration once. Throws a `ConfigurationError` (`CONFIGURATION_ERROR`) that
 * names the variable (its `variable` field, and the message) and the accepted values when one is wrong,
 * never quoting its value.
 */
export function readConfig(env: Env): AnalyticsConfig {
  const collection = (env.ANALYTICS_COLLECTION ?? '').trim() || 'analytics_monthly';
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(collection)) throw configurationError('ANALYTICS_COLLECTION', 'letters, digits, _ and - (at most 64)', collection);
  const common: CommonConfig = {
    adminOpenids: readAdminOpenids(env),
    adminScopes: readAdminScopes(env),
    collection,
    syncMonths: readInteger(env, 'ANALYTICS_SYNC_MONTHS', 12, 1, 60),
    concurrency: readInteger(env, 'ANALYTICS_CONCURRENCY', 4, 1, 10),
    fanOut: {
      shardSize: readInteger(env, 'ANALYTICS_SYNC_SHARD_SIZE', 20, 0, 500),
      maxShards: readInteger(env, 'ANALYTICS_SYNC_MAX_SHARDS', 50, 1, 100),
    },
  };
  return { ...common, ...readMode(env) } as AnalyticsConfig;
}
