import { isOlderPush, type AuthorizerRecord, type ComponentState, type OrderedWrite } from '../wechat';
import type { CloudDatabase } from '../../platform/cloudbase/archive';
import { toAuthorizer } from './authorizer-document';
import { createCloudDocuments } from '../../platform/cloudbase/documents';
import { COLLECTION_NOT_EXIST, errCodeOf, isDuplicateId } from '../../platform/cloudbase/database-errors';

/** Rounds of an ordered write (a conditional update, then a read) before a document that keeps changing fails the push. */
const ORDERED_WRITE_ATTEMPTS = 4;
const PAGE = 1000;


/**
 * The third-party platform's state in the CloudBase database: the newest ticket in `tokenCollection`
 * (`component_verify_ticket_<component appid>`) with the last reconciliation's stamp
 * (`reconcile_<component appid>`), one document per authorizer (id: its AppID, with the
 * time of its last complete sync) in `authorizerCollection`. Both collections must allow no client access.
 */
export function createCloudComponentState(db: CloudDatabase, tokenCollection: string, authorizerCollection: string): ComponentState {
  const stores = new Map([tokenCollection, authorizerCollection].map((name) => [name, createCloudDocuments(db, name)]));
  /** One document by id (undefined when none, the collection missing included): the store port's read. */
  const readOne = (collection: string, id: string): Promise<unknown> => (stores.get(collection) ?? createCloudDocuments(db, collection)).read(id);

  /**
   * Writes `data` into document `id` unless the push it comes from, created at `at`, is older than the
   * push the document reflects (its number `field`, in `at`'s unit; absent: oldest): {@link isOlderPush}.
   * The check and the write are one conditional update (`field` ≤ `at`, or absent), so that two pushes
   * cannot interleave between them. When it updates nothing, a read tells why: the push is `older`; the
   * document is missing (added when `create`, else `missing`; an add that loses to a concurrent one is
   * compared with it in the next round); or it changed in between (tried again).
   */
  const writeUnlessOlder = async (
    collection: string,
    id: string,
    field: string,
    at: number,
    data: Record<string, unknown>,
    create: boolean,
  ): Promise<OrderedWrite | 'missing'> => {
    const _ = db.command;
    let failure: unknown = new Error(`the document ${id} kept changing while a push was being stored`);
    for (let attempt = 0; attempt < ORDERED_WRITE_ATTEMPTS; attempt += 1) {
      try {
        const reply = await db
          .collection(collection)
          .where({ _id: id, [field]: _.or(_.lte(at), _.exists(false)) })
          .update({ data });
        if (Number(reply.stats?.updated) === 1) return 'stored';
      } catch (error) {
        if (errCodeOf(error) !== COLLECTION_NOT_EXIST) throw error;
      }
      const current = (await readOne(collection, id)) as Record<string, unknown> | undefined;
      if (current === undefined) {
        if (!create) return 'missing';
        try {
          await db.collection(collection).add({ data: { _id: id, ...data } });
          return 'stored';
        } catch (error) {
          // Another push added it first (a duplicate _id): the next round compares with it. Any other
          // failure is the database's (its retries are spent), not another push's: the push fails.
          failure = error;
          if (errCodeOf(error) === COLLECTION_NOT_EXIST) await db.createCollection(collection).catch(() => undefined);
          else if (!isDuplicateId(error)) throw error;
          continue;
        }
      }
      const stored = current[field];
      if (typeof stored === 'number' && isOlderPush(at, stored)) return 'older';
      // Written by a push of the same time with the same data (nothing updated), or changed in between.
      if (stored === at) return 'stored';
    }
    throw failure;
  };

  return {
    async readTicket(componentAppid) {
      const document = (await readOne(tokenCollection, `component_verify_ticket_${componentAppid}`)) as Record<string, unknown> | undefined;
      return typeof document?.ticket === 'string' && typeof document.createdAt === 'number' ? { ticket: document.ticket, createdAt: document.createdAt } : undefined;
    },
    async writeTicket(componentAppid, ticket, createdAt) {
      const id = `component_verify_ticket_${componentAppid}`;
      const result = await writeUnlessOlder(tokenCollection, id, 'createdAt', createdAt, { kind: 'ticket', ticket, createdAt }, true);
      return result === 'missing' ? 'stored' : result; // never missing: it is created
    },
    async readAuthorizer(authorizerAppid) {
      return toAuthorizer(await readOne(authorizerCollection, authorizerAppid));
    },
    async updateAuthorizer(record, fields) {
      const _ = db.command;
      const samePush = record.eventCreateTime === undefined ? _.exists(false) : record.eventCreateTime;
      const reply = await db
        .collection(authorizerCollection)
        .where({ _id: record.authorizerAppid, kind: 'authorizer', eventCreateTime: samePush })
        .update({ data: fields });
      return Number(reply.stats?.updated) === 1;
    },
    async updateAuthorizerIfUnchanged(record, fields) {
      const _ = db.command;
      const sameVersion = {
        _id: record.authorizerAppid,
        kind: 'authorizer',
        eventCreateTime: record.eventCreateTime === undefined ? _.exists(false) : record.eventCreateTime,
        updatedAt: record.updatedAt,
        status: record.status,
      };
      try {
        const reply = await db.collection(authorizerCollection).where(sameVersion).update({ data: fields });
        if (Number(reply.stats?.updated) === 1) return true;
      } catch (error) {
        if (errCodeOf(error) === COLLECTION_NOT_EXIST) return false;
        throw error;
      }
      // Nothing matched: changed by another write, or changed by this one (an attempt applied, its reply
      // lost, then retried): the document as it is now tells, by this write's own updatedAt.
      const current = (await readOne(authorizerCollection, record.authorizerAppid)) as Record<string, unknown> | undefined;
      return current !== undefined && Object.entries(fields).every(([field, value]) => current[field] === value);
    },
    async readReconciledAt(componentAppid) {
      const document = (await readOne(tokenCollection, `reconcile_${componentAppid}`)) as Record<string, unknown> | undefined;
      const at = document?.reconciledAt;
      return typeof at === 'number' && Number.isFinite(at) ? at : undefined;
    },
    async writeReconciledAt(componentAppid, at) {
      const write = () => db.collection(tokenCollection).doc(`reconcile_${componentAppid}`).set({ data: { kind: 'reconcile', reconciledAt: at } });
      try {
        await write();
      } catch (error) {
        if (errCodeOf(error) !== COLLECTION_NOT_EXIST) throw error;
        await db.createCollection(tokenCollection).catch(() => undefined);
        await write();
      }
    },
    async storeAuthorization(record) {
      const data = { kind: 'authorizer', ...record };
      const result = await writeUnlessOlder(authorizerCollection, record.authorizerAppid, 'eventCreateTime', record.eventCreateTime, data, true);
      return result === 'missing' ? 'stored' : result; // never missing: it is created
    },
    async revokeAuthorizer(authorizerAppid, eventCreateTime, updatedAt) {
      const revoked = { status: 'revoked', problem: null, updatedAt, eventCreateTime };
      const result = await writeUnlessOlder(authorizerCollection, authorizerAppid, 'eventCreateTime', eventCreateTime, revoked, false);
      return result === 'missing' ? 'unknown' : result;
    },
    async readAuthorizers(authorizerAppids) {
      try {
        const reply = await db
          .collection(authorizerCollection)
          .where({ _id: db.command.in([...authorizerAppids]), kind: 'authorizer' })
          .limit(authorizerAppids.length)
          .get();
        const documents: unknown[] = Array.isArray(reply.data) ? reply.data : [];
        return documents.map(toAuthorizer).filter((record): record is AuthorizerRecord => record !== undefined && authorizerAppids.includes(record.authorizerAppid));
      } catch (error) {
        if (errCodeOf(error) === COLLECTION_NOT_EXIST) return [];
        throw error;
      }
    },
    async listAuthorizers(onUnreadable) {
      const found: AuthorizerRecord[] = [];
      // Paged by what each page gave (the platform may cap a page below PAGE), until a page is empty.
      for (let offset = 0; ; ) {
        let page: unknown[];
        try {
          const reply = await (db.collection(authorizerCollection).where({ kind: 'authorizer' }) as unknown as {
            orderBy(field: string, order: string): { skip(n: number): { limit(n: number): { get(): Promise<{ data?: unknown }> } } };
          })
            .orderBy('_id', 'asc')
            .skip(offset)
            .limit(PAGE)
            .get();
          page = Array.isArray(reply.data) ? reply.data : [];
        } catch (error) {
          if (errCodeOf(error) === COLLECTION_NOT_EXIST) return found;
          throw error;
        }
        if (page.length === 0) return found;
        offset += page.length;
        for (const document of page) {
          const record = toAuthorizer(document);
          if (record) found.push(record);
          else onUnreadable?.(String((document as { _id?: unknown } | null)?._id ?? '(no _id)'));
        }
      }
    },
    async markSynced(authorizerAppid, syncedAt, recheckAt) {
      await db
        .collection(authorizerCollection)
        .where({ _id: authorizerAppid, kind: 'authorizer' })
        .update({ data: { syncedAt, recheckAt: recheckAt ?? null } });
    },
  };
}
