import { randomUUID } from 'crypto';
import path from 'path';
import type { InvocationPlan, ScfContextFields } from './protocol';
import type { Caller, FunctionDeployment, InvokeRequest } from './types';

export const DEFAULT_TIMEOUT_MS = 3000;
export const DEFAULT_ENV_ID = 'local-env';
export const DEFAULT_APPID = 'wx0000000000000000';
export const MEMORY_LIMIT_MB = 256;
export const REGION = 'ap-shanghai';
const TENCENTCLOUD_APPID = '1250000000';
const TENCENTCLOUD_UIN = '100000000001';

/**
 * The WX_* variables the platform lists in WX_CONTEXT_KEYS. getWXContext() copies each one that is set,
 * dropping the WX_ prefix, and skips the API tokens (its blacklist).
 */
export const WX_CONTEXT_KEYS = [
  'WX_OPENID',
  'WX_APPID',
  'WX_UNIONID',
  'WX_CLIENTIP',
  'WX_CLIENTIPV6',
  'WX_API_TOKEN',
  'WX_TRIGGER_API_TOKEN_V0',
] as const;

/** The TCB_* variables @cloudbase/node-sdk reads through TCB_CONTEXT_KEYS (TCB_SOURCE becomes its X-TCB-Source header). */
export const TCB_CONTEXT_KEYS = ['TCB_ENV', 'TCB_SOURCE'] as const;

/** Parent variables a function process may see: the rest of a developer's shell must not leak in. */
const INHERITED_VARIABLES = ['PATH', 'HOME', 'TMPDIR', 'SYSTEMROOT'] as const;

export interface ResolvedDeployment {
  functionDir: string;
  functionName: string;
  contextUrl: string;
  env: Record<string, string>;
  envId: string;
  appid: string;
  nodePath: string;
}

/** Fills a deployment's defaults and makes its folder absolute. */
export function resolveDeployment(deployment: FunctionDeployment): ResolvedDeployment {
  const functionDir = path.resolve(deployment.functionDir);
  return {
    functionDir,
    functionName: deployment.functionName ?? path.basename(functionDir),
    contextUrl: deployment.contextUrl,
    env: { ...deployment.env },
    envId: deployment.envId ?? DEFAULT_ENV_ID,
    appid: deployment.appid ?? DEFAULT_APPID,
    nodePath: deployment.nodePath ?? process.execPath,
  };
}

/** Variables set when the function process starts, shared by all its invocations. */
export function processEnvironment(deployment: ResolvedDeployment): Record<string, string> {
  const inherited: Record<string, string> = {};
  for (const name of INHERITED_VARIABLES) {
    const value = process.env[name];
    if (value !== undefined) inherited[name] = value;
  }
  return {
    ...inherited,
    ...deployment.env,
    TZ: 'UTC',
    TENCENTCLOUD_RUNENV: 'SCF',
    TENCENTCLOUD_REGION: REGION,
    TENCENTCLOUD_APPID,
    TENCENTCLOUD_UIN,
    TENCENTCLOUD_SECRETID: 'AKIDlocalEmulatorSecretId',
    TENCENTCLOUD_SECRETKEY: 'localEmulatorSecretKey',
    TENCENTCLOUD_SESSIONTOKEN: 'localEmulatorSessionToken',
    SCF_NAMESPACE: deployment.envId,
    SCF_FUNCTIONNAME: deployment.functionName,
    SCF_FUNCTIONVERSION: '$LATEST',
    TCB_ENV: deployment.envId,
    TCB_CONTEXT_CNFG: JSON.stringify({ URL: deployment.contextUrl }),
  };
}

/** Variables the platform sets for one invocation, as wx-server-sdk's getWXContext() and @cloudbase/node-sdk read them. */
export function invocationEnvironment(caller: Caller, deployment: ResolvedDeployment, requestId: string): Record<string, string> {
  const env: Record<string, string> = {
    WX_CONTEXT_KEYS: WX_CONTEXT_KEYS.join(','),
    TCB_CONTEXT_KEYS: TCB_CONTEXT_KEYS.join(','),
  };
  switch (caller.kind) {
    case 'miniprogram':
      env.WX_OPENID = caller.openid;
      env.WX_APPID = caller.appid ?? deployment.appid;
      if (caller.unionid !== undefined) env.WX_UNIONID = caller.unionid;
      env.WX_API_TOKEN = `local-api-token-${requestId}`;
      env.TCB_SOURCE = caller.source ?? 'wx_client';
      break;
    case 'timer':
      env.WX_TRIGGER_API_TOKEN_V0 = `local-trigger-token-${requestId}`;
      env.TRIGGER_SRC = 'timer';
      env.TCB_SOURCE = 'wx_trigger';
      break;
    case 'function':
      env.WX_API_TOKEN = `local-api-token-${requestId}`;
      env.TCB_SOURCE = caller.source ?? 'scf';
      break;
    case 'http':
      if (caller.source !== undefined) env.TCB_SOURCE = caller.source;
      break;
  }
  return env;
}

/** A timer event's Time: the firing second in UTC, e.g. 2024-06-01T02:00:00Z. */
export function timerTime(at: Date): string {
  return at.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * The event main receives: what the caller sent, with the platform's own fields. A timer gets the
 * platform's timer event `{ Type: 'Timer', TriggerName, Time, Message }`, Message being the trigger's
 * custom argument ('' by default).
 */
export function buildEvent(request: InvokeRequest, deployment: ResolvedDeployment, startedAt: Date): Record<string, unknown> {
  if (request.rawEvent) return request.rawEvent;
  const caller = request.caller;
  switch (caller.kind) {
    case 'miniprogram':
      return { ...request.data, userInfo: { appId: caller.appid ?? deployment.appid, openId: caller.openid } };
    case 'timer':
      return { Type: 'Timer', TriggerName: caller.triggerName ?? 'timer', Time: timerTime(startedAt), Message: caller.message ?? '' };
    case 'function':
    case 'http':
      return { ...request.data };
  }
}

function contextEnvironment(deployment: ResolvedDeployment, invocationEnv: Record<string, string>): Record<string, string> {
  return { SCF_NAMESPACE: deployment.envId, TCB_ENV: deployment.envId, ...deployment.env, ...invocationEnv };
}

/** The serializable part of the SCF Node.js context object. */
export function buildContextFields(
  deployment: ResolvedDeployment,
  requestId: string,
  timeoutMs: number,
  invocationEnv: Record<string, string>,
): ScfContextFields {
  const environment = contextEnvironment(deployment, invocationEnv);
  return {
    callbackWaitsForEmptyEventLoop: true,
    memory_limit_in_mb: MEMORY_LIMIT_MB,
    time_limit_in_ms: timeoutMs,
    request_id: requestId,
    environment: JSON.stringify(environment),
    environ: Object.entries(environment)
      .map(([name, value]) => `${name}=${value}`)
      .join(';'),
    function_version: '$LATEST',
    function_name: deployment.functionName,
    namespace: deployment.envId,
    tencentcloud_region: REGION,
    tencentcloud_appid: TENCENTCLOUD_APPID,
    tencentcloud_uin: TENCENTCLOUD_UIN,
  };
}

/** Everything the function process needs to run one request. */
export function planInvocation(request: InvokeRequest, deployment: ResolvedDeployment): InvocationPlan {
  const requestId = randomUUID();
  const timeoutMs = request.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const invocationEnv = invocationEnvironment(request.caller, deployment, requestId);
  const plan: InvocationPlan = {
    invocationId: requestId,
    event: buildEvent(request, deployment, request.now ?? new Date()),
    context: buildContextFields(deployment, requestId, timeoutMs, invocationEnv),
    invocationEnv,
    timeoutMs,
  };
  if (request.now) plan.nowMs = request.now.getTime();
  return plan;
}
