import type { AuthorizerRecord } from '../wechat';

/**
 * An authorizer document read back from the database, checked: undefined when any field the functions
 * use is not what they write (another id than its AppID, funcs that are not permission set ids, an
 * unknown status…). A sync stamp that is not a plain time counts as never synced.
 */
export function toAuthorizer(document: unknown): AuthorizerRecord | undefined {
  if (typeof document !== 'object' || document === null) return undefined;
  const { _id, authorizerAppid, refreshToken, funcs, status, problem, updatedAt, syncedAt, recheckAt, eventCreateTime } = document as Record<string, unknown>;
  if (typeof authorizerAppid !== 'string' || typeof refreshToken !== 'string' || typeof updatedAt !== 'number') return undefined;
  // Stored under its own AppID: a document that names another would be synced, and stamped, as that one.
  if (_id !== undefined && _id !== authorizerAppid) return undefined;
  if (!Array.isArray(funcs) || !funcs.every((id) => Number.isInteger(id))) return undefined;
  if (status !== 'authorized' && status !== 'needs_reauth' && status !== 'revoked') return undefined;
  if (problem !== null && typeof problem !== 'number') return undefined;
  const record: AuthorizerRecord = { authorizerAppid, refreshToken, funcs: funcs as number[], status, problem, updatedAt };
  // A stamp that is not a plain time counts as never synced: the authorizer is synced again.
  if (typeof syncedAt === 'number' && Number.isFinite(syncedAt)) record.syncedAt = syncedAt;
  if (typeof recheckAt === 'number' && Number.isFinite(recheckAt)) record.recheckAt = recheckAt;
  if (typeof eventCreateTime === 'number') record.eventCreateTime = eventCreateTime;
  return record;
}
