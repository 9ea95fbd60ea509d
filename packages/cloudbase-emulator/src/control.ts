import type http from 'http';
import { readBody } from './request-body';
import { COMPONENT_APIS, type ComponentPush } from './component';
import { DATABASE_LATENCY } from './faults';
import { INVOKE_FUNCTION_API } from './functions';
import { CLOUDBASE_ERROR_CODES, EMULATED_APIS } from './open-api';
import { TOKEN_APIS } from './tokens';
import type { OpenApiCall } from './types';

/** Where the control endpoints live on the emulator. */
export const CONTROL_PREFIX = '/control/';

/** What the control endpoints act on: the running emulator's faults, clock and call record. */
export interface EmulatorControl {
  failNext(apiName: string, errcode: number, times: number): void;
  clearFaults(): void;
  /** While set, the token endpoints answer 40164 naming this IP; `null`: every IP again. */
  rejectIp(ip: string | null): void;
  /** While set, the third-party platform's endpoints answer 61004 naming this IP; `null`: every IP again. */
  rejectComponentIp(ip: string | null): void;
  /** A new component_verify_ticket and its push (the request WeChat sends to the authorization-event URL). */
  issueTicket(): ComponentPush & { ticket: string };
  /** A clock that starts at `now` and advances with real time; `null`: the real clock again. */
  setClock(now: Date | null): void;
  calls(): readonly OpenApiCall[];
}

/** One `--fault` or `POST /control/faults`: the next `times` calls of `apiName` answer `errcode`. */
export interface FaultSpec {
  apiName: string;
  errcode: number;
  times: number;
}

/** A clock that starts at `start` and advances with real time, as a function process's fake clock does. */
export function clockFrom(start: Date): () => Date {
  const startedAt = Date.now();
  return () => new Date(start.getTime() + (Date.now() - startedAt));
}

/**
 * The open API a fault names: `*` (any), a full name (`analysis.getMonthlyRetain`), or an emulated API's
 * method alone (`getMonthlyRetain`); or a token endpoint (`cgi-bin/stable_token`, `cgi-bin/token`,
 * `cgi-bin/component/api_component_token` …, with or without a leading `/`); or `cloud.callFunction`'s
 * action (`functions.invokeFunction` or `invokeFunction`). Throws RangeError for a name it cannot place.
 */
export function resolveFaultApi(name: string): string {
  const trimmed = name.trim();
  const tokenApi = [...TOKEN_APIS, ...COMPONENT_APIS].find((api) => api === trimmed.replace(/^\//, ''));
  if (tokenApi !== undefined) return tokenApi;
  if (trimmed === INVOKE_FUNCTION_API || trimmed === INVOKE_FUNCTION_API.split('.').pop()) return INVOKE_FUNCTION_API;
  if (trimmed === DATABASE_LATENCY) return DATABASE_LATENCY;
  if (trimmed === '*' || EMULATED_APIS.includes(trimmed)) return trimmed;
  const match = EMULATED_APIS.find((api) => api.split('.').pop() === trimmed);
  if (match === undefined) {
    throw new RangeError(
      `unknown API "${name}": use *, a full name such as analysis.getMonthlyRetain, one of ${EMULATED_APIS.map((api) => api.split('.').pop()).join(', ')}, invokeFunction, database (latency only), or ${[...TOKEN_APIS, ...COMPONENT_APIS].join(', ')}`,
    );
  }
  return match;
}

/** Throws RangeError when `errcode` is not an answer `apiName` can give: invokeFunction fails only with CloudBase's codes. */
export function checkFaultCode(apiName: string, errcode: number): void {
  if (apiName === DATABASE_LATENCY) throw new RangeError('the database takes a latency only, not an error code');
  if (apiName === INVOKE_FUNCTION_API && !CLOUDBASE_ERROR_CODES.has(errcode)) {
    throw new RangeError(`invokeFunction fails with a CloudBase code (${[...CLOUDBASE_ERROR_CODES.keys()].join(', ')}), got ${errcode}`);
  }
}

function checkedFault(apiName: string, errcode: unknown, times: unknown): FaultSpec {
  if (typeof errcode !== 'number' || !Number.isInteger(errcode) || errcode === 0) {
    throw new RangeError(`errcode must be a non-zero integer such as 45009, got ${JSON.stringify(errcode)}`);
  }
  if (typeof times !== 'number' || !Number.isInteger(times) || times < 1) {
    throw new RangeError(`times must be a positive integer, got ${JSON.stringify(times)}`);
  }
  const resolved = resolveFaultApi(apiName);
  checkFaultCode(resolved, errcode);
  return { apiName: resolved, errcode, times };
}

/** Reads `API=ERRCODE` or `API=ERRCODE:TIMES` (e.g. `getMonthlyRetain=45009`, `*=-1:3`); throws RangeError. */
export function parseFaultSpec(text: string): FaultSpec {
  const match = /^([^=]+)=(-?\d+)(?::(\d+))?$/.exec(text.trim());
  if (match === null) throw new RangeError(`"${text}" is not API=ERRCODE or API=ERRCODE:TIMES (e.g. getMonthlyRetain=45009)`);
  const [, api = '', errcode = '', times] = match;
  return checkedFault(api, Number(errcode), times === undefined ? 1 : Number(times));
}

/** Reads an ISO date (or `null` for the real clock); throws RangeError. */
export function parseClock(value: unknown): Date | null {
  if (value === null) return null;
  const date = typeof value === 'string' ? new Date(value) : undefined;
  if (date === undefined || Number.isNaN(date.getTime())) throw new RangeError(`now must be an ISO date such as "2024-06-15T02:00:00Z", or null, got ${JSON.stringify(value)}`);
  return date;
}

function reply(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

async function readJson(req: http.IncomingMessage, maxBytes: number): Promise<Record<string, unknown>> {
  const body = await readBody(req, maxBytes);
  if (body.kind === 'too-large') throw new RangeError(`the body exceeds ${maxBytes} bytes`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.bytes.toString('utf8') || '{}');
  } catch (error) {
    throw new RangeError(`the body is not JSON: ${(error as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new RangeError('the body must be a JSON object');
  return parsed as Record<string, unknown>;
}

/**
 * Answers the control endpoints (JSON in, JSON out):
 * - `POST /control/faults` `{"api": "getMonthlyRetain", "errcode": 45009, "times": 1}`: the next calls of
 *   that API answer the errcode (`api` as in {@link resolveFaultApi}; `times` defaults to 1);
 * - `DELETE /control/faults`: removes every scheduled fault and latency;
 * - `POST /control/clock` `{"now": "2024-06-15T02:00:00Z"}`: the clock starts there and advances;
 *   `{"now": null}`: the real clock;
 * - `GET /control/calls`: every open-API call recorded so far;
 * - `POST /control/tokens` `{"rejectIp": "1.2.3.4"}`: the token endpoints answer 40164 for that caller IP;
 *   `{"rejectIp": null}`: accepted again;
 * - `POST /control/component` `{"rejectIp": "1.2.3.4" | null}`: the same for the third-party platform's
 *   endpoints (61004); `{"issueTicket": true}`: a new component_verify_ticket, answered with
 *   `{ticket, push}` (the request to deliver to the authorization-event URL).
 */
export async function handleControlRequest(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  pathname: string,
  control: EmulatorControl,
  maxBodyBytes: number,
): Promise<void> {
  const route = `${req.method ?? ''} ${pathname.replace(/\/+$/, '')}`;
  try {
    switch (route) {
      case 'GET /control/calls':
        req.resume();
        return reply(res, 200, { calls: control.calls() });
      case 'POST /control/faults': {
        const body = await readJson(req, maxBodyBytes);
        if (typeof body.api !== 'string') throw new RangeError('api must be a string such as "getMonthlyRetain" or "*"');
        const fault = checkedFault(body.api, body.errcode, body.times ?? 1);
        control.failNext(fault.apiName, fault.errcode, fault.times);
        return reply(res, 200, { ok: true, fault });
      }
      case 'DELETE /control/faults':
        req.resume();
        control.clearFaults();
        return reply(res, 200, { ok: true });
      case 'POST /control/tokens': {
        const body = await readJson(req, maxBodyBytes);
        if (!('rejectIp' in body) || (body.rejectIp !== null && (typeof body.rejectIp !== 'string' || body.rejectIp.trim() === ''))) {
          throw new RangeError('rejectIp must be an IP address such as "1.2.3.4", or null');
        }
        const ip = body.rejectIp === null ? null : body.rejectIp.trim();
        control.rejectIp(ip);
        return reply(res, 200, { ok: true, rejectIp: ip });
      }
      case 'POST /control/component': {
        const body = await readJson(req, maxBodyBytes);
        if (body.issueTicket === true) {
          const { ticket, push } = control.issueTicket();
          return reply(res, 200, { ok: true, ticket, push });
        }
        if (!('rejectIp' in body) || (body.rejectIp !== null && (typeof body.rejectIp !== 'string' || body.rejectIp.trim() === ''))) {
          throw new RangeError('give {"issueTicket": true}, or rejectIp: an IP address such as "1.2.3.4", or null');
        }
        const ip = body.rejectIp === null ? null : body.rejectIp.trim();
        control.rejectComponentIp(ip);
        return reply(res, 200, { ok: true, rejectIp: ip });
      }
      case 'POST /control/clock': {
        const body = await readJson(req, maxBodyBytes);
        const now = parseClock(body.now);
        control.setClock(now);
        return reply(res, 200, { ok: true, now: now === null ? null : now.toISOString() });
      }
      default:
        req.resume();
        return reply(res, 404, {
          error: `no control endpoint ${route}: use POST /control/faults, DELETE /control/faults, POST /control/clock, POST /control/tokens, POST /control/component or GET /control/calls`,
        });
    }
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    reply(res, 400, { error: error.message });
  }
}
