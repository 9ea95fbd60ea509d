import type { AnalyticsConfig } from '../config';
import type { WeChatClient } from './client';
import { CloudOpenApi, createCloudClient } from './cloud/client';
import { AuthorizerListApi, ComponentState, createComponentTransport } from '../open-platform/wechat';
import { TokenStore, createHttpsTransport } from './https';

/** What the transports may need from the platform. */
export interface TransportDependencies {
  /** `wx-server-sdk` after `cloud.init`, for the cloud call. */
  cloud: CloudOpenApi;
  /** The shared token store in `collection`, for transports with tokens. */
  tokenStore: (collection: string) => TokenStore;
  /** The third-party platform's ticket and authorizers. */
  componentState: (tokenCollection: string, authorizerCollection: string) => ComponentState;
  /** Epoch ms. */
  now: () => number;
}

/** A way of reaching WeChat: its client, and in third-party mode the platform's list of authorizers. */
export interface WeChatTransport {
  client: WeChatClient;
  /** Third-party mode only: `api_get_authorizer_list`, for the reconciliation (`sync/reconcile.ts`). */
  authorizerList?: AuthorizerListApi;
}

/**
 * The one place that picks how WeChat is reached, from `WECHAT_TRANSPORT` (see `config.ts`): the cloud
 * call through `wx-server-sdk` (`cloud`) or HTTPS with the Mini Program's access_token (`https`). A new transport is its own folder under `wechat/` and one line here.
 */
export function createWeChatTransport(
  config: AnalyticsConfig,
  dependencies: TransportDependencies,
): WeChatTransport {
  switch (config.transport) {
    case 'cloud':
      return { client: createCloudClient(dependencies.cloud) };
    case 'https': {
      const { appid, secret, baseUrl, tokenCollection } = config.https;
      return { client: createHttpsTransport({ appid, secret, baseUrl, store: dependencies.tokenStore(tokenCollection), now: dependencies.now }) };
    }
    case 'component': {
      const settings = config.component;
      const { client, api } = createComponentTransport({
        componentAppid: settings.componentAppid,
        componentAppsecret: settings.componentAppsecret,
        baseUrl: settings.baseUrl,
        tokens: dependencies.tokenStore(settings.tokenCollection),
        state: dependencies.componentState(settings.tokenCollection, settings.authorizerCollection),
        now: dependencies.now,
      });
      return { client, authorizerList: api };
    }
  }
}
