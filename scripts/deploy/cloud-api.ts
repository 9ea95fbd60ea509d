import type { Agent } from 'http';
import { CommonClient } from 'tencentcloud-sdk-nodejs-common';
import { DeployError } from './errors';

/**
 * The Tencent Cloud API keys, read from the deployer's environment under the names the tcb CLI,
 * @cloudbase/manager-node (`constant.js` ENV_NAME) and SCF itself use. Never read from a file in the
 * repository, never printed.
 */
export const CREDENTIAL_VARIABLES = { secretId: 'TENCENTCLOUD_SECRETID', secretKey: 'TENCENTCLOUD_SECRETKEY', token: 'TENCENTCLOUD_SESSIONTOKEN' } as const;
/** The region the tcb DescribeEnvs call is sent to; `ap-shanghai` by default, as manager-node does (utils/cloud-api-request.js). */
export const REGION_VARIABLE = 'TENCENTCLOUD_REGION';
export const DEFAULT_TCB_REGION = 'ap-shanghai';

/** The services deploy calls, with their API versions. */
export const SERVICES = { tcb: { host: 'tcb.tencentcloudapi.com', version: '2018-06-08' }, scf: { host: 'scf.tencentcloudapi.com', version: '2018-04-16' } } as const;
export type Service = keyof typeof SERVICES;

/** The actions that only read; a dry run's client refuses every other one before sending it. */
export const READ_ACTIONS: readonly string[] = ['DescribeEnvs', 'GetFunction', 'GetFunctionEventInvokeConfig', 'ListTriggers'];

/** Tencent Cloud API keys (a `token` makes them temporary keys). */
export interface ApiCredentials {
  secretId: string;
  secretKey: string;
  token?: string;
}

/** Where requests go: the real endpoints by default; tests point them at a local fake. */
export interface ApiTransport {
  protocol?: string;
  endpoint?: (service: Service) => string;
  agent?: Agent;
  /** Per request, seconds (default 60). */
  timeoutSeconds?: number;
}

/** An error answer of the API (`Response.Error`), or a request that got no answer. */
export class CloudApiError extends Error {
  override name = 'CloudApiError';
  constructor(
    readonly action: string,
    readonly code: string,
    message: string,
    readonly requestId?: string,
  ) {
    super(`${action} failed: ${code === '' ? '' : `${code}: `}${message}${requestId ? ` (RequestId ${requestId})` : ''}`);
  }
}

/** What a request that got no answer says (Node's socket and DNS errors, the SDK's timeout). */
const UNREACHABLE = /\b(ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|ESOCKETTIMEDOUT|EHOSTUNREACH|ENETUNREACH|EPIPE)\b|timeout|timed out|socket hang up/i;

/**
 * Whether `error` is a request that reached no API: a {@link CloudApiError} without an error code or a
 * RequestId (the API answers every error with both) whose message is a network failure. An AuthFailure
 * or any other answer of the API is not.
 */
export function isUnreachable(error: unknown): boolean {
  return error instanceof CloudApiError && error.code === '' && error.requestId === undefined && UNREACHABLE.test(error.message);
}

/** One service's client. */
export interface CloudApi {
  readonly service: Service;
  /** Sends `action` and resolves with its `Response` (RequestId included); rejects with {@link CloudApiError}. */
  call(action: string, params: Record<string, unknown>): Promise<Record<string, unknown>>;
}

/** The keys from `environment`, or the names of the variables that are missing. */
export function readCredentials(environment: NodeJS.ProcessEnv): { credentials?: ApiCredentials; missing: string[] } {
  const read = (name: string) => {
    const value = environment[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  };
  const secretId = read(CREDENTIAL_VARIABLES.secretId);
  const secretKey = read(CREDENTIAL_VARIABLES.secretKey);
  const token = read(CREDENTIAL_VARIABLES.token);
  const missing = [secretId === undefined ? CREDENTIAL_VARIABLES.secretId : '', secretKey === undefined ? CREDENTIAL_VARIABLES.secretKey : ''].filter(Boolean);
  if (secretId === undefined || secretKey === undefined) return { missing };
  return { credentials: { secretId, secretKey, ...(token === undefined ? {} : { token }) }, missing };
}

/**
 * A client of `service` over tencentcloud-sdk-nodejs-common's CommonClient (TC3-HMAC-SHA256 signing,
 * POST JSON). With `readOnly`, any action outside {@link READ_ACTIONS} throws before a request is made.
 */
export function createCloudApi(service: Service, region: string, credentials: ApiCredentials, transport: ApiTransport = {}, readOnly = false): CloudApi {
  const { host, version } = SERVICES[service];
  const client = new CommonClient(host, version, {
    credential: { secretId: credentials.secretId, secretKey: credentials.secretKey, ...(credentials.token === undefined ? {} : { token: credentials.token }) },
    region,
    profile: {
      httpProfile: {
        protocol: transport.protocol ?? 'https://',
        endpoint: transport.endpoint?.(service) ?? host,
        reqTimeout: transport.timeoutSeconds ?? 60,
        ...(transport.agent === undefined ? {} : { agent: transport.agent }),
      },
    },
  });
  return {
    service,
    async call(action, params) {
      if (readOnly && !READ_ACTIONS.includes(action)) throw new Error(`${action} is a write: a dry run sends reads only`);
      try {
        const answer: unknown = await client.request(action, params);
        return typeof answer === 'object' && answer !== null ? (answer as Record<string, unknown>) : {};
      } catch (error) {
        const { code, message, requestId } = (error ?? {}) as { code?: unknown; message?: unknown; requestId?: unknown };
        throw new CloudApiError(action, typeof code === 'string' ? code : '', typeof message === 'string' ? message : String(error), typeof requestId === 'string' && requestId !== '' ? requestId : undefined);
      }
    },
  };
}

/** Where an environment's functions live. */
export interface EnvironmentLocation {
  envId: string;
  region: string;
  /** The SCF namespace of its functions. */
  namespace: string;
}

/**
 * Finds the environment with tcb DescribeEnvs: its `Region`, and the namespace of its functions
 * (`EnvList[0].Functions[0].Namespace`, as manager-node's getFunctionConfig() takes it).
 *
 * @throws {DeployError} when the keys are refused or see no such environment
 */
export async function locateEnvironment(tcb: CloudApi, envId: string): Promise<EnvironmentLocation> {
  let answer: Record<string, unknown>;
  try {
    answer = await tcb.call('DescribeEnvs', { EnvId: envId });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    if (isUnreachable(error)) {
      throw new DeployError(
        `Could not reach the Tencent Cloud API to read environment ${envId} (${reason}): the request got no answer, so the keys were not checked either. ` +
          `Check this machine's network connection, DNS and any proxy or firewall on the way to ${SERVICES.tcb.host}, then run the deploy again; nothing was changed.`,
      );
    }
    throw new DeployError(`Could not read environment ${envId} (${reason}): check ${CREDENTIAL_VARIABLES.secretId}/${CREDENTIAL_VARIABLES.secretKey} and that the keys belong to the Tencent Cloud account of the environment.`);
  }
  const list = Array.isArray(answer.EnvList) ? (answer.EnvList as { EnvId?: unknown; Region?: unknown; Functions?: { Namespace?: unknown; Region?: unknown }[] }[]) : [];
  const env = list.find((candidate) => candidate.EnvId === envId);
  const fn = env?.Functions?.[0];
  const region = typeof env?.Region === 'string' && env.Region !== '' ? env.Region : fn?.Region;
  if (env === undefined || typeof fn?.Namespace !== 'string' || typeof region !== 'string') {
    throw new DeployError(`These API keys see no environment ${envId} with cloud functions: check --env / WX_CLOUD_ENV (the id shown in the cloud console) and that the keys belong to the account that owns it.`);
  }
  return { envId, region, namespace: fn.Namespace };
}
