/**
 * The Mini Program's cloud in tests: the built functions behind the harness (emulator + runner, real
 * wx-server-sdk), reached through a `wx.cloud.callFunction` stand-in. The only use of the harness by the
 * Mini Program tests.
 */
import { callFunctionStandIn } from '../../../scripts/miniprogram/call-function';
import type { Caller } from '@wx-monthly-analytics/function-runner';
import { ADMIN, ADMIN_OPENID, FunctionName, STRANGER, TestCloud, TestCloudOptions, startTestCloud } from '../../helpers/cloud';

export { ADMIN, ADMIN_OPENID, STRANGER };
export type { TestCloud };

export const FUNCTIONS: readonly FunctionName[] = ['getMonthlyRetain', 'getMonthlyVisitTrend', 'syncMonthlyAnalytics'];

export interface MiniProgramCloud {
  cloud: TestCloud;
  /** Installs `wx.cloud.callFunction` (and the few wx APIs the page uses) for `caller`. */
  useWx(caller?: Caller, timeoutMs?: number): WxStandIn;
  close(): Promise<void>;
}

export interface WxStandIn {
  callFunction: jest.Mock;
  stopPullDownRefresh: jest.Mock;
  setClipboardData: jest.Mock;
}

export async function startMiniProgramCloud(options: TestCloudOptions): Promise<MiniProgramCloud> {
  const cloud = await startTestCloud(options);
  return {
    cloud,
    useWx(caller = ADMIN, timeoutMs) {
      const standIn = callFunctionStandIn((name, request) => cloud.invoke(name as FunctionName, request), {
        caller,
        functions: FUNCTIONS,
        ...(timeoutMs === undefined ? {} : { timeoutMs }),
      });
      const wx: WxStandIn = {
        callFunction: jest.fn(standIn),
        stopPullDownRefresh: jest.fn(),
        setClipboardData: jest.fn(),
      };
      const global = globalThis as unknown as { wx?: Record<string, unknown> };
      global.wx = Object.assign(global.wx ?? {}, {
        cloud: { callFunction: wx.callFunction },
        stopPullDownRefresh: wx.stopPullDownRefresh,
        setClipboardData: wx.setClipboardData,
      });
      return wx;
    },
    close: () => cloud.close(),
  };
}
