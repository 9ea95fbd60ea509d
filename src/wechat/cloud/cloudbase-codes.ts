import type { ErrorRule } from '../error-rules';

/**
 * One of CloudBase's own codes: its number, the names it arrives under, and how it is handled. Each
 * message names CloudBase, the number and wx-server-sdk's text for it (`ERR_CODE['-501003']`, `exceed
 * request limit`), as its `errMsg` shows it.
 */
interface CloudBaseCode {
  errCode: number;
  /**
   * The string forms: first the `code` the gateway answers and wx-server-sdk 4.0.2 looks up in its
   * `TCB_ERR_CODE` (`index.js`, `src/api/cloud/provider/tcb/config/error.config.ts`; a name it does not
   * know becomes -501001), then the name of the code in wx-server-sdk's `ERR_CODE`
   * (`src/config/error.config.ts`, `TCB_…`) with and without its `TCB_` prefix.
   */
  names: readonly string[];
  rule: ErrorRule;
}

/** "CloudBase failed", "CloudBase's database …". */
const cloudBase = (what: string) => (what.startsWith("'") ? `CloudBase${what}` : `CloudBase ${what}`);

/**
 * A CloudBase failure that may clear within seconds: retried with backoff within the time budget (the
 * rule's `now`); the message names CloudBase, the code, and what lies behind it.
 */
function mayClear(errCode: number, name: string, what: string): ErrorRule {
  return {
    code: 'UPSTREAM_ERROR',
    recovery: 'now',
    scope: 'month',
    message: (site) =>
      `${cloudBase(what)} (${errCode}, ${name}) while carrying the cloud call to ${site.api} for ${site.month}, even after retries; try again in a minute.`,
  };
}

/**
 * The environment's request quota or concurrency limit, which may clear within seconds (retried now)
 * and which every call of the environment shares: once the retries have not cleared it, no new call of
 * that API starts in this invocation (`api`).
 */
function limitReached(errCode: number, name: string, limit: string, advice: string): ErrorRule {
  return {
    code: 'UPSTREAM_ERROR',
    recovery: 'now',
    scope: 'api',
    message: (site) =>
      `CloudBase refused the cloud call to ${site.api} for ${site.month}, even after retries: the cloud environment's ${limit} (${errCode}, ${name}); ${advice}`,
  };
}

/** A CloudBase failure that never clears by itself: not retried; the message says what to check. */
function neverClears(errCode: number, name: string, what: string, fix: string, scope: ErrorRule['scope'] = 'api'): ErrorRule {
  return {
    code: 'UPSTREAM_ERROR',
    recovery: 'never',
    scope,
    message: (site) => `${cloudBase(what)} (${errCode}, ${name}) for the cloud call to ${site.api} (${site.month}): ${fix}`,
  };
}

/**
 * CloudBase's own codes (docs.cloudbase.net error codes; wx-server-sdk 4.0.2's `TCB_ERR_CODE`): a
 * failure of the platform the cloud call and the database run on, never WeChat's. Only -501001 …
 * -501004 and -502001 may clear by themselves (docs/platform-failures.md); -501003 and -501004 are
 * the environment's request quota and concurrency limit, which every call of the environment shares,
 * so once retries have not cleared them no new call of that API starts in this invocation (`api`).
 */
const CLOUDBASE_CODES: readonly CloudBaseCode[] = [
  {
    errCode: -501001,
    names: ['SYS_ERR', 'TCB_RESOURCE_SYSTEM_ERROR', 'RESOURCE_SYSTEM_ERROR'],
    rule: mayClear(-501001, 'resource system error', 'failed'),
  },
  {
    errCode: -501002,
    names: ['SERVER_TIMEOUT', 'TCB_RESOURCE_SERVER_TIMEOUT', 'RESOURCE_SERVER_TIMEOUT'],
    rule: mayClear(-501002, 'resource server timeout', 'timed out'),
  },
  {
    errCode: -501003,
    names: ['EXCEED_REQUEST_LIMIT', 'TCB_EXCEED_REQUEST_LIMIT'],
    rule: limitReached(
      -501003,
      'exceed request limit',
      'request quota is used up',
      "every call of this environment, its database included, meets the same quota: check the environment's usage and plan in the CloudBase console, and try again in a few minutes.",
    ),
  },
  {
    errCode: -501004,
    names: ['EXCEED_CONCURRENT_REQUEST_LIMIT', 'TCB_EXCEED_CONCURRENT_REQUEST_LIMIT'],
    rule: limitReached(
      -501004,
      'exceed concurrent request limit',
      'concurrency limit is reached (too many requests at once)',
      "try again in a minute; if it recurs, lower ANALYTICS_CONCURRENCY or check the environment's plan in the CloudBase console.",
    ),
  },
  {
    errCode: -501005,
    names: ['INVALIID_ENV', 'TCB_INVALID_ENV', 'INVALID_ENV'],
    rule: neverClears(
      -501005,
      'invalid env',
      'does not know the cloud environment',
      'check that the function is deployed to an existing environment of this Mini Program and that the environment is not suspended (the CloudBase console).',
    ),
  },
  {
    errCode: -501006,
    names: ['INVALID_COMMON_PARAM', 'TCB_INVALID_COMMON_PARAM'],
    rule: neverClears(
      -501006,
      'invalid common parameters',
      "refused the request's common parameters",
      "the function's credentials or SDK are not what CloudBase expects: upload the function again from WeChat DevTools (with its wx-server-sdk), and report it if it persists.",
    ),
  },
  {
    errCode: -501007,
    names: ['INVALID_PARAM', 'TCB_INVALID_PARAM'],
    rule: neverClears(
      -501007,
      'invalid parameters',
      "refused the request's parameters",
      'the dates are checked before the call, so please report this with the month.',
      'month',
    ),
  },
  {
    errCode: -501008,
    names: ['INVALID_REQUEST_SOURCE', 'TCB_INVALID_REQUEST_SOURCE'],
    rule: neverClears(
      -501008,
      'invalid request source',
      'refused where the request came from',
      'the cloud call works only from a cloud function of this environment; check where the function runs.',
    ),
  },
  {
    errCode: -501009,
    names: ['RESOURCE_NOT_INITIAL', 'TCB_RESOURCE_NOT_INITIALIZED', 'RESOURCE_NOT_INITIALIZED'],
    rule: neverClears(
      -501009,
      'resource not initialized',
      'says a resource of the environment is not initialised',
      'open the environment in the CloudBase console and check that its database is set up and the environment is not suspended or overdue.',
    ),
  },
  {
    errCode: -502001,
    names: ['DATABASE_REQUEST_FAILED', 'TCB_DB_REQUEST_FAIL', 'DB_REQUEST_FAIL'],
    rule: mayClear(-502001, 'database request fail', "'s database request failed"),
  },
  {
    errCode: -502002,
    names: ['DATABASE_INVALID_OPERRATOR', 'TCB_DB_INVALID_COMMAND', 'DB_INVALID_COMMAND'],
    rule: neverClears(-502002, 'database invalid command', "'s database refused a command", 'please report this with the month.', 'month'),
  },
  {
    errCode: -502003,
    names: ['DATABASE_PERMISSION_DENIED', 'TCB_DB_PERMISSION_DENIED', 'DB_PERMISSION_DENIED'],
    rule: neverClears(
      -502003,
      'database permission denied',
      "'s database refused access",
      "check the environment's database permissions in the CloudBase console, and that the function runs in the environment that holds its collection.",
    ),
  },
  {
    errCode: -502004,
    names: ['DATABASE_COLLECTION_EXCEED_LIMIT', 'TCB_DB_EXCEED_COLLECTION_LIMIT', 'DB_EXCEED_COLLECTION_LIMIT'],
    rule: neverClears(
      -502004,
      'database exceed collection limit',
      "'s environment has as many collections as its plan allows",
      'remove a collection that is no longer used, or change the plan, in the CloudBase console.',
    ),
  },
  {
    errCode: -502005,
    names: ['DATABASE_COLLECTION_NOT_EXIST', 'TCB_DB_COLLECTION_NOT_EXISTS', 'DB_COLLECTION_NOT_EXISTS'],
    rule: neverClears(
      -502005,
      'database collection not exists',
      "'s database has no such collection",
      'the functions create their collections on first use; check that ANALYTICS_COLLECTION names the collection they use.',
    ),
  },
];

/** CloudBase's own codes (-501001 … -501009, -502001 … -502005), part of the one error table in `wechat/errors.ts`. */
export const CLOUDBASE_RULES: Readonly<Record<number, ErrorRule>> = Object.fromEntries(CLOUDBASE_CODES.map(({ errCode, rule }) => [errCode, rule]));

/** CloudBase's codes by their string forms (`EXCEED_REQUEST_LIMIT` → -501003); see {@link CloudBaseCode.names}. */
const CLOUDBASE_NAMES: ReadonlyMap<string, number> = new Map(CLOUDBASE_CODES.flatMap(({ errCode, names }) => names.map((name) => [name, errCode] as const)));

/** The number of one of CloudBase's codes given by its string form (as `cloud.callFunction` reports it in `code`), if it is one. */
export function cloudBaseCodeNamed(name: unknown): number | undefined {
  return typeof name === 'string' ? CLOUDBASE_NAMES.get(name) : undefined;
}

/** True for CloudBase's own codes (-501001 … -501009, -502001 … -502005). */
export function isCloudBaseCode(errCode: number): boolean {
  return Object.prototype.hasOwnProperty.call(CLOUDBASE_RULES, errCode);
}
