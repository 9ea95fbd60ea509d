/** What the page tells the user about each error code: what happened, and what they can do about it. */
import type { AnalyticsErrorCode } from '../../services/analytics';
import { AnalyticsError } from '../../services/analytics';

export interface ErrorView {
  code: AnalyticsErrorCode;
  /** What happened, in a few words. */
  title: string;
  /** What the user (or the developer) can do. */
  action: string;
  /** The function's own message, as detail. */
  detail: string;
  /** FORBIDDEN: the OPENID to give to an admin ('' when unknown). */
  openid: string;
  /** Who can act: the user (retry, wait) or the developer. */
  who: 'user' | 'admin' | 'developer';
}

const TEXTS: Record<AnalyticsErrorCode, { title: string; action: string; who: ErrorView['who'] }> = {
  FORBIDDEN: {
    title: 'You are not an analytics admin',
    action: 'Ask an admin to add your OPENID to ANALYTICS_ADMIN_OPENIDS of the analytics cloud functions, then pull down to refresh.',
    who: 'admin',
  },
  DATA_NOT_READY: {
    title: 'WeChat has not published these figures yet',
    action: 'Try again in a few hours: WeChat publishes a month\'s figures in the days after it ends (usually the next morning).',
    who: 'user',
  },
  QUOTA_EXCEEDED: {
    title: 'Today\'s WeChat data quota is used up',
    action: 'Try again tomorrow (the quota resets at midnight, China time). Months already archived stay available.',
    who: 'user',
  },
  DEADLINE_EXCEEDED: {
    title: 'Not fetched within this call\'s time',
    action: 'Pull down to refresh now: the months fetched so far are archived, so each try gets further.',
    who: 'user',
  },
  PERMISSION_NOT_DECLARED: {
    title: 'The cloud function may not call this WeChat API',
    action:
      'Developer: add the API to permissions.openapi in the function\'s config.json and upload the function from WeChat DevTools (上传并部署：云端安装依赖). WeChat applies it within about 10 minutes.',
    who: 'developer',
  },
  MONTH_NOT_COMPLETE: {
    title: 'That month has not ended yet',
    action: 'Pick months up to last month: WeChat only has figures for complete months.',
    who: 'user',
  },
  INVALID_ARGUMENT: {
    title: 'The functions refused the request',
    action: 'Pick another range (at most 24 months). Developer: the detail says which field was wrong.',
    who: 'user',
  },
  AUTHORIZATION_REQUIRED: {
    title: 'This Mini Program has not authorised the platform',
    action:
      'Its admin must authorise the third-party platform again, granting permission set 18 (data analysis); the figures appear after the next sync.',
    who: 'admin',
  },
  UPSTREAM_ERROR: {
    title: 'WeChat did not answer',
    action: 'Try again in a few minutes. If it goes on, the code below tells the developer why.',
    who: 'user',
  },
  CONFIGURATION_ERROR: {
    title: 'The analytics functions are misconfigured',
    action: 'Developer: fix the environment variable named below in the cloud console (云函数 → 配置).',
    who: 'developer',
  },
  INTERNAL_ERROR: {
    title: 'The analytics function failed',
    action: 'Try again. If it goes on, the developer can look for this call in the function\'s logs.',
    who: 'user',
  },
  NETWORK: {
    title: 'No connection to the cloud',
    action: 'Check your network, then pull down to refresh.',
    who: 'user',
  },
  FUNCTION_TIMEOUT: {
    title: 'The analytics function ran out of time',
    action:
      'Pull down to refresh: months fetched so far are archived, so the next try is faster. Developer: raise the function\'s timeout in the cloud console.',
    who: 'user',
  },
  FUNCTION_NOT_FOUND: {
    title: 'The analytics functions are not deployed here',
    action: 'Developer: deploy them (npm run deploy) and check CLOUD_ENV in miniprogram/config.ts.',
    who: 'developer',
  },
  UNSUPPORTED_RUNTIME: {
    title: 'The analytics functions need a newer Node.js runtime',
    action:
      'Developer: the function below was created on a runtime it cannot run on, and a runtime cannot be changed. Recreate it (npm run deploy -- --recreate NAME), then upload it once from DevTools.',
    who: 'developer',
  },
  FUNCTION_FAILED: {
    title: 'The analytics function crashed',
    action: 'Try again. If it goes on, the developer can look for this call in the function\'s logs.',
    who: 'user',
  },
  BAD_REPLY: {
    title: 'The page and the functions do not match',
    action: 'Developer: deploy the cloud functions and the Mini Program from the same version.',
    who: 'developer',
  },
};

/** The view of an error, keyed on its code (the message is only detail). */
export function errorView(error: unknown): ErrorView {
  const known = error instanceof AnalyticsError || (typeof error === 'object' && error !== null && (error as Error).name === 'AnalyticsError');
  const analytics = known ? (error as AnalyticsError) : undefined;
  const code: AnalyticsErrorCode = analytics && TEXTS[analytics.code] ? analytics.code : 'FUNCTION_FAILED';
  const text = TEXTS[code];
  const message = error instanceof Error ? error.message : String(error);
  const codes = [analytics?.wxErrCode !== undefined ? `WeChat error ${analytics.wxErrCode}` : '', analytics?.callErrCode !== undefined ? `errCode ${analytics.callErrCode}` : '']
    .filter(Boolean)
    .join(', ');
  return {
    code,
    title: text.title,
    action: text.action,
    detail: codes ? `${message} (${codes})` : message,
    openid: analytics?.openid ?? '',
    who: text.who,
  };
}
