import type { AuthorizerRecord, ComponentState } from '../../wechat/component';
import type { CloudDatabase } from './archive';

const COLLECTION_NOT_EXIST = -502005;
const PAGE = 1000;

function errCodeOf(error: unknown): number | undefined {
  const code = (error as { errCode?: unknown } | null)?.errCode;
  return typeof code === 'number' ? code : undefined;
}

function toAuthorizer(document: unknown): AuthorizerRecord | undefined {
  if (typeof document !== 'object' || document === null) return undefined;
  const { authorizerAppid, refreshToken, funcs, status, problem, updatedAt, syncedAt } = document as Record<string, unknown>;
  if (typeof authorizerAppid !== 'string' || typeof refreshToken !== 'string' || typeof updatedAt !== 'number') return undefined;
  if (!Array.isArray(funcs) || !funcs.every((id) => Number.isInteger(id))) return undefined;
  if (status !== 'authorized' && status !== 'needs_reauth' && status !== 'revoked') return undefined;
  if (problem !== null && typeof problem !== 'number') return undefined;
  const record: AuthorizerRecord = { authorizerAppid, refreshToken, funcs: funcs as number[], status, problem, updatedAt };
  // A stamp that is not a plain time counts as never synced: the authorizer is synced again.
  if (typeof syncedAt === 'number' && Number.isFinite(syncedAt)) record.syncedAt = syncedAt;
  return record;
}

/**
 * The third-party platform's state in the CloudBase database: the newest ticket in `tokenCollection`
 * (`component_verify_ticket_<component appid>`), one document per authorizer (id: its AppID, with the
 * time of its last complete sync) in `authorizerCollection`. Both collections must allow no client access.
 */
export function createCloudComponentState(db: CloudDatabase, tokenCollection: string, authorizerCollection: string): ComponentState {
  const readOne = async (collection: string, id: string): Promise<unknown> => {
    try {
      const reply = await db.collection(collection).where({ _id: id }).limit(1).get();
      return Array.isArray(reply.data) ? reply.data[0] : undefined;
    } catch (error) {
      if (errCodeOf(error) === COLLECTION_NOT_EXIST) return undefined;
      throw error;
    }
  };
  const write = async (collection: string, id: string, data: Record<string, unknown>) => {
    const set = () => db.collection(collection).doc(id).set({ data });
    try {
      await set();
    } catch (error) {
      if (errCodeOf(error) !== COLLECTION_NOT_EXIST) throw error;
      await db.createCollection(collection).catch(() => undefined);
      await set();
    }
  };

  return {
    async readTicket(componentAppid) {
      const document = (await readOne(tokenCollection, `component_verify_ticket_${componentAppid}`)) as Record<string, unknown> | undefined;
      return typeof document?.ticket === 'string' && typeof document.createdAt === 'number' ? { ticket: document.ticket, createdAt: document.createdAt } : undefined;
    },
    async writeTicket(componentAppid, ticket, createdAt) {
      const current = await this.readTicket(componentAppid);
      if (current && current.createdAt > createdAt) return;
      await write(tokenCollection, `component_verify_ticket_${componentAppid}`, { kind: 'ticket', ticket, createdAt });
    },
    async readAuthorizer(authorizerAppid) {
      return toAuthorizer(await readOne(authorizerCollection, authorizerAppid));
    },
    async writeAuthorizer(record) {
      await write(authorizerCollection, record.authorizerAppid, { kind: 'authorizer', ...record });
    },
    async listAuthorizers() {
      const found: AuthorizerRecord[] = [];
      for (let offset = 0; ; offset += PAGE) {
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
        for (const document of page) {
          const record = toAuthorizer(document);
          if (record) found.push(record);
        }
        if (page.length < PAGE) return found;
      }
    },
    async markSynced(authorizerAppid, syncedAt) {
      await db.collection(authorizerCollection).where({ _id: authorizerAppid, kind: 'authorizer' }).update({ data: { syncedAt } });
    },
  };
}
