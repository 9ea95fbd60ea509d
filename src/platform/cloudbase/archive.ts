import type { ArchiveStore } from '../../archive/store';
import { ARCHIVE_SCHEMA_VERSION, archiveId, leaseId } from '../../archive/store';
import { isPlainObject } from '../../reports/numbers';
import type { YearMonth } from '../../dates';
import { COLLECTION_NOT_EXIST, errCodeOf } from './database-errors';

/** The part of `wx-server-sdk`'s database the archive uses. */
export interface CloudDatabase {
  collection(name: string): {
    doc(id: string): { set(options: { data: Record<string, unknown> }): Promise<unknown> };
    add(options: { data: Record<string, unknown> }): Promise<unknown>;
    where(query: Record<string, unknown>): {
      limit(count: number): { get(): Promise<{ data?: unknown }> };
      update(options: { data: Record<string, unknown> }): Promise<{ stats?: { updated?: unknown } }>;
      remove(): Promise<unknown>;
    };
  };
  command: {
    in(values: unknown[]): unknown;
    lt(value: unknown): unknown;
    lte(value: unknown): unknown;
    exists(value: boolean): unknown;
    or(...conditions: unknown[]): unknown;
  };
  createCollection(name: string): Promise<unknown>;
}

/** The longest a lease can rightly last: a cloud function's longest time limit (900 s) and a minute, in ms. */
const MAX_LEASE_MS = 961_000;

/**
 * The archive in the CloudBase database: collection `collection`, created on first write when
 * missing, one document per month and kind with id `<kind>_<YYYY-MM>`, and lease documents `lease_<name>`.
 * Only cloud functions may read or write it: its security rule must allow no client access.
 */
export function createCloudArchive(db: CloudDatabase, collection: string): ArchiveStore {
  // Another run may create it at the same time: the failure is ignored and the retried write tells.
  const createCollection = () => db.createCollection(collection).catch(() => undefined);
  const withCollection = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (error) {
      if (errCodeOf(error) !== COLLECTION_NOT_EXIST) throw error;
      await createCollection();
      return work();
    }
  };

  return {
    async read(kind, months, appid) {
      const ids = months.map((month) => archiveId(kind, month, appid));
      let documents: unknown;
      try {
        // One month (every single-month call) is an equality on _id: the SDK encodes and signs less than for `in`.
        const reply = await db
          .collection(collection)
          .where({ _id: ids.length === 1 ? ids[0] : db.command.in(ids) })
          .limit(Math.max(ids.length, 1))
          .get();
        documents = reply.data;
      } catch (error) {
        if (errCodeOf(error) === COLLECTION_NOT_EXIST) return new Map();
        throw error;
      }
      const found = new Map<YearMonth, unknown>();
      for (const document of Array.isArray(documents) ? documents : []) {
        const id: unknown = isPlainObject(document) ? document._id : undefined;
        const month = months[ids.indexOf(String(id))];
        if (month !== undefined) found.set(month, document);
      }
      return found;
    },

    async write(entry) {
      await withCollection(() =>
        db
          .collection(collection)
          .doc(archiveId(entry.kind, entry.month, entry.appid))
          .set({
            data: {
              kind: entry.kind,
              month: entry.month,
              appid: entry.appid,
              schemaVersion: ARCHIVE_SCHEMA_VERSION,
              data: entry.data,
              fetchedAt: entry.fetchedAt,
            },
          }),
      );
    },

    async acquireLease(name, holder, until, now) {
      const id = leaseId(name);
      const taken = await withCollection(() =>
        db
          .collection(collection)
          .where({ _id: id, expiresAt: db.command.lt(now) })
          .update({ data: { holder, expiresAt: until } }),
      );
      if (Number(taken.stats?.updated) === 1) return true;
      const add = async () => {
        try {
          await db.collection(collection).add({ data: { _id: id, kind: 'lease', holder, expiresAt: until } });
          return true;
        } catch {
          // The document exists (a duplicate _id): someone holds the lease.
          return false;
        }
      };
      if (await add()) return true;
      // A lease document that no run could have written (no expiry, or one beyond the longest time limit)
      // would block every run for ever: it is removed and the lease taken.
      const reply = await db.collection(collection).where({ _id: id }).limit(1).get();
      const current = (Array.isArray(reply.data) ? reply.data[0] : undefined) as { expiresAt?: unknown } | undefined;
      const expiresAt = current?.expiresAt;
      if (current && (typeof expiresAt !== 'number' || !Number.isFinite(expiresAt) || expiresAt > now + MAX_LEASE_MS)) {
        await db.collection(collection).where({ _id: id }).remove();
        return add();
      }
      return false;
    },

    async releaseLease(name, holder) {
      await db.collection(collection).where({ _id: leaseId(name), holder }).remove();
    },
  };
}
