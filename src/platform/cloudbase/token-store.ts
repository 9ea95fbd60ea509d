import type { TokenRecord, TokenStore } from '../../wechat/https';
import type { CloudDatabase } from './archive';
import { COLLECTION_NOT_EXIST, errCodeOf, isDuplicateId } from './database-errors';

/** The longest a refresh lease can rightly last, in ms: leases are a few seconds; a minute is generous. */
const MAX_LEASE_MS = 60_000;

/** Rounds of taking a refresh lease before a document that keeps changing fails it. */
const LEASE_ROUNDS = 3;

function toRecord(document: unknown): TokenRecord | undefined {
  if (typeof document !== 'object' || document === null) return undefined;
  const { token, expiresAt, leaseHolder, leaseUntil, failure } = document as Record<string, unknown>;
  if (token !== null && typeof token !== 'string') return undefined;
  if (typeof expiresAt !== 'number' || typeof leaseUntil !== 'number') return undefined;
  if (leaseHolder !== null && typeof leaseHolder !== 'string') return undefined;
  let checkedFailure: TokenRecord['failure'] = null;
  if (failure !== null && failure !== undefined) {
    const { errcode, message, until } = failure as Record<string, unknown>;
    if (typeof errcode !== 'number' || typeof message !== 'string' || typeof until !== 'number') return undefined;
    checkedFailure = { errcode, message, until };
  }
  return { token, expiresAt, leaseHolder, leaseUntil, failure: checkedFailure };
}

/**
 * Tokens in the CloudBase database: collection `collection` (created on first use), one document per
 * token, shared by every instance and function of the environment. The AppSecret is never stored.
 * Its security rule must allow no client access.
 */
export function createCloudTokenStore(db: CloudDatabase, collection: string): TokenStore {
  const tokens = () => db.collection(collection);
  const ensureCollection = () => db.createCollection(collection).catch(() => undefined);

  return {
    async read(id) {
      try {
        const reply = await tokens().where({ _id: id }).limit(1).get();
        return Array.isArray(reply.data) ? toRecord(reply.data[0]) : undefined;
      } catch (error) {
        if (errCodeOf(error) === COLLECTION_NOT_EXIST) return undefined;
        throw error;
      }
    },

    async acquireLease(id, holder, until, now, seenToken) {
      for (let round = 0; round < LEASE_ROUNDS; round += 1) {
        let updated: unknown;
        try {
          const reply = await tokens()
            .where({ _id: id, token: seenToken, leaseUntil: db.command.lt(now) })
            .update({ data: { leaseHolder: holder, leaseUntil: until } });
          updated = reply.stats?.updated;
        } catch (error) {
          if (errCodeOf(error) !== COLLECTION_NOT_EXIST) throw error;
          await ensureCollection();
        }
        if (Number(updated) === 1) return true;
        let addError: unknown;
        if (seenToken === null) {
          try {
            await tokens().add({ data: { _id: id, kind: 'token', token: null, expiresAt: 0, leaseHolder: holder, leaseUntil: until, failure: null } });
            return true;
          } catch (error) {
            addError = error;
          }
        }
        // Only a document that is there says another instance may hold the lease (whatever the add's message said).
        const reply = await tokens().where({ _id: id }).limit(1).get();
        const current = Array.isArray(reply.data) ? reply.data[0] : undefined;
        if (current === undefined) {
          if (seenToken !== null) return false; // the token seen is gone: the caller reads again
          if (addError !== undefined && !isDuplicateId(addError)) throw addError; // the database's failure
          continue;
        }
        const record = toRecord(current);
        // A document no instance could have written (another shape, or a lease beyond any refresh) would
        // block every instance for ever: it is removed and the lease taken, as for the sync's lease.
        if (!record || record.leaseUntil > now + MAX_LEASE_MS) {
          // Only the document as it was seen (its lease), so that an instance that removed it first and
          // took the lease keeps it.
          const seenLease = record ? { leaseHolder: record.leaseHolder, leaseUntil: record.leaseUntil } : {};
          await tokens().where({ _id: id, ...seenLease }).remove();
          seenToken = null;
          continue;
        }
        // An earlier attempt of this very call was applied, though its reply was lost.
        if (record.leaseHolder === holder && record.leaseUntil === until) return true;
        // Held by another instance (seen), or the token changed since it was read: the caller reads again.
        return false;
      }
      throw new Error(`the token document ${id} kept changing while its refresh lease was being taken`);
    },

    async complete(id, holder, update) {
      const data = 'token' in update ? { token: update.token, expiresAt: update.expiresAt, failure: null } : { failure: update.failure };
      await tokens()
        .where({ _id: id, leaseHolder: holder })
        .update({ data: { ...data, leaseHolder: null, leaseUntil: 0 } });
    },

    async release(id, holder) {
      await tokens().where({ _id: id, leaseHolder: holder }).update({ data: { leaseHolder: null, leaseUntil: 0 } });
    },
  };
}
