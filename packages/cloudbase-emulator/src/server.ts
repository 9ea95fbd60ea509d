import http from 'http';
import { readBody } from './request-body';
import type { AddressInfo, Socket } from 'net';
import { COMPONENT_API_PATHS, type ComponentAuthority } from './component';
import { CONTROL_PREFIX, handleControlRequest, type EmulatorControl } from './control';
import { handleDatabaseAction, type DocumentStore } from './database';
import { MALFORMED_DATABASE_REPLY, type DatabaseFault, type DatabaseFaultPlan } from './database-faults';
import { DATABASE_LATENCY, type FaultPlan } from './faults';
import {
  functionContextUrl,
  hookAnswer,
  INVOKE_FUNCTION_API,
  invokeFaultAnswer,
  LATEST_QUALIFIER,
  MALFORMED_INVOKE_REPLY,
  missingFunctionAnswer,
  parseInvokeRequest,
  type InvokeFunctionAnswer,
  type InvokeFunctionHook,
} from './functions';
import {
  API_NOT_FOUND_ERRCODE,
  answerMonthlyQuery,
  EMULATED_APIS,
  faultOutcome,
  functionMayCall,
  HTTPS_API_PATHS,
  INVALID_PARAM_ERRCODE,
  MALFORMED_REPLY_TEXT,
  outcomeDescription,
  PERMISSION_DENIED_ERRCODE,
  weChatError,
  type MonthlyQueryContext,
  type OpenApiOutcome,
} from './open-api';
import { readTokenRequest } from './token-routes';
import { TOKEN_API_PATHS, type TokenAuthority } from './tokens';
import type { InjectedFault, OpenApiCall } from './types';
import {
  decodeOpenApiRequest,
  encodeGatewayError,
  encodeWeChatReply,
  GATEWAY_JSON_CONTENT_TYPE,
  parseMultipart,
  WECHAT_JSON_CONTENT_TYPE,
  WireFormatError,
} from './wire';

/** The state the HTTP server answers from. */
export interface ServerContext {
  readonly functionsRoot: string;
  readonly seed: string;
  /** Mints tokens on the token endpoints and checks the datacube calls' `access_token`. */
  readonly tokens: TokenAuthority;
  /** The third-party platform: its endpoints, and the authorizer tokens the datacube calls accept. */
  readonly component: ComponentAuthority;
  readonly maxBodyBytes: number;
  readonly database: DocumentStore;
  readonly faults: FaultPlan;
  /** Faults and latencies of database requests by action and collection. */
  readonly databaseFaults?: DatabaseFaultPlan;
  now(): Date;
  replyOverride(apiName: string, month: string): string | undefined;
  record(call: OpenApiCall): void;
  /** When set, the control endpoints under /control/ answer (see handleControlRequest). */
  readonly control?: EmulatorControl;
  /** Runs the functions `cloud.callFunction` names; without it every function is missing. */
  readonly invokeFunction?: InvokeFunctionHook;
}

/** A listening emulator server. */
export interface RunningServer {
  readonly port: number;
  close(): Promise<void>;
  /**
   * Stops accepting connections, lets the requests in flight finish (at most `graceMs`, then closes as
   * {@link RunningServer.close}), and resolves once every one was answered and every socket closed.
   */
  shutdown(graceMs: number): Promise<void>;
}


const FUNCTION_PATH = /^\/functions\/([A-Za-z0-9_-]+)\/?$/;
let requestCounter = 0;

function nextRequestId(): string {
  requestCounter += 1;
  return `emulator-${Date.now().toString(36)}-${requestCounter}`;
}

function send(res: http.ServerResponse, status: number, contentType: string, body: string | Buffer): void {
  if (res.destroyed || res.headersSent) return;
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function sendCloudBaseError(res: http.ServerResponse, code: string, message: string): void {
  send(res, 200, GATEWAY_JSON_CONTENT_TYPE, JSON.stringify({ code, message, requestId: nextRequestId() }));
}

function functionNameOf(pathname: string): string | null {
  return FUNCTION_PATH.exec(pathname)?.[1] ?? null;
}

type CallSummary = Omit<OpenApiCall, 'errcode' | 'at' | 'fault'>;

function summarizeCall(functionName: string | null, apiName: string, transport: OpenApiCall['transport'], beginDate: unknown, endDate: unknown): CallSummary {
  return {
    functionName,
    apiName,
    transport,
    ...(typeof beginDate === 'string' ? { beginDate } : {}),
    ...(typeof endDate === 'string' ? { endDate } : {}),
  };
}

/** Starts the emulator's HTTP server on 127.0.0.1. */
export function listen(context: ServerContext, port: number): Promise<RunningServer> {
  const sockets = new Set<Socket>();
  const pendingDelays = new Set<{ timer: NodeJS.Timeout; finish: () => void }>();
  let closing = false;
  /** `http://127.0.0.1:PORT` once listening. */
  let baseUrl = '';

  const delay = (ms: number): Promise<void> =>
    ms <= 0 || closing
      ? Promise.resolve()
      : new Promise((resolve) => {
          const pending = {
            timer: setTimeout(() => pending.finish(), ms),
            finish: () => {
              clearTimeout(pending.timer);
              pendingDelays.delete(pending);
              resolve();
            },
          };
          pendingDelays.add(pending);
        });

  /** An authorizer's data differs from the Mini Program's and from other authorizers': the seed names it. */
  const queryContext = (authorizerAppid?: string): MonthlyQueryContext => ({
    seed: authorizerAppid === undefined ? context.seed : `${context.seed}|authorizer|${authorizerAppid}`,
    now: context.now(),
    replyOverride: (apiName, month) => context.replyOverride(apiName, month),
  });

  async function answer(res: http.ServerResponse, call: CallSummary, outcome: OpenApiOutcome, fault: InjectedFault | undefined): Promise<void> {
    context.record({ ...call, errcode: outcome.errcode, at: context.now(), ...(fault ? { fault } : {}) });
    await delay(context.faults.latencyFor(call.apiName));
    if (outcome.kind === 'drop') {
      res.socket?.destroy();
      return;
    }
    if (call.transport === 'https') {
      if (outcome.kind === 'wechat') send(res, 200, WECHAT_JSON_CONTENT_TYPE, outcome.jsonText);
      else if (outcome.kind === 'malformed') send(res, 200, WECHAT_JSON_CONTENT_TYPE, MALFORMED_REPLY_TEXT);
      else send(res, 200, WECHAT_JSON_CONTENT_TYPE, JSON.stringify({ errcode: outcome.errcode, errmsg: outcomeDescription(outcome) }));
      return;
    }
    switch (outcome.kind) {
      case 'wechat':
        send(res, 200, 'application/octet-stream', encodeWeChatReply(outcome.jsonText));
        break;
      case 'malformed':
        send(res, 200, 'application/octet-stream', encodeWeChatReply(MALFORMED_REPLY_TEXT));
        break;
      case 'gateway':
        send(res, 200, 'application/octet-stream', encodeGatewayError(outcome.errcode));
        break;
      case 'cloudbase':
        sendCloudBaseError(res, outcome.code, outcome.message);
        break;
    }
  }

  async function handleHttpsCall(req: http.IncomingMessage, res: http.ServerResponse, url: URL, apiName: string): Promise<void> {
    const body = await readBody(req, context.maxBodyBytes);
    let request: Record<string, unknown> | undefined;
    let bodyError: OpenApiOutcome | undefined;
    if (body.kind === 'too-large') bodyError = weChatError(47001, 'data format error: request body too large');
    else if (body.bytes.length === 0) bodyError = weChatError(44002);
    else {
      try {
        const parsed: unknown = JSON.parse(body.bytes.toString('utf8'));
        if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) request = parsed as Record<string, unknown>;
        else bodyError = weChatError(47001);
      } catch {
        bodyError = weChatError(47001);
      }
    }
    const token = url.searchParams.get('access_token');
    const authorizer = context.component.checkAuthorizerToken(token);
    const call = {
      ...summarizeCall(null, apiName, 'https', request?.begin_date, request?.end_date),
      ...(authorizer ? { appid: authorizer.appid } : {}),
    };
    const fault = context.faults.take(apiName);
    let outcome: OpenApiOutcome;
    let tokenError: OpenApiOutcome | undefined;
    if (fault) outcome = faultOutcome(fault);
    else if ((tokenError = authorizer ? authorizer.error : context.tokens.verify(token))) outcome = tokenError;
    else if ((tokenError = context.component.takeQuota(authorizer?.appid ?? context.tokens.appidOf(token)))) outcome = tokenError;
    else if (req.method !== 'POST') outcome = weChatError(43002);
    else if (bodyError) outcome = bodyError;
    else outcome = answerMonthlyQuery(apiName, request?.begin_date, request?.end_date, queryContext(authorizer?.appid));
    await answer(res, call, outcome, fault?.kind);
  }

  async function handleTokenCall(req: http.IncomingMessage, res: http.ServerResponse, url: URL, apiName: string): Promise<void> {
    const request = await readTokenRequest(req, url, apiName, context.maxBodyBytes);
    const appid = request.params?.appid;
    const call: CallSummary = { functionName: null, apiName, transport: 'https', ...(typeof appid === 'string' && appid !== '' ? { appid } : {}) };
    const fault = context.faults.take(apiName);
    await answer(res, call, fault ? faultOutcome(fault) : context.tokens.answer(request), fault?.kind);
  }

  async function handleComponentCall(req: http.IncomingMessage, res: http.ServerResponse, url: URL, apiName: string): Promise<void> {
    const request = await readTokenRequest(req, url, apiName, context.maxBodyBytes);
    const fault = context.faults.take(apiName);
    const { outcome, appid } = fault ? { outcome: faultOutcome(fault), appid: undefined } : context.component.answer(request, url.searchParams);
    const call: CallSummary = { functionName: null, apiName, transport: 'https', ...(appid ? { appid } : {}) };
    await answer(res, call, outcome, fault?.kind);
  }

  async function handleCloudCall(res: http.ServerResponse, body: Buffer, contentType: string, functionName: string | null): Promise<void> {
    const form = await parseMultipart(body, contentType);
    const action = form.fields.get('action');
    if (action !== 'wx.openApi') throw new WireFormatError(`unsupported action ${JSON.stringify(action ?? null)} in a multipart request`);
    const apiName = form.fields.get('apiName');
    if (!apiName) throw new WireFormatError('missing apiName');
    const requestData = form.files.get('requestData') ?? Buffer.from(form.fields.get('requestData') ?? '', 'utf8');
    let args: Map<string, unknown>;
    try {
      if (requestData.length === 0) throw new WireFormatError('missing requestData');
      args = decodeOpenApiRequest(requestData);
    } catch (error) {
      context.record({ functionName, apiName, transport: 'cloud', errcode: INVALID_PARAM_ERRCODE, at: context.now() });
      throw error;
    }
    const call = summarizeCall(functionName, apiName, 'cloud', args.get('begin_date'), args.get('end_date'));
    const fault = context.faults.take(apiName);
    let outcome: OpenApiOutcome;
    if (fault) outcome = faultOutcome(fault);
    else if (!(await functionMayCall(context.functionsRoot, functionName, apiName))) outcome = { kind: 'gateway', errcode: PERMISSION_DENIED_ERRCODE };
    else if (!EMULATED_APIS.includes(apiName)) outcome = { kind: 'gateway', errcode: API_NOT_FOUND_ERRCODE };
    else outcome = answerMonthlyQuery(apiName, args.get('begin_date'), args.get('end_date'), queryContext());
    await answer(res, call, outcome, fault?.kind);
  }

  async function handleInvokeFunction(req: http.IncomingMessage, res: http.ServerResponse, request: Record<string, unknown>, callerFunction: string | null): Promise<void> {
    const at = context.now();
    const header = req.headers['x-tcb-source'];
    const source = Array.isArray(header) ? header.join(',') : (header ?? '');
    const parsed = parseInvokeRequest(request);
    const targetFunction = parsed.name;
    const fault = context.faults.take(INVOKE_FUNCTION_API);
    let outcome: InvokeFunctionAnswer;
    if (fault) outcome = invokeFaultAnswer(fault);
    else if (!parsed.ok) outcome = parsed.answer;
    else if (parsed.qualifier !== undefined && parsed.qualifier !== LATEST_QUALIFIER) outcome = missingFunctionAnswer(parsed.name, parsed.qualifier);
    else if (!context.invokeFunction) outcome = missingFunctionAnswer(parsed.name);
    else {
      const { name, data } = parsed;
      try {
        outcome = hookAnswer(await context.invokeFunction({ name, data, source, callerFunction, contextUrl: functionContextUrl(baseUrl, name) }), name);
      } catch (error) {
        outcome = { kind: 'cloudbase', errcode: -501001, code: 'SYS_ERR', message: `emulator error: ${(error as Error)?.message ?? String(error)}` };
      }
    }
    context.record({
      functionName: callerFunction,
      apiName: INVOKE_FUNCTION_API,
      transport: 'cloud',
      ...(targetFunction === undefined ? {} : { targetFunction }),
      errcode: outcome.errcode,
      at,
      ...(fault ? { fault: fault.kind } : {}),
    });
    await delay(context.faults.latencyFor(INVOKE_FUNCTION_API));
    switch (outcome.kind) {
      case 'drop':
        res.socket?.destroy();
        return;
      case 'malformed':
        send(res, 200, GATEWAY_JSON_CONTENT_TYPE, MALFORMED_INVOKE_REPLY);
        return;
      case 'cloudbase':
        sendCloudBaseError(res, outcome.code, outcome.message);
        return;
      case 'result':
        send(res, 200, GATEWAY_JSON_CONTENT_TYPE, JSON.stringify({ data: { response_data: outcome.responseData }, requestId: nextRequestId() }));
        return;
    }
  }

  /**
   * How the gateway's faults reach wx-server-sdk 4.0.2 (@cloudbase/node-sdk 3.17.2
   * `src/utils/tcbapirequester.ts`, `request`/`TcbApiHttpRequester.request`): an HTTP 200 body is parsed as
   * JSON (the text itself when it is not JSON), and a body with a truthy `code` is thrown by `processReturn`
   * (`src/utils/utils.ts`) as an Error carrying that `code`, which wx-server-sdk maps to its errCode
   * through TCB_ERR_CODE (`index.js`, `src/config/error.config.ts`: DATABASE_REQUEST_FAILED → -502001 …).
   */
  function answerDatabaseFault(res: http.ServerResponse, fault: DatabaseFault): void {
    switch (fault.reply) {
      case 'drop':
        res.socket?.destroy();
        return;
      case 'empty':
        send(res, 200, GATEWAY_JSON_CONTENT_TYPE, '');
        return;
      case 'malformed':
        send(res, 200, GATEWAY_JSON_CONTENT_TYPE, MALFORMED_DATABASE_REPLY);
        return;
      case 'fail':
        sendCloudBaseError(res, fault.code ?? 'SYS_ERR', fault.message ?? '');
        return;
    }
  }

  async function handleDatabaseCall(res: http.ServerResponse, request: Record<string, unknown>): Promise<void> {
    const action = String(request.action);
    await delay(context.databaseFaults?.latencyFor(action) ?? context.faults.latencyFor(DATABASE_LATENCY));
    const collection = typeof request.collectionName === 'string' ? request.collectionName : undefined;
    const fault = context.databaseFaults?.take(action, collection);
    if (fault?.delayMs) await delay(fault.delayMs);
    if (fault && !fault.applied) {
      answerDatabaseFault(res, fault);
      return;
    }
    let reply: { status: number; json: unknown };
    try {
      reply = handleDatabaseAction(context.database, request);
    } catch (error) {
      sendCloudBaseError(res, 'DATABASE_REQUEST_FAILED', `database emulator failed: ${(error as Error).message}`);
      return;
    }
    if (fault) {
      answerDatabaseFault(res, fault);
      return;
    }
    send(res, reply.status, GATEWAY_JSON_CONTENT_TYPE, JSON.stringify(reply.json));
  }

  async function handleGatewayRequest(req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> {
    if (req.method !== 'POST') {
      req.resume();
      throw new WireFormatError(`${req.method ?? 'unknown'} is not supported: the gateway takes POST requests`);
    }
    const body = await readBody(req, context.maxBodyBytes);
    if (body.kind === 'too-large') throw new WireFormatError(`request body of ${body.bytes} bytes exceeds ${context.maxBodyBytes} bytes`);
    if (body.bytes.length === 0) throw new WireFormatError('empty request body');
    const contentType = req.headers['content-type'] ?? '';
    if (/^multipart\/form-data/i.test(contentType)) {
      await handleCloudCall(res, body.bytes, contentType, functionNameOf(url.pathname));
      return;
    }
    let request: unknown;
    try {
      request = JSON.parse(body.bytes.toString('utf8'));
    } catch {
      throw new WireFormatError('request body is neither multipart/form-data nor JSON');
    }
    const action = (request as { action?: unknown } | null)?.action;
    if (typeof action === 'string' && action.startsWith('database.')) {
      await handleDatabaseCall(res, request as Record<string, unknown>);
      return;
    }
    if (action === INVOKE_FUNCTION_API) {
      await handleInvokeFunction(req, res, request as Record<string, unknown>, functionNameOf(url.pathname));
      return;
    }
    throw new WireFormatError(`unsupported action ${JSON.stringify(action ?? null)}`);
  }

  async function handleRequest(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const httpsApi = HTTPS_API_PATHS.get(url.pathname);
    const tokenApi = TOKEN_API_PATHS.get(url.pathname);
    const componentApi = COMPONENT_API_PATHS.get(url.pathname);
    if (context.control && url.pathname.startsWith(CONTROL_PREFIX)) await handleControlRequest(req, res, url.pathname, context.control, context.maxBodyBytes);
    else if (httpsApi) await handleHttpsCall(req, res, url, httpsApi);
    else if (tokenApi) await handleTokenCall(req, res, url, tokenApi);
    else if (componentApi) await handleComponentCall(req, res, url, componentApi);
    else await handleGatewayRequest(req, res, url);
  }

  /** Requests not yet answered, per socket: an idle socket may be closed at once on shutdown. */
  const activeRequests = new Map<Socket, number>();
  let draining = false;
  let drained: (() => void) | undefined;
  const checkDrained = (): void => {
    if (draining && activeRequests.size === 0 && sockets.size === 0) drained?.();
  };

  const server = http.createServer((req, res) => {
    res.on('error', () => undefined);
    const { socket } = req;
    activeRequests.set(socket, (activeRequests.get(socket) ?? 0) + 1);
    if (draining) res.setHeader('connection', 'close');
    res.once('close', () => {
      const left = (activeRequests.get(socket) ?? 1) - 1;
      if (left > 0) activeRequests.set(socket, left);
      else activeRequests.delete(socket);
      // The reply is complete: a keep-alive socket must not wait for another request once draining.
      if (draining && left <= 0) socket.end();
      checkDrained();
    });
    handleRequest(req, res).catch((error: unknown) => {
      if (error instanceof WireFormatError) sendCloudBaseError(res, 'INVALID_PARAM', error.message);
      else if (!res.headersSent) sendCloudBaseError(res, 'SYS_ERR', `emulator error: ${(error as Error)?.message ?? String(error)}`);
      else res.destroy();
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => {
      sockets.delete(socket);
      activeRequests.delete(socket);
      checkDrained();
    });
  });
  server.on('clientError', (_error, socket) => socket.destroy());

  const close = (): Promise<void> =>
    new Promise<void>((closed) => {
      closing = true;
      for (const pending of [...pendingDelays]) pending.finish();
      server.close(() => closed());
      for (const socket of sockets) socket.destroy();
    });

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      const { port: boundPort } = server.address() as AddressInfo;
      baseUrl = `http://127.0.0.1:${boundPort}`;
      resolve({
        port: boundPort,
        close,
        shutdown: (graceMs: number) =>
          new Promise<void>((finished) => {
            const force = setTimeout(() => void close().then(finished), graceMs);
            force.unref();
            draining = true;
            drained = () => {
              clearTimeout(force);
              finished();
            };
            server.close();
            for (const socket of sockets) if (!activeRequests.has(socket)) socket.end();
            checkDrained();
          }),
      });
    });
  });
}
