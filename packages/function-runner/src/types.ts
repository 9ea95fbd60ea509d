/** Who triggered the invocation; decides the event shape and what `cloud.getWXContext()` sees. */
export type Caller =
  | { kind: 'miniprogram'; openid: string; appid?: string; unionid?: string; source?: 'wx_client' | 'wx_devtools' }
  | {
      kind: 'timer';
      /** The trigger's name in config.json; default 'timer'. */
      triggerName?: string;
      /** The trigger's custom argument, the event's Message; default '' (a trigger without one). */
      message?: string;
    }
  | { kind: 'function'; source?: string }
  /**
   * A request through CloudBase's HTTP access service (HTTP 访问服务): pass the request as `rawEvent`
   * (`{ path, httpMethod, headers, queryStringParameters, body, isBase64Encoded }`). No OPENID, APPID or
   * API token. SOURCE is not documented for it (the docs list "other: not triggered from WeChat"): unset
   * unless `source` is given.
   */
  | { kind: 'http'; source?: string };

export interface InvokeRequest {
  /** Event data from the caller (ignored for a timer). */
  data?: Record<string, unknown>;
  /** When set, used as the whole event as-is (to test forged events); the caller still decides the environment. */
  rawEvent?: Record<string, unknown>;
  caller: Caller;
  /** The function process's clock at the start of this invocation: Date.now()/new Date() return now + elapsed real time. */
  now?: Date;
  /** Invocation time limit, default 3000 (the platform default). */
  timeoutMs?: number;
}

export interface InvocationFailure {
  errorMessage: string;
  errorType: string;
  stackTrace?: string;
}

export interface InvokeResult {
  /** What main resolved to, JSON round-tripped as the platform returns it (`undefined` becomes null); undefined when failed or timed out. */
  reply: unknown;
  /** main threw/rejected, its reply could not be serialized, or the process died. Not set for a timeout. */
  failed?: InvocationFailure;
  timedOut: boolean;
  /** Time spent by the invocation inside the function process (module load included on a cold start). */
  durationMs: number;
  /** Lines the function wrote to stdout/stderr during this invocation. */
  logs: string[];
  /** The context's request_id. */
  requestId: string;
  /** The function process that ran the invocation. */
  pid: number;
  /** True when this invocation loaded index.js (first invocation of a process). */
  coldStart: boolean;
  /** Time to require index.js, on a cold start only. */
  loadMs?: number;
  /** The function process's peak resident set size so far (process.resourceUsage().maxRSS * 1024). */
  maxRssBytes?: number;
  /** Wall time seen by the caller of invoke(), including process start for invokeCold. */
  wallMs: number;
}

export interface FunctionDeployment {
  /** Folder containing the built index.js, e.g. cloudfunctions/getMonthlyRetain. */
  functionDir: string;
  /** Default path.basename(functionDir). */
  functionName?: string;
  /** The emulator's URL for this function; goes into TCB_CONTEXT_CNFG. */
  contextUrl: string;
  /** The function's own environment variables, e.g. ANALYTICS_ADMIN_OPENIDS. */
  env?: Record<string, string>;
  /** TCB_ENV / SCF_NAMESPACE, default 'local-env'. */
  envId?: string;
  /** The Mini Program AppID given to Mini Program callers without one, default 'wx0000000000000000'. */
  appid?: string;
  /**
   * The `node` binary the function process runs on, as the function's runtime: default the Node running
   * the caller. `@wx-monthly-analytics/cloudbase-runtimes` installs the binaries of CloudBase's runtimes.
   */
  nodePath?: string;
}

export interface WarmInstance {
  /** Runs one invocation; calls are queued and run one after another in the same process. */
  invoke(request: InvokeRequest): Promise<InvokeResult>;
  /** Kills the function process; later invoke() calls reject. */
  close(): Promise<void>;
  /** The current function process (a new one after a timeout or crash). */
  readonly pid: number;
}
