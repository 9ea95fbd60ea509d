import type { Document, DocumentStore, Match } from './documents';

/** Rounds of taking a lease (a conditional update, a create, a read) before a document that keeps changing fails it. */
const LEASE_ROUNDS = 3;

/** Where a lease lives in its document, and what else taking it depends on. */
export interface LeaseShape {
  /** The field of the holder (default `holder`). */
  holderField?: string;
  /** The field of the expiry, epoch ms (default `expiresAt`). */
  expiryField?: string;
  /** What else must hold of the document for the lease to be taken (the token a refresh replaces, say). */
  match?: Match;
  /** The rest of the document to create when there is none; `null`: never create one. Default `{ kind: 'lease' }`. */
  create?: Document | null;
  /** Whether a stored document is one the functions could have written; default: any. */
  valid?: (document: Document) => boolean;
  /** An attempt of this very call was applied only when the expiry is also this call's (default: the holder alone says so). */
  sameExpiry?: boolean;
}

/** A match for `field` as it was seen: its value, or absent; nothing for a value a match cannot name (an object). */
function asSeen(field: string, value: unknown): Match {
  if (value === undefined) return { [field]: { absent: true } };
  if (value === null || ['string', 'number', 'boolean'].includes(typeof value)) return { [field]: value as string | number | boolean | null };
  return {};
}

const holds = (document: Document, match: Match) => Object.entries(match).every(([field, expected]) => document[field] === expected);

/**
 * Takes the lease `id` for `holder` until `until` (epoch ms) if nobody holds it at `now` (epoch ms),
 * over any {@link DocumentStore}: the one lease policy (the sync's lease, a token's refresh lease).
 * - An expired lease is taken by a conditional update (expiry below `now`, and `shape.match`); a
 *   missing one is created (unless `shape.create` is `null`).
 * - `true` when taken, or when `holder` already holds it (an earlier attempt applied, its reply lost).
 * - `false` only when a live lease of another holder was **seen**, or `shape.match` no longer holds.
 * - A document no holder could have written (not `shape.valid`, no expiry, or one beyond `now + maxMs`)
 *   would block every run for ever: it is removed, only as it was seen (so a run that removed it first
 *   keeps its own), and the lease taken (with `shape.create` `null`: `false`, and the caller reads again).
 * - Any other failure rejects: a failed write is never "held by another".
 */
export async function takeLease(store: DocumentStore, id: string, holder: string, until: number, now: number, maxMs: number, shape: LeaseShape = {}): Promise<boolean> {
  const holderField = shape.holderField ?? 'holder';
  const expiryField = shape.expiryField ?? 'expiresAt';
  const match: Match = shape.match ?? {};
  const create = shape.create === undefined ? { kind: 'lease' } : shape.create;
  for (let round = 0; round < LEASE_ROUNDS; round += 1) {
    if (await store.updateIf(id, { ...match, [expiryField]: { below: now } }, { [holderField]: holder, [expiryField]: until })) return true;
    let createError: unknown;
    if (create !== null) {
      try {
        if ((await store.create(id, { ...create, [holderField]: holder, [expiryField]: until })) === 'created') return true;
      } catch (error) {
        createError = error;
      }
    }
    const current = await store.read(id);
    if (current === undefined) {
      if (createError !== undefined) throw createError; // the database's failure, not another run's lease
      if (create === null) return false; // what the lease depended on is gone: the caller reads again
      continue; // given back in between: take it in the next round
    }
    const expiresAt = current[expiryField];
    if ((shape.valid && !shape.valid(current)) || typeof expiresAt !== 'number' || !Number.isFinite(expiresAt) || expiresAt > now + maxMs) {
      await store.removeIf(id, { ...asSeen(holderField, current[holderField]), ...asSeen(expiryField, expiresAt) });
      // Removed (by this run or another). A lease that may not create its document leaves it to the
      // caller, which reads again and finds none.
      if (create === null) return false;
      continue;
    }
    if (current[holderField] === holder && (!shape.sameExpiry || expiresAt === until)) return true;
    if (!holds(current, match)) return false; // what the lease depended on changed: the caller reads again
    if (expiresAt >= now) return false; // a live lease of another holder, seen
  }
  throw new Error(`the lease document ${id} kept changing while it was being taken`);
}

/** Gives the lease `id` back (removes it), if `holder` still holds it. */
export async function giveLeaseBack(store: DocumentStore, id: string, holder: string): Promise<void> {
  await store.removeIf(id, { holder });
}
