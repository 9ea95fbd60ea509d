import type { YearMonth } from '../dates';
import { isPlainObject } from '../reports/numbers';
import type { ReportDefinition, ReportKind } from '../reports/report';

/** One stored month of one kind of figures. */
export interface ArchivedMonth<Data = unknown> {
  kind: ReportKind;
  month: YearMonth;
  data: Data;
  fetchedAt: Date;
}

/** Where months are kept between calls, and the sync's lease. */
export interface ArchiveStore {
  /**
   * The stored documents of `kind` for `months`, read by their deterministic ids only, keyed by month,
   * as they are in the database (unchecked: see {@link parseArchivedMonth}). Absent months are missing.
   */
  read(kind: ReportKind, months: readonly YearMonth[]): Promise<Map<YearMonth, unknown>>;
  /** Stores one month, replacing what was there: one document per month and kind. */
  write(entry: ArchivedMonth): Promise<void>;
  /**
   * Takes the lease `name` for `holder` until `until` (epoch ms) if nobody holds it at `now` (epoch
   * ms); true when taken. A holder that crashed blocks others until its lease expires, no longer.
   */
  acquireLease(name: string, holder: string, until: number, now: number): Promise<boolean>;
  /** Gives the lease back (removes it), if `holder` still holds it. */
  releaseLease(name: string, holder: string): Promise<void>;
}

/** The document id of a month of a kind; deterministic, so writes are idempotent and reads exact. */
export function archiveId(kind: ReportKind, month: YearMonth): string {
  return `${kind}_${month}`;
}

/** The document id of a lease. */
export function leaseId(name: string): string {
  return `lease_${name}`;
}

/**
 * A document read back from the archive as a month of `report`, or `undefined` when any part of it is
 * not what the functions write (another kind or month, no valid `fetchedAt`, data of another shape):
 * such a document counts as missing and is fetched again and overwritten.
 */
export function parseArchivedMonth<Data>(report: ReportDefinition<Data>, month: YearMonth, document: unknown): ArchivedMonth<Data> | undefined {
  if (!isPlainObject(document)) return undefined;
  const { kind, month: storedMonth, data, fetchedAt } = document;
  if (kind !== report.kind || storedMonth !== month) return undefined;
  const fetched = fetchedAt instanceof Date ? fetchedAt : typeof fetchedAt === 'string' ? new Date(fetchedAt) : undefined;
  if (!fetched || Number.isNaN(fetched.getTime())) return undefined;
  const parsed = report.parseStored(data, month);
  if (parsed === undefined) return undefined;
  return { kind: report.kind, month, data: parsed, fetchedAt: fetched };
}

