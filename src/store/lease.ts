import type { DocumentStore, Match } from './documents';

/** Rounds of taking a lease (a conditional update, a create, a read) before a document that keeps changing fails it. */
const LEASE_ROUNDS = 3;

/** A lease document's fields. */
interface LeaseFields {
  holder: unknown;
  expiresAt: unknown;
}

/**
 * Takes the lease `id` for `holder` until `until` (epoch ms) if nobody holds it at `now` (epoch ms),
 * over any {@link DocumentStore}: the one lease policy.
 * - An expired lease is taken by a conditional update (`expiresAt` below `now`); a missing one is created.
 * - `true` when taken, or when `holder` already holds it (an earlier attempt applied, its reply lost).
 * - `false` only when a live lease of another holder was **seen**.
 * - A lease no holder could have written (no expiry, or one beyond `now + maxMs`) would block every
 *   run for ever: it is removed, only as it was seen (so a run that removed it first keeps its own), and
 *   the lease taken.
 * - Any other failure rejects: a failed write is never "held by another".
 */
export async function takeLease(store: DocumentStore, id: string, holder: string, until: number, now: number, maxMs: number, kind = 'lease'): Promise<boolean> {
  for (let round = 0; round < LEASE_ROUNDS; round += 1) {
    if (await store.updateIf(id, { expiresAt: { below: now } }, { holder, expiresAt: until })) return true;
    let createError: unknown;
    try {
      if ((await store.create(id, { kind, holder, expiresAt: until })) === 'created') return true;
    } catch (error) {
      createError = error;
    }
    const current = (await store.read(id)) as Partial<LeaseFields> | undefined;
    if (current === undefined) {
      if (createError !== undefined) throw createError; // the database's failure, not another run's lease
      continue; // given back in between: take it in the next round
    }
    if (current.holder === holder) return true;
    const { expiresAt } = current;
    if (typeof expiresAt !== 'number' || !Number.isFinite(expiresAt) || expiresAt > now + maxMs) {
      await store.removeIf(id, { ...asSeen('holder', current.holder), ...asSeen('expiresAt', expiresAt) });
      continue;
    }
    if (expiresAt >= now) return false; // a live lease of another holder, seen
  }
  throw new Error(`the lease document ${id} kept changing while it was being taken`);
}

/** A match for `field` as it was seen: its value, or absent; nothing for a value a match cannot name (an object). */
function asSeen(field: string, value: unknown): Match {
  if (value === undefined) return { [field]: { absent: true } };
  if (value === null || ['string', 'number', 'boolean'].includes(typeof value)) return { [field]: value as string | number | boolean | null };
  return {};
}

/** Gives the lease `id` back (removes it), if `holder` still holds it. */
export async function giveLeaseBack(store: DocumentStore, id: string, holder: string): Promise<void> {
  await store.removeIf(id, { holder });
}
