/**
 * Error codes the CloudBase gateway puts in `{ code, message, requestId }` database replies.
 * wx-server-sdk maps each to a numeric errCode through its TCB_ERR_CODE table; a code missing
 * from that table (such as DATABASE_COLLECTION_ALREADY_EXIST) becomes -501001 (SYS_ERR).
 */
export type DatabaseErrorCode =
  | 'INVALID_PARAM' // -501007
  | 'SYS_ERR' // -501001
  | 'DATABASE_REQUEST_FAILED' // -502001
  | 'DATABASE_INVALID_OPERRATOR' // -502002 (the SDK's own spelling)
  | 'DATABASE_COLLECTION_NOT_EXIST' // -502005
  | 'DATABASE_COLLECTION_ALREADY_EXIST'; // not in the SDK table: -501001

/** Messages the real service is reported to send with these codes. */
export const COLLECTION_NOT_EXIST_MESSAGE =
  '[ResourceNotFound] Db or Table not exist. Please check your request, but if the problem persists, contact us.';
export const COLLECTION_ALREADY_EXIST_MESSAGE = '[ResourceUnavailable.ResourceExist] Table exist.';

/** A failure that becomes an error reply rather than an exception. */
export class DatabaseActionError extends Error {
  constructor(
    readonly code: DatabaseErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'DatabaseActionError';
  }
}
