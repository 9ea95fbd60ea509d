import type { AnalyticsConfig } from '../config';
import type { AuthorizerListApi, ComponentState } from '../open-platform/wechat';
import { openPlatformTenancy } from '../open-platform/tenancy';
import { singleTenancy } from './single';
import type { Tenancy } from './tenancy';

export type { SpecialOutcome, SyncPlan, Tenancy, Tenant } from './tenancy';

/**
 * The tenancy the configuration picks, once per instance: the only place that asks which mode
 * `WECHAT_TRANSPORT` is for whom the functions serve (the way of reaching WeChat is `wechat/factory.ts`'s).
 * `componentState` and `authorizerList` are the third-party platform's, used in that mode only.
 */
export function createTenancy(
  config: AnalyticsConfig,
  platform: { componentState: (tokenCollection: string, authorizerCollection: string) => ComponentState; authorizerList?: AuthorizerListApi },
): Tenancy {
  if (config.transport !== 'component') return singleTenancy();
  const { componentAppid, tokenCollection, authorizerCollection } = config.component;
  return openPlatformTenancy({
    componentAppid,
    fanOut: config.fanOut,
    adminScopes: config.adminScopes,
    state: platform.componentState(tokenCollection, authorizerCollection),
    authorizerList: platform.authorizerList,
  });
}
