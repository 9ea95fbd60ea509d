import { existsSync } from 'fs';
import { mkdir } from 'fs/promises';
import path from 'path';
import { parseMonth } from './calendar';
import {
  COMPONENT_APIS,
  ComponentAuthority,
  EMULATOR_COMPONENT_AES_KEY,
  EMULATOR_COMPONENT_APPID,
  EMULATOR_COMPONENT_APPSECRET,
  EMULATOR_COMPONENT_TOKEN,
} from './component';
import { checkFaultCode, clockFrom, resolveFaultApi } from './control';
import { DocumentStore } from './database';
import { DatabaseFaultPlan } from './database-faults';
import { DATABASE_LATENCY, FaultPlan } from './faults';
import { functionContextUrl, INVOKE_FUNCTION_API } from './functions';
import { EMULATED_APIS } from './open-api';
import { listen } from './server';
import { EMULATOR_APP_SECRET, EMULATOR_APPID, TOKEN_APIS, TokenAuthority } from './tokens';
import type { CallFilter, Emulator, EmulatorFaults, EmulatorOptions, OpenApiCall } from './types';

export type { CallFilter, Emulator, EmulatorFaults, EmulatorOptions, FaultListing, InjectedFault, OpenApiCall } from './types';
export {
  DATABASE_ACTIONS,
  DATABASE_FAULT_CODES,
  DATABASE_WRITE_ACTIONS,
  DatabaseFaultPlan,
  checkDatabaseFault,
  resolveDatabaseAction,
  type DatabaseFault,
  type DatabaseFaultReply,
  type DatabaseFaultSpec,
} from './database-faults';
export { parseDatabaseFaultSpec, parseLatencySpec, parseReplyFaultSpec, type LatencySpec, type ReplyFaultSpec } from './control';
export {
  LAUNCH_MONTH,
  monthlyAnalytics,
  type MonthlyAnalytics,
  type MonthlyRetainReply,
  type MonthlyVisitTrendReply,
  type RetentionEntry,
  type VisitTrendRow,
} from './analytics-data';
export { EMULATED_APIS, MONTHLY_RETAIN_API, MONTHLY_VISIT_TREND_API } from './open-api';
export { DocumentStore, DatabaseActionError, handleDatabaseAction, type DatabaseReply, type DocObject, type DocValue } from './database';
export { documentKey } from './database-actions';
export {
  aesKeyOf,
  decryptMessage,
  ENCODING_AES_KEY_LENGTH,
  encryptMessage,
  MessageCryptoError,
  signMessage,
  signRequest,
  type DecryptedMessage,
} from './message-crypto';
export {
  AUTHORIZATION_CODE_LIFETIME_SECONDS,
  AUTHORIZER_LIST_API,
  AUTHORIZER_LIST_MAX_COUNT,
  AUTHORIZER_TOKEN_API,
  COMPONENT_APIS,
  COMPONENT_TOKEN_API,
  DATACUBE_FUNCSCOPE,
  EMULATOR_AUTHORIZER_APPID,
  EMULATOR_COMPONENT_AES_KEY,
  EMULATOR_COMPONENT_APPID,
  EMULATOR_COMPONENT_APPSECRET,
  EMULATOR_COMPONENT_EVENT_PATH,
  EMULATOR_COMPONENT_TOKEN,
  QUERY_AUTH_API,
  START_PUSH_TICKET_API,
  TICKET_LIFETIME_SECONDS,
  TICKET_PUSH_INTERVAL_SECONDS,
  type AuthorizationGrant,
  type ComponentConfig,
  type ComponentPush,
  type EmulatorComponent,
  type HttpAccessEvent,
} from './component';
export { CONTROL_PREFIX, clockFrom, parseFaultSpec, resolveFaultApi, type FaultSpec } from './control';
export {
  FAKE_CREATABLE_RUNTIMES,
  FAKE_TENCENT_CLOUD_CREDENTIALS,
  TENCENT_CLOUD_API_VERSIONS,
  startTencentCloudApi,
  type RecordedApiRequest,
  type TencentCloudApi,
  type TencentCloudApiOptions,
  type TencentCloudService,
} from './tencent-cloud-api';
export {
  FAKE_DEFAULT_MSG_TTL,
  FAKE_DEFAULT_RETRY_NUM,
  TencentCloudApiError,
  TencentCloudState,
  type FakeEnvironment,
  type FakeFunction,
  type FakeFunctionSeed,
  type FakeFunctionStatus,
  type FakeOutcome,
  type FakeTimer,
} from './tencent-cloud-state';
export { FAKE_MAX_ZIP_BASE64 } from './tencent-cloud-params';
export { TC3_ALGORITHM, TC3_MAX_SKEW_SECONDS, parseTc3Authorization, tc3AuthorizationHeader, tc3CanonicalRequest, tc3Date, tc3Signature, type Tc3Authorization, type Tc3Request } from './tc3-signature';
export {
  FUNCTION_NOT_FOUND_MESSAGE,
  FUNCTIONS_EXECUTE_FAIL,
  functionContextUrl,
  INVOKE_FUNCTION_API,
  type InvokeFunctionHook,
  type InvokeFunctionOutcome,
  type InvokeFunctionRequest,
} from './functions';
export {
  ACCESS_TOKEN_API,
  EMULATOR_APP_SECRET,
  EMULATOR_APPID,
  FORCE_REFRESH_DAILY_LIMIT,
  FORCE_REFRESH_MIN_INTERVAL_SECONDS,
  FORCE_REFRESH_TOO_FREQUENT_ERRCODE,
  STABLE_TOKEN_API,
  TOKEN_APIS,
  TOKEN_LIFETIME_SECONDS,
  TOKEN_OVERLAP_SECONDS,
  type EmulatorApp,
  type EmulatorTokens,
  type TokenKind,
} from './tokens';

/** Default data seed. */
export const DEFAULT_SEED = 'wx-monthly-analytics';
/** Default HTTPS access_token valid for ever (besides the tokens the token endpoints mint). */
export const DEFAULT_ACCESS_TOKEN = 'local-access-token';
/** How long {@link Emulator.stop} lets the requests in flight finish, by default. */
export const DEFAULT_STOP_GRACE_MS = 10_000;
/** Default largest request body, 4 MiB. */
export const DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024;

/** A fault's API for a one-shot fault: the database takes a latency only. */
function oneShotApi(apiName: string): string {
  const resolved = resolveFaultApi(apiName);
  if (resolved === DATABASE_LATENCY) throw new RangeError('the database takes a latency only (latency(ms, "database")), not one-shot faults');
  return resolved;
}

/**
 * Starts the emulator of the CloudBase gateway (open API and database) and of WeChat's HTTPS monthly
 * analytics API, listening on 127.0.0.1 only.
 *
 * @param options - see {@link EmulatorOptions}
 * @returns the running emulator; call `close()` when done
 */
export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const functionsRoot = options.functionsRoot ?? path.resolve('cloudfunctions');
  const seed = options.seed ?? DEFAULT_SEED;
  const accessToken = options.accessToken === null ? undefined : (options.accessToken ?? DEFAULT_ACCESS_TOKEN);
  const { dataFile } = options;
  let clock: () => Date = options.now ?? (() => new Date());
  const calls: OpenApiCall[] = [];
  const overrides = new Map<string, string>();
  const faults = new FaultPlan([...TOKEN_APIS, ...COMPONENT_APIS, INVOKE_FUNCTION_API, DATABASE_LATENCY]);
  const tokens = new TokenAuthority(options.apps ?? [{ appid: EMULATOR_APPID, secret: EMULATOR_APP_SECRET }], () => clock(), accessToken);
  const component = new ComponentAuthority(
    options.component ?? {
      componentAppid: EMULATOR_COMPONENT_APPID,
      componentAppsecret: EMULATOR_COMPONENT_APPSECRET,
      token: EMULATOR_COMPONENT_TOKEN,
      encodingAesKey: EMULATOR_COMPONENT_AES_KEY,
    },
    () => clock(),
  );
  const databaseFaults = new DatabaseFaultPlan();
  const database = dataFile !== undefined && existsSync(dataFile) ? await DocumentStore.fromFile(dataFile) : new DocumentStore();

  const server = await listen(
    {
      functionsRoot,
      seed,
      tokens,
      component,
      maxBodyBytes: options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
      database,
      faults,
      databaseFaults,
      now: () => clock(),
      replyOverride: (apiName, month) => overrides.get(`${apiName} ${month}`),
      record: (call) => calls.push(call),
      ...(options.invokeFunction ? { invokeFunction: options.invokeFunction } : {}),
      ...(options.control
        ? {
            control: {
              failNext: (apiName: string, errcode: number, times: number) => {
                checkFaultCode(apiName, errcode);
                faults.failNext(apiName, errcode, times);
              },
              clearFaults: () => {
                faults.clear();
                databaseFaults.clear();
              },
              faults: () => emulatorFaults,
              rejectIp: (ip: string | null) => tokens.rejectIp(ip),
              rejectComponentIp: (ip: string | null) => component.rejectIp(ip),
              issueTicket: () => component.issueTicket(),
              setClock: (now: Date | null) => {
                clock = now === null ? () => new Date() : clockFrom(now);
              },
              calls: () => calls.slice(),
            },
          }
        : {}),
    },
    options.port ?? 0,
  );
  const url = `http://127.0.0.1:${server.port}`;
  const emulatorFaults: EmulatorFaults = {
    // Short names (getMonthlyRetain) are resolved and unknown ones refused, as on the command line.
    failNext: (apiName, errcode, times) => {
      const resolved = oneShotApi(apiName);
      checkFaultCode(resolved, errcode);
      faults.failNext(resolved, errcode, times);
    },
    latency: (ms, apiName) => faults.latency(ms, apiName === undefined ? undefined : resolveFaultApi(apiName)),
    malformedNext: (apiName, times) => faults.malformedNext(oneShotApi(apiName), times),
    dropNext: (apiName, times) => faults.dropNext(oneShotApi(apiName), times),
    clear: () => {
      faults.clear();
      databaseFaults.clear();
    },
    failAlways: (apiName, errcode) => {
      const resolved = oneShotApi(apiName);
      checkFaultCode(resolved, errcode);
      faults.failAlways(resolved, errcode);
    },
    failDatabase: (spec) => databaseFaults.schedule(spec),
    databaseLatency: (ms, action) => databaseFaults.latency(ms, action),
    list: () => ({ ...faults.list(), database: databaseFaults.list() }),
  };
  const save = async (): Promise<void> => {
    if (dataFile === undefined) return;
    await mkdir(path.dirname(path.resolve(dataFile)), { recursive: true });
    await database.saveTo(dataFile);
  };

  return {
    url,
    contextUrl: (functionName) => functionContextUrl(url, functionName),
    setNow(now) {
      if (typeof now === 'function') {
        clock = now;
      } else {
        const fixed = now.getTime();
        clock = () => new Date(fixed);
      }
    },
    get calls() {
      return calls.slice();
    },
    countCalls: (filter: CallFilter = {}) => {
      const apiName = filter.apiName === undefined ? undefined : resolveFaultApi(filter.apiName);
      return calls.filter(
        (call) =>
          (apiName === undefined || call.apiName === apiName) &&
          (filter.functionName === undefined || call.functionName === filter.functionName) &&
          (filter.targetFunction === undefined || call.targetFunction === filter.targetFunction) &&
          (filter.transport === undefined || call.transport === filter.transport),
      ).length;
    },
    resetCalls() {
      calls.length = 0;
    },
    faults: emulatorFaults,
    tokens: {
      current: (appid, kind) => tokens.current(appid, kind),
      invalidate: (token) => tokens.invalidate(token),
      get issued() {
        return tokens.issued;
      },
      rejectIp: (ip) => tokens.rejectIp(ip),
      reset: () => tokens.reset(),
    },
    component,
    clearOverrides() {
      overrides.clear();
    },
    overrideReply(apiName, month, wechatJsonText) {
      if (!EMULATED_APIS.includes(apiName)) throw new RangeError(`cannot override ${apiName}: not an emulated API`);
      parseMonth(month);
      overrides.set(`${apiName} ${month}`, wechatJsonText);
    },
    database,
    save,
    close: () => server.close(),
    async stop(stopOptions = {}) {
      await server.shutdown(stopOptions.graceMs ?? DEFAULT_STOP_GRACE_MS);
      await save();
    },
  };
}

/** Placeholder credentials and environment id the emulator accepts (it checks none of them). */
export const EMULATOR_CREDENTIALS = {
  TENCENTCLOUD_SECRETID: 'emulator-secret-id',
  TENCENTCLOUD_SECRETKEY: 'emulator-secret-key',
  TCB_ENV: 'emulator-env',
} as const;

/**
 * The environment a cloud function needs so that the unmodified wx-server-sdk talks to the emulator as
 * that function: `TCB_CONTEXT_CNFG`, placeholder credentials, `TCB_ENV`, and `TENCENTCLOUD=true`, which
 * stops @cloudbase/node-sdk from probing Tencent Cloud's metadata server (metadata.tencentyun.com) on every
 * request. The SDK reads these on each request, so one process may switch between functions.
 *
 * @param emulator - a running emulator (only `contextUrl` is used)
 * @param functionName - the folder name under the functions root
 */
export function functionEnvironment(emulator: Pick<Emulator, 'contextUrl'>, functionName: string): Record<string, string> {
  return {
    TCB_CONTEXT_CNFG: JSON.stringify({ URL: emulator.contextUrl(functionName) }),
    ...EMULATOR_CREDENTIALS,
    TENCENTCLOUD: 'true',
  };
}
