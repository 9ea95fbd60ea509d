import type { AnalyticsConfig } from '../config';
import type { WeChatClient } from './client';
import { CloudOpenApi, createCloudClient } from './cloud/client';

/** What the transports may need from the platform. */
export interface TransportDependencies {
  /** `wx-server-sdk` after `cloud.init`, for the cloud call. */
  cloud: CloudOpenApi;
}

/**
 * The one place that picks how WeChat is reached, from `WECHAT_TRANSPORT` (see `config.ts`): the cloud
 * call through `wx-server-sdk` today. A new transport is its own folder under `wechat/` and one line here.
 */
export function createWeChatClient(config: Pick<AnalyticsConfig, 'transport'>, dependencies: TransportDependencies): WeChatClient {
  switch (config.transport) {
    case 'cloud':
      return createCloudClient(dependencies.cloud);
  }
}
