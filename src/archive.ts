import type { YearMonth } from './dates';
import type { ReportKind } from './reports/report';

/** One stored month of one kind of figures. */
export interface ArchivedMonth<Data = unknown> {
  kind: ReportKind;
  month: YearMonth;
  data: Data;
  fetchedAt: Date;
}

/** Where months are kept between calls. */
export interface ArchiveStore {
  /** The stored months of `kind` among `months` (absent ones are simply missing). */
  read(kind: ReportKind, months: readonly YearMonth[]): Promise<Map<YearMonth, ArchivedMonth>>;
  /** Stores one month, replacing what was there: one document per month and kind. */
  write(entry: ArchivedMonth): Promise<void>;
}

/** The document id of a month of a kind; deterministic, so writes are idempotent. */
export function archiveId(kind: ReportKind, month: YearMonth): string {
  return `${kind}_${month}`;
}

/** The part of `wx-server-sdk`'s database the archive uses. */
export interface CloudDatabase {
  collection(name: string): {
    doc(id: string): { set(options: { data: Record<string, unknown> }): Promise<unknown> };
    where(query: Record<string, unknown>): { limit(count: number): { get(): Promise<{ data?: unknown }> } };
  };
  command: { in(values: unknown[]): unknown };
  createCollection(name: string): Promise<unknown>;
}

const COLLECTION_NOT_EXIST = -502005;

function errCodeOf(error: unknown): number | undefined {
  const code = (error as { errCode?: unknown } | null)?.errCode;
  return typeof code === 'number' ? code : undefined;
}

/**
 * The archive in the CloudBase database: collection `collection`, created on first write when
 * missing, one document per month and kind with id `<kind>_<YYYY-MM>`.
 */
export function createCloudArchive(db: CloudDatabase, collection: string): ArchiveStore {
  // Another run may create it at the same time: the failure is ignored and the retried write tells.
  const createCollection = () => db.createCollection(collection).catch(() => undefined);

  return {
    async read(kind, months) {
      let documents: unknown;
      try {
        const reply = await db
          .collection(collection)
          .where({ kind, month: db.command.in([...months]) })
          .limit(Math.max(months.length, 1))
          .get();
        documents = reply.data;
      } catch (error) {
        if (errCodeOf(error) === COLLECTION_NOT_EXIST) return new Map();
        throw error;
      }
      const found = new Map<YearMonth, ArchivedMonth>();
      for (const document of Array.isArray(documents) ? documents : []) {
        const entry = toArchivedMonth(document);
        if (entry && entry.kind === kind) found.set(entry.month, entry);
      }
      return found;
    },

    async write(entry) {
      const set = () =>
        db
          .collection(collection)
          .doc(archiveId(entry.kind, entry.month))
          .set({ data: { kind: entry.kind, month: entry.month, data: entry.data, fetchedAt: entry.fetchedAt } });
      try {
        await set();
      } catch (error) {
        if (errCodeOf(error) !== COLLECTION_NOT_EXIST) throw error;
        await createCollection();
        await set();
      }
    },
  };
}

function toArchivedMonth(document: unknown): ArchivedMonth | undefined {
  if (typeof document !== 'object' || document === null) return undefined;
  const { kind, month, data, fetchedAt } = document as Record<string, unknown>;
  if ((kind !== 'retain' && kind !== 'visitTrend') || typeof month !== 'string' || data === undefined) return undefined;
  const fetched = fetchedAt instanceof Date ? fetchedAt : new Date(String(fetchedAt));
  if (Number.isNaN(fetched.getTime())) return undefined;
  return { kind, month, data, fetchedAt: fetched };
}
