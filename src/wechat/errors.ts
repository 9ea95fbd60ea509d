import { AnalyticsError } from '../errors';
import { WeChatCallError } from './client';
import { CLOUD_GATEWAY_RULES } from './cloud/errors';
import { HTTPS_RULES, HTTPS_TRANSPORT_FAILURES } from './https/errors';
import { COMPONENT_RULES } from '../open-platform/wechat/errors';
import { CallSite, ErrorRule, retryNow } from './error-rules';

export type { CallSite, ErrorRule } from './error-rules';

/**
 * Every WeChat and CloudBase code the functions may meet, classified once (the cloud call's gateway
 * codes and CloudBase's own, -501001 … -501009 and -502001 … -502005, come from its transport,
 * `cloud/errors.ts`; the database's failures are judged by the same rows): whether a retry in the same
 * invocation may help (`now`), another run may (`later`) or someone must act first (`never`); whether
 * it stops every call of the same API in this invocation (`api`); and the message that says what to do.
 * Sources: the API documents (`getMonthlyRetain`, `getMonthlyVisitTrend`), WeChat's global return codes,
 * the third-party platform's error codes, and wx-server-sdk 4.x's `TCB_ERR_CODE` table.
 */
export const WECHAT_ERROR_RULES: Readonly<Record<number, ErrorRule>> = {
  [-1]: retryNow('WeChat was busy'),
  ...CLOUD_GATEWAY_RULES,
  ...HTTPS_RULES,
  ...COMPONENT_RULES,
  40001: {
    code: 'UPSTREAM_ERROR',
    recovery: 'never',
    scope: 'api',
    message: () =>
      'WeChat rejected the credential (40001): check that the cloud environment belongs to this Mini Program (the AppID binding in the cloud console) ' +
      'and, over HTTPS, that WECHAT_APPID and WECHAT_APPSECRET are this Mini Program\'s.',
  },
  42001: {
    code: 'UPSTREAM_ERROR',
    recovery: 'never',
    scope: 'api',
    message: () => 'WeChat says the access_token has expired (42001) and a fresh one was refused too: check the AppID and AppSecret.',
  },
  45009: {
    code: 'QUOTA_EXCEEDED',
    recovery: 'later',
    scope: 'api',
    message: (site) =>
      `The daily quota of ${site.api} is used up (45009); try again after midnight China time, when it resets. Archived months can still be read.`,
  },
  48001: {
    code: 'UPSTREAM_ERROR',
    recovery: 'never',
    scope: 'api',
    message: (site) =>
      `This Mini Program may not use ${site.api} (48001): the data analysis APIs need a verified Mini Program (not a mini game or a personal test account); ` +
      'check the account type in the WeChat admin console.',
  },
  61500: {
    code: 'UPSTREAM_ERROR',
    recovery: 'never',
    scope: 'month',
    message: (site) => `WeChat refused the date format for ${site.month} (61500). The dates are checked before the call, so please report this with the month.`,
  },
  61501: {
    code: 'UPSTREAM_ERROR',
    recovery: 'never',
    scope: 'month',
    message: (site) =>
      `WeChat refused ${site.month} as a date range (61501): it answers whole months that have ended, from 2017-01 on. ` +
      'Check the clock of the caller if the month has just ended.',
  },
  61502: {
    code: 'UPSTREAM_ERROR',
    recovery: 'never',
    scope: 'api',
    message: () => 'Mini games have no data analysis API (61502): these functions serve Mini Programs only.',
  },
  61503: {
    code: 'DATA_NOT_READY',
    recovery: 'later',
    scope: 'month',
    message: (site) => `WeChat has not finished the figures for ${site.month} (61503); they usually appear within a day, try again in an hour.`,
  },
};

const UNKNOWN_RULE: ErrorRule = {
  code: 'UPSTREAM_ERROR',
  recovery: 'later',
  scope: 'month',
  message: (site, detail) => `WeChat could not answer ${site.api} for ${site.month} (${detail}); try again later, and report it if it lasts.`,
};

/** The rule for a code; unknown codes may clear later and affect only their month. */
export function ruleFor(errCode: number): ErrorRule {
  return WECHAT_ERROR_RULES[errCode] ?? UNKNOWN_RULE;
}

/** True when another attempt within the same invocation may succeed. */
export function isRetryableNow(errCode: number): boolean {
  return ruleFor(errCode).recovery === 'now';
}

/** Turns a failed WeChat call into the typed error the caller sees, classified by {@link WECHAT_ERROR_RULES}. */
export function fromWeChatError(error: WeChatCallError, site: CallSite): AnalyticsError {
  const rule = ruleFor(error.errCode);
  // The HTTPS transport's own codes name no answer of WeChat's: the caller gets what failed, not a code.
  const transport = HTTPS_TRANSPORT_FAILURES[error.errCode];
  const detail = transport === undefined ? `error ${error.errCode}` : transport.replace(/_/g, ' ');
  return new AnalyticsError(rule.code, rule.message(site, `${detail}: ${error.message.slice(0, 200)}`), {
    ...(transport === undefined ? { wxErrCode: error.errCode } : { transport }),
    recovery: rule.recovery,
    scope: rule.scope,
    cause: error,
  });
}
