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

/**
 * True when a failed database call met one of CloudBase's codes that may clear within seconds
 * (-501001 … -501004, -502001): another attempt in the same invocation, with backoff and within the
 * time budget, may succeed. Decided by the one error table (`wechat/errors.ts`), never here.
 */
export function mayClearNow(error: unknown): boolean {
  const code = errCodeOf(error);
  return code !== undefined && isCloudBaseCode(code) && ruleFor(code).recovery === 'now';
}
