import { randomUUID } from 'crypto';
import http from 'http';
import type { AddressInfo, LookupFunction } from 'net';
import { readBody } from './request-body';
import { FAKE_ACTIONS } from './tencent-cloud-actions';
import { TencentCloudApiError, TencentCloudState, type FakeEnvironment, type FakeFunction, type FakeFunctionSeed, type FakeOutcome } from './tencent-cloud-state';
import { TC3_MAX_SKEW_SECONDS, parseTc3Authorization, tc3CanonicalRequest, tc3Date, tc3Signature } from './tc3-signature';

/** The API versions the fake serves: SCF 2018-04-16 and tcb 2018-06-08. */
export const TENCENT_CLOUD_API_VERSIONS = { scf: '2018-04-16', tcb: '2018-06-08' } as const;
export type TencentCloudService = keyof typeof TENCENT_CLOUD_API_VERSIONS;

/** API keys the fake accepts by default (placeholders; never real keys). */
export const FAKE_TENCENT_CLOUD_CREDENTIALS = { secretId: 'AKIDfake0000000000000000000000000000', secretKey: 'fake-secret-key-0000000000000000' } as const;

/** The runtimes CloudBase offers for new functions (docs.cloudbase.net, 云函数运行时支持). */
export const FAKE_CREATABLE_RUNTIMES = ['Nodejs16.13', 'Nodejs18.15', 'Nodejs20.19', 'Nodejs22.21', 'Nodejs24.11'] as const;

/** How the fake is set up. */
export interface TencentCloudApiOptions {
  /** Accepted API keys; a key with a `token` is a temporary one and needs X-TC-Token. */
  credentials?: { secretId: string; secretKey: string; token?: string }[];
  /** CloudBase environments (default one, `fake-env-1a2b3c` in ap-shanghai). */
  environments?: FakeEnvironment[];
  /** GetFunction reads that still see Creating/Updating/Deleting after a write (default 1). */
  settleReads?: number;
  creatableRuntimes?: readonly string[];
  /** The clock X-TC-Timestamp is checked against. */
  now?: () => Date;
}

/** One request as the fake received it. */
export interface RecordedApiRequest {
  service: string;
  action: string;
  version: string;
  region?: string;
  params: Record<string, unknown>;
  /** Whether the signature (and key, timestamp, scope) was accepted. */
  authorized: boolean;
  /** The error code answered, if any. */
  errorCode?: string;
}

/** A running fake of the Tencent Cloud API (tcb and SCF) on 127.0.0.1. */
export interface TencentCloudApi {
  readonly port: number;
  /** `scf.tencentcloudapi.com:PORT`: the service name stays the host's first label, as the SDK signs it. */
  endpoint(service: TencentCloudService): string;
  /** An agent whose DNS lookup answers 127.0.0.1 for `*.tencentcloudapi.com` (and fails any other name). */
  readonly agent: http.Agent;
  readonly state: TencentCloudState;
  /** Every request so far, in order. */
  readonly requests: RecordedApiRequest[];
  /** The function `name` in the environment's namespace (undefined when it does not exist). */
  functionNamed(name: string, envId?: string): FakeFunction | undefined;
  seedFunction(seed: FakeFunctionSeed, envId?: string): FakeFunction;
  /** Makes the next `action` (CreateFunction, UpdateFunctionCode, …) on `name` end in `outcome`. */
  planOutcome(name: string, action: string, outcome: Partial<FakeOutcome> & Pick<FakeOutcome, 'status'>, envId?: string): void;
  /** Answers the next call of `action` with this error. */
  failNext(action: string, code: string, message: string): void;
  close(): Promise<void>;
}

function answer(res: http.ServerResponse, fields: Record<string, unknown>): void {
  res.writeHead(200, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify({ Response: { ...fields, RequestId: randomUUID() } }));
}

function header(req: http.IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Checks the TC3-HMAC-SHA256 signature of a request to `service`; throws the platform's AuthFailure codes. */
function verify(req: http.IncomingMessage, body: Buffer, service: string, options: Required<Pick<TencentCloudApiOptions, 'credentials' | 'now'>>): void {
  const failure = (code: string, message: string) => new TencentCloudApiError(`AuthFailure.${code}`, message);
  const authorization = parseTc3Authorization(header(req, 'authorization'));
  if (authorization === undefined) throw failure('SignatureFailure', 'The Authorization header is not a TC3-HMAC-SHA256 signature.');
  const timestamp = Number(header(req, 'x-tc-timestamp'));
  if (!Number.isInteger(timestamp)) throw new TencentCloudApiError('MissingParameter', 'The request is missing X-TC-Timestamp.');
  if (Math.abs(options.now().getTime() / 1000 - timestamp) > TC3_MAX_SKEW_SECONDS) throw failure('SignatureExpire', 'The signature has expired (X-TC-Timestamp is more than 5 minutes off).');
  const key = options.credentials.find((candidate) => candidate.secretId === authorization.secretId);
  if (key === undefined) throw failure('SecretIdNotFound', 'The SecretId is not found; check that it is correct and enabled.');
  if (authorization.date !== tc3Date(timestamp)) throw failure('SignatureFailure', `The credential scope's date ${authorization.date} is not the UTC day of X-TC-Timestamp.`);
  if (authorization.service !== service) throw failure('SignatureFailure', `The credential scope names service ${authorization.service}, not ${service}.`);
  if (!authorization.signedHeaders.includes('content-type') || !authorization.signedHeaders.includes('host')) {
    throw failure('SignatureFailure', 'SignedHeaders must include content-type and host.');
  }
  // The SDK signs the URL's hostname (no port); on the real endpoint, port 443, Host is the same name.
  const headers: Record<string, string> = {};
  for (const name of authorization.signedHeaders) headers[name] = header(req, name) ?? '';
  headers.host = (headers.host ?? '').replace(/:\d+$/, '');
  const url = new URL(req.url ?? '/', 'http://fake');
  const canonical = tc3CanonicalRequest({ method: req.method ?? 'POST', path: url.pathname, query: url.search.slice(1), headers, body }, authorization.signedHeaders);
  if (tc3Signature(key.secretKey, service, timestamp, canonical) !== authorization.signature) {
    throw failure('SignatureFailure', 'The provided credentials could not be validated. Please check your signature is correct.');
  }
  if ((key.token ?? '') !== (header(req, 'x-tc-token') ?? '')) throw failure('TokenFailure', 'The X-TC-Token does not belong to this temporary key.');
}

/**
 * Starts a fake of the Tencent Cloud API 3.0 endpoints of tcb (DescribeEnvs) and SCF (GetFunction,
 * CreateFunction, DeleteFunction, UpdateFunctionCode, UpdateFunctionConfiguration,
 * Get/UpdateFunctionEventInvokeConfig, ListTriggers, CreateTrigger, DeleteTrigger) on 127.0.0.1 and an
 * ephemeral port. It checks every request's TC3-HMAC-SHA256 signature, records every request, keeps
 * functions with their status transitions (a write moves a function to Creating/Updating/Deleting, and
 * GetFunction reads move it on) and answers errors in the platform's shape. Point the real
 * tencentcloud-sdk-nodejs-common client at it with `httpProfile: { protocol: 'http://', endpoint:
 * api.endpoint('scf'), agent: api.agent }`.
 *
 * @returns the running fake; `close()` it when done
 */
export async function startTencentCloudApi(options: TencentCloudApiOptions = {}): Promise<TencentCloudApi> {
  const settings = { credentials: options.credentials ?? [{ ...FAKE_TENCENT_CLOUD_CREDENTIALS }], now: options.now ?? (() => new Date()) };
  const state = new TencentCloudState(options.settleReads ?? 1);
  state.environments.push(...(options.environments ?? [{ envId: 'fake-env-1a2b3c', region: 'ap-shanghai' }]));
  const requests: RecordedApiRequest[] = [];
  const injected = new Map<string, TencentCloudApiError>();
  const creatableRuntimes = options.creatableRuntimes ?? FAKE_CREATABLE_RUNTIMES;

  const server = http.createServer((req, res) => {
    void readBody(req, 64 * 1024 * 1024).then((body) => {
      const service = (header(req, 'host') ?? '').split('.')[0] ?? '';
      const region = header(req, 'x-tc-region');
      const record: RecordedApiRequest = { service, action: header(req, 'x-tc-action') ?? '', version: header(req, 'x-tc-version') ?? '', params: {}, authorized: false, ...(region === undefined ? {} : { region }) };
      requests.push(record);
      try {
        if (body.kind !== 'complete') throw new TencentCloudApiError('RequestSizeLimitExceeded', `The request is ${body.bytes} bytes, too large.`);
        if (!(service in TENCENT_CLOUD_API_VERSIONS)) throw new TencentCloudApiError('InvalidAction', `The fake serves scf and tcb, not ${service}.`);
        verify(req, body.bytes, service, settings);
        record.authorized = true;
        record.params = JSON.parse(body.bytes.toString('utf8') || '{}') as Record<string, unknown>;
        const known = service as TencentCloudService;
        if (record.version !== TENCENT_CLOUD_API_VERSIONS[known]) throw new TencentCloudApiError('NoSuchVersion', `${service} has no version ${record.version}.`);
        const handler = FAKE_ACTIONS[known][record.action];
        if (handler === undefined) throw new TencentCloudApiError('InvalidAction', `The action ${record.action} does not exist.`);
        const failure = injected.get(record.action);
        injected.delete(record.action);
        if (failure !== undefined) throw failure;
        answer(res, handler({ state, params: record.params, region, creatableRuntimes }));
      } catch (error) {
        if (!(error instanceof TencentCloudApiError)) throw error;
        record.errorCode = error.code;
        answer(res, { Error: { Code: error.code, Message: error.message } });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const lookup: LookupFunction = (hostname, lookupOptions, callback) => {
    if (!hostname.endsWith('.tencentcloudapi.com')) {
      callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname} (the fake answers only *.tencentcloudapi.com)`), { code: 'ENOTFOUND' }), '', 4);
    } else if (lookupOptions.all) {
      (callback as unknown as (error: null, addresses: { address: string; family: number }[]) => void)(null, [{ address: '127.0.0.1', family: 4 }]);
    } else {
      callback(null, '127.0.0.1', 4);
    }
  };
  const agent = new http.Agent({ lookup } as http.AgentOptions);
  const namespaceOf = (envId?: string) => {
    const env = envId === undefined ? state.environments[0] : state.environments.find((candidate) => candidate.envId === envId);
    if (env === undefined) throw new RangeError(`no environment ${envId ?? '(first)'} in the fake`);
    return env.namespace ?? env.envId;
  };

  return {
    port,
    endpoint: (service) => `${service}.tencentcloudapi.com:${port}`,
    agent,
    state,
    requests,
    functionNamed: (name, envId) => state.functions.get(TencentCloudState.key(namespaceOf(envId), name)),
    seedFunction: (seed, envId) => state.seed(namespaceOf(envId), seed),
    planOutcome: (name, action, outcome, envId) => state.planOutcome(namespaceOf(envId), name, action, outcome),
    failNext: (action, code, message) => injected.set(action, new TencentCloudApiError(code, message)),
    close: () =>
      new Promise<void>((resolve, reject) => {
        agent.destroy();
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
