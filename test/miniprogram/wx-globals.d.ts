/**
 * The Mini Program modules that tests import use `wx.cloud.callFunction`. Their full typing
 * (miniprogram-api-typings) is checked by miniprogram/tsconfig.json; it cannot share a program with Node's
 * types (both declare `require`), so the tests see this narrow declaration of the one API they stand in for.
 */
declare const wx: {
  cloud: {
    callFunction(param: { name: string; data?: Record<string, unknown> }): Promise<{ result?: unknown; errMsg: string; requestID?: string }>;
  };
};
