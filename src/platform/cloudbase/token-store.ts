import type { TokenRecord, TokenStore } from '../../wechat/https';
import type { CloudDatabase } from './archive';
import { takeLease } from '../../store/lease';
import { createCloudDocuments } from './documents';

/** The longest a refresh lease can rightly last, in ms: leases are a few seconds; a minute is generous. */
const MAX_LEASE_MS = 60_000;


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
  const documents = createCloudDocuments(db, collection);

  return {
    read: async (id) => toRecord(await documents.read(id)),

    // The one lease policy (store/lease.ts): taken only while the token is still the one seen; created
    // (with no token yet) only when none was seen; a document no instance could have written is removed.
    acquireLease: (id, holder, until, now, seenToken) =>
      takeLease(documents, id, holder, until, now, MAX_LEASE_MS, {
        holderField: 'leaseHolder',
        expiryField: 'leaseUntil',
        match: { token: seenToken },
        create: seenToken === null ? { kind: 'token', token: null, expiresAt: 0, failure: null } : null,
        valid: (document) => toRecord(document) !== undefined,
        sameExpiry: true,
      }),

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
