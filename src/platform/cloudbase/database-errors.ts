import { AnalyticsError } from '../../errors';
import { cloudBaseCodeNamed, isCloudBaseCode } from '../../wechat/cloud/errors';
import { ruleFor } from '../../wechat/errors';

/** wx-server-sdk's `errCode` for a database call on a collection that does not exist (yet). */
export const COLLECTION_NOT_EXIST = -502005;

/**
 * The numeric `errCode` of an error wx-server-sdk raised, if it has one; an error that carries one of
 * CloudBase's codes only in its string form (`code: 'DATABASE_REQUEST_FAILED'`, with no `errCode` or
 * -1) gives that code's number.
 */
export function errCodeOf(error: unknown): number | undefined {
  const fields = error as { errCode?: unknown; code?: unknown } | null;
  const code = fields?.errCode;
  const numeric = typeof code === 'number' ? code : undefined;
  if (numeric !== undefined && numeric !== -1) return numeric;
  return cloudBaseCodeNamed(fields?.code) ?? numeric;
}

function messageOf(error: unknown): string {
  const fields = error as { errMsg?: unknown; message?: unknown } | null;
  return `${typeof fields?.errMsg === 'string' ? fields.errMsg : ''} ${typeof fields?.message === 'string' ? fields.message : ''}`;
}

/**
 * True when an `add` failed because a document with its `_id` exists: CloudBase answers -502001
 * (`DATABASE_REQUEST_FAILED`) with MongoDB's `E11000 duplicate key error` in the message, the code that
 * otherwise means a request that may clear. A fact about what is stored, never retried.
 */
export function isDuplicateId(error: unknown): boolean {
  return /E11000|duplicate key/i.test(messageOf(error));
}

/**
 * True when `createCollection` failed because the collection exists: CloudBase's
 * `DATABASE_COLLECTION_ALREADY_EXIST` (`[ResourceUnavailable.ResourceExist] Table exist.`), which
 * wx-server-sdk's table lacks and so reports as -501001. Never retried.
 */
export function isCollectionExists(error: unknown): boolean {
  return /ResourceExist|Table exist|ALREADY_EXIST/i.test(`${messageOf(error)} ${String((error as { code?: unknown } | null)?.code ?? '')}`);
}

/**
 * True when a failed database call met one of CloudBase's codes that may clear within seconds
 * (-501001 … -501004, -502001): another attempt in the same invocation, with backoff and within the
 * time budget, may succeed. Decided by the one error table (`wechat/errors.ts`), never here; a
 * duplicate `_id` and an existing collection are answers, not failures that clear.
 */
export function mayClearNow(error: unknown): boolean {
  const code = errCodeOf(error);
  if (code === undefined || !isCloudBaseCode(code) || ruleFor(code).recovery !== 'now') return false;
  return !isDuplicateId(error) && !isCollectionExists(error);
}

/**
 * A database failure as the caller sees it: `what` failed (e.g. "Reading the archive for 2024-05"),
 * CloudBase's code and what may clear it. `UPSTREAM_ERROR` with the code as `wxErrCode`; recovery
 * `later` when the code may clear by itself (the retries of this invocation did not clear it), `never`
 * otherwise (someone must act in the CloudBase console). An error that is already typed (the deadline)
 * is returned as it is.
 */
export function fromDatabaseError(error: unknown, what: string): AnalyticsError {
  if (error instanceof AnalyticsError) return error;
  return databaseError(error, what);
}

/** A failure of the database (not of WeChat, nor of one month, nor the deadline's): what {@link fromDatabaseError} makes. */
export class DatabaseError extends AnalyticsError {}

/** True for an error {@link fromDatabaseError} made from a database failure (not the deadline's). */
export function isDatabaseError(error: AnalyticsError): boolean {
  return error instanceof DatabaseError;
}

function databaseError(error: unknown, what: string): DatabaseError {
  const code = errCodeOf(error);
  const known = code !== undefined && isCloudBaseCode(code);
  const clears = known ? ruleFor(code).recovery !== 'never' : true;
  const detail = known ? ` (${code})` : code !== undefined ? ` (error ${code})` : '';
  const advice =
    code === -501003
      ? "the environment's request quota is used up: check its usage and plan in the CloudBase console, and try again in a few minutes."
      : code === -501004
        ? "the environment's concurrency limit is reached: try again in a minute, or lower ANALYTICS_CONCURRENCY."
        : clears
          ? 'try again in a minute.'
          : "check the environment's database in the CloudBase console (its permissions, its collections, that it is not suspended).";
  return new DatabaseError('UPSTREAM_ERROR', `${what} failed in CloudBase's database${detail}${clears && known ? ', even after retries' : ''}; ${advice}`, {
    ...(code !== undefined && known ? { wxErrCode: code } : {}),
    recovery: clears ? 'later' : 'never',
    scope: 'api',
    cause: error,
  });
}
