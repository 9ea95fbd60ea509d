import type { DatabaseFault, DatabaseFaultSpec } from './database-faults';
import type { ComponentConfig, EmulatorComponent } from './component';
import type { DocumentStore } from './database';
import type { InvokeFunctionHook } from './functions';
import type { EmulatorApp, EmulatorTokens } from './tokens';

/** Options of {@link startEmulator}. */
export interface EmulatorOptions {
  /** Port on 127.0.0.1; default 0 (any free port). */
  port?: number;
  /** Folder with `<functionName>/config.json`; default `cloudfunctions/` in the working directory. */
  functionsRoot?: string;
  /** Data seed, default `'wx-monthly-analytics'`. */
  seed?: string;
  /** The emulator's clock; default `() => new Date()`. */
  now?: () => Date;
  /**
   * An HTTPS `access_token` valid for ever besides the minted ones, default `'local-access-token'`;
   * `null`: only tokens from the token endpoints.
   */
  accessToken?: string | null;
  /**
   * The Mini Programs whose AppID and AppSecret the token endpoints accept; default one:
   * `EMULATOR_APPID` with `EMULATOR_APP_SECRET`.
   */
  apps?: readonly EmulatorApp[];
  /**
   * The third-party platform the emulator plays WeChat for; default `EMULATOR_COMPONENT_APPID` with
   * `EMULATOR_COMPONENT_APPSECRET`, `EMULATOR_COMPONENT_TOKEN`, `EMULATOR_COMPONENT_AES_KEY`.
   */
  component?: ComponentConfig;
  /** Database file: loaded at start when it exists, written by `save()`. */
  dataFile?: string;
  /** Largest request body accepted, in bytes; default 4 MiB. Larger ones get INVALID_PARAM. */
  maxBodyBytes?: number;
  /**
   * Answer the control endpoints under `/control/` (faults, clock, recorded calls; see
   * `control.ts`), as `npm run emulator` does; default false.
   */
  control?: boolean;
  /**
   * Runs the function a cloud function names in `cloud.callFunction` (the gateway's
   * `functions.invokeFunction`), e.g. function-runner's `createFunctionPool(…).invokeFunction`. Without
   * it, and when it answers `{ notFound: true }`, the call gets CloudBase's answer for a missing function.
   */
  invokeFunction?: InvokeFunctionHook;
}

/** How the emulator answered a call when a fault was injected. */
export type InjectedFault = 'fail' | 'malformed' | 'drop';

/** One open-API call (or `cloud.callFunction`) that reached the emulator. */
export interface OpenApiCall {
  /** The cloud function named by the request path (the caller), `null` for HTTPS calls or a path naming none. */
  functionName: string | null;
  /**
   * The open API, the token endpoint (`'cgi-bin/stable_token'`, `'cgi-bin/token'`), the third-party
   * platform's (`'cgi-bin/component/api_component_token'` …), or `'functions.invokeFunction'` for a
   * `cloud.callFunction`.
   */
  apiName: string;
  /** For `functions.invokeFunction`: the function called (`function_name`, when the request had one). */
  targetFunction?: string;
  transport: 'cloud' | 'https';
  /**
   * The AppID a token endpoint request named; for the third-party platform's endpoints the component's
   * or the authorizer's; for a datacube call with an authorizer token, the authorizer's (never a secret nor a token).
   */
  appid?: string;
  beginDate?: string;
  endDate?: string;
  /**
   * 0 for success, else the code the caller gets: WeChat's errcode, the gateway's (-604101 …), -501007 for a
   * request the gateway could not read, -601001 for a malformed reply, -501001 for a dropped connection.
   * For `functions.invokeFunction`, the number wx-server-sdk's table gives the CloudBase code answered
   * (-504002 FUNCTIONS_EXECUTE_FAIL, -501007 INVALID_PARAM …; wx-server-sdk 4.0.2 itself reports errCode -1
   * with that `code`).
   */
  errcode: number;
  /** The emulator's clock when the call arrived. */
  at: Date;
  /** Set when an injected fault decided the answer. */
  fault?: InjectedFault;
}

/** A filter of {@link Emulator.countCalls}. */
export interface CallFilter {
  apiName?: string;
  functionName?: string;
  targetFunction?: string;
  transport?: 'cloud' | 'https';
}

/** The faults an {@link Emulator} can inject into open-API calls, on both transports, and into `cloud.callFunction`. */
export interface EmulatorFaults {
  /**
   * The next `times` (default 1) calls of `apiName` (`'*'`: any open API; the token endpoints
   * `'cgi-bin/stable_token'` and `'cgi-bin/token'` and `'invokeFunction'` only by name) answer `errcode`:
   * positive codes and -1 as WeChat's `{errcode, errmsg}`, -501xxx…-504xxx as the CloudBase JSON error the
   * SDK maps to that code, other negative codes (-604103 …) as the gateway's `CommOpenApiResp.errorCode`.
   * `invokeFunction` takes only the CloudBase codes (-504002 FUNCTIONS_EXECUTE_FAIL …); the function is not run.
   */
  failNext(apiName: string | '*', errcode: number, times?: number): void;
  /**
   * Delays answers by `ms` for `apiName` (default: every open API, not the token endpoints nor
   * invokeFunction; `'database'`: every database action); 0 clears.
   */
  latency(ms: number, apiName?: string): void;
  /** The next `times` calls of `apiName` get JSON the SDK cannot parse (it reports -601001). */
  malformedNext(apiName: string | '*', times?: number): void;
  /** The next `times` calls of `apiName` have their socket destroyed without a reply (the SDK reports -501001). */
  dropNext(apiName: string | '*', times?: number): void;
  /** Removes all scheduled faults and latencies, the database's included. */
  clear(): void;
  /**
   * Every call of `apiName` (as in failNext) answers `errcode` until {@link EmulatorFaults.clear}: the
   * environment's used-up request quota is `failAlways('*', -501003)`.
   */
  failAlways(apiName: string | '*', errcode: number): void;
  /**
   * Fails database requests by action, collection and code, or answers them empty, malformed or not at all
   * (see {@link DatabaseFaultSpec}); returns the fault as `list()` shows it. Throws RangeError for a spec it
   * cannot take. Example: `failDatabase({ action: 'getDocument', collection: 'analytics_monthly', errcode: -502001 })`.
   */
  failDatabase(spec: DatabaseFaultSpec): DatabaseFault;
  /** Delays the answer to one database action (`'*'` or omitted: all of them) by `ms`; 0 clears. */
  databaseLatency(ms: number, action?: string): void;
  /** What is scheduled: open-API faults and latencies, and the database's. */
  list(): FaultListing;
}

/** What `faults.list()` and `GET /control/faults` answer. */
export interface FaultListing {
  /** Open-API, token, third-party and invokeFunction faults, in the order they are taken; `remaining` null: until cleared. */
  faults: Array<{ api: string; kind: InjectedFault; errcode?: number; remaining: number | null }>;
  latencies: Array<{ api: string; ms: number }>;
  database: { faults: DatabaseFault[]; latencies: Array<{ action: string; ms: number }> };
}

/** A running emulator of the CloudBase gateway and WeChat's monthly analytics APIs. */
export interface Emulator {
  /** `'http://127.0.0.1:PORT'`. */
  readonly url: string;
  /** URL to put in `TCB_CONTEXT_CNFG` for that function: `${url}/functions/${name}`. */
  contextUrl(functionName: string): string;
  /** Moves the emulator's clock: a fixed instant or a clock function. */
  setNow(now: Date | (() => Date)): void;
  /** Every open-API call that reached the emulator, including rejected ones (a copy). */
  readonly calls: readonly OpenApiCall[];
  /** Number of recorded calls matching every given field of `filter`. */
  countCalls(filter?: CallFilter): number;
  /** Forgets the recorded calls. */
  resetCalls(): void;
  readonly faults: EmulatorFaults;
  /** The token endpoints' state: current tokens, invalidation, IP allowlist rejection. */
  readonly tokens: EmulatorTokens;
  /** The third-party platform: ticket and authorization pushes, its endpoints' state and switches. */
  readonly component: EmulatorComponent;
  /**
   * Serves this exact WeChat JSON text (snake_case) for `month` (`'YYYY-MM'`) of `apiName`, once the request
   * passed WeChat's checks, on both transports.
   */
  overrideReply(apiName: string, month: string, wechatJsonText: string): void;
  /** Removes every {@link Emulator.overrideReply}: months are answered from the seeded data again. */
  clearOverrides(): void;
  /** The database behind `database.*` requests. */
  readonly database: DocumentStore;
  /** Writes the database to `dataFile` (no-op without one). */
  save(): Promise<void>;
  /** Closes the server and all sockets. */
  close(): Promise<void>;
  /**
   * The graceful stop the command line does on SIGTERM/SIGINT: stops accepting connections, lets the
   * requests in flight finish (at most `graceMs`, default 10 s, then closes their sockets), then saves the
   * database to `dataFile` (when there is one). Every request answered before it resolves is in the file.
   */
  stop(options?: { graceMs?: number }): Promise<void>;
}
