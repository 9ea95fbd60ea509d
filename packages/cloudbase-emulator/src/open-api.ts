import { readFile } from 'fs/promises';
import path from 'path';
import { monthlyAnalytics } from './analytics-data';
import { chinaMonthOf, daysInMonth, formatMonth, monthOrdinal, parseCompactDate } from './calendar';
import type { OneShotFault } from './faults';

export const MONTHLY_RETAIN_API = 'analysis.getMonthlyRetain';
export const MONTHLY_VISIT_TREND_API = 'analysis.getMonthlyVisitTrend';

/** The open APIs the emulator implements. */
export const EMULATED_APIS: readonly string[] = [MONTHLY_RETAIN_API, MONTHLY_VISIT_TREND_API];

/** HTTPS paths of the emulated APIs → apiName. */
export const HTTPS_API_PATHS: ReadonlyMap<string, string> = new Map([
  ['/datacube/getweanalysisappidmonthlyretaininfo', MONTHLY_RETAIN_API],
  ['/datacube/getweanalysisappidmonthlyvisittrend', MONTHLY_VISIT_TREND_API],
]);

/** WeChat's errmsg for the errcodes the emulator produces or is asked to inject. */
export const WECHAT_ERRMSG: ReadonlyMap<number, string> = new Map([
  [-1, 'system error'],
  [40001, 'invalid credential, access_token is invalid or not latest'],
  [40002, 'invalid grant_type'],
  [40013, 'invalid appid'],
  [40125, 'invalid appsecret'],
  [40164, 'invalid ip, not in whitelist'],
  [41001, 'access_token missing'],
  [41002, 'appid missing'],
  [41004, 'appsecret missing'],
  [42001, 'access_token expired'],
  [43001, 'require GET method'],
  [43002, 'require POST method'],
  [44002, 'empty post data'],
  [45009, 'reach max api daily quota limit'],
  [45011, 'api minute-quota reach limit  mustslower  retry next minute'],
  [47001, 'data format error'],
  [48001, 'api unauthorized'],
  [61007, 'api is unauthorized to component'],
  [61500, 'date format error'],
  [61501, 'date range error'],
  [61502, 'game appid not support'],
  [61503, 'data not ready, please try later'],
]);

/**
 * The CloudBase error `code` strings wx-server-sdk maps to -50xxxx errCodes (its TCB_ERR_CODE table,
 * spelling included: -501005 is `INVALIID_ENV`).
 */
export const CLOUDBASE_ERROR_CODES: ReadonlyMap<number, string> = new Map([
  [-501001, 'SYS_ERR'],
  [-501002, 'SERVER_TIMEOUT'],
  [-501003, 'EXCEED_REQUEST_LIMIT'],
  [-501004, 'EXCEED_CONCURRENT_REQUEST_LIMIT'],
  [-501005, 'INVALIID_ENV'],
  [-501006, 'INVALID_COMMON_PARAM'],
  [-501007, 'INVALID_PARAM'],
  [-501008, 'INVALID_REQUEST_SOURCE'],
  [-501009, 'RESOURCE_NOT_INITIAL'],
  [-502001, 'DATABASE_REQUEST_FAILED'],
  [-502002, 'DATABASE_INVALID_OPERRATOR'],
  [-502003, 'DATABASE_PERMISSION_DENIED'],
  [-502004, 'DATABASE_COLLECTION_EXCEED_LIMIT'],
  [-502005, 'DATABASE_COLLECTION_NOT_EXIST'],
  [-503001, 'STORAGE_REQUEST_FAIL'],
  [-503002, 'STORAGE_EXCEED_AUTHORITY'],
  [-503003, 'STORAGE_FILE_NONEXIST'],
  [-503004, 'STORAGE_SIGN_PARAM_INVALID'],
  [-504001, 'FUNCTIONS_REQUEST_FAIL'],
  [-504002, 'FUNCTIONS_EXECUTE_FAIL'],
]);

export const INVALID_PARAM_ERRCODE = -501007;
export const PERMISSION_DENIED_ERRCODE = -604101;
export const API_NOT_FOUND_ERRCODE = -604100;
/** What wx-server-sdk reports for a reply it cannot parse (its WX_SYSTEM_ERROR). */
export const MALFORMED_REPLY_ERRCODE = -601001;
/** What wx-server-sdk reports for a connection error (its TCB SYS_ERR). */
export const CONNECTION_ERROR_ERRCODE = -501001;

/** A strict prefix of a reply: JSON no parser accepts. */
export const MALFORMED_REPLY_TEXT = '{"list":[{"ref_date":"20';

/** How an open-API call is answered, independent of the transport. */
export type OpenApiOutcome =
  | { kind: 'wechat'; errcode: number; jsonText: string }
  | { kind: 'gateway'; errcode: number }
  | { kind: 'cloudbase'; errcode: number; code: string; message: string }
  | { kind: 'malformed'; errcode: number }
  | { kind: 'drop'; errcode: number };

/** WeChat's `{errcode, errmsg}` reply. */
export function weChatError(errcode: number, errmsg = WECHAT_ERRMSG.get(errcode) ?? `error ${errcode}`): OpenApiOutcome {
  return { kind: 'wechat', errcode, jsonText: JSON.stringify({ errcode, errmsg }) };
}

/** The answer an injected fault gives. */
export function faultOutcome(fault: OneShotFault): OpenApiOutcome {
  switch (fault.kind) {
    case 'drop':
      return { kind: 'drop', errcode: CONNECTION_ERROR_ERRCODE };
    case 'malformed':
      return { kind: 'malformed', errcode: MALFORMED_REPLY_ERRCODE };
    case 'fail': {
      const { errcode } = fault;
      if (errcode > 0 || errcode === -1) return weChatError(errcode);
      const code = CLOUDBASE_ERROR_CODES.get(errcode);
      if (code) return { kind: 'cloudbase', errcode, code, message: `injected CloudBase error ${code}` };
      return { kind: 'gateway', errcode };
    }
  }
}

/** Error text of a gateway or CloudBase outcome, for the HTTPS transport that carries it as an errmsg. */
export function outcomeDescription(outcome: OpenApiOutcome): string {
  switch (outcome.kind) {
    case 'cloudbase':
      return outcome.message;
    case 'gateway':
      return outcome.errcode === PERMISSION_DENIED_ERRCODE
        ? 'function has no permission to call this API'
        : outcome.errcode === API_NOT_FOUND_ERRCODE
          ? 'API not found'
          : `system error: error code: ${outcome.errcode}`;
    default:
      return WECHAT_ERRMSG.get(outcome.errcode) ?? `error ${outcome.errcode}`;
  }
}

/**
 * Whether `<functionsRoot>/<functionName>/config.json` (read now) lists `apiName` in `permissions.openapi`.
 * A missing or unparseable file, or no function, means no permission.
 */
export async function functionMayCall(functionsRoot: string, functionName: string | null, apiName: string): Promise<boolean> {
  if (functionName === null) return false;
  try {
    const config: unknown = JSON.parse(await readFile(path.join(functionsRoot, functionName, 'config.json'), 'utf8'));
    const openapi = (config as { permissions?: { openapi?: unknown } } | null)?.permissions?.openapi;
    return Array.isArray(openapi) && openapi.includes(apiName);
  } catch {
    return false;
  }
}

/**
 * WeChat's checks of a monthly query, in its order: both dates real `yyyymmdd` (else 61500), then one
 * natural month that has ended in China time at `now` (else 61501).
 * @returns the queried month as `'YYYY-MM'`, or WeChat's error reply
 */
export function checkMonthlyRange(beginDate: unknown, endDate: unknown, now: Date): { month: string } | { error: OpenApiOutcome } {
  const begin = typeof beginDate === 'string' ? parseCompactDate(beginDate) : undefined;
  const end = typeof endDate === 'string' ? parseCompactDate(endDate) : undefined;
  if (!begin || !end) return { error: weChatError(61500) };
  const naturalMonth = begin.year === end.year && begin.month === end.month && begin.day === 1 && end.day === daysInMonth(end);
  if (!naturalMonth || monthOrdinal(begin) >= monthOrdinal(chinaMonthOf(now))) return { error: weChatError(61501) };
  return { month: formatMonth(begin) };
}

/** Everything {@link answerMonthlyQuery} needs besides the request. */
export interface MonthlyQueryContext {
  seed: string;
  now: Date;
  replyOverride(apiName: string, month: string): string | undefined;
}

/**
 * WeChat's answer to a monthly analytics query of an emulated API: an error for bad dates, else the
 * override text for that month or the generated data.
 */
export function answerMonthlyQuery(apiName: string, beginDate: unknown, endDate: unknown, context: MonthlyQueryContext): OpenApiOutcome {
  const range = checkMonthlyRange(beginDate, endDate, context.now);
  if ('error' in range) return range.error;
  const override = context.replyOverride(apiName, range.month);
  if (override !== undefined) return { kind: 'wechat', errcode: errcodeOfReplyText(override), jsonText: override };
  const analytics = monthlyAnalytics(context.seed, range.month, context.now);
  const reply = apiName === MONTHLY_RETAIN_API ? analytics.retain : analytics.trend;
  return { kind: 'wechat', errcode: 0, jsonText: JSON.stringify(reply) };
}

function errcodeOfReplyText(text: string): number {
  try {
    const errcode = (JSON.parse(text) as { errcode?: unknown } | null)?.errcode;
    return typeof errcode === 'number' ? errcode : 0;
  } catch {
    return MALFORMED_REPLY_ERRCODE;
  }
}
