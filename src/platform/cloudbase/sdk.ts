import * as sdk from 'wx-server-sdk';
import type { CallerContext } from '../../access';
import type { CloudOpenApi } from '../../wechat/cloud/client';
import type { CloudDatabase } from './archive';

/**
 * The port to CloudBase: the part of `wx-server-sdk` (after `cloud.init`) that the functions use.
 * Tests pass a fake; production passes {@link initCloud}'s.
 */
export interface CloudSdk extends CloudOpenApi {
  /** The caller as the platform saw it (`OPENID`, `SOURCE`…); the event cannot change it. */
  getWXContext(): CallerContext;
  database(): CloudDatabase;
  /**
   * Invokes a cloud function of the same environment and waits for its reply (`result`: what its `main`
   * returned). The callee sees SOURCE `<this invocation's SOURCE>,scf`. Rejects with the SDK's error
   * (`errCode`, `errMsg`) when the platform cannot run it. `timeout` (ms) replaces the SDK's default of
   * 15 s for the request (node-sdk `tcbapirequester.ts` `defaultTimeout`).
   */
  callFunction(options: { name: string; data: Record<string, unknown>; timeout?: number }): Promise<{ result?: unknown }>;
}

/** `wx-server-sdk`, initialised for whichever environment the function runs in. */
export function initCloud(): CloudSdk {
  sdk.init({ env: sdk.DYNAMIC_CURRENT_ENV as unknown as string });
  return sdk as unknown as CloudSdk;
}
