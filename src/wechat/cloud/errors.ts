import { CallSite, ErrorRule, retryNow } from '../error-rules';
import { CLOUDBASE_RULES } from './cloudbase-codes';

export { CLOUDBASE_RULES, cloudBaseCodeNamed, isCloudBaseCode } from './cloudbase-codes';

const configFile = (site: CallSite) =>
  site.functionName ? `cloudfunctions/${site.functionName}/config.json` : "the function's config.json";

/**
 * Codes of the gateway that carries the cloud call (wx-server-sdk 4.x's `TCB_ERR_CODE`) and CloudBase's
 * own codes, part of the one error table in `wechat/errors.ts`.
 */
export const CLOUD_GATEWAY_RULES: Readonly<Record<number, ErrorRule>> = {
  ...CLOUDBASE_RULES,
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
