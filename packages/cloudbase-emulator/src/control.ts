import type http from 'http';
import { readBody } from './request-body';
import { COMPONENT_APIS, type ComponentPush } from './component';
import { DATABASE_LATENCY } from './faults';
import { INVOKE_FUNCTION_API } from './functions';
import { CLOUDBASE_ERROR_CODES, EMULATED_APIS } from './open-api';
import { TOKEN_APIS } from './tokens';
import { checkDatabaseFault, resolveDatabaseAction, type DatabaseFaultSpec } from './database-faults';
import type { EmulatorFaults, OpenApiCall } from './types';

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
  /** Every kind of fault, for `POST /control/faults` beyond `{api, errcode, times}` and `GET /control/faults`. */
  faults?(): EmulatorFaults;
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

/** One `--fault` of any kind: a code (`times` 'always': until cleared), a malformed reply or a dropped connection. */
export interface ReplyFaultSpec {
  apiName: string;
  kind: 'fail' | 'malformed' | 'drop';
  errcode?: number;
  times: number | 'always';
}

/**
 * Reads what `--fault` takes: `API=ERRCODE[:TIMES]` (as {@link parseFaultSpec}), `API=ERRCODE:always`, and
 * `API=malformed[:TIMES]` or `API=drop[:TIMES]`. Throws RangeError.
 */
export function parseReplyFaultSpec(text: string): ReplyFaultSpec {
  const match = /^([^=]+)=(-?\d+|malformed|drop)(?::(\d+|always))?$/.exec(text.trim());
  if (match === null) {
    try {
      parseFaultSpec(text);
    } catch (error) {
      throw new RangeError(`${(error as Error).message}; also API=ERRCODE:always (until cleared), API=malformed[:TIMES], API=drop[:TIMES]`);
    }
  }
  const [, api = '', what = '', times] = match ?? [];
  if (what === 'malformed' || what === 'drop') {
    if (times === 'always') throw new RangeError(`"${text}": ${what} takes a count, not always`);
    const apiName = resolveFaultApi(api);
    if (apiName === DATABASE_LATENCY) throw new RangeError('the database takes its faults from --db-fault, not --fault');
    return { apiName, kind: what, times: times === undefined ? 1 : checkedTimes(Number(times)) };
  }
  if (times === 'always') {
    const { apiName, errcode } = checkedFault(api, Number(what), 1);
    return { apiName, kind: 'fail', errcode, times: 'always' };
  }
  const { apiName, errcode, times: count } = parseFaultSpec(text);
  return { apiName, kind: 'fail', errcode, times: count };
}

function checkedTimes(times: number): number {
  if (!Number.isInteger(times) || times < 1) throw new RangeError(`times must be a positive integer, got ${times}`);
  return times;
}

/**
 * Reads what `--db-fault` takes: `ACTION[/COLLECTION]=REPLY[:TIMES|:always][:applied]`, REPLY a CloudBase code
 * (-501001 … -501009, -502001 … -502005) or `empty`, `malformed`, `drop`; ACTION `*` or a database action
 * (`getDocument`, `database.insertDocument` …); `applied`: a write is stored before the fault answers.
 * E.g. `getDocument/analytics_monthly=-502001:2`, `*=-501003:always`, `insertDocument=drop:1:applied`.
 * Throws RangeError.
 */
export function parseDatabaseFaultSpec(text: string): DatabaseFaultSpec {
  const match = /^([^=/]+)(?:\/([^=]+))?=(-?\d+|empty|malformed|drop)(?::(\d+|always))?(?::(applied))?$/.exec(text.trim());
  if (match === null) {
    throw new RangeError(
      `"${text}" is not ACTION[/COLLECTION]=ERRCODE|empty|malformed|drop[:TIMES|:always][:applied] (e.g. getDocument/analytics_monthly=-502001:2, *=-501003:always)`,
    );
  }
  const [, action = '', collection, reply = '', times, applied] = match;
  const spec: DatabaseFaultSpec = {
    action,
    ...(collection === undefined ? {} : { collection }),
    ...(/^-?\d+$/.test(reply) ? { errcode: Number(reply) } : { reply: reply as DatabaseFaultSpec['reply'] }),
    ...(times === 'always' ? { persistent: true } : { times: times === undefined ? 1 : Number(times) }),
    ...(applied === undefined ? {} : { applied: true }),
  };
  checkDatabaseFault(spec);
  return spec;
}

/** One `--latency`: an open API's (as {@link resolveFaultApi}, `database` for every database action) or a database action's. */
export type LatencySpec = { target: 'api'; apiName: string; ms: number } | { target: 'database'; action: string; ms: number };

function latencyTarget(name: string, ms: number): LatencySpec {
  try {
    return { target: 'api', apiName: resolveFaultApi(name), ms };
  } catch (error) {
    try {
      return { target: 'database', action: resolveDatabaseAction(name), ms };
    } catch {
      throw new RangeError(`${(error as Error).message}, or a database action such as database.getDocument`);
    }
  }
}

/** Reads `API=MS` (`getMonthlyRetain=300`, `database=50`, `database.getDocument=200`); throws RangeError. */
export function parseLatencySpec(text: string): LatencySpec {
  const match = /^([^=]+)=(\d+)$/.exec(text.trim());
  if (match === null) throw new RangeError(`"${text}" is not API=MS (e.g. getMonthlyRetain=300, database.getDocument=200)`);
  const [, name = '', ms = ''] = match;
  return latencyTarget(name, Number(ms));
}

const API_FAULT_KEYS = new Set(['api', 'errcode', 'times', 'persistent', 'reply', 'latency']);
const DATABASE_LATENCY_KEYS = new Set(['action', 'latency']);

/** The new forms of `POST /control/faults` (everything but `{api, errcode, times}`); answers what was scheduled. */
function scheduleControlFault(body: Record<string, unknown>, faults: EmulatorFaults): Record<string, unknown> {
  if ('action' in body || 'collection' in body) {
    if ('latency' in body) {
      const unknown = Object.keys(body).filter((key) => !DATABASE_LATENCY_KEYS.has(key));
      if (unknown.length > 0) throw new RangeError(`unknown field ${unknown.join(', ')} for a database latency: use action, latency`);
      if (typeof body.latency !== 'number' || typeof (body.action ?? '*') !== 'string') throw new RangeError('a database latency is {"action": "database.getDocument" or "*", "latency": MS}');
      const action = resolveDatabaseAction((body.action as string | undefined) ?? '*');
      faults.databaseLatency(body.latency, action);
      return { latency: { action, ms: body.latency } };
    }
    return { database: faults.failDatabase(body as DatabaseFaultSpec) };
  }
  if (typeof body.api !== 'string') {
    throw new RangeError('give api (an open API such as "getMonthlyRetain", "*", invokeFunction, a token endpoint) or action (a database action such as "database.getDocument", "*")');
  }
  const unknown = Object.keys(body).filter((key) => !API_FAULT_KEYS.has(key));
  if (unknown.length > 0) throw new RangeError(`unknown field ${unknown.join(', ')}: use ${[...API_FAULT_KEYS].join(', ')} (or action, collection, … for the database)`);
  const apiName = resolveFaultApi(body.api);
  if ('latency' in body) {
    if (typeof body.latency !== 'number') throw new RangeError(`latency must be a number of ms, got ${JSON.stringify(body.latency)}`);
    faults.latency(body.latency, apiName);
    return { latency: { api: apiName, ms: body.latency } };
  }
  if (body.reply === 'malformed' || body.reply === 'drop') {
    if ('errcode' in body || 'persistent' in body) throw new RangeError(`reply "${body.reply}" takes times only, no errcode or persistent`);
    const times = checkedTimes(typeof body.times === 'number' ? body.times : body.times === undefined ? 1 : NaN);
    if (body.reply === 'malformed') faults.malformedNext(apiName, times);
    else faults.dropNext(apiName, times);
    return { fault: { apiName, kind: body.reply, times } };
  }
  if (body.reply !== undefined && body.reply !== 'fail') throw new RangeError(`reply must be fail, malformed or drop, got ${JSON.stringify(body.reply)}`);
  if (body.persistent !== undefined && typeof body.persistent !== 'boolean') throw new RangeError(`persistent must be true or false, got ${JSON.stringify(body.persistent)}`);
  if (body.persistent === true) {
    const fault = checkedFault(body.api, body.errcode, 1);
    faults.failAlways(fault.apiName, fault.errcode);
    return { fault: { apiName: fault.apiName, errcode: fault.errcode, times: 'always' } };
  }
  const fault = checkedFault(body.api, body.errcode, body.times ?? 1);
  faults.failNext(fault.apiName, fault.errcode, fault.times);
  return { fault };
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
 *   `{"api", "errcode", "persistent": true}`: every call until cleared; `{"api", "reply": "malformed" | "drop",
 *   "times"}`; `{"api", "latency": MS}` (`api` `database`: every database action);
 *   `{"action": "database.getDocument" | "*", "collection"?, "errcode" | "reply": "empty" | "malformed" | "drop",
 *   "times"?, "persistent"?, "applied"?}`: a database fault (see DatabaseFaultSpec); `{"action", "latency": MS}`;
 * - `GET /control/faults`: what is scheduled (see FaultListing);
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
      case 'GET /control/faults':
        req.resume();
        if (!control.faults) throw new RangeError('this emulator does not list its faults');
        return reply(res, 200, control.faults().list());
      case 'POST /control/faults': {
        const body = await readJson(req, maxBodyBytes);
        const legacy = typeof body.api === 'string' && Object.keys(body).every((key) => key === 'api' || key === 'errcode' || key === 'times');
        if (!legacy && control.faults) return reply(res, 200, { ok: true, ...scheduleControlFault(body, control.faults()) });
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
          error: `no control endpoint ${route}: use POST /control/faults, GET /control/faults, DELETE /control/faults, POST /control/clock, POST /control/tokens, POST /control/component or GET /control/calls`,
        });
    }
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    reply(res, 400, { error: error.message });
  }
}
