import * as sdk from 'wx-server-sdk';
import type { CloudSdk } from './handler';

/** `wx-server-sdk`, initialised for whichever environment the function runs in. */
export function initCloud(): CloudSdk {
  sdk.init({ env: sdk.DYNAMIC_CURRENT_ENV as unknown as string });
  return sdk as unknown as CloudSdk;
}
