import type { Caller, InvokeRequest, InvokeResult } from '@wx-monthly-analytics/function-runner';

/** Runs one invocation of a built function (a warm instance's `invoke`, or the test harness's). */
export type Invoke = (name: string, request: Omit<InvokeRequest, 'now'>) => Promise<InvokeResult>;

/** What `wx.cloud.callFunction` resolves to. */
export interface CallFunctionSuccess {
  errMsg: string;
  result: unknown;
  requestID: string;
}

/** What `wx.cloud.callFunction` rejects with: an Error carrying `errCode` and `errMsg`. */
export interface CallFunctionFailure extends Error {
  errCode: number;
  errMsg: string;
}

export interface StandInOptions {
  /** Who calls: the Mini Program user whose OPENID the functions see. */
  caller: Caller;
  /** The functions deployed in the environment; others fail as WeChat does (-501000). */
  functions: readonly string[];
  /** The functions' time limit, default the platform's 3000 ms. */
  timeoutMs?: number;
}

function failure(errCode: number, text: string): CallFunctionFailure {
  const errMsg = `cloud.callFunction:fail ${errCode} ${text}`;
  return Object.assign(new Error(errMsg), { errCode, errMsg });
}

/**
 * A `wx.cloud.callFunction` that invokes the built functions the way the platform does (their own
 * process, the real wx-server-sdk, the emulator as the cloud): the call data travels as JSON, a reply
 * comes back as `{ result }`, and an invocation that failed or timed out rejects with the error shape
 * the Mini Program gets (`errCode`, `errMsg: 'cloud.callFunction:fail -504003 …'`).
 */
export function callFunctionStandIn(invoke: Invoke, options: StandInOptions) {
  const timeoutMs = options.timeoutMs ?? 3000;
  return async (param: { name: string; data?: Record<string, unknown> }): Promise<CallFunctionSuccess> => {
    if (!options.functions.includes(param.name)) {
      throw failure(-501000, `[ResourceNotFound.Function] FunctionName parameter could not be found. (${param.name})`);
    }
    const data = JSON.parse(JSON.stringify(param.data ?? {})) as Record<string, unknown>;
    const result = await invoke(param.name, { caller: options.caller, data, timeoutMs });
    if (result.timedOut) {
      throw failure(-504003, `Invoking task timed out after ${timeoutMs / 1000} seconds (requestId ${result.requestId})`);
    }
    if (result.failed) {
      throw failure(-504002, `functions execute fail | errMsg: ${result.failed.errorType}: ${result.failed.errorMessage} (requestId ${result.requestId})`);
    }
    return { errMsg: 'cloud.callFunction:ok', result: result.reply, requestID: result.requestId };
  };
}
