import type { ArchiveStore } from '../../archive/store';
import { ARCHIVE_SCHEMA_VERSION, archiveId, leaseId, markId } from '../../archive/store';
import { isPlainObject } from '../../reports/numbers';
import type { YearMonth } from '../../dates';
import { COLLECTION_NOT_EXIST, errCodeOf } from './database-errors';
import { createCloudDocuments } from './documents';
import { giveLeaseBack, takeLease } from '../../store/lease';

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
    /** Replaces a field's whole value in an update (an object is not merged into the stored one). */
    set(value: unknown): unknown;
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

  const documents = createCloudDocuments(db, collection);

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

    async write(entry, expected) {
      const id = archiveId(entry.kind, entry.month, entry.appid);
      const document = {
        kind: entry.kind,
        month: entry.month,
        appid: entry.appid,
        schemaVersion: ARCHIVE_SCHEMA_VERSION,
        figures: entry.figures,
        data: entry.data,
        fetchedAt: entry.fetchedAt,
      };
      const archive = () => db.collection(collection);
      if (entry.figures) {
        await withCollection(() => archive().doc(id).set({ data: document }));
        return 'written';
      }
      // Without figures: over a stored document without figures only, in the write itself.
      const _ = db.command;
      const withoutFigures = expected
        ? _.or([{ _id: id, figures: false }, { _id: id, figures: _.exists(false), fetchedAt: expected.fetchedAt }])
        : { _id: id, figures: false };
      const reply = await withCollection(() => archive().where(withoutFigures as Record<string, unknown>).update({ data: { ...document, data: _.set(entry.data) } }));
      if (Number(reply.stats?.updated) === 1) return 'written';
      try {
        await withCollection(() => archive().add({ data: { _id: id, ...document } }));
        return 'written';
      } catch (error) {
        // Whatever the message says, the document there now tells: figures (or a document from before the
        // `figures` field) are kept; one without figures is this write's own (an attempt applied, its reply
        // lost) or another answer as empty as this one. None there: the database's failure.
        const existing = await archive().where({ _id: id }).limit(1).get();
        const stored: unknown = Array.isArray(existing.data) ? existing.data[0] : undefined;
        if (stored === undefined) throw error;
        return (stored as { figures?: unknown }).figures === false ? 'written' : 'kept';
      }
    },

    acquireLease: (name, holder, until, now) => takeLease(documents, leaseId(name), holder, until, now, MAX_LEASE_MS),

    readMark: (name) => documents.read(markId(name)),

    async writeMark(name, mark) {
      await withCollection(() => db.collection(collection).doc(markId(name)).set({ data: { ...mark, kind: 'mark' } }));
    },

    async removeMark(name) {
      await documents.removeIf(markId(name), {});
    },

    releaseLease: (name, holder) => giveLeaseBack(documents, leaseId(name), holder),
  };
}
