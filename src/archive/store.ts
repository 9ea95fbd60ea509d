import type { YearMonth } from '../dates';
import { isPlainObject } from '../reports/numbers';
import type { ReportDefinition, ReportKind } from '../reports/report';

/**
 * Whose figures: `null` for the environment's own Mini Program (the cloud call, HTTPS), or the AppID of
 * an authorised Mini Program (a third-party platform's). Two Mini Programs' months never mix.
 */
export type ArchiveOwner = string | null;

/**
 * The layout of archive documents: 2 adds `appid` and `schemaVersion`. Documents written before (no
 * `schemaVersion`) read as version 1 of the environment's own Mini Program; their data has the same shape.
 */
export const ARCHIVE_SCHEMA_VERSION = 2;

/** One stored month of one kind of figures. */
export interface ArchivedMonth<Data = unknown> {
  kind: ReportKind;
  month: YearMonth;
  appid: ArchiveOwner;
  data: Data;
  fetchedAt: Date;
}

/** Where months are kept between calls, and the sync's lease. */
export interface ArchiveStore {
  /**
   * The stored documents of `kind` for `months`, read by their deterministic ids only, keyed by month,
   * as they are in the database (unchecked: see {@link parseArchivedMonth}). Absent months are missing.
   */
  read(kind: ReportKind, months: readonly YearMonth[], appid: ArchiveOwner): Promise<Map<YearMonth, unknown>>;
  /**
   * Stores one month (one document per month, kind and Mini Program). Figures always replace what was
   * there (`written`). An entry without figures (`figures: false`) is written only where nothing with
   * figures is stored, decided by the write itself so that a concurrent write of figures cannot be lost
   * between a read and this write: an update conditional on the stored document having none (or, for
   * a document written before the `figures` field, on it still being the one read, `expected`), else an
   * `add` with the fixed id. `kept` when figures were stored and were left as they are.
   * Rejects with the database's error when the write failed (it may or may not have been applied).
   */
  write(entry: ArchivedMonth & { figures: boolean }, expected?: { fetchedAt: Date }): Promise<'written' | 'kept'>;
  /**
   * Takes the lease `name` for `holder` until `until` (epoch ms) if nobody holds it at `now` (epoch
   * ms); true when taken, or already held by `holder` (an earlier attempt that was applied); false only
   * when a live lease of another holder was seen. A holder that crashed blocks others until its lease
   * expires, no longer. Rejects with the database's error when that could not be told.
   */
  acquireLease(name: string, holder: string, until: number, now: number): Promise<boolean>;
  /** Gives the lease back (removes it), if `holder` still holds it. */
  releaseLease(name: string, holder: string): Promise<void>;
  /**
   * The failure mark `name` (see `sync/failure-mark.ts`) as stored, unchecked; undefined when there is
   * none. Rejects with the database's error when it could not be read.
   */
  readMark(name: string): Promise<unknown>;
  /** Stores the failure mark `name` (replacing the one there). Rejects with the database's error. */
  writeMark(name: string, mark: Record<string, unknown>): Promise<void>;
  /** Removes the failure mark `name`, if there is one. Rejects with the database's error. */
  removeMark(name: string): Promise<void>;
}

/** The document id of a failure mark. */
export function markId(name: string): string {
  return `mark_${name}`;
}

/**
 * The document id of a month of a kind: `<kind>_<YYYY-MM>` for the environment's own Mini Program,
 * `<appid>_<kind>_<YYYY-MM>` for another. Deterministic, so writes are idempotent and reads exact.
 */
export function archiveId(kind: ReportKind, month: YearMonth, appid: ArchiveOwner = null): string {
  return appid === null ? `${kind}_${month}` : `${appid}_${kind}_${month}`;
}

/** How far in the future a stored `fetchedAt` may be (clock skew between instances), in ms: 5 minutes. */
const FUTURE_TOLERANCE_MS = 5 * 60 * 1000;

/** The document id of a lease. */
export function leaseId(name: string): string {
  return `lease_${name}`;
}

/**
 * A document read back from the archive as a month of `report`, or `undefined` when any part of it is
 * not what the functions write (another kind, month or Mini Program, an unknown schema version, no valid
 * `fetchedAt` or one in the future, data of another shape or that disagrees with itself):
 * such a document counts as missing and is fetched again and overwritten.
 */
export function parseArchivedMonth<Data>(
  report: ReportDefinition<Data>,
  month: YearMonth,
  appid: ArchiveOwner,
  document: unknown,
  now: number = Date.now(),
): ArchivedMonth<Data> | undefined {
  if (!isPlainObject(document)) return undefined;
  const { kind, month: storedMonth, data, fetchedAt, schemaVersion = 1, appid: storedAppid = null } = document;
  if (kind !== report.kind || storedMonth !== month) return undefined;
  if (schemaVersion !== 1 && schemaVersion !== ARCHIVE_SCHEMA_VERSION) return undefined;
  if (storedAppid !== appid || (schemaVersion === 1 && appid !== null)) return undefined;
  const fetched = fetchedAt instanceof Date ? fetchedAt : typeof fetchedAt === 'string' ? new Date(fetchedAt) : undefined;
  if (!fetched || Number.isNaN(fetched.getTime()) || fetched.getTime() > now + FUTURE_TOLERANCE_MS) return undefined;
  const parsed = report.parseStored(data, month);
  if (parsed === undefined) return undefined;
  return { kind: report.kind, month, appid, data: parsed, fetchedAt: fetched };
}

