import { CallSite, ErrorRule, retryNow } from '../error-rules';

const configFile = (site: CallSite) =>
  site.functionName ? `cloudfunctions/${site.functionName}/config.json` : "the function's config.json";

/**
 * Codes of the CloudBase gateway that carries the cloud call (wx-server-sdk 4.x's `TCB_ERR_CODE`), part
 * of the one error table in `wechat/errors.ts`.
 */
export const CLOUD_GATEWAY_RULES: Readonly<Record<number, ErrorRule>> = {
  [-501001]: retryNow('CloudBase reported a resource system error'),
  [-501002]: retryNow('CloudBase timed out'),
  [-604102]: retryNow('the open API gateway timed out'),
  [-604103]: retryNow('the open API gateway had a system error'),
  [-604100]: {
    code: 'UPSTREAM_ERROR',
    recovery: 'never',
    scope: 'api',
    message: (site) =>
      `The cloud call gateway does not know ${site.api}: check that the function bundles wx-server-sdk 2.x or later and that the API name is right.`,
  },
  [-604101]: {
    code: 'PERMISSION_NOT_DECLARED',
    recovery: 'never',
    scope: 'api',
    message: (site) =>
      `This cloud function may not call ${site.api}: add "${site.api}" to permissions.openapi in ${configFile(site)} ` +
      'and upload the function again from WeChat DevTools (WeChat applies the change within about 10 minutes).',
  },
};
