/**
 * The small document store the policies (leases, compare-and-set) are written over: one collection,
 * documents by id, writes conditional on what is stored. Two adapters implement it: the CloudBase
 * database (`platform/cloudbase/documents.ts`) and memory (`store/memory.ts`, for tests); both pass the
 * same contract tests (`test/contract/documents.ts`).
 */

/** What a stored field must be for a conditional write to apply: a value, below a number, or absent. */
export type FieldMatch = string | number | boolean | null | { below: number } | { absent: true };

/** Fields and what each must be; all must hold. */
export type Match = Readonly<Record<string, FieldMatch>>;

export type Document = Record<string, unknown>;

export interface DocumentStore {
  /** The document `id`, as stored; undefined when there is none. Rejects with the database's error. */
  read(id: string): Promise<Document | undefined>;
  /**
   * Creates `id` with `data` unless a document has that id: `created`, or `exists`. Rejects with the
   * database's error otherwise (the document may or may not have been created: read it to know).
   */
  create(id: string, data: Document): Promise<'created' | 'exists'>;
  /** Sets `fields` of `id` if it exists and every field of `match` holds; true when it applied. */
  updateIf(id: string, match: Match, fields: Document): Promise<boolean>;
  /** Removes `id` if every field of `match` holds; true when it removed it. */
  removeIf(id: string, match: Match): Promise<boolean>;
}

/** Whether `value` (a stored field) meets `match`. The memory adapter's rule, and the CloudBase query's. */
export function fieldMatches(value: unknown, match: FieldMatch): boolean {
  if (match !== null && typeof match === 'object') {
    if ('absent' in match) return value === undefined;
    return typeof value === 'number' && value < match.below;
  }
  return value === match;
}
