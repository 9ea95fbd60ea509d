import type { Document, DocumentStore, Match } from '../../store/documents';
import type { CloudDatabase } from './archive';
import { COLLECTION_NOT_EXIST, errCodeOf, isDuplicateId } from './database-errors';

/**
 * The {@link DocumentStore} of one collection of the CloudBase database (created on the first write
 * that needs it). Conditions become wx-server-sdk queries (`db.command.lt`, `exists(false)`); the
 * counts CloudBase replies (`stats.updated`, `stats.removed`) say whether a conditional write applied.
 */
export function createCloudDocuments(db: CloudDatabase, collection: string): DocumentStore {
  const _ = db.command;
  const query = (id: string, match: Match): Record<string, unknown> => {
    const where: Record<string, unknown> = { _id: id };
    for (const [field, expected] of Object.entries(match)) {
      where[field] = expected !== null && typeof expected === 'object' ? ('absent' in expected ? _.exists(false) : _.lt(expected.below)) : expected;
    }
    return where;
  };
  const missingCollection = (error: unknown) => errCodeOf(error) === COLLECTION_NOT_EXIST;
  const add = (id: string, data: Document) => db.collection(collection).add({ data: { ...data, _id: id } });

  return {
    async read(id) {
      try {
        const reply = await db.collection(collection).where({ _id: id }).limit(1).get();
        const document: unknown = Array.isArray(reply.data) ? reply.data[0] : undefined;
        return typeof document === 'object' && document !== null ? (document as Document) : undefined;
      } catch (error) {
        if (missingCollection(error)) return undefined;
        throw error;
      }
    },
    async create(id, data) {
      try {
        await add(id, data);
      } catch (error) {
        if (isDuplicateId(error)) return 'exists';
        if (!missingCollection(error)) throw error;
        // Another run may create it at the same time: the failure is ignored and the add tells.
        await db.createCollection(collection).catch(() => undefined);
        await add(id, data);
      }
      return 'created';
    },
    async updateIf(id, match, fields) {
      try {
        const reply = await db.collection(collection).where(query(id, match)).update({ data: fields });
        return Number(reply.stats?.updated) === 1;
      } catch (error) {
        if (missingCollection(error)) return false;
        throw error;
      }
    },
    async removeIf(id, match) {
      try {
        const reply = (await db.collection(collection).where(query(id, match)).remove()) as { stats?: { removed?: unknown } } | undefined;
        return Number(reply?.stats?.removed) === 1;
      } catch (error) {
        if (missingCollection(error)) return false;
        throw error;
      }
    },
  };
}
