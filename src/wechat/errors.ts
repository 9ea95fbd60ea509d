import { AnalyticsError } from '../errors';
import type { YearMonth } from '../dates';
import { AnalyticsApi, WeChatCallError } from './client';

/** Where a failed call happened, for messages that say what to do. */
export interface CallSite {
  api: AnalyticsApi;
  month: YearMonth;
  functionName?: string;
}

/** Turns a failed WeChat call into the typed error the caller sees. */
export function fromWeChatError(error: WeChatCallError, site: CallSite): AnalyticsError {
  const { errCode } = error;
  switch (errCode) {
    case -604101: {
      const file = site.functionName ? `cloudfunctions/${site.functionName}/config.json` : "the function's config.json";
      return new AnalyticsError(
        'PERMISSION_NOT_DECLARED',
        `This cloud function may not call ${site.api}: add "${site.api}" to permissions.openapi in ${file} ` +
          'and upload the function again (WeChat applies the change within about 10 minutes).',
        errCode,
      );
    }
    case 61503:
      return new AnalyticsError('DATA_NOT_READY', `WeChat has not finished the figures for ${site.month}; try again later.`, errCode);
    case 45009:
      return new AnalyticsError(
        'QUOTA_EXCEEDED',
        `The daily quota of ${site.api} is used up; it resets at midnight China time. Archived months can still be read.`,
        errCode,
      );
    case 61502:
      return new AnalyticsError('UPSTREAM_ERROR', 'Mini games have no analytics API.', errCode);
    case 48001:
      return new AnalyticsError('UPSTREAM_ERROR', `This Mini Program is not authorised to call ${site.api}.`, errCode);
    default:
      return new AnalyticsError(
        'UPSTREAM_ERROR',
        `WeChat could not answer ${site.api} for ${site.month} (error ${errCode}: ${error.message}). Try again later.`,
        errCode,
      );
  }
}
