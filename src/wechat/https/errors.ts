import type { TransportFailure } from '../../contract';
import { ErrorRule, retryNow } from '../error-rules';

/** The HTTPS transport's own codes for failures that are not WeChat's answer (negative, like the platform's). */
export const HTTPS_CONNECTION_FAILED = -700001;
/** WeChat's server answered HTTP 5xx. */
export const HTTPS_SERVER_ERROR = -700002;
/** The reply body was not a JSON object. */
export const HTTPS_BAD_BODY = -700003;
/** A datacube call was refused for its token twice in a row, with a fresh token the second time. */
export const HTTPS_TOKEN_REJECTED_TWICE = -700004;

/**
 * What each of the transport's own codes is, as the caller sees it (`ErrorBody.transport`): these codes
 * are internal, for the error table, and never reach a caller as a `wxErrCode`.
 */
export const HTTPS_TRANSPORT_FAILURES: Readonly<Record<number, TransportFailure>> = {
  [HTTPS_CONNECTION_FAILED]: 'connection_failed',
  [HTTPS_SERVER_ERROR]: 'server_error',
  [HTTPS_BAD_BODY]: 'bad_reply',
  [HTTPS_TOKEN_REJECTED_TWICE]: 'token_rejected_twice',
};

/**
 * The HTTPS transport's part of the one error table in `wechat/errors.ts`: its transport failures
 * (retried like WeChat's -1), the token refused twice, and the token errors of the datacube calls.
 */
export const HTTPS_RULES: Readonly<Record<number, ErrorRule>> = {
  [HTTPS_CONNECTION_FAILED]: retryNow('The connection to WeChat failed'),
  [HTTPS_SERVER_ERROR]: retryNow('WeChat answered with a server error'),
  [HTTPS_BAD_BODY]: retryNow('WeChat answered with a body that is not JSON'),
  [HTTPS_TOKEN_REJECTED_TWICE]: {
    code: 'UPSTREAM_ERROR',
    recovery: 'never',
    scope: 'api',
    message: (site, detail) =>
      `WeChat rejected the access_token twice for ${site.api}, the second time right after a refresh (${detail}). ` +
      'Likely causes: another service holding the AppSecret force-refreshes the stable token, or WECHAT_APPID does not match the AppSecret.',
  },
  40014: {
    code: 'UPSTREAM_ERROR',
    recovery: 'never',
    scope: 'api',
    message: () => 'WeChat says the access_token is not valid (40014) even after a refresh: check WECHAT_APPID and WECHAT_APPSECRET.',
  },
};

/** Token errors of a datacube call: the token is stale, refresh it once and retry. */
export const STALE_TOKEN_CODES: ReadonlySet<number> = new Set([40001, 42001, 40014]);

/**
 * Errors of the token endpoint that no retry fixes, with what to change. Remembered for about a
 * minute (in memory and in the shared token document) so that a misconfigured function does not call
 * the token endpoint on every invocation. Source: WeChat's `stable_token` and global return codes.
 */
export function credentialProblem(errcode: number, errmsg: string): string | undefined {
  switch (errcode) {
    case 40001:
    case 40125:
    case 41004:
      return `WeChat refused the AppSecret (${errcode}): set WECHAT_APPSECRET to the Mini Program's current AppSecret (WeChat admin console → 开发管理 → 开发设置).`;
    case 40013:
    case 41002:
      return `WeChat does not know the AppID (${errcode}): set WECHAT_APPID to the Mini Program's AppID (wx followed by 16 characters).`;
    case 40164: {
      const ip = /invalid ip ([0-9a-fA-F.:]+)/.exec(errmsg)?.[1];
      return (
        `WeChat refused the call from IP ${ip ?? '(not given)'} (40164): the Mini Program has an API IP allowlist. ` +
        'Turn on the fixed egress IP of this cloud function (CloudBase console → 云函数 → the function → 固定出口 IP) and add that IP to the allowlist ' +
        '(WeChat admin console → 开发管理 → 开发设置 → IP白名单), or use WECHAT_TRANSPORT=cloud, which needs neither.'
      );
    }
    case 40243:
      return 'The AppSecret is frozen (40243): unfreeze or reset it in the WeChat admin console, then update WECHAT_APPSECRET.';
    case 61024:
      return 'This Mini Program is managed by a third-party platform, which refuses its own access_token (61024): use WECHAT_TRANSPORT=component or cloud.';
    case 89501:
    case 89503:
    case 89506:
    case 89507:
      return `The Mini Program's admin must confirm calls from this function's IP (${errcode}): approve it in the WeChat admin notice, or use WECHAT_TRANSPORT=cloud.`;
    default:
      return undefined;
  }
}
